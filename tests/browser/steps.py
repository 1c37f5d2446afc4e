"""Steps that several browser flows take, written as a person does them."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import Page, expect


def sign_in(page: Page, scan, *, email: str, password: str) -> None:
    """Sign in from the login page; the caller checks where it lands."""
    page.goto("/login/")
    scan(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page, scan, *, name: str) -> None:
    """Sign out through the account menu at the top of every signed-in page."""
    page.get_by_role("button", name=name).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Karma")).to_be_visible()
    scan(page)


def choose_password(page: Page, password: str, *, button: str) -> None:
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm new password").fill(password)
    page.get_by_role("button", name=button).click()


def expect_dashboard(page: Page, site: str, *, first_name: str) -> None:
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_role("heading", name=f"Welcome, {first_name}")).to_be_visible()


def sign_in_to_dashboard(page: Page, scan, site: str, *, user, password: str) -> None:
    """Sign in as `user` and land on their dashboard, scanned."""
    sign_in(page, scan, email=user.email, password=password)
    expect_dashboard(page, site, first_name=user.first_name)
    scan(page)


def open_section(page: Page, scan, *, link: str, heading: str) -> None:
    """Follow `link` in the sidebar and wait for the section's heading."""
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=link, exact=True
    ).click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    scan(page)


def expect_notice(page: Page, text: str) -> None:
    """Wait for the status message a page shows after a change."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


# --- Files a person would have on their disk, made in the test ----------------


def image_file(name: str, *, size: tuple[int, int], color: str = "teal") -> dict:
    """Return a PNG of `size` as a Playwright file payload."""
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format="PNG")
    return {"name": name, "mimeType": "image/png", "buffer": output.getvalue()}


def pdf_file(name: str) -> dict:
    """Return a one-page PDF as a Playwright file payload."""
    output = io.BytesIO()
    Image.new("RGB", (595, 842), "white").save(output, format="PDF")
    return {"name": name, "mimeType": "application/pdf", "buffer": output.getvalue()}

"""Steps that several browser flows take, written as a person does them."""

from __future__ import annotations

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

"""A person who forgot their password gets a link by email and signs in again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from karma.accounts.tests.factories import LearnerFactory
from tests.browser.steps import choose_password, expect_dashboard, sign_in, sign_out
from tests.mailbox import first_link

pytestmark = pytest.mark.browser

NEW_PASSWORD = "harbour-violet-compass-82"


def ask_for_reset_link(page, scan, *, email: str) -> None:
    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    scan(page)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    scan(page)


def test_forgotten_password_is_replaced_through_the_emailed_link(
    site, page, scan, mailbox
):
    LearnerFactory(first_name="Fay", last_name="Forgetful", email="fay@example.com")

    ask_for_reset_link(page, scan, email="nobody@example.com")
    # Mail goes out before the answer, so an unknown address had its chance.
    assert mailbox.recipients() == []
    ask_for_reset_link(page, scan, email="fay@example.com")

    link = first_link(mailbox.wait_for("fay@example.com"))
    assert link.startswith(f"{site}/password/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    scan(page)
    choose_password(page, NEW_PASSWORD, button="Set password and sign in")
    expect_dashboard(page, site, first_name="Fay")
    scan(page)

    sign_out(page, scan, name="Fay Forgetful")
    sign_in(page, scan, email="fay@example.com", password=NEW_PASSWORD)
    expect_dashboard(page, site, first_name="Fay")
    scan(page)

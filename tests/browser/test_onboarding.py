"""The two ways into Karma: an emailed invitation, and a temporary password."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from karma.accounts.models import User
from tests.browser.steps import (
    choose_password,
    expect_dashboard,
    sign_in,
    sign_out,
)
from tests.mailbox import first_link

pytestmark = pytest.mark.browser

NEW_PASSWORD = "plum-orchard-lantern-47"


def open_users_page(page, scan, *, link: str) -> None:
    """Go to Users from the sidebar, then follow `link` (Invite or Create User)."""
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Users"
    ).click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    scan(page)
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=link)).to_be_visible()
    scan(page)


def fill_new_user(page, *, first_name, last_name, email, role) -> None:
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Role").select_option(label=role)


def test_invitee_opens_emailed_link_sets_password_and_lands_signed_in(
    site, page, new_page, scan, mailbox, admin, password
):
    sign_in(page, scan, email=admin.email, password=password)
    expect_dashboard(page, site, first_name="Ada")
    scan(page)
    open_users_page(page, scan, link="Invite User")

    fill_new_user(
        page,
        first_name="Inès",
        last_name="Invitée",
        email="ines@example.com",
        role="Instructor",
    )
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent")).to_be_visible()
    scan(page)

    message = mailbox.wait_for("ines@example.com")
    link = first_link(message)
    assert link.startswith(f"{site}/invitations/")

    invitee = new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Welcome to Karma")).to_be_visible()
    expect(invitee.get_by_text("ines@example.com")).to_be_visible()
    scan(invitee)
    choose_password(invitee, NEW_PASSWORD, button="Activate my account")
    expect_dashboard(invitee, site, first_name="Inès")
    expect(invitee.get_by_role("button", name="Inès Invitée")).to_be_visible()
    scan(invitee)

    invitee.goto(link)
    expect(
        invitee.get_by_role("heading", name="This invitation cannot be used")
    ).to_be_visible()
    expect(invitee.get_by_text("already accepted")).to_be_visible()
    scan(invitee)

    user = User.objects.get(email="ines@example.com")
    assert user.check_password(NEW_PASSWORD)
    assert user.role == "instructor"


def test_created_user_must_replace_temporary_password_before_anything_else(
    site, page, scan, admin, password
):
    sign_in(page, scan, email=admin.email, password=password)
    expect_dashboard(page, site, first_name="Ada")
    scan(page)
    open_users_page(page, scan, link="Create User")

    fill_new_user(
        page,
        first_name="Carl",
        last_name="Created",
        email="carl@example.com",
        role="Learner",
    )
    page.get_by_role("button", name="Create account").click()
    expect(
        page.get_by_role("heading", name="Account created for Carl Created")
    ).to_be_visible()
    temporary_password = page.get_by_label("Temporary password").input_value()
    assert len(temporary_password) >= 12
    scan(page)
    sign_out(page, scan, name="Ada Admin")

    sign_in(page, scan, email="carl@example.com", password=temporary_password)
    expect(page).to_have_url(f"{site}/password/required/")
    expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    scan(page)
    for elsewhere in ("/users/", "/"):
        page.goto(elsewhere)
        expect(page).to_have_url(f"{site}/password/required/")

    choose_password(page, NEW_PASSWORD, button="Save password and continue")
    expect_dashboard(page, site, first_name="Carl")
    scan(page)

    user = User.objects.get(email="carl@example.com")
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)

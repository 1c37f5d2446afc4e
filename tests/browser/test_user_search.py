"""The Users list narrows as an admin types, without reloading the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from karma.accounts.tests.factories import LearnerFactory
from tests.browser.steps import expect_dashboard, sign_in

pytestmark = pytest.mark.browser


def test_typing_a_plain_name_finds_its_accented_spelling_live(
    site, page, scan, watch, admin, password
):
    LearnerFactory(first_name="José", last_name="Núñez", email="jn@example.com")
    LearnerFactory(first_name="Jose", last_name="Ramírez", email="jr@example.com")
    LearnerFactory(first_name="Nuria", last_name="Núñez", email="nn@example.com")
    sign_in(page, scan, email=admin.email, password=password)
    expect_dashboard(page, site, first_name="Ada")
    scan(page)
    page.goto("/users/")
    people = page.get_by_role("table").get_by_role("rowheader")
    expect(people).to_have_count(4)
    scan(page)
    loads_before = len(watch.loaded)
    page.evaluate("window.karmaTestMarker = 'still here'")

    page.get_by_label("Search by name or email").press_sequentially(
        "jose nunez", delay=20
    )

    expect(people).to_have_text(["José Núñez"])
    expect(page.get_by_text("1 user found")).to_be_visible()
    assert page.evaluate("window.karmaTestMarker") == "still here"
    assert len(watch.loaded) == loads_before
    scan(page)

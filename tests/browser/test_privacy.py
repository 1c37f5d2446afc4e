"""Data rights in the browser: downloading an archive, erasing a learner."""

from __future__ import annotations

import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.steps import expect_notice, sign_in_to_dashboard

pytestmark = pytest.mark.browser


def test_learner_downloads_their_data_from_my_profile(
    site, page, scan, learner, password, tmp_path
):
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    page.goto("/me/")
    scan(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()

    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith(f"karma-data-{learner.public_id}")
    assert "profile.json" in zipfile.ZipFile(path).namelist()


def test_admin_erases_a_learner_from_their_profile(
    site, page, scan, admin, learner, password
):
    sign_in_to_dashboard(page, scan, site, user=admin, password=password)
    page.goto(f"/users/{learner.public_id}/")
    scan(page)
    data = page.get_by_role("region", name="Data")
    expect(data.get_by_role("link", name="Download data")).to_be_visible()

    data.get_by_role("link", name="Erase learner…").click()
    expect(page.get_by_role("heading", name="Erase Lea Learner")).to_be_visible()
    scan(page)
    page.get_by_label("Type the person's email address").fill("someone@example.com")
    page.get_by_label("Reason").fill("Request 31 by mail")
    page.get_by_role("button", name="Erase learner").click()
    expect(page.get_by_text("not the email address of the person")).to_be_visible()
    scan(page)

    page.get_by_label("Type the person's email address").fill(learner.email)
    page.get_by_role("button", name="Erase learner").click()

    expect_notice(page, "personal data was erased")
    expect(page.get_by_role("heading", name="Erased learner")).to_be_visible()
    scan(page)

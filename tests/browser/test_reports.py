"""Reports as an instructor and an admin meet them: who is at risk and why,
the course's Progress tab filtered as you type, one learner's detail, a
CSV download, and the platform's weekly chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from karma.reports.tests.known import build_known_course
from tests.browser.steps import open_section, sign_in_to_dashboard

pytestmark = pytest.mark.browser


def test_instructor_follows_a_class_from_the_dashboard_to_one_learner(
    site, new_page, scan, instructor, password
):
    known = build_known_course(instructor)
    page = new_page()
    sign_in_to_dashboard(page, scan, site, user=instructor, password=password)
    open_section(page, scan, link="Reports", heading="Reports")

    at_risk = page.get_by_role("table", name="Learners who may need a word")
    expect(at_risk.get_by_role("row").nth(1)).to_contain_text(
        "Not started 9 days after enrolling"
    )
    page.get_by_role("link", name="Known course").first.click()
    expect(page.get_by_role("heading", name="Progress")).to_be_visible()
    scan(page)
    expect(page.get_by_role("status").filter(has_text="7 learners")).to_be_visible()

    page.get_by_label("Status").select_option("at_risk")
    expect(
        page.get_by_role("status").filter(has_text="4 learners found")
    ).to_be_visible()
    page.get_by_label("Search by name or email").fill("gus")
    expect(
        page.get_by_role("status").filter(has_text="1 learner found")
    ).to_be_visible()
    expect(
        page.get_by_role("progressbar", name="Practice, Gus Known")
    ).to_have_attribute("aria-valuenow", "50")

    page.get_by_role("link", name="Gus Known").click()
    expect(page.get_by_role("heading", name="Gus Known")).to_be_visible()
    scan(page)
    expect(page.get_by_text("2 of 4 required lessons done")).to_be_visible()
    expect(page.get_by_text("No activity for 17 days")).to_be_visible()

    page.get_by_role("link", name="All learners").click()
    scan(page)
    page.get_by_role("button", name="Export").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Progress by module (CSV)").click()
    with open(download.value.path(), "rb") as exported:
        assert exported.read(3) == b"\xef\xbb\xbf"
    assert download.value.suggested_filename.startswith("known-course-progress-")
    assert known.course.public_id in page.url


def test_admin_reads_the_platform_weeks(
    site, new_page, scan, admin, instructor, password
):
    build_known_course(instructor)
    page = new_page()
    sign_in_to_dashboard(page, scan, site, user=admin, password=password)
    open_section(page, scan, link="Reports", heading="Reports")

    page.get_by_role("link", name="Platform").click()
    expect(page.get_by_role("heading", name="The last 12 weeks")).to_be_visible()
    scan(page)
    expect(
        page.get_by_role("img", name="Enrollments and completions per week")
    ).to_be_visible()
    expect(page.get_by_role("table", name="Each course's enrollments")).to_contain_text(
        "Known course"
    )

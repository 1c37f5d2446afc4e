"""My Learning and certificates as a learner and an employer meet them:
the ring and the breakdown, downloading the PDF, and checking its code
signed out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.learning.tests.records import complete, enroll
from tests.browser.steps import open_section, sign_in_to_dashboard

pytestmark = pytest.mark.browser


@pytest.fixture
def courses(learner, instructor):
    """Fire safety half done; First aid complete, with its certificate."""
    fire = PublishedCourseFactory(owner=instructor, title="Fire safety")
    basics = ModuleFactory(course=fire, name="Basics")
    first = LessonFactory(module=basics, title="Raise the alarm", estimated_minutes=5)
    LessonFactory(module=basics, title="Leave the building", estimated_minutes=10)
    complete(enroll(fire, learner), first, seconds=120)

    aid = PublishedCourseFactory(
        owner=instructor, title="First aid", certificate_enabled=True
    )
    only = LessonFactory(module=ModuleFactory(course=aid, name="All of it"))
    complete(enroll(aid, learner), only)
    return {"fire": fire, "aid": aid, "certificate": learner.certificates.get()}


def test_learner_follows_progress_and_an_employer_checks_the_certificate(
    site, new_page, scan, learner, password, courses
):
    page = new_page()
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    open_section(page, scan, link="My Learning", heading="My Learning")

    expect(page.get_by_role("img", name="50% complete")).to_be_visible()
    expect(page.get_by_role("img", name="100% complete")).to_be_visible()
    fire = page.get_by_role("article", name="Fire safety")
    expect(fire.get_by_role("row", name="Basics")).to_contain_text("1 / 2")
    expect(fire).to_contain_text("About 10 min for 1 required lesson")
    expect(fire.get_by_role("link", name="Continue Fire safety")).to_have_attribute(
        "href", f"/learn/{courses['fire'].public_id}/"
    )

    with page.expect_download() as download:
        page.get_by_role("article", name="First aid").get_by_role(
            "link", name="Download PDF certificate for First aid"
        ).click()
    code = courses["certificate"].code
    assert download.value.suggested_filename == f"certificate-{code}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    employer = new_page()
    employer.goto("/verify/")
    scan(employer)
    employer.get_by_label("Verification code").fill(code.replace("-", "").lower())
    employer.get_by_role("button", name="Check code").click()
    expect(
        employer.get_by_role("heading", name="This certificate is genuine")
    ).to_be_visible()
    scan(employer)
    expect(employer.get_by_role("definition")).to_have_text(
        ["Lea Learner", "First aid", employer.get_by_role("time").inner_text()]
    )

    employer.get_by_label("Verification code").fill("7KQ3-M9X2-P4W8-V6TJ")
    employer.get_by_role("button", name="Check code").click()
    expect(employer.get_by_role("alert")).to_have_text("No certificate has this code.")
    scan(employer)

"""Enrolling one person: the Enroll button, Enroll in Course, the Learners tab."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from karma.audit.models import AuditEvent, AuditKind
from karma.courses.models import EnrollmentType
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.models import Enrollment, EnrollmentStatus
from tests.browser.steps import (
    expect_notice,
    open_section,
    sign_in_to_dashboard,
)
from tests.mailbox import first_link

pytestmark = pytest.mark.browser


def course_with_a_lesson(**fields):
    course = PublishedCourseFactory(**fields)
    LessonFactory(module=ModuleFactory(course=course, name="Getting started"))
    return course


def my_courses(page):
    return page.get_by_role("region", name="My courses")


def test_learner_enrolls_from_the_course_page_and_finds_it_on_the_dashboard(
    site, page, scan, mailbox, learner, password
):
    course = course_with_a_lesson(title="Fire wardens", category="Safety")
    closed = course_with_a_lesson(
        title="Board briefings", enrollment_type=EnrollmentType.INVITE_ONLY
    )
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    expect(
        my_courses(page).get_by_text("not enrolled in any course yet")
    ).to_be_visible()

    open_section(page, scan, link="Catalog", heading="Catalog")
    closed_card = page.get_by_role("article").filter(has_text="Board briefings")
    expect(closed_card.get_by_text("Invite-only: ask an instructor")).to_be_visible()
    expect(closed_card.get_by_role("button")).to_have_count(0)
    page.get_by_role("link", name="Board briefings").click()
    expect(page.get_by_role("heading", name="Board briefings", level=1)).to_be_visible()
    expect(page.get_by_text("Invite-only: ask an instructor")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Enroll"))).to_have_count(0)
    scan(page)

    page.goto(f"/courses/{course.public_id}/")
    scan(page)
    page.get_by_role("button", name="Enroll", exact=True).click()
    expect_notice(page, "You are enrolled in “Fire wardens”.")
    enrolled = page.get_by_role("region", name="You are enrolled")
    expect(enrolled.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_role("button", name="Enroll", exact=True)).to_have_count(0)
    scan(page)

    message = mailbox.wait_for(learner.email)
    assert first_link(message) == f"{site}/courses/{course.public_id}/"

    open_section(page, scan, link="Dashboard", heading="Welcome, Lea")
    card = my_courses(page).get_by_role("article")
    expect(card.get_by_role("heading")).to_have_text(["Fire wardens"])
    expect(card).to_contain_text("Active")
    expect(card).to_contain_text("Not started")
    expect(card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")

    assert Enrollment.objects.get(learner=learner).course == course
    assert not Enrollment.objects.filter(course=closed).exists()


def open_learners_tab(page, scan, course) -> None:
    page.goto(f"/manage/courses/{course.public_id}/")
    scan(page)
    page.get_by_role("link", name="Learners", exact=True).click()
    expect(page.get_by_role("heading", name="Learners", level=2)).to_be_visible()
    scan(page)


def learner_row(page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def act_on_row(page, scan, *, action: str, name: str, reason: str) -> None:
    """Press a row's action, give the reason on the confirm page, confirm."""
    learner_row(page, name).get_by_role("link", name=f"{action} {name}").click()
    expect(page.get_by_role("heading", name=re.compile(name))).to_be_visible()
    scan(page)
    page.get_by_label("Reason (optional)").fill(reason)
    page.get_by_role("button", name=action, exact=True).click()


def test_admin_enrolls_from_a_profile_then_drops_and_reactivates_on_learners_tab(
    site, page, new_page, scan, mailbox, admin, learner, password
):
    course = course_with_a_lesson(
        title="Board briefings", enrollment_type=EnrollmentType.INVITE_ONLY
    )
    course_with_a_lesson(title="Fire wardens")
    sign_in_to_dashboard(page, scan, site, user=admin, password=password)
    open_section(page, scan, link="Users", heading="Users")
    page.get_by_role("link", name="Lea Learner").click()
    expect(page.get_by_role("heading", name="Lea Learner", level=1)).to_be_visible()
    scan(page)

    enroll = page.get_by_role("region", name="Enroll in Course")
    enroll.get_by_label("Search your courses").press_sequentially("brief", delay=20)
    choices = enroll.get_by_role("listitem")
    expect(choices).to_have_count(1)
    expect(choices).to_contain_text("Board briefings")
    enroll.get_by_role("link", name="Choose Board briefings").click()
    expect(
        page.get_by_role("heading", name="Enroll Lea Learner in “Board briefings”?")
    ).to_be_visible()
    expect(page.get_by_text("The course is invite-only")).to_be_visible()
    scan(page)
    page.get_by_label("Reason (optional)").fill("Joined the board")
    page.get_by_role("button", name="Enroll", exact=True).click()

    expect(page.get_by_role("heading", name="Lea Learner", level=1)).to_be_visible()
    expect_notice(page, "Enrolled Lea Learner in “Board briefings”.")
    row = (
        page.get_by_role("region", name="Enrolled courses")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name="Board briefings"))
    )
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("Not started")
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
    expect(row).to_contain_text("0%")
    scan(page)
    assert first_link(mailbox.wait_for(learner.email)).endswith(
        f"/courses/{course.public_id}/"
    )

    reader = new_page()
    sign_in_to_dashboard(reader, scan, site, user=learner, password=password)
    expect(my_courses(reader).get_by_role("heading", level=3)).to_have_text(
        ["Board briefings"]
    )

    open_learners_tab(page, scan, course)
    expect(learner_row(page, "Lea Learner")).to_contain_text("Active")
    act_on_row(page, scan, action="Drop", name="Lea Learner", reason="Left the board")
    expect_notice(page, "Dropped Lea Learner from this course.")
    expect(learner_row(page, "Lea Learner")).to_contain_text("Dropped")
    scan(page)

    act_on_row(
        page, scan, action="Reactivate", name="Lea Learner", reason="Back on the board"
    )
    expect_notice(page, "Reactivated the enrollment of Lea Learner.")
    expect(learner_row(page, "Lea Learner")).to_contain_text("Active")
    scan(page)

    enrollment = Enrollment.objects.get(learner=learner, course=course)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    reasons = dict(
        AuditEvent.objects.filter(subject=learner).values_list("kind", "reason")
    )
    assert reasons[AuditKind.ENROLLMENT_CREATED] == "Joined the board"
    assert reasons[AuditKind.ENROLLMENT_DROPPED] == "Left the board"
    assert reasons[AuditKind.ENROLLMENT_REACTIVATED] == "Back on the board"

"""The lesson player as a learner uses it: reading to the end, a PDF read
in place, Mark complete, and the course completing without a reload."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from karma.courses import services as course_services
from karma.courses.services import LessonInput
from karma.courses.tests.factories import PublishedCourseFactory
from karma.courses.tests.sample_files import pdf, upload
from karma.enrollments.models import Enrollment
from karma.enrollments.services.enrollments import enroll_learner
from karma.learning.models import LessonProgress
from tests.browser.steps import pdf_file, sign_in_to_dashboard

# A short clip the demo course ships with.
CLIP = (
    Path(__file__).resolve().parents[2]
    / "karma/courses/demo_assets/working-safely-with-data/three-questions.webm"
)

pytestmark = pytest.mark.browser


@pytest.fixture
def course(settings, tmp_path, instructor, learner):
    settings.MEDIA_ROOT = tmp_path
    course = PublishedCourseFactory(owner=instructor, title="Fire wardens")
    module = course_services.add_module(course=course, name="Basics")
    document = pdf_file("Evacuation plan.pdf")
    for data in [
        LessonInput(title="Welcome", type="text", body="<p>Short and sweet.</p>"),
        LessonInput(
            title="Walk the route",
            type="text",
            body="<p>Walk it once with a colleague.</p>",
            manual_completion=True,
        ),
        LessonInput(
            title="Evacuation plan",
            type="document",
            file=pdf("Evacuation plan.pdf", document["buffer"]),
        ),
    ]:
        course_services.add_lesson(module=module, data=data)
    enroll_learner(course=course, learner=learner, enrolled_by=instructor)
    return course


def _outline(page):
    return page.get_by_role("navigation", name="Course outline")


def test_learner_completes_a_course_in_the_player(
    site, page, scan, learner, password, course
):
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    card = page.get_by_role("article").filter(has_text="Fire wardens")
    card.get_by_role("link", name="Start course").click()

    # A text that fits the screen is read to its end at once.
    expect(page.get_by_role("heading", name="Welcome", level=1)).to_be_visible()
    expect(page.get_by_text("✓ Completed.")).to_be_visible()
    expect(_outline(page).get_by_role("link", name="Done: Welcome")).to_be_visible()
    expect(page.get_by_text("33% · 1 of 3 required lessons done")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Course progress")).to_have_attribute(
        "aria-valuenow", "33"
    )
    scan(page)

    page.get_by_role("link", name="Next: Walk the route").click()
    expect(page.get_by_text("End of the lesson")).to_have_count(0)
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_role("status").get_by_text("Lesson complete.")).to_be_visible()
    expect(page.get_by_text("66% · 2 of 3 required lessons done")).to_be_visible()
    scan(page)

    # The PDF is read in place; the end of the lesson comes below it.
    page.get_by_role("link", name="Next: Evacuation plan").click()
    frame = page.locator("iframe[title='Evacuation plan (PDF document)']")
    expect(frame).to_be_visible()
    completed = page.get_by_text("You have completed this course.", exact=True)
    expect(completed).to_be_hidden()
    page.get_by_text("End of the lesson").scroll_into_view_if_needed()
    expect(completed).to_be_visible()
    expect(page.get_by_text("100% · Course completed")).to_be_visible()
    expect(page.locator("[data-player-announce]")).to_have_text(
        "Lesson complete. You have completed this course."
    )
    expect(
        page.locator("#main").get_by_role("link", name="My Learning")
    ).to_be_visible()
    scan(page)

    enrollment = Enrollment.objects.get(learner=learner)
    assert (enrollment.status, enrollment.progress_percent) == ("completed", 100)
    reasons = LessonProgress.objects.order_by("lesson__position").values_list(
        "completion_reason", flat=True
    )
    assert list(reasons) == ["read_to_end", "marked_complete", "read_to_end"]


def test_staff_preview_records_nothing(site, page, scan, instructor, password, course):
    sign_in_to_dashboard(page, scan, site, user=instructor, password=password)
    page.goto(f"/learn/{course.public_id}/")

    expect(page.get_by_text("Progress is not recorded for staff.")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome", level=1)).to_be_visible()
    scan(page)

    assert not LessonProgress.objects.exists()


@pytest.fixture
def video_course(settings, tmp_path, instructor, learner):
    settings.MEDIA_ROOT = tmp_path
    course = PublishedCourseFactory(owner=instructor, title="Data safety")
    module = course_services.add_module(course=course, name="Basics")
    clip = upload("three-questions.webm", CLIP.read_bytes(), "video/webm")
    video = course_services.add_lesson(
        module=module,
        data=LessonInput(title="Three questions", type="video", file=clip),
    )
    course_services.add_lesson(
        module=module, data=LessonInput(title="After", type="text", body="<p>x</p>")
    )
    enroll_learner(course=course, learner=learner, enrolled_by=instructor)
    return course, video


def _video_report(response) -> bool:
    request = response.request
    return request.url.endswith("/events/") and '"video"' in (request.post_data or "")


def _play(page, *, before_end: float | None = None) -> None:
    """Play the clip at double speed to its end, from the start or from
    `before_end` seconds before the end, and wait for the player's report."""
    with page.expect_response(_video_report) as report:
        page.locator("video").evaluate(
            "(v, beforeEnd) => new Promise(resolve => {"
            "  v.muted = true; v.playbackRate = 2;"
            "  const go = () => {"
            "    v.currentTime = beforeEnd === null ? 0 : v.duration - beforeEnd;"
            "    v.play(); resolve();"
            "  };"
            "  v.readyState >= 1 ? go() : v.addEventListener('loadedmetadata', go);"
            "})",
            before_end,
        )
        page.locator("video").evaluate(
            "v => v.ended || new Promise(r => v.addEventListener('ended', r))"
        )
    assert report.value.ok


def test_learner_completes_a_video_by_watching_not_by_seeking(
    site, page, scan, learner, password, video_course
):
    course, video = video_course
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    page.goto(f"/learn/{course.public_id}/lessons/{video.public_id}/")
    expect(page.get_by_text("Watch at least 90% of the video")).to_be_visible()
    scan(page)

    _play(page, before_end=0.5)
    progress = LessonProgress.objects.get(lesson=video)
    assert progress.completed_at is None
    assert progress.video_watched

    _play(page)
    expect(page.get_by_text("✓ Completed.")).to_be_visible()
    expect(
        _outline(page).get_by_role("link", name="Done: Three questions")
    ).to_be_visible()
    expect(page.get_by_text("50% · 1 of 2 required lessons done")).to_be_visible()
    progress.refresh_from_db()
    assert progress.completion_reason == "video_watched"


def test_a_short_lesson_left_at_once_still_counts_as_read(
    site, page, scan, learner, password, course
):
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)

    # Straight to the lesson and away again, without waiting for any answer:
    # the report of reaching the end goes out as the page is left.
    welcome = course.lessons.get(title="Welcome")
    page.goto(f"/learn/{course.public_id}/lessons/{welcome.public_id}/")
    page.get_by_role("link", name="Next: Walk the route").click()
    expect(page.get_by_role("heading", name="Walk the route", level=1)).to_be_visible()
    scan(page)

    expect(_outline(page).get_by_role("link", name="Done: Welcome")).to_be_visible()
    progress = LessonProgress.objects.get(lesson=welcome)
    assert progress.completion_reason == "read_to_end"

    page.go_back()
    expect(page.get_by_role("heading", name="Welcome", level=1)).to_be_visible()
    scan(page)

"""A new learner takes the demo's sample course from the catalog to a
certificate that an employer checks, and an instructor grades the optional
reflection: the whole of issue #5 in one browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from karma.assessments.models import Attempt, AttemptStatus
from karma.courses.demo import load_demo_courses
from karma.courses.models import Course, Lesson
from karma.enrollments.models import Enrollment
from karma.enrollments.services.enrollments import self_enroll
from karma.learning.models import CompletionReason, LessonProgress
from karma.learning.pdf import issue_date
from tests.browser.steps import (
    answer_correctly,
    arrive_at_lesson,
    lesson_done,
    open_section,
    player_report,
    quiz_fieldset,
    read_to_end,
    sign_in_to_dashboard,
    sign_out,
    submit_quiz,
)

pytestmark = pytest.mark.browser

SAMPLE = "Working Safely with Data"
VIDEO = "Three questions before you share"
REFLECTION_ANSWER = (
    "The shared drive's Exports folder. I will delete the exports older than "
    "a month and stop exporting the full customer list, by 30 June."
)
# The player reports a video's played ranges as it pauses and ends.
VIDEO_REPORT_MS = 30_000


@pytest.fixture
def sample(settings, tmp_path, instructor) -> Course:
    """The demo's sample course, built by the demo loader as the demo does."""
    settings.MEDIA_ROOT = tmp_path
    load_demo_courses(owner=instructor)
    return Course.objects.get(owner=instructor, title=SAMPLE)


def quiz(course: Course, title: str):
    return Lesson.objects.get(module__course=course, title=title).assessment


# --- Steps of the journey ------------------------------------------------------


def enroll_from_the_catalog(page, scan) -> None:
    open_section(page, scan, link="Catalog", heading="Catalog")
    page.get_by_label("Search courses").fill("personal data")
    card = page.get_by_role("article").filter(has_text=SAMPLE)
    expect(page.get_by_role("article")).to_have_count(1)
    scan(page)
    card.get_by_role("button", name=f"Enroll in {SAMPLE}").click()

    # Enrolling leads to the course page, where the course starts.
    expect(page.get_by_role("heading", name=SAMPLE, level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"You are enrolled in “{SAMPLE}”.")
    mine = page.get_by_role("region", name="You are enrolled")
    expect(mine).to_contain_text("Not started")
    expect(mine.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
    scan(page)
    start = page.get_by_role("link", name="Start course")
    arrive_at_lesson(page, scan, "What counts as personal data", start.click)


def open_next(page, scan, title: str) -> None:
    next_link = page.get_by_role("link", name=f"Next: {title}")
    arrive_at_lesson(page, scan, title, next_link.click)


def watch_the_video(page, scan, enrollment: Enrollment) -> None:
    """Seeking to the end plays too little; playing it through completes it."""
    video = page.locator("video[data-player-video]")
    expect(page.get_by_text("Watch at least 90% of the video")).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('video[data-player-video]').duration > 0"
    )

    with page.expect_response(
        player_report("video"), timeout=VIDEO_REPORT_MS
    ) as skipped:
        video.evaluate("v => { v.currentTime = v.duration - 0.5; return v.play(); }")
    assert skipped.value.json()["completed"] is False
    expect(lesson_done(page, VIDEO)).to_have_count(0)
    progress = LessonProgress.objects.get(enrollment=enrollment, lesson__title=VIDEO)
    assert progress.completed_at is None

    # Twice the speed: the fastest the server believes.
    video.evaluate("v => { v.currentTime = 0; v.playbackRate = 2; return v.play(); }")
    expect(lesson_done(page, VIDEO)).to_be_visible(timeout=VIDEO_REPORT_MS)
    scan(page)
    progress.refresh_from_db()
    assert progress.completion_reason == CompletionReason.VIDEO_WATCHED


def take_the_final_check(page, scan, course: Course) -> None:
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("heading", name="Final check", level=1)).to_be_visible()
    scan(page)

    for question in quiz(course, "Final check").questions.all():
        answer_correctly(page, question)
    submit_quiz(page)

    expect(page.get_by_role("heading", name="Final check: attempt 1")).to_be_visible()
    score = page.get_by_role("region", name="Your score")
    expect(score).to_contain_text(re.compile(r"\b100(\.0+)?%"))
    expect(score).to_contain_text(re.compile(r"\b8(\.0+)? of 8(\.0+)? points"))
    expect(score.get_by_text("Passed", exact=True)).to_be_visible()
    scan(page)


def check_my_learning(page, scan, tmp_path, learner) -> str:
    """See 100% and the certificate, download it; return its code."""
    page.locator("#main").get_by_role("link", name="My Learning").click()
    expect(page.get_by_role("heading", name="My Learning", level=1)).to_be_visible()
    scan(page)
    card = page.get_by_role("article", name=SAMPLE)
    expect(card.get_by_role("img", name="100% complete")).to_be_visible()
    for module in ["Why personal data matters", "Handling data day to day"]:
        expect(card.get_by_role("row", name=module)).to_contain_text("3 / 3")
    expect(card.get_by_role("row", name="Final check")).to_contain_text("100%")

    with page.expect_download() as download:
        card.get_by_role("link", name=f"Download PDF certificate for {SAMPLE}").click()
    certificate = learner.certificates.get()
    assert download.value.suggested_filename == f"certificate-{certificate.code}.pdf"
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")

    row = page.get_by_role("table", name="Certificates earned").get_by_role(
        "row", name=SAMPLE
    )
    return row.locator("a.font-monospace").inner_text()


def verify_signed_out(page, scan, code: str, learner) -> None:
    page.goto("/verify/")
    scan(page)
    page.get_by_label("Verification code").fill(code)
    page.get_by_role("button", name="Check code").click()
    genuine = page.get_by_role("region", name="This certificate is genuine")
    expect(genuine).to_be_visible()
    scan(page)
    expect(genuine.get_by_role("term")).to_have_text(["Learner", "Course", "Issued"])
    expect(genuine.get_by_role("definition")).to_have_text(
        ["Lea Learner", SAMPLE, issue_date(learner.certificates.get())]
    )
    expect(page.locator("#main")).not_to_contain_text(learner.email)


# --- The flows ------------------------------------------------------------------


def test_new_learner_completes_the_sample_course_and_an_employer_checks_it(
    site, page, scan, learner, password, sample, tmp_path
):
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    enroll_from_the_catalog(page, scan)
    enrollment = Enrollment.objects.get(learner=learner, course=sample)

    read_to_end(page, "What counts as personal data")
    open_next(page, scan, VIDEO)
    watch_the_video(page, scan, enrollment)
    for title in [
        "Six principles in plain words",
        "Collect less, keep less",
        "Sharing files and messages safely",
    ]:
        open_next(page, scan, title)
        read_to_end(page, title)

    # The PDF is read in place; the end of the lesson is below it.
    open_next(page, scan, "Everyday data handling checklist")
    expect(
        page.locator("iframe[title='Everyday data handling checklist (PDF document)']")
    ).to_be_visible()
    read_to_end(page, "Everyday data handling checklist")
    expect(page.get_by_text("66% · 6 of 9 required lessons done")).to_be_visible()

    # Leaving mid-course: Continue brings the learner back where they were.
    open_next(page, scan, "Recognising a data incident")
    read_to_end(page, "Recognising a data incident")
    open_section(page, scan, link="My Learning", heading="My Learning")
    resume = page.get_by_role("link", name=f"Continue {SAMPLE}")
    arrive_at_lesson(page, scan, "Recognising a data incident", resume.click)

    open_next(page, scan, "The first hour")
    read_to_end(page, "The first hour")
    # The optional lesson is on the way; it counts for nothing either way.
    open_next(page, scan, "Going further: privacy in new projects")
    read_to_end(page, "Going further: privacy in new projects")
    open_next(page, scan, "Final check")
    expect(page.get_by_text("88% · 8 of 9 required lessons done")).to_be_visible()
    take_the_final_check(page, scan, sample)

    page.get_by_role("link", name="Back to the lesson").click()
    expect(page.get_by_text("100% · Course completed")).to_be_visible()
    expect(page.get_by_text("You have completed this course.")).to_be_visible()
    scan(page)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.progress_percent) == ("completed", 100)

    code = check_my_learning(page, scan, tmp_path, learner)
    sign_out(page, scan, name="Lea Learner")
    verify_signed_out(page, scan, code, learner)


def test_instructor_grades_the_reflection_and_the_learner_sees_the_score(
    site, new_page, scan, instructor, learner, password, sample
):
    reflection = quiz(sample, "Reflection")
    self_enroll(course=sample, learner=learner)

    page = new_page()
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    lesson = reflection.lesson
    address = f"/learn/{sample.public_id}/lessons/{lesson.public_id}/"
    arrive_at_lesson(page, scan, "Reflection", lambda: page.goto(address))
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("heading", name="Reflection", level=1)).to_be_visible()
    scan(page)
    quiz_fieldset(page, reflection.questions.get()).get_by_label("Your answer").fill(
        REFLECTION_ANSWER
    )
    submit_quiz(page)
    expect(page.get_by_text("waiting to be graded by an instructor")).to_be_visible()
    expect(page.get_by_role("region", name="Your score")).to_have_count(0)
    scan(page)
    attempt = Attempt.objects.get(learner=learner)
    assert attempt.status == AttemptStatus.PENDING_REVIEW

    grader = new_page()
    sign_in_to_dashboard(grader, scan, site, user=instructor, password=password)
    open_section(grader, scan, link="Grading 1 answer waiting", heading="Grading")
    grader.get_by_role("link", name="Grade the attempt of Lea Learner").click()
    expect(grader.get_by_role("heading", name="Grade: Reflection")).to_be_visible()
    scan(grader)
    expect(grader.locator(".karma-learner-answer")).to_contain_text("Exports folder")
    grader.get_by_label("Points (0 to 5)").fill("4")
    grader.get_by_label("Feedback to the learner (optional)").fill(
        "A clear place and a date. Say how."
    )
    grader.get_by_role("button", name="Save grades").click()
    expect(grader.locator("#attempt-status")).to_contain_text("Final")
    expect(grader.locator("#attempt-status")).to_contain_text("80")
    scan(grader)

    page.reload()
    score = page.get_by_role("region", name="Your score")
    expect(score).to_contain_text(re.compile(r"\b80(\.0+)?%"))
    expect(score).to_contain_text(re.compile(r"\b4(\.0+)? of 5(\.0+)? points"))
    expect(page.get_by_text("A clear place and a date. Say how.")).to_be_visible()
    scan(page)
    page.goto("/me/")
    history = page.get_by_role("table", name="Quiz attempts you made")
    expect(history.get_by_role("row", name="Reflection")).to_contain_text("80%")
    expect(history.get_by_role("row", name="Reflection")).to_contain_text("Passed")
    scan(page)

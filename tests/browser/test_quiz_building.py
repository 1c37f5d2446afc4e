"""An instructor builds a timed quiz in the course editor and a learner
takes it: the answers stay on the server until submit, the attempt limit
holds, and the server submits an attempt whose time ran out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from karma.assessments.models import Attempt, AttemptStatus, QuestionType
from karma.assessments.services import authoring
from karma.assessments.services.attempts import grace_seconds
from karma.assessments.services.authoring import QuestionInput
from karma.courses.models import Lesson, LessonType
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.services.enrollments import enroll_learner
from tests.browser.steps import (
    answer_correctly,
    arrive_at_lesson,
    autosave_answer,
    expect_notice,
    quiz_fieldset,
    sign_in_to_dashboard,
    submit_quiz,
)

pytestmark = pytest.mark.browser

QUIZ = "Spill response check"
# Text only the server may know before the learner submits.
EXPLANATION = "Contain first: the kit is by the door for that reason."
GUIDANCE = "Full marks for naming the spill kit and the supervisor."


@pytest.fixture
def course(instructor, learner):
    course = PublishedCourseFactory(owner=instructor, title="Lab safety")
    module = ModuleFactory(course=course, name="Spills")
    LessonFactory(module=module, title="Know your kit")
    enroll_learner(course=course, learner=learner, enrolled_by=instructor)
    return course


def quiz_lesson(course) -> Lesson:
    return Lesson.objects.get(module__course=course, type=LessonType.QUIZ)


def lesson_address(lesson: Lesson) -> str:
    return f"/learn/{lesson.module.course.public_id}/lessons/{lesson.public_id}/"


# --- Building ---------------------------------------------------------------------


def add_quiz_lesson(page, scan, course) -> None:
    page.goto(f"/manage/courses/{course.public_id}/")
    scan(page)
    page.get_by_role("link", name="Add a lesson to Spills").click()
    expect(page.get_by_role("heading", name="Add a lesson")).to_be_visible()
    scan(page)
    page.get_by_label("Title").fill(QUIZ)
    page.get_by_label("Type").select_option(label="Quiz")
    page.get_by_role("button", name="Add lesson").click()
    expect_notice(page, f"Added the lesson “{QUIZ}”.")
    scan(page)

    page.get_by_role("link", name=f"Questions of the quiz {QUIZ}").click()
    expect(page.get_by_role("heading", name=f"Quiz: {QUIZ}")).to_be_visible()
    scan(page)


def save_settings(page, scan) -> None:
    page.get_by_label("Time limit (minutes)").fill("10")
    page.get_by_label("Attempts allowed").fill("1")
    page.get_by_role("button", name="Save settings").click()
    expect_notice(page, "Saved the quiz settings.")
    expect(page.get_by_label("Attempts allowed")).to_have_value("1")
    scan(page)


def start_question(page, scan, kind: str, prompt: str) -> None:
    page.get_by_role("link", name=kind, exact=True).click()
    expect(page.get_by_role("heading", name="Add a question")).to_be_visible()
    scan(page)
    page.get_by_label("Question", exact=True).fill(prompt)


def add_question(page, scan) -> None:
    page.get_by_role("button", name="Add question").click()
    expect_notice(page, "Added the question.")
    scan(page)


def add_one_question_of_each_type(page, scan) -> None:
    start_question(page, scan, "Multiple choice", "Which two go first?")
    options = ["Contain the spill", "Finish the experiment", "Tell the supervisor"]
    for number, text in enumerate(options, start=1):
        page.get_by_label(f"Option {number}", exact=True).fill(text)
    page.get_by_label("Correct (option 1)").check()
    page.get_by_label("Correct (option 3)").check()
    page.get_by_label("Points").fill("2")
    page.get_by_label("Explanation (optional)").fill(EXPLANATION)
    add_question(page, scan)

    start_question(page, scan, "True or false", "Water cleans up any spill.")
    page.get_by_role("group", name="The right answer").get_by_label("False").check()
    add_question(page, scan)

    start_question(page, scan, "Matching", "Match each spill with its kit.")
    pairs = [("Acid", "Neutraliser"), ("Oil", "Absorbent pads"), ("Glass", "Brush")]
    for number, (prompt, answer) in enumerate(pairs, start=1):
        page.get_by_label(f"Prompt {number}", exact=True).fill(prompt)
        page.get_by_label(f"Answer {number}", exact=True).fill(answer)
    add_question(page, scan)

    start_question(page, scan, "Short answer", "What do you do first, and why?")
    page.get_by_label("Grading guidance (optional)").fill(GUIDANCE)
    add_question(page, scan)


def questions_listed(page):
    return page.get_by_role("list", name="Questions of the quiz").get_by_role(
        "listitem"
    )


def test_instructor_builds_a_timed_quiz_that_a_learner_takes_once(
    site, new_page, scan, watch, instructor, learner, password, course
):
    builder = new_page()
    sign_in_to_dashboard(builder, scan, site, user=instructor, password=password)
    add_quiz_lesson(builder, scan, course)
    save_settings(builder, scan)
    add_one_question_of_each_type(builder, scan)
    expect(questions_listed(builder)).to_have_count(4)

    builder.get_by_role("button", name="Move question 4 up").click()
    expect_notice(builder, "Moved the question up.")
    expect(questions_listed(builder)).to_contain_text(
        [
            "Which two go first?",
            "Water cleans up any spill.",
            "What do you do first, and why?",
            "Match each spill with its kit.",
        ]
    )
    expect(builder.get_by_text("4 questions · 5 points in total")).to_be_visible()
    scan(builder)

    assessment = quiz_lesson(course).assessment
    assert (assessment.time_limit_minutes, assessment.attempt_limit) == (10, 1)
    assert list(assessment.questions.values_list("type", flat=True)) == [
        QuestionType.CHOICE,
        QuestionType.TRUE_FALSE,
        QuestionType.SHORT_ANSWER,
        QuestionType.MATCHING,
    ]
    page = new_page()
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    take_the_quiz_once(page, second_tab(page, watch), scan, assessment)


def second_tab(page, watch):
    """Another tab of the same browser, watched like the first."""
    tab = page.context.new_page()
    tab.on("load", watch.on_load)
    tab.on("console", watch.on_console)
    tab.on("pageerror", watch.on_page_error)
    tab.on("response", watch.on_response)
    tab.on("requestfailed", watch.on_request_failed)
    return tab


def take_the_quiz_once(page, other_tab, scan, assessment) -> None:
    """Take the quiz, then try again from a tab opened before the start."""
    address = lesson_address(assessment.lesson)
    arrive_at_lesson(page, scan, QUIZ, lambda: page.goto(address))
    rules = page.get_by_role("region", name="Quiz", exact=True)
    expect(rules).to_contain_text("10 minutes, from when you start")
    expect(rules).to_contain_text("Attempts used 0, 1 left")

    arrive_at_lesson(other_tab, scan, QUIZ, lambda: other_tab.goto(address))

    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("heading", name=QUIZ, level=1)).to_be_visible()
    countdown = page.get_by_role("timer")
    expect(countdown).to_contain_text(re.compile(r"Time left: (10:00|9:\d\d)"))
    first_reading = countdown.inner_text()
    expect(countdown).not_to_have_text(first_reading)
    scan(page)
    expect_no_answers_in(page.content())

    for question in assessment.questions.all():
        if question.type == QuestionType.SHORT_ANSWER:
            quiz_fieldset(page, question).get_by_label("Your answer").fill(
                "Contain it with the spill kit, then tell the supervisor."
            )
        else:
            answer_correctly(page, question)
    submit_quiz(page)
    expect(page.get_by_text("waiting to be graded by an instructor")).to_be_visible()
    expect(page.get_by_text(EXPLANATION)).to_be_visible()
    expect(page.get_by_text(GUIDANCE)).to_have_count(0)
    scan(page)

    other_tab.get_by_role("button", name="Start the quiz").click()
    expect(other_tab.get_by_role("status")).to_have_text(
        "You have used all your attempts at this quiz."
    )
    expect(other_tab.get_by_role("button", name="Start the quiz")).to_have_count(0)
    expect(other_tab.get_by_role("region", name="Quiz", exact=True)).to_contain_text(
        "Attempts used 1, 0 left"
    )
    scan(other_tab)
    assert Attempt.objects.filter(assessment=assessment).count() == 1


def expect_no_answers_in(html: str) -> None:
    """The take page holds no right answer, explanation or guidance."""
    assert EXPLANATION not in html
    assert GUIDANCE not in html
    # "correct" appears only where the page asks for every correct option.
    assert re.findall(r"correct", html, re.IGNORECASE) == ["correct"]
    assert "Select every correct option" in html


# --- Time running out ---------------------------------------------------------------


@pytest.fixture
def timed_quiz(course):
    """A one-minute quiz of two true-or-false questions, a point each."""
    lesson = LessonFactory(
        module=course.modules.get(), title=QUIZ, type=LessonType.QUIZ
    )
    assessment = authoring.assessment_for(lesson)
    settings = {
        name: getattr(assessment, name)
        for name in (
            "passing_score",
            "randomize_questions",
            "show_results",
            "allow_review",
            "require_passing",
        )
    }
    authoring.update_assessment_settings(
        assessment=assessment, **settings, time_limit_minutes=1, attempt_limit=None
    )
    for prompt in ["Goggles stay on until you leave.", "A spill can wait."]:
        authoring.add_question(
            assessment=assessment,
            data=QuestionInput(
                type=QuestionType.TRUE_FALSE,
                prompt=prompt,
                points=1,
                options=[],
                pairs=[],
                correct_true=prompt.startswith("Goggles"),
            ),
        )
    return assessment


def test_server_submits_an_attempt_whose_time_ran_out_with_what_was_saved(
    site, page, scan, learner, password, timed_quiz
):
    sign_in_to_dashboard(page, scan, site, user=learner, password=password)
    address = lesson_address(timed_quiz.lesson)
    arrive_at_lesson(page, scan, QUIZ, lambda: page.goto(address))
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("timer")).to_contain_text(
        re.compile(r"Time left: 1:00|0:\d\d")
    )
    scan(page)

    first, second = timed_quiz.questions.all()
    with page.expect_response(autosave_answer):
        answer_correctly(page, first)
    expect(page.locator("#quiz-save-status")).to_contain_text("Saved at")

    # The minute and its grace pass on the server's clock, not the page's.
    past = timezone.now() - timedelta(minutes=1, seconds=grace_seconds() + 5)
    Attempt.objects.filter(learner=learner).update(
        started_at=past - timedelta(minutes=1), deadline_at=past
    )
    page.reload()

    expect(page.get_by_text("this attempt was submitted automatically")).to_be_visible()
    score = page.get_by_role("region", name="Your score")
    expect(score).to_contain_text(re.compile(r"\b50(\.0+)?%"))
    expect(score).to_contain_text("Not passed")
    expect(page.get_by_role("region", name=second.prompt)).to_contain_text("No answer")
    scan(page)
    attempt = Attempt.objects.get(learner=learner)
    assert (attempt.status, attempt.auto_submitted) == (AttemptStatus.FINAL, True)

"""The reports on the demo site's sample course, driven by the same services
as the lesson player and the quiz pages, against figures worked out by hand.

"Working Safely with Data" has nine required lessons: three in each of the
first two modules, two in the third (its third lesson is optional), and the
Final check, which counts only once passed. The Reflection is optional.

- José finishes everything, passes the Final check with 100% and answers
  the Reflection, which waits for the demo instructor: completed, 100%.
- Zoë finishes the first module and one lesson of the second (4 of 9,
  44%), and submits the Final check empty: 0%, failed, so it does not count.
- Kenji enrolled eight days ago and has not started: 0%.

Completion rate 1 of 3 = 33.3%; average progress (100 + 44 + 0) / 3 = 48.
At risk: Zoë (best score 0% below 70%), Kenji (not started; 0 is more than
30 points below 48).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from karma.accounts.models import User
from karma.assessments.services.attempts import start_attempt, submit_attempt
from karma.courses.models import Course, Lesson
from karma.courses.tests.test_demo import _right_answers
from karma.enrollments.models import Enrollment
from karma.enrollments.services.enrollments import enroll_learner
from karma.learning.services.lessons import (
    CompletionRule,
    completion_rule,
    open_lesson,
    record_reached_end,
    record_video_watched,
)
from karma.reports.selectors.assessments import quiz_results
from karma.reports.selectors.course import (
    course_summary,
    matrix_rows,
    module_columns,
    progress_enrollments,
)
from karma.reports.selectors.dashboard import teaching_dashboard

SAMPLE = "Working Safely with Data"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _finish(enrollment: Enrollment, lesson: Lesson) -> None:
    """Complete a lesson the way its player does."""
    now = timezone.now()
    if completion_rule(lesson) == CompletionRule.VIDEO:
        progress = open_lesson(enrollment=enrollment, lesson=lesson)
        progress.first_opened_at = now - timedelta(minutes=30)
        progress.save(update_fields=["first_opened_at"])
        record_video_watched(
            enrollment=enrollment, lesson=lesson, ranges=[(0, 600)], duration=600
        )
    else:
        record_reached_end(enrollment=enrollment, lesson=lesson)


def _take(quiz: Lesson, learner: User, responses: dict) -> None:
    attempt = start_attempt(assessment=quiz.assessment, learner=learner)
    submit_attempt(attempt=attempt, learner=learner, responses=responses)


@pytest.fixture
def demo(db):
    call_command("load_demo")
    course = Course.objects.get(title=SAMPLE)
    owner = course.owner
    people = {
        name: User.objects.get(email=email)
        for name, email in [
            ("José", "learner@example.com"),
            ("Zoë", "zoe@example.com"),
            ("Kenji", "kenji@example.com"),
        ]
    }
    enrollments = {
        name: enroll_learner(
            course=course, learner=person, enrolled_by=owner
        ).enrollment
        for name, person in people.items()
    }
    Enrollment.objects.filter(pk=enrollments["Kenji"].pk).update(
        enrolled_at=timezone.now() - timedelta(days=8)
    )

    lessons = list(
        Lesson.objects.filter(course=course, required=True)
        .exclude(type="quiz")
        .order_by("module__position", "position")
    )
    final = Lesson.objects.get(course=course, title="Final check")
    reflection = Lesson.objects.get(course=course, title="Reflection")

    for lesson in lessons:
        _finish(enrollments["José"], lesson)
    _take(final, people["José"], _right_answers(final.assessment))
    (question,) = reflection.assessment.questions.all()
    _take(reflection, people["José"], {question.public_id: {"text": "Less."}})

    for lesson in lessons[:4]:
        _finish(enrollments["Zoë"], lesson)
    _take(final, people["Zoë"], {})
    return course


def test_demo_summary_matches_hand_computed_figures(demo):
    summary = course_summary(demo, timezone.now())

    assert (summary.enrolled, summary.completed, summary.not_started) == (3, 1, 1)
    assert summary.completion_rate == 33.3
    assert summary.average_progress == 48.0
    assert summary.active_this_week == 2
    assert summary.at_risk == 2


def test_demo_matrix_matches_hand_computed_cells(demo):
    now = timezone.now()
    columns = module_columns(demo)
    page = list(progress_enrollments(demo, now))

    rows = {
        row.enrollment.learner.first_name: (
            row.enrollment.progress_percent,
            [cell.percent for cell in row.cells],
            [risk.code for risk in row.risks],
        )
        for row in matrix_rows(demo, page, columns, now)
    }

    assert [c.required for c in columns] == [3, 3, 2, 1]
    assert rows == {
        "José": (100, [100, 100, 100, 100], []),
        "Zoë": (44, [100, 33, 0, 0], ["low_score"]),
        "Kenji": (0, [0, 0, 0, 0], ["not_started", "behind_class"]),
    }


def test_demo_quiz_results_match_hand_computed_figures(demo):
    results = {q.title: q for q in quiz_results(Course.objects.filter(pk=demo.pk))}

    final, reflection = results["Final check"], results["Reflection"]
    assert (final.learners, final.passed, final.pass_rate) == (2, 1, 50.0)
    assert final.average == 50
    assert final.distribution == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert (reflection.learners, reflection.waiting) == (0, 1)


def test_demo_dashboard_shows_the_reflection_waiting(demo):
    board = teaching_dashboard(demo.owner, timezone.now())

    assert board.waiting_total == 1
    assert board.at_risk_total == 2
    assert [e.learner.first_name for e in board.at_risk] == ["Kenji", "Zoë"]
    kinds = [item.kind for item in board.feed]
    assert kinds.count("submitted") == 3
    assert kinds.count("completed") == 1


def test_demo_dashboard_page_links_the_grading_queue(demo, client):
    client.force_login(demo.owner)

    html = client.get("/reports/").content.decode()

    queue = f"/manage/courses/{demo.public_id}/grading/"
    assert f'<a href="{queue}">{SAMPLE}</a>: 1 answer' in html

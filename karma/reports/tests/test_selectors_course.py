"""One course's figures, matrix and learner detail, checked against the
numbers worked out by hand for the known course (see known.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from karma.assessments.models import Attempt, AttemptStatus
from karma.courses.models import Course
from karma.courses.tests.factories import ModuleFactory
from karma.enrollments.models import Enrollment
from karma.reports.selectors.assessments import quiz_results
from karma.reports.selectors.course import (
    course_summary,
    get_enrollment_for_report,
    learner_detail,
    matrix_rows,
    module_columns,
    progress_enrollments,
)
from karma.reports.tests.known import build_course_structure


def _first_names(enrollments) -> list[str]:
    return [e.learner.first_name for e in enrollments]


def test_summary_matches_the_hand_computed_figures(known):
    summary = course_summary(known.course, known.now)

    assert summary.enrolled == 6
    assert summary.active == 5
    assert summary.completed == 1
    assert summary.dropped == 1
    assert summary.not_started == 2
    assert summary.in_progress == 3
    # Ana and Ben were active in the last 7 days.
    assert summary.active_this_week == 2
    # (100 + 75 + 25 + 0 + 0 + 50) / 6
    assert summary.average_progress == 41.7
    # 1 completed of 6 not dropped.
    assert summary.completion_rate == 16.7
    assert summary.at_risk == 4


def test_modules_count_their_required_lessons(known):
    columns = module_columns(known.course)

    assert [(c.name, c.required) for c in columns] == [
        ("Basics", 2),
        ("Practice", 2),
        ("Extras", 0),
    ]


def test_matrix_cells_are_the_share_of_required_lessons_done(known):
    columns = module_columns(known.course)
    page = list(progress_enrollments(known.course, known.now))

    rows = {
        row.enrollment.learner.first_name: [cell.percent for cell in row.cells]
        for row in matrix_rows(known.course, page, columns, known.now)
    }

    assert rows == {
        "Ana": [100, 100, None],
        "Ben": [100, 50, None],
        "Cleo": [50, 0, None],
        "Dan": [0, 0, None],
        "Eve": [50, 0, None],
        "Finn": [0, 0, None],
        "Gus": [50, 50, None],
    }


def test_matrix_rows_add_up_time_spent(known):
    columns = module_columns(known.course)
    page = list(progress_enrollments(known.course, known.now, search="ana"))

    (row,) = matrix_rows(known.course, page, columns, known.now)

    assert row.seconds == 600 + 300 + 120


def test_matrix_names_each_learners_risks(known):
    columns = module_columns(known.course)
    page = list(progress_enrollments(known.course, known.now))

    reasons = {
        row.enrollment.learner.first_name: [r.reason for r in row.risks]
        for row in matrix_rows(known.course, page, columns, known.now)
    }

    assert reasons == {
        "Ana": [],
        "Ben": ["Best score below passing: 60% in “Check” (passing 70%)"],
        "Cleo": ["No activity for 10 days"],
        "Dan": [
            "Not started 9 days after enrolling",
            "At 0%, more than 30 points behind the class average of 42%",
        ],
        "Eve": [],
        "Finn": [],
        "Gus": ["No activity for 17 days (two weeks or more)"],
    }


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("", ["Ana", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gus"]),
        ("not_started", ["Dan", "Finn"]),
        ("in_progress", ["Ben", "Cleo", "Gus"]),
        ("completed", ["Ana"]),
        ("dropped", ["Eve"]),
        ("at_risk", ["Ben", "Cleo", "Dan", "Gus"]),
        ("nonsense", ["Ana", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gus"]),
    ],
)
def test_filters_by_status(known, status, expected):
    enrollments = progress_enrollments(known.course, known.now, status=status)

    assert _first_names(enrollments) == expected


def test_filters_by_name_ignoring_case_and_accents(known):
    learner = known.enrollment("Cleo").learner
    learner.first_name = "Cléo"
    learner.save()

    enrollments = progress_enrollments(known.course, known.now, search="CLEO")

    assert _first_names(enrollments) == ["Cléo"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("progress", ["Dan", "Finn", "Cleo", "Eve", "Gus", "Ben", "Ana"]),
        ("-progress", ["Ana", "Ben", "Gus", "Cleo", "Eve", "Dan", "Finn"]),
        # Never active sorts last either way.
        ("last_active", ["Eve", "Gus", "Cleo", "Ben", "Ana", "Dan", "Finn"]),
        ("-last_active", ["Ana", "Ben", "Cleo", "Gus", "Eve", "Dan", "Finn"]),
        ("-name", ["Gus", "Finn", "Eve", "Dan", "Cleo", "Ben", "Ana"]),
    ],
)
def test_sorts_by_progress_last_active_and_name(known, sort, expected):
    enrollments = progress_enrollments(known.course, known.now, sort=sort)

    assert _first_names(enrollments) == expected


def test_quiz_results_count_each_learner_once_by_best_score(known):
    (check,) = quiz_results(Course.objects.filter(pk=known.course.pk))

    assert check.title == "Check"
    # Ana (80) and Ben (best of 40 and 60); Gus waits for a grader.
    assert check.learners == 2
    assert check.passed == 1
    assert check.pass_rate == 50.0
    assert check.average == Decimal("70.0")
    assert check.waiting == 1
    assert check.distribution == [0, 0, 0, 0, 0, 0, 1, 0, 1, 0]
    assert [(b.label, b.count) for b in check.bands if b.count] == [
        ("60–69", 1),
        ("80–89", 1),
    ]


def test_learner_detail_lists_lessons_and_attempts(known):
    ben = get_enrollment_for_report(
        known.course, known.enrollments["Ben"].public_id, known.now
    )

    detail = learner_detail(ben, known.now)

    lines = {
        line.lesson.title: line.counts
        for block in detail.modules
        for line in block.lessons
    }
    assert [block.module.name for block in detail.modules] == [
        "Basics",
        "Practice",
        "Extras",
    ]
    assert lines == {
        "Read me": True,
        "Then me": True,
        "Aside": False,
        "Try it": False,
        "Check": True,
        "Bonus": False,
    }
    assert [(a.number, a.score_percent) for a in detail.attempts] == [
        (2, Decimal("60.00")),
        (1, Decimal("40.00")),
    ]
    assert [risk.code for risk in detail.risks] == ["low_score"]


def test_learner_detail_is_none_for_another_courses_enrollment(known, instructor):
    from karma.reports.tests.known import build_course_structure

    other, _ = build_course_structure(instructor, title="Other")

    found = get_enrollment_for_report(
        other, known.enrollments["Ben"].public_id, known.now
    )

    assert found is None


def test_a_course_without_learners_has_empty_figures(db, instructor):
    from django.utils import timezone

    from karma.reports.tests.known import build_course_structure

    course, _ = build_course_structure(instructor, title="Empty")

    summary = course_summary(course, timezone.now())

    assert summary.enrolled == 0
    assert summary.completion_rate is None
    assert summary.average_progress is None
    assert summary.at_risk == 0


def test_quiz_results_keep_scores_to_the_hundredth(db, instructor):
    # The database counts learners by best score; the scores must come back
    # exact (SQLite keeps them as floating point).
    from karma.reports.tests.test_queries import add_learners

    course, lessons = build_course_structure(instructor, title="Scores")
    add_learners(course, lessons, 0, 4)
    quiz = lessons["check"].assessment
    scores = {0: ["87.25", "69.99"], 1: ["87.25"], 2: ["69.99"], 3: ["90.10"]}
    for n, enrollment in enumerate(Enrollment.objects.filter(course=course)):
        enrollment.attempts.all().delete()
        for number, score in enumerate(scores[n], start=1):
            Attempt.objects.create(
                assessment=quiz,
                enrollment=enrollment,
                learner=enrollment.learner,
                number=number,
                status=AttemptStatus.FINAL,
                score_percent=Decimal(score),
            )

    (check,) = quiz_results(Course.objects.filter(pk=course.pk))

    assert check.learners == 4
    assert check.passed == 3
    assert check.total_best == Decimal("334.59")
    # 334.59 / 4 = 83.6475
    assert check.average == Decimal("83.6")
    assert check.distribution == [0, 0, 0, 0, 0, 0, 1, 0, 2, 1]


def test_every_module_is_a_column_even_without_lessons(known):
    ModuleFactory(course=known.course, name="Later", position=4)

    columns = module_columns(known.course)

    assert [(c.name, c.required, len(c.lessons)) for c in columns] == [
        ("Basics", 2, 3),
        ("Practice", 2, 2),
        ("Extras", 0, 1),
        ("Later", 0, 0),
    ]

"""The at-risk rules, one table row at a time, at the edges of their
thresholds."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from karma.accounts.tests.factories import LearnerFactory
from karma.assessments.models import Attempt, AttemptStatus
from karma.assessments.services.authoring import assessment_for
from karma.courses.models import LessonType
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus
from karma.reports.selectors.course import course_summary
from karma.reports.selectors.risk import (
    RISK_RULES,
    at_risk_filter,
    attach_risks,
    with_risk_facts,
    with_risk_inputs,
)

NOW = timezone.now()
DAY = timedelta(days=1)


@pytest.fixture
def course(db, instructor):
    course = PublishedCourseFactory(owner=instructor)
    module = ModuleFactory(course=course)
    LessonFactory(module=module)
    quiz = LessonFactory(module=module, type=LessonType.QUIZ, body="")
    assessment_for(quiz)
    course.quiz = quiz
    return course


def _enroll(course, *, enrolled_days=30, active_days=1, progress=50, **fields):
    return Enrollment.objects.create(
        course=course,
        learner=LearnerFactory(),
        source=EnrollmentSource.STAFF,
        enrolled_at=NOW - enrolled_days * DAY,
        last_active_at=None if active_days is None else NOW - active_days * DAY,
        progress_percent=progress,
        **fields,
    )


def _codes(enrollment) -> list[str]:
    found = with_risk_facts(
        Enrollment.objects.filter(pk=enrollment.pk),
        NOW,
        courses=[enrollment.course_id],
    ).get()
    attach_risks([found], NOW)
    return [risk.code for risk in found.risks]


def _attempt(enrollment, number, score, status=AttemptStatus.FINAL):
    assessment = enrollment.course.quiz.assessment
    Attempt.objects.create(
        assessment=assessment,
        enrollment=enrollment,
        learner=enrollment.learner,
        number=number,
        status=status,
        submitted_at=NOW - 2 * DAY,
        score_percent=None if score is None else Decimal(score),
        passed=None if score is None else score >= assessment.passing_score,
    )


def test_rules_are_listed_with_distinct_codes():
    codes = [rule.code for rule in RISK_RULES]

    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("enrolled_days", "active_days", "expected"),
    [
        (7, None, ["not_started"]),
        (6.9, None, []),
        (30, 6.9, []),
        (30, 7, ["inactive_week"]),
        (30, 13.9, ["inactive_week"]),
        (30, 14, ["inactive_two_weeks"]),
        (30, 40, ["inactive_two_weeks"]),
    ],
)
def test_time_rules_start_at_their_thresholds(
    course, enrolled_days, active_days, expected
):
    enrollment = _enroll(
        course, enrolled_days=enrolled_days, active_days=active_days, progress=0
    )

    # Alone in the course, the learner is the class average: never behind.
    assert _codes(enrollment) == expected


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([69], ["low_score"]),
        ([70], []),
        ([40, 90], []),
        ([90, 40], []),
        ([50, 65], ["low_score"]),
        ([None], []),
    ],
)
def test_low_score_reads_the_best_final_attempt(course, scores, expected):
    enrollment = _enroll(course)
    for number, score in enumerate(scores, start=1):
        status = AttemptStatus.PENDING_REVIEW if score is None else AttemptStatus.FINAL
        _attempt(enrollment, number, score, status)

    assert _codes(enrollment) == expected


@pytest.mark.parametrize(
    ("scores", "at_risk"),
    [([69], 1), ([70], 0), ([40, 90], 0), ([90, 40], 0), ([50, 65], 1), ([None], 0)],
)
def test_counting_reads_the_same_standings_as_each_row(course, scores, at_risk):
    # Counting reads the quiz standings of the whole class at once, a row
    # asks for its own: both must find the same learners.
    enrollment = _enroll(course)
    for number, score in enumerate(scores, start=1):
        status = AttemptStatus.PENDING_REVIEW if score is None else AttemptStatus.FINAL
        _attempt(enrollment, number, score, status)
    enrollments = Enrollment.objects.filter(course=course)

    counted = with_risk_inputs(enrollments, courses=[course.pk])
    assert counted.filter(at_risk_filter(NOW)).count() == at_risk
    assert course_summary(course, NOW).at_risk == at_risk
    listed = with_risk_facts(enrollments, NOW, courses=[course.pk])
    assert listed.filter(at_risk_filter(NOW)).count() == at_risk
    assert _codes(enrollment) == (["low_score"] if at_risk else [])


def test_counting_reads_the_standings_once_not_once_per_learner(course):
    enrollments = Enrollment.objects.filter(course=course)

    counted = with_risk_inputs(enrollments, courses=[course.pk])
    plan = counted.filter(at_risk_filter(NOW)).explain()

    # A subquery per enrollment is ten thousand subqueries for a class of
    # ten thousand; on PostgreSQL its estimated cost also switched JIT on.
    assert "CORRELATED" not in plan  # SQLite
    # PostgreSQL names a subplan run per row "(SubPlan 1)" where it reads,
    # one run once into a hash "(hashed SubPlan 1)".
    assert not re.search(r"\((?!hashed )[^()]*SubPlan \d+\)", plan)


def test_a_low_score_elsewhere_does_not_count_here(course):
    other = PublishedCourseFactory(owner=course.owner)
    quiz = LessonFactory(module=ModuleFactory(course=other), type=LessonType.QUIZ)
    assessment = assessment_for(quiz)
    here = _enroll(course)
    there = Enrollment.objects.create(
        course=other,
        learner=here.learner,
        source=EnrollmentSource.STAFF,
        enrolled_at=NOW - 30 * DAY,
        last_active_at=NOW - DAY,
        progress_percent=50,
    )
    Attempt.objects.create(
        assessment=assessment,
        enrollment=there,
        learner=here.learner,
        number=1,
        status=AttemptStatus.FINAL,
        submitted_at=NOW - DAY,
        score_percent=Decimal(10),
        passed=False,
    )

    assert course_summary(course, NOW).at_risk == 0
    assert course_summary(other, NOW).at_risk == 1


@pytest.mark.parametrize(
    ("progress", "enrolled_days", "expected"),
    [
        # Class: 80, 80 and this learner. 30 -> average 63.3, line at 33.3.
        (30, 30, ["behind_class"]),
        (40, 30, []),
        # A newcomer is not behind yet.
        (30, 3, []),
    ],
)
def test_behind_compares_with_the_class_average(
    course, progress, enrolled_days, expected
):
    _enroll(course, progress=80)
    _enroll(course, progress=80, status=EnrollmentStatus.COMPLETED)
    enrollment = _enroll(course, progress=progress, enrolled_days=enrolled_days)

    assert _codes(enrollment) == expected


def test_dropped_learners_are_outside_the_class_average(course):
    _enroll(course, progress=0, status=EnrollmentStatus.DROPPED)
    _enroll(course, progress=60)
    enrollment = _enroll(course, progress=40)

    # Average of 60 and 40 is 50: 40 is within 30 points.
    assert _codes(enrollment) == []


@pytest.mark.parametrize(
    "status", [EnrollmentStatus.COMPLETED, EnrollmentStatus.DROPPED]
)
def test_only_active_enrollments_are_at_risk(course, status):
    enrollment = _enroll(course, active_days=40, status=status)
    _attempt(enrollment, 1, 10)

    assert _codes(enrollment) == []
    flagged = with_risk_facts(
        Enrollment.objects.all(), NOW, courses=[course.pk]
    ).filter(at_risk_filter(NOW))
    assert not flagged.exists()


def test_reasons_are_most_severe_first(course):
    _enroll(course, progress=100)
    _enroll(course, progress=100)
    enrollment = _enroll(course, progress=0, active_days=20)
    _attempt(enrollment, 1, 10)

    assert _codes(enrollment) == ["inactive_two_weeks", "low_score", "behind_class"]

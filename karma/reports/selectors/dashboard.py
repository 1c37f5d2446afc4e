"""The teaching dashboard: how the courses someone runs are doing
(SPEC section 6, "Instructor dashboard").

It covers the courses the viewer teaches (owner or added instructor), and
every course for admins, the same reach as their other staff pages. The
whole dashboard costs a fixed number of queries, however many courses and
learners it covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from karma.accounts.models import Role, User
from karma.assessments.models import Attempt
from karma.assessments.services.grading import awaiting_by_course
from karma.courses.models import Course, CourseInstructor
from karma.enrollments.models import Enrollment
from karma.reports.formatting import rate
from karma.reports.selectors.assessments import QuizResult, quiz_results
from karma.reports.selectors.course import enrollment_counts
from karma.reports.selectors.risk import (
    CourseIds,
    at_risk_filter,
    attach_risks,
    risk_severity,
    with_risk_facts,
    with_risk_inputs,
)

FEED_LENGTH = 15
AT_RISK_SHOWN = 20


def courses_reported_to(user: User) -> QuerySet[Course]:
    """Every course for admins; the courses they teach for instructors;
    none for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Course.objects.none()
    if user.role == Role.ADMIN:
        return Course.objects.all()
    if user.role != Role.INSTRUCTOR:
        return Course.objects.none()
    # A subquery rather than a join, so annotations never count a course's
    # enrollments once per co-instructor.
    added = CourseInstructor.objects.filter(instructor=user).values("course_id")
    return Course.objects.filter(Q(owner=user) | Q(pk__in=added))


@dataclass(frozen=True)
class Totals:
    enrolled: int
    active: int
    completed: int
    dropped: int
    not_started: int
    active_this_week: int
    average_progress: float | None

    @property
    def completion_rate(self) -> float | None:
        return rate(self.completed, self.active + self.completed)


@dataclass(frozen=True)
class FeedItem:
    """One recent event: `kind` is enrolled, completed or submitted."""

    kind: str
    at: datetime
    learner: User
    course: Course
    detail: str = ""


@dataclass
class TeachingDashboard:
    totals: Totals
    courses: list[Course]
    feed: list[FeedItem]
    quizzes: list[QuizResult]
    waiting: list[dict[str, Any]]
    at_risk: list[Enrollment]
    at_risk_total: int

    @property
    def waiting_total(self) -> int:
        return sum(row["waiting"] for row in self.waiting)


def teaching_dashboard(user: User, now: datetime) -> TeachingDashboard:
    scope = courses_reported_to(user)
    enrollments = Enrollment.objects.filter(course__in=scope.values("pk"))

    counts = enrollments.aggregate(**enrollment_counts(now))
    average = counts.pop("average_progress")
    totals = Totals(
        **counts, average_progress=round(average, 1) if average is not None else None
    )
    courses, at_risk_total = _course_rows(scope, enrollments, now)
    return TeachingDashboard(
        totals=totals,
        courses=courses,
        feed=recent_activity(enrollments, now),
        quizzes=quiz_results(scope.values("pk")),
        waiting=awaiting_by_course(user=user),
        at_risk=at_risk_learners(enrollments, now, courses=scope.values("pk")),
        at_risk_total=at_risk_total,
    )


def _course_rows(
    scope: QuerySet[Course], enrollments: QuerySet[Enrollment], now: datetime
) -> tuple[list[Course], int]:
    """Each course with its figures (see `with_course_figures`), busiest
    first, and the number at risk over all of them. Two queries."""
    courses = list(courses_with_counts(scope, now))
    at_risk = at_risk_by_course(enrollments, now, courses=scope.values("pk"))
    with_course_figures(courses, at_risk)
    return courses, sum(at_risk.values())


def courses_with_counts(scope: QuerySet[Course], now: datetime) -> QuerySet[Course]:
    """`scope` annotated with the enrollment figures of `enrollment_counts`,
    the courses with most learners first."""
    return scope.annotate(**enrollment_counts(now, prefix="enrollments__")).order_by(
        "-enrolled", "title", "id"
    )


def at_risk_by_course(
    enrollments: QuerySet[Enrollment], now: datetime, *, courses: CourseIds
) -> dict[int, int]:
    """Map course id -> learners at risk among `enrollments` (of `courses`),
    in two queries."""
    return dict(
        with_risk_inputs(enrollments, courses=courses)
        .filter(at_risk_filter(now))
        .order_by()
        .values("course_id")
        .annotate(count=Count("id"))
        .values_list("course_id", "count")
    )


def with_course_figures(courses: list[Course], at_risk: dict[int, int]) -> None:
    """Set `at_risk` and `completion_rate` on courses from
    `courses_with_counts`."""
    for course in courses:
        course.at_risk = at_risk.get(course.pk, 0)
        taking = course.active + course.completed
        course.completion_rate = rate(course.completed, taking)


def at_risk_learners(
    enrollments: QuerySet[Enrollment],
    now: datetime,
    *,
    courses: CourseIds,
    limit: int = AT_RISK_SHOWN,
) -> list[Enrollment]:
    """The `limit` most urgent learners at risk, each with `risks`: the
    worst rule first, then the longest without activity. Two queries."""
    flagged = (
        with_risk_facts(enrollments, now, courses=courses)
        .filter(at_risk_filter(now))
        .annotate(risk_worst=risk_severity(now))
        .select_related("learner", "course")
        .order_by("-risk_worst", "last_active_at", "enrolled_at", "id")
    )
    shown = list(flagged[:limit])
    attach_risks(shown, now)
    return shown


def recent_activity(
    enrollments: QuerySet[Enrollment], now: datetime, limit: int = FEED_LENGTH
) -> list[FeedItem]:
    """The latest enrollments, course completions and quiz submissions,
    newest first. Three queries, each limited."""
    joined = enrollments.select_related("learner", "course")
    items = [
        FeedItem("enrolled", e.enrolled_at, e.learner, e.course)
        for e in joined.order_by("-enrolled_at", "-id")[:limit]
    ]
    items += [
        FeedItem("completed", e.completed_at, e.learner, e.course)
        for e in joined.filter(completed_at__isnull=False).order_by(
            "-completed_at", "-id"
        )[:limit]
    ]
    submitted = (
        Attempt.objects.filter(
            enrollment__in=enrollments.values("pk"), submitted_at__isnull=False
        )
        .select_related("learner", "enrollment__course", "assessment__lesson")
        .order_by("-submitted_at", "-id")
    )
    items += [
        FeedItem(
            "submitted",
            a.submitted_at,
            a.learner,
            a.enrollment.course,
            a.assessment.lesson.title,
        )
        for a in submitted[:limit]
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]

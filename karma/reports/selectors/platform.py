"""Platform-wide reports for admins: enrollments, completions and activity
week by week, and every course's figures (SPEC section 6, "Admin reports").

Weeks start on Monday at midnight in the current time zone (the viewer's),
and the last one is the week under way. Activity is what learners did
that left a dated record: lessons completed and quiz attempts submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from karma.accounts.models import Role, User
from karma.assessments.models import Attempt
from karma.courses.models import Course
from karma.enrollments.models import Enrollment
from karma.learning.models import LessonProgress
from karma.reports.selectors.course import active_since, enrollment_counts
from karma.reports.selectors.dashboard import (
    Totals,
    at_risk_by_course,
    courses_with_counts,
    with_course_figures,
)

WEEKS = 12


@dataclass(frozen=True)
class WeekFigures:
    start: date
    enrollments: int
    completions: int
    lessons_completed: int
    attempts_submitted: int


@dataclass(frozen=True)
class PlatformReport:
    totals: Totals
    learners: int
    learners_active_this_week: int
    courses_published: int
    weeks: list[WeekFigures]


def week_starts(now: datetime, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last `weeks` weeks, oldest first, in the current
    time zone; the last is this week's."""
    today = timezone.localtime(now).date()
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def platform_report(now: datetime) -> PlatformReport:
    """Everything the admin reports page shows above the course table, in
    seven queries."""
    counts = Enrollment.objects.aggregate(**enrollment_counts(now))
    average = counts.pop("average_progress")
    totals = Totals(
        **counts, average_progress=round(average, 1) if average is not None else None
    )
    learners = User.objects.filter(role=Role.LEARNER, is_active=True).aggregate(
        total=Count("id"),
        active=Count("id", filter=_active_filter(now)),
    )
    return PlatformReport(
        totals=totals,
        learners=learners["total"],
        learners_active_this_week=learners["active"],
        courses_published=Course.objects.published().count(),
        weeks=weekly_figures(now),
    )


def _active_filter(now: datetime) -> Q:
    return Q(last_active_at__gte=active_since(now))


def weekly_figures(now: datetime, weeks: int = WEEKS) -> list[WeekFigures]:
    """The counts of each of the last `weeks` weeks, oldest first; one
    grouped query per series."""
    starts = week_starts(now, weeks)
    since = timezone.make_aware(datetime.combine(starts[0], time.min))
    series = {
        "enrollments": _per_week(Enrollment.objects.all(), "enrolled_at", since),
        "completions": _per_week(Enrollment.objects.all(), "completed_at", since),
        "lessons_completed": _per_week(
            LessonProgress.objects.all(), "completed_at", since
        ),
        "attempts_submitted": _per_week(Attempt.objects.all(), "submitted_at", since),
    }
    return [
        WeekFigures(
            start, **{name: found.get(start, 0) for name, found in series.items()}
        )
        for start in starts
    ]


def _per_week(rows: QuerySet, field: str, since: datetime) -> dict[date, int]:
    grouped = (
        rows.filter(**{f"{field}__gte": since})
        .order_by()
        .annotate(week=TruncWeek(field))
        .values("week")
        .annotate(count=Count("id"))
        .values_list("week", "count")
    )
    return {_as_date(week): count for week, count in grouped}


def _as_date(week: datetime | date) -> date:
    if isinstance(week, datetime):
        return (
            timezone.localtime(week).date() if timezone.is_aware(week) else week.date()
        )
    return week


def course_table(now: datetime) -> QuerySet[Course]:
    """Every course with its enrollment figures, most learners first; page
    it, then call `finish_course_rows` on the page."""
    return courses_with_counts(Course.objects.select_related("owner"), now)


def finish_course_rows(courses: list[Course], now: datetime) -> None:
    """Add the at-risk count and completion rate to a page of
    `course_table`, in one query."""
    ids = [course.pk for course in courses]
    enrollments = Enrollment.objects.filter(course_id__in=ids)
    with_course_figures(courses, at_risk_by_course(enrollments, now, courses=ids))

"""Platform-wide figures week by week, and the chart drawn from them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from karma.accounts.tests.factories import LearnerFactory
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus
from karma.learning.models import LessonProgress
from karma.reports.charts import grouped_bars, nice_ceiling
from karma.reports.selectors.platform import week_starts, weekly_figures
from karma.reports.tests.known import build_course_structure

UTC = ZoneInfo("UTC")
# A Wednesday: the current week started on Monday 10 March 2025.
NOW = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)


def _at(day: int, month: int = 3, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=UTC)


def test_weeks_start_on_monday_and_end_with_this_one():
    starts = week_starts(NOW)

    assert len(starts) == 12
    assert starts[-1] == date(2025, 3, 10)
    assert starts[0] == date(2024, 12, 23)
    assert all(start.weekday() == 0 for start in starts)


def test_weeks_follow_the_viewers_time_zone():
    # Monday 00:30 in Madrid is still Sunday in UTC.
    with timezone.override(ZoneInfo("Europe/Madrid")):
        starts = week_starts(datetime(2025, 3, 9, 23, 30, tzinfo=UTC))

    assert starts[-1] == date(2025, 3, 10)


@pytest.fixture
def history(db, instructor):
    course, lessons = build_course_structure(instructor)

    def enroll(enrolled_at, completed_at=None):
        return Enrollment.objects.create(
            course=course,
            learner=LearnerFactory(),
            source=EnrollmentSource.SELF,
            enrolled_at=enrolled_at,
            completed_at=completed_at,
            status=EnrollmentStatus.COMPLETED if completed_at else "active",
        )

    # This week: two enrollments (Monday early and Wednesday), one
    # completion; last week: one enrollment completed this week.
    a = enroll(_at(10, hour=0))
    enroll(_at(12))
    b = enroll(_at(4), completed_at=_at(11))
    # Thirteen weeks ago: outside the window.
    enroll(datetime(2024, 12, 2, 9, 0, tzinfo=UTC))
    LessonProgress.objects.create(
        enrollment=a, lesson=lessons["read"], completed_at=_at(10, hour=10)
    )
    LessonProgress.objects.create(
        enrollment=b, lesson=lessons["read"], completed_at=_at(5)
    )
    return course


def test_counts_each_series_in_its_week(history):
    weeks = weekly_figures(NOW)

    this_week, last_week = weeks[-1], weeks[-2]
    assert (this_week.start, this_week.enrollments, this_week.completions) == (
        date(2025, 3, 10),
        2,
        1,
    )
    assert this_week.lessons_completed == 1
    assert (last_week.enrollments, last_week.completions) == (1, 0)
    assert last_week.lessons_completed == 1
    assert sum(week.enrollments for week in weeks) == 3
    assert all(week.attempts_submitted == 0 for week in weeks)


@pytest.mark.parametrize(
    ("largest", "top"),
    [
        (0, 4),
        (3, 4),
        (4, 4),
        (5, 8),
        (9, 12),
        (13, 20),
        (41, 80),
        (120, 120),
        (121, 200),
    ],
)
def test_axis_tops_are_round_numbers(largest, top):
    assert nice_ceiling(largest) == top


def test_bars_are_laid_out_in_groups_with_titles():
    chart = grouped_bars(
        ["3 Mar", "10 Mar"],
        [
            ("enrollments", "Enrollments", [2, 4]),
            ("completions", "Completions", [0, 1]),
        ],
    )

    assert [bar.title for bar in chart.bars] == [
        "Enrollments, 3 Mar: 2",
        "Completions, 3 Mar: 0",
        "Enrollments, 10 Mar: 4",
        "Completions, 10 Mar: 1",
    ]
    tallest = chart.bars[2]
    assert tallest.y + tallest.height == chart.baseline
    assert chart.bars[1].height == 0
    assert [tick.value for tick in chart.ticks] == [0, 1, 2, 3, 4]
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs)
    assert all(chart.left <= x <= chart.right for x in xs)

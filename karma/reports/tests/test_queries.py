"""The report pages and endpoints cost the same number of queries for a
class of 10 as for a class of 1,000."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karma.accounts.models import Role, User
from karma.api.tests.helpers import api_client
from karma.assessments.models import Attempt, AttemptStatus
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus
from karma.learning.models import LessonProgress
from karma.reports.selectors.course import progress_enrollments
from karma.reports.tests.known import build_course_structure


def add_learners(course, lessons, start: int, count: int) -> None:
    """Bulk-create `count` learners with varied progress, activity and
    quiz attempts, as a busy class has."""
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=f"bulk{n:05d}@example.com",
                first_name="Bulk",
                last_name=f"{n:05d}",
                role=Role.LEARNER,
                search_text=f"bulk {n:05d} bulk{n:05d}@example.com",
                activated_at=now,
            )
            for n in range(start, start + count)
        ]
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                course=course,
                learner=user,
                source=EnrollmentSource.BULK,
                status=EnrollmentStatus.ACTIVE,
                enrolled_at=now - timedelta(days=30),
                last_active_at=None if n % 5 == 0 else now - timedelta(days=n % 20),
                progress_percent=(n * 25) % 100,
                required_done=n % 4,
                required_total=4,
            )
            for n, user in enumerate(users)
        ]
    )
    read, then, check = lessons["read"], lessons["then"], lessons["check"]
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(
                enrollment=e,
                lesson=lesson,
                completed_at=now - timedelta(days=2),
                time_spent_seconds=120,
            )
            for n, e in enumerate(enrollments)
            for lesson in (read, then)[: n % 3]
        ]
    )
    Attempt.objects.bulk_create(
        [
            Attempt(
                assessment=check.assessment,
                enrollment=e,
                learner_id=e.learner_id,
                number=1,
                status=AttemptStatus.FINAL,
                submitted_at=now - timedelta(days=1),
                score_percent=Decimal((n * 7) % 101),
                passed=(n * 7) % 101 >= 70,
            )
            for n, e in enumerate(enrollments)
            if n % 2
        ]
    )


@pytest.fixture
def busy(db, instructor):
    course, lessons = build_course_structure(instructor, title="Busy course")
    add_learners(course, lessons, 0, 10)
    return course, lessons


def _queries(get) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get()
    assert response.status_code == 200, response.content[:500]
    return len(captured.captured_queries)


def _same_at_10_and_1000(busy, get) -> None:
    course, lessons = busy
    get()  # Warm up: last-active writes and cached sidebar counts.
    small = _queries(get)

    add_learners(course, lessons, 10, 990)
    assert Enrollment.objects.filter(course=course).count() == 1000
    large = _queries(get)

    assert large == small


def test_progress_tab_costs_the_same_for_any_class(busy, instructor_client):
    course, _ = busy
    url = f"/manage/courses/{course.public_id}/progress/"

    _same_at_10_and_1000(busy, lambda: instructor_client.get(url))


def test_progress_tab_filtered_to_at_risk_costs_the_same(busy, instructor_client):
    course, _ = busy
    url = f"/manage/courses/{course.public_id}/progress/?status=at_risk&sort=-progress"

    _same_at_10_and_1000(busy, lambda: instructor_client.get(url))


@pytest.mark.parametrize("status", ["", "at_risk"])
def test_progress_tab_reads_the_class_figures_once(busy, instructor_client, status):
    # The matrix takes the class average and its row count from the
    # figures on top instead of reading the whole class again.
    course, lessons = busy
    add_learners(course, lessons, 10, 90)
    url = f"/manage/courses/{course.public_id}/progress/?status={status}"
    instructor_client.get(url)

    with CaptureQueriesContext(connection) as captured:
        html = instructor_client.get(url).content.decode()

    statements = [query["sql"] for query in captured.captured_queries]
    assert sum("AVG(" in sql for sql in statements) == 1
    # Only the learners at risk are counted on their own.
    assert sum('COUNT(*) AS "__count"' in sql for sql in statements) == 1
    shown = re.search(r"(\d+) learners (in this course|found)", html)
    assert shown is not None
    expected = progress_enrollments(course, timezone.now(), status=status).count()
    assert int(shown.group(1)) == expected


def test_progress_tab_fragment_costs_the_same_for_any_class(busy, instructor_client):
    course, _ = busy
    url = f"/manage/courses/{course.public_id}/progress/?q=bulk&sort=-last_active"

    _same_at_10_and_1000(
        busy, lambda: instructor_client.get(url, headers={"HX-Request": "true"})
    )


def test_teaching_dashboard_costs_the_same_for_any_class(busy, instructor_client):
    _same_at_10_and_1000(busy, lambda: instructor_client.get("/reports/"))


def test_platform_reports_cost_the_same_for_any_class(busy, admin_client):
    _same_at_10_and_1000(busy, lambda: admin_client.get("/reports/platform/"))


def test_matrix_endpoint_costs_the_same_for_any_class(busy, instructor):
    course, _ = busy
    client = api_client(instructor)
    url = f"/api/v1/courses/{course.public_id}/reports/matrix?per_page=100"

    _same_at_10_and_1000(busy, lambda: client.get(url))


def test_summary_endpoint_costs_the_same_for_any_class(busy, instructor):
    course, _ = busy
    client = api_client(instructor)
    url = f"/api/v1/courses/{course.public_id}/reports/summary"

    _same_at_10_and_1000(busy, lambda: client.get(url))


def test_teaching_endpoint_costs_the_same_for_any_class(busy, instructor):
    client = api_client(instructor)

    _same_at_10_and_1000(busy, lambda: client.get("/api/v1/reports/teaching"))


def test_progress_tab_stays_within_a_small_fixed_budget(
    busy, instructor_client, django_assert_max_num_queries
):
    course, lessons = busy
    add_learners(course, lessons, 10, 990)
    url = f"/manage/courses/{course.public_id}/progress/"
    instructor_client.get(url)

    with django_assert_max_num_queries(25):
        instructor_client.get(url)

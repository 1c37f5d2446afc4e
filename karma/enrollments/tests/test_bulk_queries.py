"""A bulk job's queries grow with its chunks of rows, never with its rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karma.accounts.tests.factories import LearnerFactory
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.tests.factories import PublishedCourseFactory
from karma.enrollments.models import (
    BulkSource,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    RowOutcome,
    UnknownEmailPolicy,
)
from karma.enrollments.services.bulk import (
    apply_job,
    confirm_job,
    review_job,
    start_job,
)


def _file_of(each: int, tag: str, course) -> bytes:
    """A file with `each` rows of every kind the pipeline treats apart."""
    lines = []
    for n in range(each):
        lines.append(LearnerFactory(email=f"{tag}new{n}@example.com").email)
        dropped = LearnerFactory(email=f"{tag}back{n}@example.com")
        Enrollment.objects.create(
            learner=dropped,
            course=course,
            status=EnrollmentStatus.DROPPED,
            dropped_at=timezone.now(),
            source=EnrollmentSource.SELF,
        )
        lines.append(dropped.email)
        active = LearnerFactory(email=f"{tag}there{n}@example.com")
        Enrollment.objects.create(
            learner=active, course=course, source=EnrollmentSource.SELF
        )
        lines.append(active.email)
        lines.append(
            LearnerFactory(email=f"{tag}gone{n}@example.com", is_active=False).email
        )
        lines.append(f"{tag}stranger{n}@example.com")
        lines.append(f"{tag}new{n}@example.com")
        lines.append(f"not an address {n}")
    return ("email\n" + "\n".join(lines) + "\n").encode()


def _run(
    course, data: bytes, django_capture_on_commit_callbacks
) -> tuple[int, dict[str, int]]:
    """Run the whole job, emails included; return the queries it made."""
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = start_job(
            course=course,
            started_by=None,
            source=BulkSource.FILE,
            data=data,
            file_name="mix.csv",
            unknown_policy=UnknownEmailPolicy.INVITE,
            background=False,
        )
        job = review_job(job_id=job.pk)
        confirm_job(job=job, confirmed_by=None, background=False)
        apply_job(job_id=job.pk)
    job.refresh_from_db()
    return len(queries.captured_queries), job.counts


@pytest.mark.django_db
def test_three_times_the_rows_take_the_same_queries(
    django_capture_on_commit_callbacks,
):
    small_course, large_course = PublishedCourseFactory(), PublishedCourseFactory()
    small = _file_of(4, "s", small_course)
    large = _file_of(12, "l", large_course)

    small_queries, small_counts = _run(
        small_course, small, django_capture_on_commit_callbacks
    )
    large_queries, large_counts = _run(
        large_course, large, django_capture_on_commit_callbacks
    )

    assert large_counts == {outcome: 3 * n for outcome, n in small_counts.items()}
    assert large_counts[RowOutcome.ENROLLED] == 24
    assert large_counts[RowOutcome.INVITED] == 12
    assert large_queries == small_queries


@pytest.mark.django_db
def test_enrollments_and_their_audit_are_complete(django_capture_on_commit_callbacks):
    course = PublishedCourseFactory()
    _run(course, _file_of(3, "a", course), django_capture_on_commit_callbacks)

    enrollments = Enrollment.objects.filter(course=course, status="active")
    # Three kinds enrolled now (new, back, invited) and the three already there.
    assert enrollments.count() == 12
    created = enrollments.filter(source=EnrollmentSource.BULK)
    assert created.count() == 6
    assert all(len(e.public_id) == len("enr_") + 16 for e in created)
    assert all(e.completion_evidence == {} for e in created)
    events = AuditEvent.objects.filter(kind=AuditKind.ENROLLMENT_CREATED)
    assert sorted(events.values_list("target", flat=True)) == sorted(
        enrollments.exclude(learner__email__contains="there").values_list(
            "public_id", flat=True
        )
    )
    assert {e.details["course"] for e in events} == {course.public_id}

"""Two bulk jobs over overlapping files, applied at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from karma.accounts.models import Invitation, User
from karma.accounts.tests.factories import LearnerFactory
from karma.courses.tests.factories import PublishedCourseFactory
from karma.enrollments.models import (
    BulkSource,
    Enrollment,
    RowOutcome,
    UnknownEmailPolicy,
)
from karma.enrollments.services.bulk import (
    apply_job,
    confirm_job,
    review_job,
    start_job,
)


def _reviewed_job(course, emails, *, policy=UnknownEmailPolicy.SKIP):
    data = ("email\n" + "\n".join(emails) + "\n").encode()
    job = start_job(
        course=course,
        started_by=None,
        source=BulkSource.FILE,
        data=data,
        file_name="overlap.csv",
        unknown_policy=policy,
        background=False,
    )
    job = review_job(job_id=job.pk)
    return confirm_job(job=job, confirmed_by=None, background=False)


def _apply_together(jobs) -> None:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            barrier.wait(timeout=10)
            apply_job(job_id=job.pk)
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []


def _skip_on_shared_memory_sqlite() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "SQLite's in-memory test database is shared between threads in "
            "shared-cache mode, where a second writer fails at once with "
            "'table is locked' instead of waiting; run on PostgreSQL"
        )


@pytest.mark.django_db(transaction=True)
def test_overlapping_jobs_at_once_enroll_everyone_once():
    _skip_on_shared_memory_sqlite()
    course = PublishedCourseFactory()
    emails = [LearnerFactory(email=f"overlap{n}@example.com").email for n in range(60)]
    first = _reviewed_job(course, emails[:40])
    second = _reviewed_job(course, emails[20:])

    _apply_together([first, second])

    first.refresh_from_db()
    second.refresh_from_db()
    assert Enrollment.objects.filter(course=course).count() == 60
    enrolled = first.counts[RowOutcome.ENROLLED] + second.counts[RowOutcome.ENROLLED]
    already = (
        first.counts[RowOutcome.ALREADY_ENROLLED]
        + second.counts[RowOutcome.ALREADY_ENROLLED]
    )
    # The twenty shared addresses are enrolled by one job and reported as
    # already enrolled by the other, whichever ran first.
    assert (enrolled, already) == (60, 20)


@pytest.mark.django_db(transaction=True)
def test_overlapping_invite_jobs_at_once_make_one_account_each():
    _skip_on_shared_memory_sqlite()
    course = PublishedCourseFactory()
    emails = [f"newcomer{n}@example.com" for n in range(30)]
    first = _reviewed_job(course, emails[:20], policy=UnknownEmailPolicy.INVITE)
    second = _reviewed_job(course, emails[10:], policy=UnknownEmailPolicy.INVITE)

    _apply_together([first, second])

    assert User.objects.filter(email__startswith="newcomer").count() == 30
    assert Invitation.objects.count() == 30
    assert Enrollment.objects.filter(course=course).count() == 30


@pytest.mark.django_db
def test_applying_a_job_twice_enrolls_once():
    course = PublishedCourseFactory()
    emails = [LearnerFactory().email for _ in range(5)]
    job = _reviewed_job(course, emails)

    apply_job(job_id=job.pk)
    apply_job(job_id=job.pk)

    assert Enrollment.objects.filter(course=course).count() == 5


@pytest.mark.django_db
def test_large_file_is_probed_at_start_and_read_whole_in_the_review():
    from karma.enrollments.models import BulkJobStatus
    from karma.enrollments.services.bulk import BulkEnrollmentError

    course = PublishedCourseFactory()
    lines = "".join(f"probe{n}@example.org\n" for n in range(3000))
    no_email = "name,phone\n" + "Ana,123\n" * 3000

    with pytest.raises(BulkEnrollmentError, match="name"):
        start_job(
            course=course,
            started_by=None,
            source=BulkSource.FILE,
            data=no_email.encode(),
            background=False,
        )
    job = start_job(
        course=course,
        started_by=None,
        source=BulkSource.FILE,
        data=("email\n" + lines).encode(),
        background=False,
    )
    reviewed = review_job(job_id=job.pk)

    # The start only estimates the count; the review knows it.
    assert abs(job.total_rows - 3000) <= 1
    assert reviewed.total_rows == 3000
    assert reviewed.status == BulkJobStatus.READY
    assert reviewed.counts[RowOutcome.UNKNOWN] == 3000

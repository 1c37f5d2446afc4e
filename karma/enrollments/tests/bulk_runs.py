"""Running a file through the whole bulk pipeline in tests, in one call."""

from __future__ import annotations

from karma.enrollments.models import BulkEnrollmentJob, BulkSource
from karma.enrollments.services.bulk import (
    apply_job,
    confirm_job,
    review_job,
    start_job,
)


def run_bulk_file(
    course, data: bytes, name: str, *, policy: str, actor=None
) -> BulkEnrollmentJob:
    """Start, review, confirm and apply a job for `data` in the foreground,
    as the page does in the background, and return the finished job."""
    job = start_job(
        course=course,
        started_by=actor,
        source=BulkSource.FILE,
        data=data,
        file_name=name,
        unknown_policy=policy,
        background=False,
    )
    job = review_job(job_id=job.pk)
    confirm_job(job=job, confirmed_by=actor, background=False)
    job = apply_job(job_id=job.pk)
    job.refresh_from_db()
    return job

"""Writes of the reports app: export jobs and the audit entries of reading
a learner's record (SPEC sections 6 and 9).

A workbook of many thousand rows takes a while to write; instead of
holding a request open, the page asks for an export job. The job runs in
the background (a Celery worker, or a thread of the web process when no
broker is configured), writes its file under MEDIA_ROOT/exports/, and the
person downloads it from the job's page. The retention task deletes the
file after KARMA_RETENTION_EXPORT_DAYS; the job row stays as the record.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from karma.accounts.models import User
from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.courses.models import Course
from karma.enrollments.models import Enrollment
from karma.lib.spreadsheet_safe import iter_csv, save_xlsx
from karma.reports.exports import ExportTable, export_file_name, export_table
from karma.reports.models import ExportFormat, ExportJob, ExportKind, ExportStatus
from karma.reports.permissions import can_view_course_reports
from karma.reports.tasks import run_export_job
from karma.web.background import start_after_commit

logger = logging.getLogger(__name__)

# Above this many rows, a workbook asked for on a page is built by a job
# rather than in the request. CSV always streams, whatever its size.
INLINE_XLSX_ROWS = 5000


class ExportError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def request_export(
    *, course: Course, requested_by: User, kind: str, file_format: str
) -> ExportJob:
    """Queue an export of `course` and start it once the transaction commits.

    Raises PermissionDenied for someone who may not read the course's
    reports, ExportError for an unknown kind or format.
    """
    if not can_view_course_reports(requested_by, course):
        raise PermissionDenied("Only this course's staff can export it.")
    if kind not in ExportKind.values:
        raise ExportError("Choose learners, progress or assessments.", field="kind")
    if file_format not in ExportFormat.values:
        raise ExportError("Choose csv or xlsx.", field="format")

    job = ExportJob.objects.create(
        course=course, requested_by=requested_by, kind=kind, file_format=file_format
    )
    start_after_commit(run_export_job, job_id=job.pk)
    logger.info("export queued", extra={"export_id": job.public_id})
    return job


def run_export(*, job_id: int) -> ExportJob:
    """Write the file of job `job_id`; a job already started is left alone,
    so a task delivered twice writes one file."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update()
            .select_related("course")
            .get(pk=job_id)
        )
        if job.status != ExportStatus.QUEUED:
            return job
        job.status = ExportStatus.RUNNING
        job.save(update_fields=["status"])

    try:
        _write(job)
    except Exception as error:
        job.status = ExportStatus.FAILED
        job.error = "The export could not be written. Please try again."
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        logger.exception(
            "export failed",
            extra={"export_id": job.public_id, "error": type(error).__name__},
        )
        return job
    logger.info(
        "export written", extra={"export_id": job.public_id, "rows": job.row_count}
    )
    return job


def _write(job: ExportJob) -> None:
    table = export_table(job.course, job.kind)
    name = export_file_name(job.course, job.kind, job.file_format)
    # Written to a temporary file first, then handed to storage in chunks:
    # neither step holds the whole file in memory.
    with tempfile.TemporaryFile() as scratch:
        if job.file_format == ExportFormat.XLSX:
            rows = save_xlsx(scratch, table.rows, table.header)
        else:
            rows = _write_csv(scratch, table)
        scratch.seek(0)
        job.file.save(f"{job.public_id}/{name}", File(scratch), save=False)
    job.file_name = name
    job.row_count = rows
    job.status = ExportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "file_name", "row_count", "status", "finished_at"])


def _write_csv(target: BinaryIO, table: ExportTable) -> int:
    counted = _Counter(table.rows)
    for chunk in iter_csv(counted, table.header):
        target.write(chunk)
    return counted.count


class _Counter:
    """Pass rows through, counting them."""

    def __init__(self, rows: Iterable[list[object]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[list[object]]:
        for row in self.rows:
            self.count += 1
            yield row


def record_download(*, job: ExportJob, downloaded_by: User) -> None:
    """Audit the download of a finished job's file."""
    record_event(
        kind=AuditKind.EXPORT_DOWNLOADED,
        actor=downloaded_by,
        target=job.course.public_id,
        details={
            "export": f"course_{job.kind}",
            "format": job.file_format,
            "rows": job.row_count,
            "job": job.public_id,
        },
    )


def record_learner_view(*, viewer: User, enrollment: Enrollment) -> None:
    """Audit staff opening one learner's detail in a course (SPEC 9: every
    view of a learner's record by staff)."""
    if viewer.pk == enrollment.learner_id:
        return
    record_event(
        kind=AuditKind.PROFILE_VIEWED,
        actor=viewer,
        subject=enrollment.learner,
        target=enrollment.public_id,
        details={"view": "course_progress", "course": enrollment.course.public_id},
    )

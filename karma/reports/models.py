"""Exports built in the background: what was asked for, and the file.

Small exports answer at once (a CSV streams, whatever its size); large
workbooks are written by a task into MEDIA_ROOT/exports/, where the
retention task deletes them after KARMA_RETENTION_EXPORT_DAYS. The job row
stays as the record of what was exported; only the file goes.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import models
from django.utils import timezone

from karma.lib.public_ids import new_public_id


class ExportKind(models.TextChoices):
    LEARNERS = "learners", "Learner list"
    PROGRESS = "progress", "Progress by module"
    ASSESSMENTS = "assessments", "Assessment results"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel workbook"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Writing the file"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "exp"),
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="export_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    file_format = models.CharField(max_length=10, choices=ExportFormat.choices)
    status = models.CharField(
        max_length=20, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    # The storage name under MEDIA_ROOT/exports/; never served from
    # MEDIA_URL, only through the download view that checks who asks.
    file = models.FileField(upload_to="exports/", blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True, default="")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["requested_by", "-created_at"], name="reports_export_mine"
            )
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

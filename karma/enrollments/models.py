"""Enrollments of learners in courses, and bulk enrollment jobs."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from karma.lib.public_ids import new_public_id


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    DROPPED = "dropped", "Dropped"


class EnrollmentSource(models.TextChoices):
    SELF = "self", "Self-enrolled"
    STAFF = "staff", "Enrolled by staff"
    BULK = "bulk", "Bulk enrollment"


class Enrollment(models.Model):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "enr"),
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments"
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="enrollments"
    )
    status = models.CharField(
        max_length=20, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    # Stored, never recomputed on a page: learning.services.progress keeps
    # these three right whenever a lesson is completed or the course changes.
    progress_percent = models.PositiveSmallIntegerField(default=0)
    required_done = models.PositiveIntegerField(default=0)
    required_total = models.PositiveIntegerField(default=0)
    enrolled_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Why the enrollment was completed: the rule and the lessons behind it.
    completion_evidence = models.JSONField(default=dict, blank=True)
    dropped_at = models.DateTimeField(null=True, blank=True)
    last_active_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=EnrollmentSource.choices)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The bulk job that made this record, so a job can count what it created
    # even when a concurrent job inserted some of the same rows first.
    bulk_job = models.ForeignKey(
        "BulkEnrollmentJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrollments",
    )
    # Set by the task that sends the enrollment email; it sends only while
    # this is empty, so a retried task never mails a learner twice.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            # One open record per learner and course: "at most one active
            # enrollment" (SPEC 5), and a dropped record is the one that
            # comes back when the learner is enrolled again. Completed
            # records are history and may repeat.
            models.UniqueConstraint(
                fields=["learner", "course"],
                condition=Q(status__in=["active", "dropped"]),
                name="enrollments_one_open_per_learner_course",
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100),
                name="enrollments_progress_at_most_100",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "status"], name="enrollments_course_status"),
            models.Index(
                fields=["learner", "status"], name="enrollments_learner_status"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def completion_state(self) -> str:
        """Complete, in progress or not started, as the profile shows it."""
        if self.status == EnrollmentStatus.COMPLETED:
            return "complete"
        if self.progress_percent > 0:
            return "in progress"
        return "not started"


class UnknownEmailPolicy(models.TextChoices):
    SKIP = "skip", "Skip them"
    INVITE = "invite", "Invite them as learners"


class BulkJobStatus(models.TextChoices):
    REVIEWING = "reviewing", "Checking the rows"
    READY = "ready", "Ready to confirm"
    RUNNING = "running", "Enrolling"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class BulkSource(models.TextChoices):
    FILE = "file", "File"
    PASTE = "paste", "Pasted addresses"
    USERS = "users", "Chosen users"


class BulkEnrollmentJob(models.Model):
    """One bulk enrollment: its input, its review and, once confirmed, its result."""

    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "blk"),
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="bulk_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=BulkSource.choices)
    # The uploaded or pasted input, kept until the retention task removes it.
    upload = models.FileField(upload_to="bulk/", blank=True)
    file_name = models.CharField(max_length=255, blank=True, default="")
    unknown_policy = models.CharField(
        max_length=20,
        choices=UnknownEmailPolicy.choices,
        default=UnknownEmailPolicy.SKIP,
    )
    # A dry run stops after the review: nothing is ever enrolled.
    dry_run = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=BulkJobStatus.choices, default=BulkJobStatus.REVIEWING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # Outcome name -> number of rows, for the review and the result.
    counts = models.JSONField(default=dict, blank=True)
    # What the reader decided (encoding, ignored columns, warnings).
    notes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_finished(self) -> bool:
        return self.status in (
            BulkJobStatus.DONE,
            BulkJobStatus.FAILED,
            BulkJobStatus.CANCELLED,
        )

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class RowOutcome(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    ALREADY_ENROLLED = "already_enrolled", "Already enrolled"
    INVITED = "invited", "Invited and enrolled"
    UNKNOWN = "unknown", "Unknown email, skipped"
    INVALID = "invalid", "Invalid address"
    DEACTIVATED = "deactivated", "Deactivated account"
    DUPLICATE = "duplicate", "Duplicate in the file"


class BulkEnrollmentRow(models.Model):
    """One input row of a job and what happens (or happened) to it."""

    job = models.ForeignKey(
        BulkEnrollmentJob, on_delete=models.CASCADE, related_name="rows"
    )
    line = models.PositiveIntegerField()
    email = models.CharField(max_length=320, blank=True, default="")
    first_name = models.CharField(max_length=150, blank=True, default="")
    last_name = models.CharField(max_length=150, blank=True, default="")
    outcome = models.CharField(max_length=20, choices=RowOutcome.choices)
    message = models.CharField(max_length=500, blank=True, default="")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["line", "id"]
        indexes = [
            models.Index(fields=["job", "outcome"], name="enrollments_row_outcome")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line}"

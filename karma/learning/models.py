"""What a learner has done in a course: lesson progress, time spent and
certificates. The enrollment keeps the course-level figures (percent,
completion, last active); the rows here are the evidence behind them.
"""

from __future__ import annotations

import secrets
from functools import partial

from django.conf import settings
from django.db import models
from django.utils import timezone

from karma.lib.public_ids import new_public_id


class CompletionReason(models.TextChoices):
    """Which rule granted a lesson's completion (SPEC section 6)."""

    VIDEO_WATCHED = "video_watched", "Watched at least 90% of the video"
    READ_TO_END = "read_to_end", "Scrolled to the end"
    MARKED_COMPLETE = "marked_complete", "Marked complete by the learner"
    QUIZ_SUBMITTED = "quiz_submitted", "Submitted the quiz"


class LessonProgress(models.Model):
    """One learner's record of one lesson, within one enrollment."""

    enrollment = models.ForeignKey(
        "enrollments.Enrollment",
        on_delete=models.CASCADE,
        related_name="lesson_progress",
    )
    lesson = models.ForeignKey(
        "courses.Lesson", on_delete=models.CASCADE, related_name="progress_records"
    )
    first_opened_at = models.DateTimeField(default=timezone.now)
    # The most recently opened lesson is where the learner resumes.
    last_opened_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_reason = models.CharField(
        max_length=32, choices=CompletionReason.choices, blank=True, default=""
    )
    # The facts behind the completion: share of the video watched, the
    # attempt that was submitted, and so on. Never personal data.
    completion_evidence = models.JSONField(default=dict, blank=True)
    # Quiz lessons only: whether the learner's standing (best final
    # attempt) passes. None until an attempt is final.
    quiz_passed = models.BooleanField(null=True, blank=True)
    # Seconds credited from heartbeats, each capped (see learning.services).
    time_spent_seconds = models.PositiveIntegerField(default=0)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Video lessons: the duration the player reported first, and the
    # merged [start, end] second ranges actually played.
    video_duration = models.FloatField(null=True, blank=True)
    video_watched = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson"], name="learning_progress_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["enrollment", "-last_opened_at"], name="learning_resume_idx"
            ),
            models.Index(
                fields=["lesson", "completed_at"], name="learning_lesson_done_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"progress of {self.enrollment_id} in {self.lesson_id}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


def new_verification_code() -> str:
    """Return a code like 7KQ3-M9X2-P4W8-V6TJ: 80 random bits, easy to read
    aloud and to type (no I, L, O or U)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    bits = secrets.randbits(80)
    chars = "".join(alphabet[(bits >> (5 * i)) & 31] for i in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


class Certificate(models.Model):
    """Issued once per learner and course when a certificate course is
    completed. The name and title are copied at issue so the certificate
    says what was true that day, whatever is renamed later.
    """

    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "crt"),
    )
    code = models.CharField(
        max_length=19, unique=True, editable=False, default=new_verification_code
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.PROTECT, related_name="certificates"
    )
    # The enrollment whose completion earned it.
    enrollment = models.ForeignKey(
        "enrollments.Enrollment",
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    learner_name = models.CharField(max_length=301)
    course_title = models.CharField(max_length=200)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course"], name="learning_certificate_once"
            )
        ]

    def __str__(self) -> str:
        return self.public_id

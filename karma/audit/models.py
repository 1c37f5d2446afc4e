"""The append-only audit log of business events."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import models
from django.utils import timezone

from karma.lib.public_ids import new_public_id


class AuditKind(models.TextChoices):
    ACCOUNT_CREATED = "account.created", "Account created"
    ACCOUNT_INVITED = "account.invited", "Invitation sent"
    INVITATION_RESENT = "account.invitation_resent", "Invitation resent"
    INVITATION_REVOKED = "account.invitation_revoked", "Invitation revoked"
    ACCOUNT_ACTIVATED = "account.activated", "Account activated"
    ROLE_CHANGED = "account.role_changed", "Role changed"
    ACCOUNT_DEACTIVATED = "account.deactivated", "Account deactivated"
    ACCOUNT_REACTIVATED = "account.reactivated", "Account reactivated"
    PASSWORD_CHANGED = "account.password_changed", "Password changed"
    PROFILE_UPDATED = "account.profile_updated", "Profile updated"
    PROFILE_VIEWED = "account.profile_viewed", "Profile viewed"
    ENROLLMENT_CREATED = "enrollment.created", "Enrolled"
    ENROLLMENT_DROPPED = "enrollment.dropped", "Enrollment dropped"
    ENROLLMENT_REACTIVATED = "enrollment.reactivated", "Enrollment reactivated"
    ENROLLMENT_REMOVED = "enrollment.removed", "Enrollment removed"
    BULK_ENROLLMENT_RUN = "enrollment.bulk_run", "Bulk enrollment run"
    EXPORT_DOWNLOADED = "export.downloaded", "Export downloaded"
    ANSWER_GRADED = "assessment.answer_graded", "Answer graded"
    GRADE_OVERRIDDEN = "assessment.grade_overridden", "Grade overridden"
    COURSE_COMPLETED = "learning.course_completed", "Course completed"
    CERTIFICATE_ISSUED = "learning.certificate_issued", "Certificate issued"
    DATA_EXPORTED = "privacy.data_exported", "Personal data exported"
    LEARNER_ERASED = "privacy.learner_erased", "Learner erased"
    RETENTION_RUN = "privacy.retention_run", "Expired data deleted"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEvent(models.Model):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "aud"),
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=64, choices=AuditKind.choices, db_index=True)
    # Who acted; None for the system itself (a scheduled task, a command).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events_acted",
    )
    # Whom it was about, when it was about a person.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events_about",
    )
    # What else it touched, as a public id (a course, an enrollment, ...).
    target = models.CharField(max_length=64, blank=True, default="")
    # Facts of the change (old and new role, counts); never secrets.
    details = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> None:
        raise AppendOnlyError("audit entries cannot be deleted")

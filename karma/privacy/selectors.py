"""Reading what the privacy pages show: whether, and when, someone was erased."""

from __future__ import annotations

from datetime import datetime

from karma.accounts.models import User
from karma.audit.models import AuditEvent, AuditKind
from karma.privacy.registry import erased_email


def is_erased(user: User) -> bool:
    """Tell whether `user`'s personal data was erased.

    The address erasure gives is made from the account's own id, so it
    can belong to no one else and needs no flag of its own.
    """
    return user.email == erased_email(user)


def erased_at(user: User) -> datetime | None:
    """Return when `user` was erased, or None if they were not."""
    if not is_erased(user):
        return None
    return (
        AuditEvent.objects.filter(subject=user, kind=AuditKind.LEARNER_ERASED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )

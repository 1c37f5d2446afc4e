"""Writing to the audit log. Services call this; views never do."""

from __future__ import annotations

from typing import Any

from karma.audit.models import AuditEvent, AuditKind


def record_event(
    *,
    kind: AuditKind,
    actor: Any | None,
    subject: Any | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one entry to the audit log and return it.

    Call inside the transaction of the change it describes, so the entry and
    the change land together or not at all.
    """
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        subject=subject,
        target=target,
        details=details or {},
        reason=reason.strip(),
    )

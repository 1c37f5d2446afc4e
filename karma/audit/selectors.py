"""Reading the audit log, for the admins' audit page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from karma.accounts.models import search_filter
from karma.audit.models import AuditEvent
from karma.lib.public_ids import has_prefix


def audit_events_for_log(
    *,
    actor: str = "",
    subject: str = "",
    kind: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    target: str = "",
) -> QuerySet[AuditEvent]:
    """Return audit entries matching the filters, newest first.

    `actor` and `subject` match a user id (`usr_...`) exactly, or else a
    name or email fragment (case- and accent-insensitive). `target` is the
    public id of what else the entry touched (a course, an enrollment).
    Dates are whole days in the current time zone, the viewer's, both ends
    included. Actor and subject come in the same query.
    """
    events = AuditEvent.objects.select_related("actor", "subject")
    events = events.filter(_person_filter("actor", actor))
    events = events.filter(_person_filter("subject", subject))
    if kind:
        events = events.filter(kind=kind)
    if target := target.strip():
        events = events.filter(target=target)
    if date_from is not None:
        events = events.filter(created_at__gte=_start_of_day(date_from))
    if date_to is not None:
        events = events.filter(
            created_at__lt=_start_of_day(date_to + timedelta(days=1))
        )
    return events.order_by("-created_at", "-id")


def _person_filter(field: str, value: str) -> Q:
    value = value.strip()
    if has_prefix(value, "usr"):
        return Q(**{f"{field}__public_id": value})
    return search_filter(value, through=f"{field}__")


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))

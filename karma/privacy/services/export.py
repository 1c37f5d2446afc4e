"""The archive of everything Karma holds about a person (SPEC section 9).

A zip of `profile.json`, one JSON file per holding of the registry, CSV
tables for spreadsheets (formula cells neutralised by
karma.lib.spreadsheet_safe) and a README.txt saying what each file is.
One person's data fits in memory, so the archive is built there.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from karma.accounts.models import User
from karma.assessments.models import Attempt
from karma.audit.models import AuditEvent, AuditKind
from karma.audit.services import record_event
from karma.enrollments.models import Enrollment
from karma.learning.models import LessonProgress
from karma.lib.spreadsheet_safe import write_csv
from karma.privacy.registry import HOLDINGS, Holding

logger = logging.getLogger(__name__)

PROFILE_FILE = "profile.json"
USER_LABEL = "accounts.User"

# CSV file -> (what it is, header). Rows come from _csv_rows.
CSV_TABLES: dict[str, tuple[str, list[str]]] = {
    "profile.csv": (
        "the account, one row",
        [
            "id",
            "first_name",
            "last_name",
            "email",
            "role",
            "status",
            "created_at",
            "last_login",
            "last_active_at",
        ],
    ),
    "enrollments.csv": (
        "one row per enrollment",
        [
            "enrollment_id",
            "course_id",
            "course_title",
            "status",
            "progress_percent",
            "enrolled_at",
            "completed_at",
            "dropped_at",
            "last_active_at",
        ],
    ),
    "lesson_progress.csv": (
        "one row per lesson opened",
        [
            "enrollment_id",
            "course_title",
            "lesson_id",
            "lesson_title",
            "first_opened_at",
            "last_opened_at",
            "completed_at",
            "completion_reason",
            "time_spent_seconds",
            "quiz_passed",
        ],
    ),
    "attempts.csv": (
        "one row per quiz attempt",
        [
            "attempt_id",
            "course_title",
            "lesson_title",
            "number",
            "status",
            "started_at",
            "submitted_at",
            "score_percent",
            "passed",
        ],
    ),
    "audit_events.csv": (
        "audit log entries about the person or by them",
        [
            "event_id",
            "created_at",
            "kind",
            "actor_id",
            "subject_id",
            "target",
            "reason",
        ],
    ),
}


def export_learner_data(*, learner: User, actor: User | None) -> bytes:
    """Return the zip archive of everything held about `learner`.

    The caller has checked that `actor` may have it; the export is written
    to the audit log once the archive is built.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(learner))
        archive.writestr(PROFILE_FILE, _json(_profile(learner)))
        for holding in HOLDINGS:
            if holding.fields and holding.label != USER_LABEL:
                archive.writestr(holding.file_name, _json(_rows(holding, learner)))
        for name, (_, header) in CSV_TABLES.items():
            archive.writestr(name, write_csv(_csv_rows(name, learner), header))

    record_event(kind=AuditKind.DATA_EXPORTED, actor=actor, subject=learner)
    logger.info("personal data exported", extra={"user_id": learner.public_id})
    return buffer.getvalue()


def archive_file_name(learner: User) -> str:
    return f"karma-data-{learner.public_id}-{timezone.now():%Y%m%d}.zip"


def _rows(holding: Holding, learner: User) -> list[dict[str, Any]]:
    return list(holding.rows(learner).order_by("pk").values(*holding.fields))


def _profile(learner: User) -> dict[str, Any]:
    user_holding = next(h for h in HOLDINGS if h.label == USER_LABEL)
    profile = _rows(user_holding, learner)[0]
    profile["status"] = learner.status
    return profile


def _json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def _csv_rows(name: str, learner: User) -> Iterable[Sequence[Any]]:
    builders = {
        "profile.csv": _profile_rows,
        "enrollments.csv": _enrollment_rows,
        "lesson_progress.csv": _progress_rows,
        "attempts.csv": _attempt_rows,
        "audit_events.csv": _audit_rows,
    }
    return builders[name](learner)


def _profile_rows(learner: User) -> list[list[Any]]:
    return [
        [
            learner.public_id,
            learner.first_name,
            learner.last_name,
            learner.email,
            learner.role,
            learner.status,
            _stamp(learner.created_at),
            _stamp(learner.last_login),
            _stamp(learner.last_active_at),
        ]
    ]


def _enrollment_rows(learner: User) -> Iterable[list[Any]]:
    enrollments = Enrollment.objects.filter(learner=learner).select_related("course")
    for e in enrollments.order_by("enrolled_at", "pk"):
        yield [
            e.public_id,
            e.course.public_id,
            e.course.title,
            e.status,
            e.progress_percent,
            _stamp(e.enrolled_at),
            _stamp(e.completed_at),
            _stamp(e.dropped_at),
            _stamp(e.last_active_at),
        ]


def _progress_rows(learner: User) -> Iterable[list[Any]]:
    records = LessonProgress.objects.filter(enrollment__learner=learner).select_related(
        "enrollment", "lesson__course"
    )
    for p in records.order_by("first_opened_at", "pk"):
        yield [
            p.enrollment.public_id,
            p.lesson.course.title,
            p.lesson.public_id,
            p.lesson.title,
            _stamp(p.first_opened_at),
            _stamp(p.last_opened_at),
            _stamp(p.completed_at),
            p.completion_reason,
            p.time_spent_seconds,
            _flag(p.quiz_passed),
        ]


def _attempt_rows(learner: User) -> Iterable[list[Any]]:
    attempts = Attempt.objects.filter(learner=learner).select_related(
        "assessment__lesson__course"
    )
    for a in attempts.order_by("started_at", "pk"):
        lesson = a.assessment.lesson
        yield [
            a.public_id,
            lesson.course.title,
            lesson.title,
            a.number,
            a.status,
            _stamp(a.started_at),
            _stamp(a.submitted_at),
            "" if a.score_percent is None else str(a.score_percent),
            _flag(a.passed),
        ]


def _audit_rows(learner: User) -> Iterable[list[Any]]:
    holding = next(h for h in HOLDINGS if h.label == "audit.AuditEvent")
    events: Iterable[AuditEvent] = holding.rows(learner).select_related(
        "actor", "subject"
    )
    for event in events.order_by("created_at", "pk"):
        yield [
            event.public_id,
            _stamp(event.created_at),
            event.kind,
            event.actor.public_id if event.actor else "",
            event.subject.public_id if event.subject else "",
            event.target,
            event.reason,
        ]


def _readme(learner: User) -> str:
    lines = [
        f"Everything {settings.SITE_NAME} holds about account {learner.public_id},",
        f"exported {timezone.now():%Y-%m-%d %H:%M} UTC.",
        "",
        "Times are in UTC (ISO 8601). Ids with a prefix (usr_, crs_, enr_, ...)",
        "name records in Karma; other people appear only by such ids.",
        "",
        "profile.json",
        "    " + next(h for h in HOLDINGS if h.label == USER_LABEL).explanation,
        "",
    ]
    for holding in HOLDINGS:
        if holding.fields and holding.label != USER_LABEL:
            lines += [holding.file_name, f"    {holding.explanation}", ""]
    lines += [
        "CSV files, for spreadsheets (UTF-8; text that a spreadsheet would run",
        "as a formula starts with an apostrophe):",
    ]
    lines += [f"    {name}: {what}" for name, (what, _) in CSV_TABLES.items()]
    lines += ["", "Not exported:"]
    lines += [
        f"    {holding.label}: {holding.explanation}"
        for holding in HOLDINGS
        if not holding.fields
    ]
    return "\r\n".join(lines) + "\r\n"


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _flag(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")

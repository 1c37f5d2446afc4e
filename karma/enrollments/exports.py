"""The course's learner list as a spreadsheet (CSV or XLSX).

Every text cell is neutralised by karma.lib.spreadsheet_safe, so a name such
as =HYPERLINK(...) from an imported file runs nothing when the export opens.
"""

from __future__ import annotations

from collections.abc import Iterator

from karma.accounts.models import User
from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.courses.models import Course
from karma.enrollments.models import Enrollment

EXPORT_COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "status",
    "progress_percent",
    "enrolled_at",
    "completed_at",
    "last_active_at",
]


def learner_rows(course: Course) -> Iterator[list[object]]:
    """Yield one row per enrollment of `course`, streaming from the database."""
    enrollments = (
        Enrollment.objects.filter(course=course)
        .select_related("learner")
        .order_by("learner__last_name", "learner__first_name", "id")
    )
    for enrollment in enrollments.iterator(chunk_size=2000):
        learner = enrollment.learner
        yield [
            learner.first_name,
            learner.last_name,
            learner.email,
            enrollment.status,
            enrollment.progress_percent,
            _stamp(enrollment.enrolled_at),
            _stamp(enrollment.completed_at),
            _stamp(enrollment.last_active_at),
        ]


def record_learner_export(
    *, course: Course, exported_by: User, file_format: str
) -> None:
    """Write the export to the audit log (SPEC 9: every export is recorded),
    with its row count, as the Progress tab's and the API's exports are."""
    rows = Enrollment.objects.filter(course=course).count()
    record_event(
        kind=AuditKind.EXPORT_DOWNLOADED,
        actor=exported_by,
        target=course.public_id,
        details={"export": "course_learners", "format": file_format, "rows": rows},
    )


def _stamp(moment) -> str:
    return moment.isoformat() if moment else ""

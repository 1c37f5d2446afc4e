"""A course's reports as spreadsheets: the learner list, the progress
matrix and the assessment results, as CSV or XLSX (SPEC sections 6, 9).

Rows come from the database a chunk at a time (`.iterator`), and the
files are written as they come: a CSV streams to the client, a workbook
goes to a file on disk. Memory stays flat however many learners a course
has. Every text cell, header included, goes through
karma.lib.spreadsheet_safe, so a name such as =HYPERLINK(...) runs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from karma.assessments.models import Attempt, AttemptStatus
from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.courses.models import Course
from karma.enrollments import exports as learner_export
from karma.enrollments.models import Enrollment
from karma.learning.services.progress import course_rule, percent
from karma.reports.models import ExportFormat, ExportKind
from karma.reports.selectors.course import (
    ModuleColumn,
    module_columns,
    module_progress,
)

# Enrollments read per round trip, and per grouped query of lesson
# progress: bounded memory, and well under SQLite's limit on parameters.
CHUNK_ROWS = 500

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument"
    ".spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ExportTable:
    """What one export holds: its header and a generator of its rows."""

    kind: str
    header: list[str]
    rows: Iterator[list[object]]
    count: Callable[[], int]


def export_table(course: Course, kind: str) -> ExportTable:
    """The table of export `kind` (an ExportKind) for `course`.

    Building it costs the queries that fix the columns (the modules, for
    the progress matrix); the rows are read only as they are consumed.
    """
    builders = {
        ExportKind.LEARNERS: _learners_table,
        ExportKind.PROGRESS: _progress_table,
        ExportKind.ASSESSMENTS: _assessments_table,
    }
    return builders[ExportKind(kind)](course)


def export_file_name(course: Course, kind: str, file_format: str) -> str:
    stamp = timezone.localdate().isoformat()
    return f"{slugify(course.title) or 'course'}-{kind}-{stamp}.{file_format}"


def record_export(
    *, course: Course, exported_by: object, kind: str, file_format: str, rows: int
) -> None:
    """Write the download to the audit log (SPEC 9: every export is
    recorded), with what it held and how many rows."""
    record_event(
        kind=AuditKind.EXPORT_DOWNLOADED,
        actor=exported_by,
        target=course.public_id,
        details={"export": f"course_{kind}", "format": file_format, "rows": rows},
    )


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- The learner list (the Learners tab's export) ------------------------------


def _learners_table(course: Course) -> ExportTable:
    return ExportTable(
        ExportKind.LEARNERS,
        list(learner_export.EXPORT_COLUMNS),
        learner_export.learner_rows(course),
        lambda: Enrollment.objects.filter(course=course).count(),
    )


# --- The progress matrix --------------------------------------------------------

PROGRESS_COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "status",
    "progress_percent",
    "required_done",
    "required_total",
    "time_spent_minutes",
    "enrolled_at",
    "last_active_at",
    "completed_at",
]


def _progress_table(course: Course) -> ExportTable:
    columns = module_columns(course)
    # One column per module: the share of its required lessons done, in
    # percent; empty for a module with nothing required. "2/3" would be
    # read as a date by Excel.
    header = PROGRESS_COLUMNS + [f"{column.name} (%)" for column in columns]
    return ExportTable(
        ExportKind.PROGRESS,
        header,
        _progress_rows(course, columns),
        lambda: Enrollment.objects.filter(course=course).count(),
    )


# The enrollment and learner fields of a progress row, read as plain tuples:
# building ten thousand model instances would cost more than the query.
PROGRESS_FIELDS = [
    "id",
    "learner__first_name",
    "learner__last_name",
    "learner__email",
    "status",
    "progress_percent",
    "required_done",
    "required_total",
    "enrolled_at",
    "last_active_at",
    "completed_at",
]


def _progress_rows(
    course: Course, columns: list[ModuleColumn]
) -> Iterator[list[object]]:
    """One row per enrollment; the module cells come from one grouped query
    per chunk of enrollments."""
    rule = course_rule(course)
    enrollments = (
        Enrollment.objects.filter(course=course)
        .order_by("learner__last_name", "learner__first_name", "id")
        .values_list(*PROGRESS_FIELDS)
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for chunk in _chunks(enrollments, CHUNK_ROWS):
        progress = module_progress(course, [row[0] for row in chunk], columns, rule)
        for row in chunk:
            yield _progress_row(row, columns, progress.get(row[0], {}))


def _progress_row(
    row: tuple,
    columns: list[ModuleColumn],
    mine: dict[int, tuple[int, int]],
) -> list[object]:
    _, first, last, email, status, percent_done, done, total, *moments = row
    seconds = sum(spent for _, spent in mine.values())
    cells = [
        percent(mine.get(c.id, (0, 0))[0], c.required) if c.required else ""
        for c in columns
    ]
    return [
        first,
        last,
        email,
        status,
        percent_done,
        done,
        total,
        round(seconds / 60),
        *(_stamp(moment) for moment in moments),
        *cells,
    ]


# --- Assessment results -----------------------------------------------------------

ASSESSMENT_COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "quiz",
    "attempt",
    "status",
    "score_percent",
    "passed",
    "submitted_at",
    "graded_at",
]


def _submitted_attempts(course: Course) -> QuerySet[Attempt]:
    return Attempt.objects.filter(
        enrollment__course=course,
        status__in=[AttemptStatus.FINAL, AttemptStatus.PENDING_REVIEW],
    )


def _assessments_table(course: Course) -> ExportTable:
    return ExportTable(
        ExportKind.ASSESSMENTS,
        list(ASSESSMENT_COLUMNS),
        _assessment_rows(course),
        lambda: _submitted_attempts(course).count(),
    )


def _assessment_rows(course: Course) -> Iterator[list[object]]:
    """One row per submitted attempt, quiz by quiz in course order."""
    attempts = (
        _submitted_attempts(course)
        .select_related("learner", "assessment__lesson")
        .order_by(
            "assessment__lesson__module__position",
            "assessment__lesson__position",
            "assessment_id",
            "learner__last_name",
            "learner__first_name",
            "learner_id",
            "number",
        )
    )
    for attempt in attempts.iterator(chunk_size=CHUNK_ROWS):
        learner = attempt.learner
        passed = "" if attempt.passed is None else ("yes" if attempt.passed else "no")
        yield [
            learner.first_name,
            learner.last_name,
            learner.email,
            attempt.assessment.lesson.title,
            attempt.number,
            attempt.status,
            attempt.score_percent if attempt.score_percent is not None else "",
            passed,
            _stamp(attempt.submitted_at),
            _stamp(attempt.graded_at),
        ]

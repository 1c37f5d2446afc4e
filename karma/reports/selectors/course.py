"""One course's progress for its staff: the figures on top of the Progress
tab, the learner × module matrix, and one learner's detail (SPEC section 6).

Every figure is read from what the learning service stores (the
enrollment's percent, the lesson progress rows); nothing here decides what
"done" means: the per-module cells count lessons with the same rule as
karma.learning.services.progress. Each function costs a fixed number of
queries, however many learners the course has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast

from karma.assessments.models import Attempt
from karma.courses.models import Course, Lesson, Module
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.enrollments.selectors import course_learners
from karma.learning.models import LessonProgress
from karma.learning.services.progress import CourseRule, course_rule, percent
from karma.reports.formatting import rate
from karma.reports.selectors.risk import (
    Risk,
    at_risk_filter,
    attach_risks,
    with_risk_facts,
    with_risk_inputs,
)

# "Active this week" is a rolling window, not the calendar week, so Monday
# morning's figure is not always near zero.
ACTIVE_WINDOW_DAYS = 7


class ProgressStatus:
    """The Progress tab's status filter. Not started and in progress split
    the active enrollments by their stored percent, as learners' profiles
    do; at risk is any rule of selectors.risk."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DROPPED = "dropped"
    AT_RISK = "at_risk"

    choices = [
        (NOT_STARTED, "Not started"),
        (IN_PROGRESS, "In progress"),
        (COMPLETED, "Completed"),
        (DROPPED, "Dropped"),
        (AT_RISK, "At risk"),
    ]


# Sorts of the matrix: the keys of enrollments.selectors.LEARNER_SORTS that
# the Progress tab offers.
PROGRESS_SORTS = ["name", "progress", "last_active", "enrolled"]


def active_since(now: datetime) -> datetime:
    return now - timedelta(days=ACTIVE_WINDOW_DAYS)


# --- The figures on top ---------------------------------------------------------


@dataclass(frozen=True)
class CourseSummary:
    enrolled: int
    active: int
    completed: int
    dropped: int
    not_started: int
    active_this_week: int
    average_progress: float | None
    at_risk: int

    @property
    def in_progress(self) -> int:
        return self.active - self.not_started

    @property
    def completion_rate(self) -> float | None:
        """Completed among enrollments that were not dropped."""
        return rate(self.completed, self.active + self.completed)


def enrollment_counts(now: datetime, prefix: str = "") -> dict[str, object]:
    """The aggregates of a set of enrollments (reached through `prefix`),
    for `.aggregate()` on enrollments or `.annotate()` on courses."""

    def where(**lookups: object) -> Q:
        return Q(**{prefix + name: value for name, value in lookups.items()})

    taking = where(status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED])
    active = where(status=EnrollmentStatus.ACTIVE)
    pk, learner = f"{prefix}id", f"{prefix}learner_id"
    return {
        "enrolled": Count(pk, filter=taking),
        "active": Count(pk, filter=active),
        "completed": Count(pk, filter=where(status=EnrollmentStatus.COMPLETED)),
        "dropped": Count(pk, filter=where(status=EnrollmentStatus.DROPPED)),
        "not_started": Count(pk, filter=active & where(progress_percent=0)),
        "active_this_week": Count(
            learner,
            distinct=True,
            filter=taking & where(last_active_at__gte=active_since(now)),
        ),
        "average_progress": Avg(
            Cast(f"{prefix}progress_percent", FloatField()), filter=taking
        ),
    }


def course_summary(course: Course, now: datetime) -> CourseSummary:
    """The Progress tab's figures for `course`, in two queries."""
    counts = Enrollment.objects.filter(course=course).aggregate(
        **enrollment_counts(now)
    )
    at_risk = (
        with_risk_inputs(Enrollment.objects.filter(course=course), courses=[course.pk])
        .filter(at_risk_filter(now))
        .count()
    )
    average = counts.pop("average_progress")
    return CourseSummary(
        **counts,
        average_progress=round(average, 1) if average is not None else None,
        at_risk=at_risk,
    )


# --- The matrix -------------------------------------------------------------------


def progress_enrollments(
    course: Course,
    now: datetime,
    *,
    search: str = "",
    status: str = "",
    sort: str = "name",
) -> QuerySet[Enrollment]:
    """The enrollments of the matrix, filtered and sorted, with their
    learners and their risk flags, in one query (see `course_learners` for
    `search` and `sort`)."""
    enrollments = course_learners(course, search=search, sort=sort)
    annotated = with_risk_facts(enrollments, now, courses=[course.pk])
    return annotated.filter(_status_filter(status, now))


def _status_filter(status: str, now: datetime) -> Q:
    active = Q(status=EnrollmentStatus.ACTIVE)
    filters = {
        ProgressStatus.NOT_STARTED: active & Q(progress_percent=0),
        ProgressStatus.IN_PROGRESS: active & Q(progress_percent__gt=0),
        ProgressStatus.COMPLETED: Q(status=EnrollmentStatus.COMPLETED),
        ProgressStatus.DROPPED: Q(status=EnrollmentStatus.DROPPED),
        ProgressStatus.AT_RISK: at_risk_filter(now),
    }
    return filters.get(status, Q())


@dataclass(frozen=True)
class ModuleColumn:
    id: int
    public_id: str
    name: str
    required: int


@dataclass(frozen=True)
class MatrixCell:
    module: ModuleColumn
    done: int

    @property
    def percent(self) -> int | None:
        """None for a module with nothing required."""
        if not self.module.required:
            return None
        return percent(self.done, self.module.required)


@dataclass
class MatrixRow:
    enrollment: Enrollment
    cells: list[MatrixCell]
    seconds: int
    risks: list[Risk] = field(default_factory=list)


def module_columns(course: Course) -> list[ModuleColumn]:
    """The course's modules in order, each with its number of required
    lessons, in one query."""
    modules = (
        Module.objects.filter(course=course)
        .annotate(required=Count("lessons", filter=Q(lessons__required=True)))
        .order_by("position", "id")
    )
    return [ModuleColumn(m.id, m.public_id, m.name, m.required) for m in modules]


def module_progress(
    course: Course, enrollment_ids: list[int], rule: CourseRule | None = None
) -> dict[int, dict[int, tuple[int, int]]]:
    """Map enrollment id -> module id -> (lessons done, seconds spent).

    One grouped query over the lesson progress of `enrollment_ids` only (a
    page, or a chunk of an export), plus one for the course's rule unless
    `rule` is given.
    """
    if not enrollment_ids:
        return {}
    rule = rule or course_rule(course)
    rows = (
        LessonProgress.objects.filter(enrollment_id__in=enrollment_ids)
        .order_by()
        .values("enrollment_id", "lesson__module_id")
        .annotate(
            done=Count("id", filter=rule.done_filter()),
            seconds=Sum("time_spent_seconds"),
        )
    )
    found: dict[int, dict[int, tuple[int, int]]] = {}
    for row in rows:
        per_module = found.setdefault(row["enrollment_id"], {})
        per_module[row["lesson__module_id"]] = (row["done"], row["seconds"] or 0)
    return found


def matrix_rows(
    course: Course,
    enrollments: list[Enrollment],
    columns: list[ModuleColumn],
    now: datetime,
) -> list[MatrixRow]:
    """One row per enrollment of the page, one cell per module."""
    attach_risks(enrollments, now)
    progress = module_progress(course, [e.pk for e in enrollments])
    rows = []
    for enrollment in enrollments:
        mine = progress.get(enrollment.pk, {})
        cells = [MatrixCell(c, mine.get(c.id, (0, 0))[0]) for c in columns]
        seconds = sum(spent for _, spent in mine.values())
        rows.append(MatrixRow(enrollment, cells, seconds, enrollment.risks))
    return rows


# --- One learner ----------------------------------------------------------------


@dataclass(frozen=True)
class LessonLine:
    lesson: Lesson
    progress: LessonProgress | None
    # Counts towards the course's progress (a quiz under a passing rule
    # only once passed).
    counts: bool


@dataclass
class ModuleBlock:
    module: Module
    lessons: list[LessonLine] = field(default_factory=list)


@dataclass
class LearnerDetail:
    enrollment: Enrollment
    modules: list[ModuleBlock]
    attempts: list[Attempt]
    seconds: int
    risks: list[Risk]


def get_enrollment_for_report(
    course: Course, public_id: str, now: datetime
) -> Enrollment | None:
    """The enrollment `public_id` of `course` with its learner and risk
    flags; None for an enrollment of another course."""
    enrollments = Enrollment.objects.filter(course=course, public_id=public_id)
    annotated = with_risk_facts(enrollments, now, courses=[course.pk])
    enrollment = annotated.select_related("learner").first()
    if enrollment is not None:
        enrollment.course = course
    return enrollment


def learner_detail(enrollment: Enrollment, now: datetime) -> LearnerDetail:
    """Every lesson of the course with this enrollment's record of it, and
    its attempts, newest first: four queries, five with low scores named."""
    course = enrollment.course
    rule = course_rule(course)
    lessons = Lesson.objects.filter(course=course).select_related("module")
    counted = Case(
        When(rule.done_filter(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    records = {
        record.lesson_id: record
        for record in LessonProgress.objects.filter(enrollment=enrollment).annotate(
            counts=counted
        )
    }
    blocks: dict[int, ModuleBlock] = {}
    for lesson in lessons.order_by("module__position", "module_id", "position", "id"):
        block = blocks.setdefault(lesson.module_id, ModuleBlock(lesson.module))
        record = records.get(lesson.pk)
        line = LessonLine(lesson, record, bool(record and record.counts))
        block.lessons.append(line)

    attempts = list(
        Attempt.objects.filter(enrollment=enrollment)
        .select_related("assessment__lesson")
        .order_by("-started_at", "-id")
    )
    attach_risks([enrollment], now)
    seconds = sum(r.time_spent_seconds for r in records.values())
    return LearnerDetail(
        enrollment, list(blocks.values()), attempts, seconds, enrollment.risks
    )

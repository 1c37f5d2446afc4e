"""One course's progress for its staff: the figures on top of the Progress
tab, the learner × module matrix, and one learner's detail (SPEC section 6).

Every figure is read from what the learning service stores (the
enrollment's percent, the lesson progress rows); nothing here decides what
"done" means: the per-module cells count lessons with the same rule as
karma.learning.services.progress. Each function costs a fixed number of
queries, however many learners the course has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
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
    read_class_averages,
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
    # Every enrollment of the course, whatever its state: the matrix's
    # row count when nothing filters it.
    listed: int = 0
    # The average progress unrounded: the class average the risk rules
    # compare with, so the page need not read it again.
    class_average: float | None = None

    @property
    def in_progress(self) -> int:
        return self.active - self.not_started

    @property
    def completion_rate(self) -> float | None:
        """Completed among enrollments that were not dropped."""
        return rate(self.completed, self.active + self.completed)

    def listed_with(self, status: str) -> int:
        """How many rows the matrix lists under the status filter `status`
        ("" for none) with no search: each filter's count is a figure."""
        return {
            "": self.listed,
            ProgressStatus.NOT_STARTED: self.not_started,
            ProgressStatus.IN_PROGRESS: self.in_progress,
            ProgressStatus.COMPLETED: self.completed,
            ProgressStatus.DROPPED: self.dropped,
            ProgressStatus.AT_RISK: self.at_risk,
        }[status]


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
    """The Progress tab's figures for `course`, in two queries: the counts,
    then the learners at risk, whose class average is the first's."""
    counts = Enrollment.objects.filter(course=course).aggregate(
        **enrollment_counts(now), listed=Count("id")
    )
    average = counts.pop("average_progress")
    at_risk = (
        with_risk_inputs(
            Enrollment.objects.filter(course=course),
            courses=[course.pk],
            averages={course.pk: average},
        )
        .filter(at_risk_filter(now))
        .count()
    )
    return CourseSummary(
        **counts,
        average_progress=round(average, 1) if average is not None else None,
        at_risk=at_risk,
        class_average=average,
    )


# --- The matrix -------------------------------------------------------------------


def progress_enrollments(
    course: Course,
    now: datetime,
    *,
    search: str = "",
    status: str = "",
    sort: str = "name",
    averages: Mapping[int, float | None] | None = None,
) -> QuerySet[Enrollment]:
    """The enrollments of the matrix, filtered and sorted, with their
    learners and their risk flags, in one query (see `course_learners` for
    `search` and `sort`), plus one for the class average unless `averages`
    holds it (course id -> `CourseSummary.class_average`)."""
    enrollments = course_learners(course, search=search, sort=sort)
    annotated = with_risk_facts(
        enrollments, now, courses=[course.pk], averages=averages
    )
    return annotated.filter(_status_filter(status, now))


def count_progress_enrollments(
    course: Course,
    now: datetime,
    *,
    search: str = "",
    status: str = "",
    averages: Mapping[int, float | None] | None = None,
) -> int:
    """How many enrollments `progress_enrollments` lists, in one query.

    Counted as the figures on top are, reading the quiz standings once for
    the class: the listing asks them per learner, which suits a page of
    rows but not a count of ten thousand."""
    enrollments = course_learners(course, search=search)
    counted = with_risk_inputs(enrollments, courses=[course.pk], averages=averages)
    return counted.filter(_status_filter(status, now)).count()


def progress_page(
    course: Course,
    now: datetime,
    number: object,
    per_page: int,
    summary: CourseSummary | None = None,
    **filters: str,
) -> Page:
    """Page `number` of `progress_enrollments(course, now, **filters)`.

    With `summary` (the full page's figures, read first) the class average
    and, without a search, the row count come from it; otherwise each costs
    a query. The count is `count_progress_enrollments`, never the listing
    counting itself.
    """
    if summary is None:
        averages = read_class_averages([course.pk])
    else:
        averages = {course.pk: summary.class_average}
    enrollments = progress_enrollments(course, now, averages=averages, **filters)
    paginator = Paginator(enrollments, per_page)
    # Paginator.count is a cached property: setting it spares its query.
    if summary is not None and not filters.get("search"):
        paginator.count = summary.listed_with(filters.get("status", ""))
    else:
        paginator.count = count_progress_enrollments(
            course,
            now,
            averages=averages,
            search=filters.get("search", ""),
            status=filters.get("status", ""),
        )
    return paginator.get_page(number)


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
    # The module's lessons, required or not: how lesson progress is
    # sorted into the columns.
    lessons: frozenset[int] = frozenset()


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
    """The course's modules in order, each with its lessons and its number
    of required lessons, in one query (a row per lesson)."""
    rows = (
        Module.objects.filter(course=course)
        .order_by("position", "id", "lessons__id")
        .values_list("id", "public_id", "name", "lessons__id", "lessons__required")
    )
    modules: dict[int, tuple[str, str, list[int], list[int]]] = {}
    for module_id, public_id, name, lesson_id, required in rows:
        _, _, lessons, needed = modules.setdefault(module_id, (public_id, name, [], []))
        if lesson_id is not None:
            lessons.append(lesson_id)
            if required:
                needed.append(lesson_id)
    return [
        ModuleColumn(module_id, public_id, name, len(needed), frozenset(lessons))
        for module_id, (public_id, name, lessons, needed) in modules.items()
    ]


def module_progress(
    course: Course,
    enrollment_ids: list[int],
    columns: list[ModuleColumn],
    rule: CourseRule | None = None,
) -> dict[int, dict[int | None, tuple[int, int]]]:
    """Map enrollment id -> module id -> (lessons done, seconds spent).

    One grouped query over the lesson progress of `enrollment_ids` only (a
    page, or a chunk of an export), plus one for the course's rule unless
    `rule` is given. Rows are grouped by lesson and sorted into modules
    here, with `columns` (`module_columns`): joining the lessons in SQL
    led PostgreSQL to read every lesson of the site, or every progress
    row of the course, depending on its guess of the chunk's size.
    """
    if not enrollment_ids:
        return {}
    rule = rule or course_rule(course)
    module_of = {lesson: column.id for column in columns for lesson in column.lessons}
    rows = (
        LessonProgress.objects.filter(enrollment_id__in=enrollment_ids)
        .order_by()
        .values("enrollment_id", "lesson_id")
        .annotate(
            done=Count("id", filter=rule.done_filter()),
            seconds=Sum("time_spent_seconds"),
        )
        .values_list("enrollment_id", "lesson_id", "done", "seconds")
    )
    found: dict[int, dict[int | None, tuple[int, int]]] = {}
    for enrollment_id, lesson_id, done, seconds in rows:
        per_module = found.setdefault(enrollment_id, {})
        module_id = module_of.get(lesson_id)
        done_before, seconds_before = per_module.get(module_id, (0, 0))
        per_module[module_id] = (done_before + done, seconds_before + (seconds or 0))
    return found


def matrix_rows(
    course: Course,
    enrollments: list[Enrollment],
    columns: list[ModuleColumn],
    now: datetime,
) -> list[MatrixRow]:
    """One row per enrollment of the page, one cell per module."""
    attach_risks(enrollments, now)
    progress = module_progress(course, [e.pk for e in enrollments], columns)
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

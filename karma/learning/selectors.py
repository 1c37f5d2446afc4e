"""Reading progress for the lesson player and the progress API, scoped to
the viewer. Every read here costs a fixed number of queries, however many
lessons or enrollments a course has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from karma.accounts.models import User
from karma.courses.models import Course, Lesson, Module
from karma.courses.permissions import can_manage_course
from karma.courses.selectors import get_course_for_viewer_or_404
from karma.enrollments.models import Enrollment
from karma.learning.models import LessonProgress
from karma.learning.services.lessons import learning_enrollment
from karma.learning.services.progress import CourseRule, course_rule


class NotEnrolled(Exception):
    """The viewer may see the course but takes it through no enrollment."""

    def __init__(self, course: Course) -> None:
        super().__init__("Enroll to start this course.")
        self.course = course


@dataclass(frozen=True)
class PlayerAccess:
    """Who is opening a course's lessons, and through which enrollment."""

    course: Course
    # None for the course's staff: they preview, and nothing is recorded.
    enrollment: Enrollment | None

    @property
    def is_preview(self) -> bool:
        return self.enrollment is None


def get_player_access_or_404(user: User, course_id: str) -> PlayerAccess:
    """Let `user` open the lessons of course `course_id`.

    Raises Http404 for a course they may not see and NotEnrolled for one
    they may see but do not take (no active or completed enrollment): the
    same rule as `can_open_lessons`, with the enrollment found on the way.
    """
    course = get_course_for_viewer_or_404(user, course_id)
    if can_manage_course(user, course):
        return PlayerAccess(course, None)
    enrollment = learning_enrollment(learner=user, course=course)
    if enrollment is None:
        raise NotEnrolled(course)
    # The player shows the course's figures; spare it a query for them.
    enrollment.course = course
    return PlayerAccess(course, enrollment)


# --- The player's outline ------------------------------------------------------


@dataclass
class OutlineLesson:
    lesson: Lesson
    # Counts towards the course's progress (a quiz under a passing rule
    # only once passed).
    done: bool = False
    # Completed by its own rule, whether or not it counts yet.
    completed: bool = False
    is_current: bool = False


@dataclass
class OutlineModule:
    module: Module
    lessons: list[OutlineLesson] = field(default_factory=list)


@dataclass
class PlayerOutline:
    modules: list[OutlineModule]
    # Every lesson of the course in order, across module boundaries.
    lessons: list[OutlineLesson]
    rule: CourseRule

    def find(self, public_id: str) -> OutlineLesson | None:
        return next(
            (entry for entry in self.lessons if entry.lesson.public_id == public_id),
            None,
        )

    def neighbours(self, entry: OutlineLesson) -> tuple[Lesson | None, Lesson | None]:
        """The lessons before and after `entry`, across modules."""
        index = self.lessons.index(entry)
        before = self.lessons[index - 1].lesson if index > 0 else None
        after = (
            self.lessons[index + 1].lesson if index + 1 < len(self.lessons) else None
        )
        return before, after


def player_outline(
    course: Course, enrollment: Enrollment | None, *, current: str = ""
) -> PlayerOutline:
    """The course's modules and lessons in order, each lesson marked done or
    not for `enrollment` (nothing is done in a staff preview), and the one
    named `current` marked current. Four queries."""
    lessons = Lesson.objects.order_by("position", "id")
    modules = course.modules.order_by("position", "id").prefetch_related(
        Prefetch("lessons", queryset=lessons)
    )
    progress = progress_by_lesson(enrollment) if enrollment is not None else {}
    rule = course_rule(course)

    outline_modules, flat = [], []
    for module in modules:
        entries = []
        for lesson in module.lessons.all():
            lesson.course = course
            row = progress.get(lesson.pk)
            entry = OutlineLesson(
                lesson=lesson,
                completed=bool(row and row.is_complete),
                done=bool(row and _counts(row, rule)),
                is_current=lesson.public_id == current,
            )
            entries.append(entry)
        outline_modules.append(OutlineModule(module, entries))
        flat.extend(entries)
    return PlayerOutline(outline_modules, flat, rule)


def _counts(row: LessonProgress, rule: CourseRule) -> bool:
    if not row.is_complete:
        return False
    return row.lesson_id not in rule.must_pass or row.quiz_passed is True


def progress_by_lesson(enrollment: Enrollment) -> dict[int, LessonProgress]:
    """The enrollment's progress rows keyed by lesson id, in one query."""
    rows = LessonProgress.objects.filter(enrollment=enrollment)
    return {row.lesson_id: row for row in rows}


def resume_lesson(course: Course, enrollment: Enrollment | None) -> Lesson | None:
    """Where the learner picks up: the lesson opened last, else the first
    not complete, else the first. Staff start at the first lesson. None for
    a course without lessons."""
    if enrollment is not None:
        last = (
            LessonProgress.objects.filter(enrollment=enrollment, lesson__course=course)
            .select_related("lesson")
            .order_by("-last_opened_at", "-pk")
            .first()
        )
        if last is not None:
            return last.lesson
    outline = player_outline(course, enrollment)
    if not outline.lessons:
        return None
    waiting = [entry for entry in outline.lessons if not entry.done]
    return (waiting or outline.lessons)[0].lesson


def get_outline_lesson_or_404(outline: PlayerOutline, public_id: str) -> OutlineLesson:
    entry = outline.find(public_id)
    if entry is None:
        raise Http404("No such lesson in this course")
    return entry


# --- The progress API ------------------------------------------------------------


@dataclass(frozen=True)
class LessonProgressRow:
    """One lesson of a course and one enrollment's record of it."""

    lesson: Lesson
    progress: LessonProgress | None


def enrollment_progress_rows(enrollment: Enrollment) -> list[LessonProgressRow]:
    """Every lesson of the enrollment's course in order, with its progress
    row when the learner opened it. Two queries."""
    lessons = (
        Lesson.objects.filter(course_id=enrollment.course_id)
        .select_related("module")
        .order_by("module__position", "module_id", "position", "id")
    )
    progress = progress_by_lesson(enrollment)
    return [LessonProgressRow(lesson, progress.get(lesson.pk)) for lesson in lessons]


def course_progress_enrollments(course: Course) -> QuerySet[Enrollment]:
    """The course's enrollments with their learner and the time spent in
    every lesson summed, oldest first; one query for any page of them."""
    return (
        Enrollment.objects.filter(course=course)
        .select_related("learner", "course")
        .annotate(
            time_spent_seconds=Coalesce(Sum("lesson_progress__time_spent_seconds"), 0)
        )
        .order_by("enrolled_at", "id")
    )

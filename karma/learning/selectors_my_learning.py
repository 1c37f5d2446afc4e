"""My Learning and the learning sections of a profile: a learner's courses
with progress module by module, quiz results, time left, certificates and
the history of their attempts (SPEC sections 3 and 6).

Each page costs a fixed number of queries however many courses the learner
has. My Learning reads only the learner's own rows, plus, for the time
estimate, one average per course over all its learners (an average, never
anyone's record).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, QuerySet
from django.urls import NoReverseMatch, reverse

from karma.accounts.models import Role, User
from karma.assessments.models import AttemptStatus
from karma.assessments.selectors import attempt_history
from karma.courses.models import Course, Lesson, LessonType
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.learning.models import Certificate, LessonProgress

# Measured time replaces the authors' estimates once a course has this many
# completed required lessons with time recorded, across all its learners.
# Below that, one slow or quick learner would swing the figure too far.
MIN_TIMED_RECORDS = 5


@dataclass
class ModuleProgress:
    name: str
    done: int
    required: int


@dataclass
class QuizResult:
    title: str
    passing_score: int | None
    attempts: int = 0
    best_score: Decimal | None = None
    passed: bool | None = None
    # An attempt waits for a grader.
    pending: bool = False
    # The quiz does not show learners their results.
    results_hidden: bool = False


@dataclass(frozen=True)
class TimeEstimate:
    """Minutes left and where the figure comes from: "measured" (the
    course's average time per lesson), "estimated" (the authors' lesson or
    course durations), or "" when there is nothing to go on (minutes None).
    """

    minutes: int | None
    source: str

    @property
    def label(self) -> str:
        if self.minutes is None:
            return "Not known yet"
        if self.minutes == 0:
            return "Nothing left"
        hours, minutes = divmod(self.minutes, 60)
        if not hours:
            return f"About {minutes} min"
        return f"About {hours} h {minutes} min" if minutes else f"About {hours} h"


@dataclass
class CourseCard:
    enrollment: Enrollment
    modules: list[ModuleProgress] = field(default_factory=list)
    quizzes: list[QuizResult] = field(default_factory=list)
    remaining_lessons: int = 0
    estimate: TimeEstimate = TimeEstimate(None, "")
    certificate: Certificate | None = None

    @property
    def course(self) -> Course:
        return self.enrollment.course

    @property
    def percent(self) -> int:
        # The stored figure, the same the profile and the staff see.
        return self.enrollment.progress_percent

    @property
    def resume_url(self) -> str:
        return resume_url(self.course)


@dataclass
class MyLearning:
    courses: list[CourseCard]
    dropped: list[Enrollment]
    certificates: list[Certificate]


def resume_url(course: Course) -> str:
    """Where "Continue" goes: the lesson player, which opens the lesson the
    learner was on."""
    try:
        return reverse("learning:resume", args=[course.public_id])
    except NoReverseMatch:
        # The player's routes arrive in their own module.
        return f"/learn/{course.public_id}/"


def my_learning(learner: User) -> MyLearning:
    """Everything My Learning shows to `learner`, about `learner` only.

    One enrollment per course: the active one, else the latest completed
    one, else the dropped one. Dropped courses are listed apart, without
    details, since the learner cannot open them until staff re-enroll them.
    """
    chosen = _one_enrollment_per_course(learner)
    taking = [e for e in chosen if e.status != EnrollmentStatus.DROPPED]
    dropped = [e for e in chosen if e.status == EnrollmentStatus.DROPPED]
    certificates = list(
        Certificate.objects.filter(learner=learner)
        .select_related("course")
        .order_by("-issued_at", "-id")
    )

    cards = _cards(learner, taking, certificates)
    return MyLearning(courses=cards, dropped=dropped, certificates=certificates)


def _one_enrollment_per_course(learner: User) -> list[Enrollment]:
    rank = {
        EnrollmentStatus.ACTIVE: 0,
        EnrollmentStatus.COMPLETED: 1,
        EnrollmentStatus.DROPPED: 2,
    }
    enrollments = Enrollment.objects.filter(learner=learner).select_related("course")
    chosen: dict[int, Enrollment] = {}
    for enrollment in enrollments.order_by("-enrolled_at", "-id"):
        current = chosen.get(enrollment.course_id)
        if current is None or rank[enrollment.status] < rank[current.status]:
            chosen[enrollment.course_id] = enrollment
    # Active first, then completed; newest enrollment first within each.
    return sorted(
        chosen.values(),
        key=lambda e: (rank[e.status], -e.enrolled_at.timestamp(), -e.pk),
    )


def _cards(
    learner: User, enrollments: list[Enrollment], certificates: list[Certificate]
) -> list[CourseCard]:
    course_ids = [e.course_id for e in enrollments]
    lessons = _lessons_by_course(course_ids)
    records = _records_by_enrollment([e.pk for e in enrollments])
    attempts = _attempts_by_lesson(learner, course_ids)
    averages = _measured_seconds_per_lesson(course_ids)
    held = {certificate.course_id: certificate for certificate in certificates}

    cards = []
    for enrollment in enrollments:
        course_lessons = lessons.get(enrollment.course_id, [])
        done = _done_lessons(
            enrollment.course, course_lessons, records.get(enrollment.pk, {})
        )
        remaining = [
            lesson
            for lesson in course_lessons
            if lesson["required"] and lesson["id"] not in done
        ]
        if enrollment.status == EnrollmentStatus.COMPLETED:
            # Completed stays completed, even if lessons were added since.
            remaining = []
        cards.append(
            CourseCard(
                enrollment=enrollment,
                modules=_modules(course_lessons, done),
                quizzes=_quizzes(course_lessons, attempts),
                remaining_lessons=len(remaining),
                estimate=estimate_time_left(
                    course=enrollment.course,
                    remaining=remaining,
                    lesson_count=len(course_lessons),
                    measured=averages.get(enrollment.course_id),
                ),
                certificate=held.get(enrollment.course_id),
            )
        )
    return cards


def _lessons_by_course(course_ids: list[int]) -> dict[int, list[dict]]:
    rows = (
        Lesson.objects.filter(course_id__in=course_ids)
        .order_by("module__position", "module_id", "position", "id")
        .values(
            "id",
            "public_id",
            "course_id",
            "module_id",
            "module__name",
            "title",
            "type",
            "required",
            "estimated_minutes",
            "assessment__require_passing",
            "assessment__passing_score",
        )
    )
    by_course: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_course[row["course_id"]].append(row)
    return by_course


def _records_by_enrollment(enrollment_ids: list[int]) -> dict[int, dict[int, dict]]:
    rows = LessonProgress.objects.filter(enrollment_id__in=enrollment_ids).values(
        "enrollment_id", "lesson_id", "completed_at", "quiz_passed"
    )
    by_enrollment: dict[int, dict[int, dict]] = defaultdict(dict)
    for row in rows:
        by_enrollment[row["enrollment_id"]][row["lesson_id"]] = row
    return by_enrollment


def _done_lessons(course: Course, lessons: list[dict], records: dict) -> set[int]:
    """The lessons that count as done, by the rule of
    learning.services.progress.course_rule: complete, and passed too for a
    quiz under a passing rule (the quiz's own or the course's)."""
    done = set()
    for lesson in lessons:
        record = records.get(lesson["id"])
        if record is None or record["completed_at"] is None:
            continue
        must_pass = lesson["type"] == LessonType.QUIZ and bool(
            course.require_passing_quizzes or lesson["assessment__require_passing"]
        )
        if not must_pass or record["quiz_passed"] is True:
            done.add(lesson["id"])
    return done


def _modules(lessons: list[dict], done: set[int]) -> list[ModuleProgress]:
    modules: dict[int, ModuleProgress] = {}
    for lesson in lessons:
        module = modules.setdefault(
            lesson["module_id"], ModuleProgress(lesson["module__name"], 0, 0)
        )
        if lesson["required"]:
            module.required += 1
            if lesson["id"] in done:
                module.done += 1
    return list(modules.values())


def _attempts_by_lesson(learner: User, course_ids: list[int]) -> dict[str, list]:
    # The standing in a quiz is the learner's, across their enrollments:
    # attempts are numbered per learner and quiz.
    by_lesson: dict[str, list] = defaultdict(list)
    for row in attempt_history(learner=learner, course_ids=course_ids):
        by_lesson[row["lesson_id"]].append(row)
    return by_lesson


def _quizzes(lessons: list[dict], attempts: dict[str, list]) -> list[QuizResult]:
    results = []
    for lesson in lessons:
        if lesson["type"] != LessonType.QUIZ:
            continue
        result = QuizResult(lesson["title"], lesson["assessment__passing_score"])
        tried = attempts.get(lesson["public_id"], [])
        result.attempts = len(tried)
        result.pending = any(a["status"] == AttemptStatus.PENDING_REVIEW for a in tried)
        # A quiz may keep its results from learners; then so does this page.
        result.results_hidden = any(a["results_hidden"] for a in tried)
        best = best_final_attempt(tried)
        if best is not None and not result.results_hidden:
            result.best_score, result.passed = best["score_percent"], best["passed"]
        results.append(result)
    return results


def best_final_attempt(attempts: list[dict]) -> dict | None:
    """The standing in a quiz (SPEC section 7): the best final attempt."""
    finals = [
        a
        for a in attempts
        if a["status"] == AttemptStatus.FINAL and a["score_percent"] is not None
    ]
    return max(finals, key=lambda a: a["score_percent"], default=None)


def _measured_seconds_per_lesson(course_ids: list[int]) -> dict[int, float]:
    """Average seconds spent on a completed required lesson, per course,
    where at least MIN_TIMED_RECORDS such records exist. Records with no
    time (completed before any heartbeat arrived) measure nothing and are
    left out."""
    rows = (
        LessonProgress.objects.filter(
            lesson__course_id__in=course_ids,
            lesson__required=True,
            completed_at__isnull=False,
            time_spent_seconds__gt=0,
        )
        .values("lesson__course_id")
        .annotate(records=Count("id"), seconds=Avg("time_spent_seconds"))
    )
    return {
        row["lesson__course_id"]: float(row["seconds"])
        for row in rows
        if row["records"] >= MIN_TIMED_RECORDS
    }


def estimate_time_left(
    *,
    course: Course,
    remaining: list[dict],
    lesson_count: int,
    measured: float | None,
) -> TimeEstimate:
    """Minutes left: remaining required lessons × time per lesson.

    The time per lesson is, in order of preference: the course's measured
    average (see _measured_seconds_per_lesson); each lesson's estimated
    minutes; the course's estimated minutes shared equally among all its
    lessons. Unknown when a remaining lesson has none of these. Rounded up
    to whole minutes.
    """
    if not remaining:
        return TimeEstimate(0, "")
    if measured is not None:
        return TimeEstimate(math.ceil(len(remaining) * measured / 60), "measured")

    share = None
    if course.estimated_minutes and lesson_count:
        share = course.estimated_minutes / lesson_count
    minutes = 0.0
    for lesson in remaining:
        lesson_minutes = lesson["estimated_minutes"] or share
        if lesson_minutes is None:
            return TimeEstimate(None, "")
        minutes += lesson_minutes
    return TimeEstimate(math.ceil(minutes), "estimated")


# --- The profile's assessment history -------------------------------------------


@dataclass(frozen=True)
class AttemptRow:
    course_title: str
    quiz_title: str
    number: int
    score_percent: Decimal | None
    # "passed", "failed", "pending" (waiting for a grader) or "hidden" (the
    # quiz keeps results from its learners, and the viewer is the learner).
    outcome: str
    submitted_at: object


def attempts_on_profile(*, viewer: User, learner: User) -> list[AttemptRow]:
    """Every submitted attempt of `learner`, newest first, that `viewer`
    may see: all for the learner and admins, those in the courses an
    instructor teaches for that instructor (SPEC section 3). Attempts still
    open are not history yet and are left out."""
    is_self = viewer.pk == learner.pk
    scope = None
    if not is_self and viewer.role != Role.ADMIN:
        scope = _taught_course_ids(viewer)
    rows = attempt_history(learner=learner, course_ids=scope)
    return [_attempt_row(row, hide=is_self and row["results_hidden"]) for row in rows]


def _attempt_row(row: dict, *, hide: bool) -> AttemptRow:
    if hide:
        outcome = "hidden"
    elif row["status"] == AttemptStatus.PENDING_REVIEW:
        outcome = "pending"
    else:
        outcome = "passed" if row["passed"] else "failed"
    return AttemptRow(
        course_title=row["course_title"],
        quiz_title=row["lesson_title"],
        number=row["number"],
        score_percent=None if hide else row["score_percent"],
        outcome=outcome,
        submitted_at=row["submitted_at"],
    )


def _taught_course_ids(user: User) -> QuerySet:
    return Course.objects.taught_by(user).values("pk")

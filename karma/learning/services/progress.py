"""Course progress: one service decides what "done" means and stores it on
the enrollment (SPEC section 6).

A required lesson is done when its progress row is complete; a quiz lesson
under a passing rule (the quiz's own or the course's) is done only once the
learner's standing passes. Percent is done / required, rounded down, so a
learner sees 100% only when everything is done. A completed enrollment stays
completed: it keeps its 100%, its date and its evidence whatever the course
becomes later.

Everything that changes the answer calls in here: a lesson completed, a
quiz graded, a lesson added, removed or made optional, a passing rule
switched. Pages only read the stored figures.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.courses.models import Course, Lesson, LessonType
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.learning.models import LessonProgress

logger = logging.getLogger(__name__)

COMPLETION_RULE = "all_required_lessons"
# Rows per UPDATE when storing many enrollments' figures: below SQLite's
# limit on query parameters.
CHUNK = 900


@dataclass(frozen=True)
class CourseRule:
    """The required lessons of a course, split by how each counts as done."""

    # Done once complete (submitted, for a quiz).
    plain: frozenset[int]
    # Quizzes that count only once passed.
    must_pass: frozenset[int]

    @property
    def total(self) -> int:
        return len(self.plain) + len(self.must_pass)

    def done_filter(self, prefix: str = "") -> Q:
        """A filter on LessonProgress rows (through `prefix`) that are done."""
        return Q(
            **{
                f"{prefix}completed_at__isnull": False,
                f"{prefix}lesson_id__in": self.plain,
            }
        ) | Q(
            **{
                f"{prefix}completed_at__isnull": False,
                f"{prefix}quiz_passed": True,
                f"{prefix}lesson_id__in": self.must_pass,
            }
        )


def course_rule(course: Course) -> CourseRule:
    """Read which lessons of `course` are required and how each counts."""
    lessons = Lesson.objects.filter(course=course, required=True).values_list(
        "id", "type", "assessment__require_passing"
    )
    plain, must_pass = set(), set()
    for lesson_id, lesson_type, quiz_requires_pass in lessons:
        is_quiz = lesson_type == LessonType.QUIZ
        if is_quiz and (course.require_passing_quizzes or quiz_requires_pass):
            must_pass.add(lesson_id)
        else:
            plain.add(lesson_id)
    return CourseRule(frozenset(plain), frozenset(must_pass))


def percent(done: int, total: int) -> int:
    """Round down, so 100 means every required lesson is done."""
    if total <= 0:
        return 0
    return min(100, done * 100 // total)


def recompute_enrollment(*, enrollment: Enrollment) -> Enrollment:
    """Store the progress of one enrollment; complete it when all is done.

    Takes a row lock on the enrollment, so two lessons finished at the same
    moment are counted one after the other and the last one completes.
    """
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        rule = course_rule(locked.course)
        done = (
            LessonProgress.objects.filter(enrollment=locked)
            .filter(rule.done_filter())
            .count()
        )
        _apply(locked, rule, done)
    return locked


def recompute_course(*, course: Course) -> int:
    """Store the progress of every enrollment in `course` after it changed.

    Set-based: one counting query for the whole course, then writes only
    for the enrollments whose figures moved. Returns how many moved.
    """
    rule = course_rule(course)
    with transaction.atomic():
        enrollments = _counted(course, rule)
        changed = [
            enrollment
            for enrollment in enrollments
            if _apply(enrollment, rule, enrollment.counted_done, save=False)
        ]
        _store_figures(changed)
        _complete_all([e for e in changed if e.status == EnrollmentStatus.ACTIVE], rule)
    if changed:
        logger.info(
            "course progress recomputed",
            extra={"course_id": course.public_id, "changed": len(changed)},
        )
    return len(changed)


def _counted(course: Course, rule: CourseRule) -> list[Enrollment]:
    """Lock the course's open enrollments and count each one's done lessons."""
    open_enrollments = Enrollment.objects.filter(
        course=course,
        status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.DROPPED],
    )
    # select_for_update cannot be combined with GROUP BY on PostgreSQL, so
    # the rows are locked first and counted in a second query. The count
    # filters by course rather than by the locked ids: a list of ten
    # thousand ids would pass SQLite's limit on query parameters.
    locked = list(open_enrollments.select_for_update(of=("self",)).order_by("pk"))
    counts = dict(
        open_enrollments.annotate(
            done=Count("lesson_progress", filter=rule.done_filter("lesson_progress__"))
        ).values_list("pk", "done")
    )
    for enrollment in locked:
        enrollment.counted_done = counts.get(enrollment.pk, 0)
        # Completing one reads its course; it is this one.
        enrollment.course = course
    return locked


def _store_figures(enrollments: list[Enrollment]) -> None:
    """Write the figures of `enrollments`, one UPDATE per distinct set of
    figures and chunk of rows.

    After a course change most enrollments land on the same few figures
    (everyone has one more lesson to do), so grouping them keeps the
    statements few and small; a per-row CASE update of ten thousand rows
    spent seconds building its SQL.
    """
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for enrollment in enrollments:
        figures = (
            enrollment.progress_percent,
            enrollment.required_done,
            enrollment.required_total,
        )
        groups[figures].append(enrollment.pk)
    for (percent_done, done, total), pks in groups.items():
        for start in range(0, len(pks), CHUNK):
            Enrollment.objects.filter(pk__in=pks[start : start + CHUNK]).update(
                progress_percent=percent_done, required_done=done, required_total=total
            )


def _apply(
    enrollment: Enrollment, rule: CourseRule, done: int, *, save: bool = True
) -> bool:
    """Set the figures on `enrollment`; return True when any moved."""
    if enrollment.status == EnrollmentStatus.COMPLETED:
        # Completed stays completed, at 100%, whatever the course becomes.
        return False

    new = (percent(done, rule.total), done, rule.total)
    old = (
        enrollment.progress_percent,
        enrollment.required_done,
        enrollment.required_total,
    )
    enrollment.progress_percent, enrollment.required_done = new[0], new[1]
    enrollment.required_total = new[2]
    if save and new != old:
        enrollment.save(
            update_fields=["progress_percent", "required_done", "required_total"]
        )
    if save and enrollment.status == EnrollmentStatus.ACTIVE:
        _complete_all([enrollment], rule)
    return new != old


def _complete_all(enrollments: list[Enrollment], rule: CourseRule) -> None:
    for enrollment in enrollments:
        if rule.total and enrollment.required_done >= rule.total:
            _complete(enrollment, rule)


def _complete(enrollment: Enrollment, rule: CourseRule) -> None:
    """Mark `enrollment` completed, keep why, and issue its certificate."""
    from karma.learning.services.certificates import issue_certificate

    now = timezone.now()
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = now
    enrollment.progress_percent = 100
    enrollment.completion_evidence = _evidence(enrollment, rule, now)
    enrollment.save(
        update_fields=[
            "status",
            "completed_at",
            "progress_percent",
            "completion_evidence",
        ]
    )
    record_event(
        kind=AuditKind.COURSE_COMPLETED,
        actor=None,
        subject=enrollment.learner,
        target=enrollment.public_id,
        details={"course": enrollment.course.public_id, "rule": COMPLETION_RULE},
    )
    if enrollment.course.certificate_enabled:
        issue_certificate(enrollment=enrollment)
    logger.info(
        "enrollment completed",
        extra={"enrollment_id": enrollment.public_id},
    )


def _evidence(enrollment: Enrollment, rule: CourseRule, now) -> dict:
    """The rule and, for each required lesson, which completion counted."""
    rows = (
        LessonProgress.objects.filter(enrollment=enrollment)
        .filter(rule.done_filter())
        .select_related("lesson")
        .order_by("completed_at", "pk")
    )
    return {
        "rule": COMPLETION_RULE,
        "required_lessons": rule.total,
        "passing_required_for": len(rule.must_pass),
        "completed_at": now.isoformat(),
        "lessons": [
            {
                "lesson": row.lesson.public_id,
                "reason": row.completion_reason,
                "completed_at": row.completed_at.isoformat(),
                **({"quiz_passed": True} if row.lesson_id in rule.must_pass else {}),
            }
            for row in rows
        ],
    }

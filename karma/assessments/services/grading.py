"""Grading answers by hand, and the queue of answers waiting for it
(SPEC sections 6 and 7).

Short answers wait for a grader; an attempt with one stays pending review
until every such answer has points. A grader may also change a grade
already given, a person's or the automatic one: that is an override, and
needs a reason the audit log keeps. After each grading the attempt is
settled again by services/attempts.py, which makes it final once nothing
waits and tells the learning service the learner's standing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from karma.accounts.models import Role
from karma.assessments.models import Answer, Attempt, AttemptStatus
from karma.assessments.permissions import can_grade_assessment
from karma.assessments.services.attempts import settle_attempt
from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.courses.models import Course
from karma.enrollments.models import Enrollment

logger = logging.getLogger(__name__)

CENTS = Decimal("0.01")
# The sidebar's count of answers waiting is kept this long per person, so
# most pages cost no query for it; grading clears the grader's own count.
BADGE_SECONDS = 60
FEEDBACK_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 1000


class GradingError(Exception):
    """A grading rule refused the change; `field` names the input at
    fault and `question_id` the question, when there is one."""

    def __init__(
        self, message: str, *, field: str | None = None, question_id: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.question_id = question_id


@dataclass(frozen=True)
class GradeInput:
    """Points and feedback for the answer to one question of an attempt."""

    question_id: str
    points: Decimal | int | str
    feedback: str = ""
    reason: str = ""


# --- Grading ------------------------------------------------------------------


def grade_answer(
    *, answer: Answer, points: Any, feedback: str, grader: Any, reason: str = ""
) -> Answer:
    """Give `answer` its points (0 to the question's points, in cents) and
    feedback, then settle its attempt.

    Raises PermissionDenied for someone who may not grade the course, and
    GradingError for an attempt not submitted, points out of range, or an
    override without a reason.
    """
    attempt = answer.attempt
    _check_grader(grader, attempt)
    with transaction.atomic():
        locked = _locked_submitted(attempt)
        current = Answer.objects.select_related("question").get(pk=answer.pk)
        _apply_grade(current, locked, grader, points, feedback, reason)
        settle_attempt(attempt=locked)
        _refresh_badge_after_commit(grader)
    _copy_grade(current, answer)
    return answer


def grade_attempt(
    *, attempt: Attempt, grades: Sequence[GradeInput], grader: Any
) -> Attempt:
    """Grade several answers of one attempt at once: all of them or, when
    one is refused, none. The attempt is settled once, at the end."""
    _check_grader(grader, attempt)
    with transaction.atomic():
        locked = _locked_submitted(attempt)
        answers = {
            answer.question.public_id: answer
            for answer in locked.answers.select_related("question")
        }
        for grade in grades:
            answer = answers.get(grade.question_id)
            if answer is None:
                raise GradingError(
                    "This attempt has no answer to that question.",
                    field="question_id",
                    question_id=grade.question_id,
                )
            _apply_grade(
                answer, locked, grader, grade.points, grade.feedback, grade.reason
            )
        settle_attempt(attempt=locked)
        _refresh_badge_after_commit(grader)
    return locked


def _check_grader(grader: Any, attempt: Attempt) -> None:
    if not can_grade_assessment(grader, attempt.assessment):
        raise PermissionDenied("Only the course's instructors and admins grade it.")


def _locked_submitted(attempt: Attempt) -> Attempt:
    """Lock the attempt so two graders settle it one after the other.

    The enrollment is locked first: the order services/attempts.py keeps,
    so grading never waits in a circle with a submit of the same learner.
    """
    Enrollment.objects.select_for_update().filter(pk=attempt.enrollment_id).first()
    locked = (
        Attempt.objects.select_for_update()
        .select_related("assessment__lesson__course", "enrollment", "learner")
        .get(pk=attempt.pk)
    )
    if locked.status == AttemptStatus.IN_PROGRESS or locked.submitted_at is None:
        raise GradingError("Only submitted attempts can be graded.")
    return locked


def _apply_grade(
    answer: Answer,
    attempt: Attempt,
    grader: Any,
    raw_points: Any,
    raw_feedback: str,
    raw_reason: str,
) -> None:
    question = answer.question
    points = _checked_points(raw_points, question.points, question.public_id)
    feedback = _checked_text(
        raw_feedback, "feedback", FEEDBACK_MAX_LENGTH, question.public_id
    )
    reason = _checked_text(raw_reason, "reason", REASON_MAX_LENGTH, question.public_id)
    # An answer that is not waiting already has points: a grader's or the
    # automatic ones. Changing them is an override.
    override = not answer.needs_review
    if override and not reason:
        raise GradingError(
            "Give a reason for changing a grade already given.",
            field="reason",
            question_id=question.public_id,
        )

    previous = answer.points_awarded
    answer.points_awarded = points
    answer.needs_review = False
    answer.feedback = feedback
    answer.graded_by = grader
    answer.graded_at = timezone.now()
    answer.save(
        update_fields=[
            "points_awarded",
            "needs_review",
            "feedback",
            "graded_by",
            "graded_at",
        ]
    )
    _record(answer, attempt, grader, previous, override=override, reason=reason)


def _record(
    answer: Answer,
    attempt: Attempt,
    grader: Any,
    previous: Decimal | None,
    *,
    override: bool,
    reason: str,
) -> None:
    record_event(
        kind=AuditKind.GRADE_OVERRIDDEN if override else AuditKind.ANSWER_GRADED,
        actor=grader,
        subject=attempt.learner,
        target=attempt.public_id,
        details={
            "course": attempt.assessment.lesson.course.public_id,
            "assessment": attempt.assessment.public_id,
            "question": answer.question.public_id,
            "points": str(answer.points_awarded),
            "max_points": answer.question.points,
            "previous_points": None if previous is None else str(previous),
        },
        reason=reason,
    )
    logger.info(
        "answer graded",
        extra={
            "attempt_id": attempt.public_id,
            "question_id": answer.question.public_id,
            "override": override,
        },
    )


def _checked_points(raw: Any, most: int, question_id: str) -> Decimal:
    def refuse(message: str) -> GradingError:
        return GradingError(message, field="points", question_id=question_id)

    if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw):
        raise refuse("Enter the points.")
    try:
        points = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as error:
        raise refuse("Enter a number of points, like 2 or 1.5.") from error
    if not points.is_finite():
        raise refuse("Enter a number of points, like 2 or 1.5.")
    if points != points.quantize(CENTS):
        raise refuse("Use at most two decimal places.")
    if not 0 <= points <= most:
        raise refuse(f"Give from 0 to {most} points.")
    return points.quantize(CENTS)


def _checked_text(raw: str | None, field: str, limit: int, question_id: str) -> str:
    text = (raw or "").strip()
    if len(text) > limit:
        raise GradingError(
            f"Use at most {limit} characters.", field=field, question_id=question_id
        )
    return text


def _copy_grade(source: Answer, target: Answer) -> None:
    for name in ("points_awarded", "needs_review", "feedback", "graded_at"):
        setattr(target, name, getattr(source, name))
    target.graded_by_id = source.graded_by_id


# --- The queue ------------------------------------------------------------------


def courses_graded_by(user: Any) -> QuerySet[Course]:
    """Every course for admins; the courses they teach for instructors."""
    role = getattr(user, "role", None)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Course.objects.none()
    if role == Role.ADMIN:
        return Course.objects.all()
    if role == Role.INSTRUCTOR:
        return Course.objects.taught_by(user)
    return Course.objects.none()


def answers_awaiting_grading(
    *, user: Any, course: Course | None = None
) -> QuerySet[Answer]:
    """Answers waiting for a grader in the courses `user` grades (one
    course when given), the longest-waiting first.

    The learner, the question and the quiz's lesson and course come in the
    same query, so a page of the queue costs the same whatever its length.
    """
    answers = Answer.objects.filter(
        needs_review=True, attempt__status=AttemptStatus.PENDING_REVIEW
    )
    if getattr(user, "role", None) != Role.ADMIN:
        taught = courses_graded_by(user).values("pk")
        answers = answers.filter(attempt__assessment__lesson__course__in=taught)
    if course is not None:
        answers = answers.filter(attempt__assessment__lesson__course=course)
    return answers.select_related(
        "question", "attempt__learner", "attempt__assessment__lesson__course"
    ).order_by("attempt__submitted_at", "attempt_id", "question__position", "pk")


def awaiting_count(*, user: Any) -> int:
    """How many answers wait for `user` to grade, in one COUNT."""
    return answers_awaiting_grading(user=user).order_by().count()


def awaiting_badge(*, user: Any) -> int:
    """The sidebar's count of answers waiting for `user`: awaiting_count,
    remembered for up to BADGE_SECONDS."""
    key = _badge_key(user)
    count = cache.get(key)
    if count is None:
        count = awaiting_count(user=user)
        cache.set(key, count, BADGE_SECONDS)
    return count


def _badge_key(user: Any) -> str:
    return f"karma:grading-waiting:{user.pk}"


def _refresh_badge_after_commit(grader: Any) -> None:
    transaction.on_commit(lambda: cache.delete(_badge_key(grader)))


def awaiting_by_course(*, user: Any) -> list[dict[str, Any]]:
    """Each course `user` grades with answers waiting: its public id,
    title and count, the course with most waiting first."""
    rows = (
        answers_awaiting_grading(user=user)
        .order_by()
        .values(
            "attempt__assessment__lesson__course__public_id",
            "attempt__assessment__lesson__course__title",
        )
        .annotate(waiting=Count("pk"))
    )
    counts = [
        {
            "public_id": row["attempt__assessment__lesson__course__public_id"],
            "title": row["attempt__assessment__lesson__course__title"],
            "waiting": row["waiting"],
        }
        for row in rows
    ]
    return sorted(counts, key=lambda row: (-row["waiting"], row["title"].lower()))


def attempt_answers(attempt: Attempt) -> list[Answer]:
    """The answers of `attempt` with their questions, options and pairs, in
    the order the learner saw the questions."""
    answers = list(
        attempt.answers.select_related("question", "graded_by").prefetch_related(
            "question__choices", "question__pairs"
        )
    )
    order = {public_id: index for index, public_id in enumerate(attempt.question_order)}
    return sorted(
        answers,
        key=lambda a: (
            order.get(a.question.public_id, len(order)),
            a.question.position,
        ),
    )

"""Taking a quiz: starting, saving, submitting, closing expired attempts,
settling scores and reading a learner's standing (SPEC section 7).

Locks are always taken in one order, enrollment first, then the attempt,
then (through the learning service) the lesson progress, so a start, a
submit and a grading on the same learner never wait on each other in a
circle.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from karma.assessments.models import (
    Answer,
    Assessment,
    Attempt,
    AttemptStatus,
    Question,
)
from karma.assessments.services.scoring import (
    ResponseShapeError,
    clean_response,
    score_answer,
)
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.learning.services.lessons import note_activity, record_quiz_outcome

logger = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 30
CENTS = Decimal("0.01")

# Learners may take quizzes through an active enrollment, and keep taking
# them after completing the course: a completed enrollment stays completed.
TAKING_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


class AttemptError(Exception):
    """Something a learner asked that the quiz rules refuse; str() is a
    sentence to show them. `field` names the input at fault, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def grace_seconds() -> int:
    """Seconds after the deadline during which answers are still taken,
    so a save sent at the last second survives the network."""
    return int(getattr(settings, "KARMA_QUIZ_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))


def closes_at(attempt: Attempt) -> datetime | None:
    """When the server stops taking answers for `attempt`; None: never."""
    if attempt.deadline_at is None:
        return None
    return attempt.deadline_at + timedelta(seconds=grace_seconds())


def is_expired(attempt: Attempt, now: datetime | None = None) -> bool:
    """True for an open attempt whose time and grace have run out."""
    end = closes_at(attempt)
    if not attempt.is_open or end is None:
        return False
    return (now or timezone.now()) > end


# Starting


def start_attempt(*, assessment: Assessment, learner) -> Attempt:
    """Start an attempt, or return the learner's open one to resume.

    Raises AttemptError when the learner is not enrolled, the quiz has no
    questions or every allowed attempt is used. An open attempt whose time
    ran out is submitted first, and counts as used.
    """
    course = assessment.lesson.course
    try:
        with transaction.atomic():
            # The enrollment row lock makes simultaneous starts by the same
            # learner count their attempts one after the other.
            enrollment = _locked_enrollment(learner, course)
            if enrollment is None:
                raise AttemptError("You are not enrolled in this course.")
            return _open_or_new(assessment, learner, enrollment)
    except IntegrityError:
        # Only reachable when the lock did not cover a race (an enrollment
        # changed between two starts): the constraints kept the rules, and
        # whatever attempt won is the answer.
        return _after_race(assessment, learner)


def _open_or_new(assessment: Assessment, learner, enrollment: Enrollment) -> Attempt:
    current = (
        Attempt.objects.filter(
            assessment=assessment, learner=learner, status=AttemptStatus.IN_PROGRESS
        )
        .select_for_update()
        .first()
    )
    if current is not None and not is_expired(current):
        return current
    if current is not None:
        _finish(current, auto=True)

    order = list(assessment.questions.values_list("public_id", flat=True))
    if not order:
        raise AttemptError("This quiz has no questions yet.")
    used = Attempt.objects.filter(assessment=assessment, learner=learner)
    if assessment.attempt_limit and used.count() >= assessment.attempt_limit:
        raise AttemptError("You have used all your attempts at this quiz.")

    number = (used.aggregate(n=Max("number"))["n"] or 0) + 1
    return _create(assessment, learner, enrollment, order, number)


def _create(assessment, learner, enrollment, order: list[str], number: int) -> Attempt:
    if assessment.randomize_questions:
        order = random.sample(order, k=len(order))
    now = timezone.now()
    deadline = None
    if assessment.time_limit_minutes:
        deadline = now + timedelta(minutes=assessment.time_limit_minutes)
    with transaction.atomic():
        attempt = Attempt.objects.create(
            assessment=assessment,
            enrollment=enrollment,
            learner=learner,
            number=number,
            started_at=now,
            deadline_at=deadline,
            question_order=order,
        )
    logger.info(
        "attempt started",
        extra={"attempt_id": attempt.public_id, "assessment_id": assessment.public_id},
    )
    return attempt


def _after_race(assessment: Assessment, learner) -> Attempt:
    current = Attempt.objects.filter(
        assessment=assessment, learner=learner, status=AttemptStatus.IN_PROGRESS
    ).first()
    if current is not None:
        return current
    raise AttemptError(
        "Another attempt was started at the same moment; reload the page."
    )


def _locked_enrollment(learner, course) -> Enrollment | None:
    # The same choice as learning_enrollment(): active first, then the
    # latest completed one.
    return (
        Enrollment.objects.select_for_update()
        .filter(learner=learner, course=course, status__in=TAKING_STATUSES)
        .order_by("status", "-enrolled_at", "-pk")
        .first()
    )


# Saving and submitting


def save_answers(
    *, attempt: Attempt, learner, responses: Mapping[str, object]
) -> Attempt:
    """Store `responses` (question public id → response) on an open attempt.

    Raises AttemptError for someone else's attempt, a submitted one, one
    whose time and grace ran out (it is then submitted with what was saved
    before), an id that is not a question of the attempt or a response
    of the wrong shape; a refused response saves nothing of `responses`.
    """
    _require_owner(attempt, learner)
    attempt = close_if_expired(attempt=attempt)
    with transaction.atomic():
        locked = _locked_attempt(attempt)
        if locked.status != AttemptStatus.IN_PROGRESS:
            raise AttemptError(_closed_message(locked))
        _store(locked, responses)
    note_activity(enrollment=locked.enrollment)
    return locked


def submit_attempt(
    *, attempt: Attempt, learner, responses: Mapping[str, object] | None = None
) -> Attempt:
    """Save the last `responses`, then grade and submit the attempt.

    Past the deadline and its grace the attempt is submitted with what was
    saved before (auto_submitted), and responses sent with it raise
    AttemptError, like a late save: they were not taken. Submitting an
    attempt that is already submitted returns it unchanged, so a double
    click or a retried request grades it once.
    """
    _require_owner(attempt, learner)
    attempt = close_if_expired(attempt=attempt)
    if not attempt.is_open:
        return _submitted_before(attempt, responses)

    with transaction.atomic():
        locked = _locked_attempt(attempt)
        submitting = locked.is_open
        if submitting:
            if responses:
                _store(locked, responses)
            _finish(locked, auto=False)
    if not submitting:
        # Submitted by another request meanwhile; answered out of the
        # transaction, so a refusal keeps the activity it notes.
        return _submitted_before(locked, responses)
    note_activity(enrollment=locked.enrollment)
    return locked


def _submitted_before(
    attempt: Attempt, responses: Mapping[str, object] | None
) -> Attempt:
    """Answer a submit of an attempt that no longer takes answers."""
    if not attempt.auto_submitted:
        # The learner's own submit got there first: a retry, graded once.
        return attempt
    # Submitting after the time ran out is still work in the course.
    note_activity(enrollment=attempt.enrollment)
    if responses:
        # Saying nothing would let the learner believe these answers count.
        raise AttemptError(_closed_message(attempt))
    return attempt


def close_if_expired(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Submit an open attempt whose time and grace ran out, with the
    answers saved before; return the attempt as it now stands."""
    now = now or timezone.now()
    if not is_expired(attempt, now):
        return attempt
    with transaction.atomic():
        locked = _locked_attempt(attempt)
        if is_expired(locked, now):
            _finish(locked, auto=True, now=now)
    return locked


def close_expired(attempts: Iterable[Attempt]) -> list[Attempt]:
    """Close whichever of `attempts` expired; return the list, up to date.

    Pages call this on what they load so no attempt stays open forever,
    even where the periodic task does not run.
    """
    now = timezone.now()
    return [close_if_expired(attempt=a, now=now) for a in attempts]


def submit_overdue_attempts(*, now: datetime | None = None) -> int:
    """Submit every open attempt past its deadline and grace; return how
    many were submitted. Each one commits on its own, so one failure
    leaves the others done."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=grace_seconds())
    overdue = list(
        Attempt.objects.filter(
            status=AttemptStatus.IN_PROGRESS, deadline_at__lt=cutoff
        ).select_related("assessment__lesson", "enrollment")
    )
    closed = 0
    for attempt in overdue:
        try:
            if not close_if_expired(attempt=attempt, now=now).is_open:
                closed += 1
        except Exception:
            # One attempt that cannot be graded must not keep the others
            # open; it is tried again on the next run.
            logger.exception(
                "overdue attempt not submitted",
                extra={"attempt_id": attempt.public_id},
            )
    if closed:
        logger.info("overdue attempts submitted", extra={"count": closed})
    return closed


def _require_owner(attempt: Attempt, learner) -> None:
    if attempt.learner_id != getattr(learner, "pk", None):
        raise AttemptError("This attempt belongs to someone else.")


def _locked_attempt(attempt: Attempt) -> Attempt:
    """Lock the enrollment, then the attempt (the module's lock order)."""
    Enrollment.objects.select_for_update().filter(pk=attempt.enrollment_id).first()
    return (
        Attempt.objects.select_for_update()
        .select_related("assessment__lesson", "enrollment")
        .get(pk=attempt.pk)
    )


def _closed_message(attempt: Attempt) -> str:
    if attempt.auto_submitted:
        return (
            "Time is up: this attempt was submitted with the answers saved "
            "before the time limit."
        )
    return "This attempt has already been submitted."


def _store(attempt: Attempt, responses: Mapping[str, object]) -> None:
    """Check every response, then save them all: one refused response
    saves nothing, so the learner never half-saves without knowing."""
    if not isinstance(responses, Mapping):
        raise AttemptError("Answers must map question ids to responses.")
    questions = _attempt_questions(attempt)
    cleaned = []
    for question_id, response in responses.items():
        question = questions.get(question_id)
        if question is None:
            # Unknown, or removed from the quiz since the attempt started.
            raise AttemptError(
                "This attempt has no question with the id "
                f"{question_id!s:.40}; reload the page.",
                field=str(question_id)[:40],
            )
        cleaned.append((question, _cleaned(attempt, question, response)))

    now = timezone.now()
    for question, response in cleaned:
        Answer.objects.update_or_create(
            attempt=attempt,
            question=question,
            defaults={"response": response, "saved_at": now},
        )


def _cleaned(attempt: Attempt, question: Question, response: object) -> dict:
    try:
        return clean_response(question, response)
    except ResponseShapeError as error:
        number = attempt.question_order.index(question.public_id) + 1
        raise AttemptError(
            f"The answer to question {number} is not valid: {error}.",
            field=question.public_id,
        ) from error


def _attempt_questions(attempt: Attempt) -> dict[str, Question]:
    """The attempt's questions that still exist, by public id."""
    questions = Question.objects.filter(
        assessment_id=attempt.assessment_id, public_id__in=attempt.question_order
    ).prefetch_related("choices", "pairs")
    return {q.public_id: q for q in questions}


# Grading


def _finish(attempt: Attempt, *, auto: bool, now: datetime | None = None) -> None:
    """Grade every question of a locked open attempt and submit it."""
    now = now or timezone.now()
    if auto:
        # Submitted the moment it stopped taking answers, not whenever a
        # page or the task happened to notice.
        now = min(now, closes_at(attempt) or now)
    max_points = _grade_answers(attempt, now)

    attempt.status = AttemptStatus.PENDING_REVIEW
    attempt.submitted_at = now
    attempt.auto_submitted = auto
    attempt.max_points = max_points
    attempt.save(
        update_fields=["status", "submitted_at", "auto_submitted", "max_points"]
    )
    logger.info(
        "attempt submitted",
        extra={"attempt_id": attempt.public_id, "auto_submitted": auto},
    )
    settle_attempt(attempt=attempt)


def _grade_answers(attempt: Attempt, now: datetime) -> Decimal:
    """Score each answer (an empty one for a question left blank); return
    the points the attempt's questions are worth."""
    questions = _attempt_questions(attempt)
    answers = {a.question_id: a for a in attempt.answers.all()}
    for question in questions.values():
        answer = answers.get(question.pk) or Answer(
            attempt=attempt, question=question, response={}, saved_at=now
        )
        points = score_answer(question, answer.response)
        answer.points_awarded = points
        answer.needs_review = points is None
        answer.save()
    total = sum((q.points for q in questions.values()), 0)
    return Decimal(total).quantize(CENTS)


def settle_attempt(*, attempt: Attempt) -> Attempt:
    """Set a submitted attempt's status and score from its answers, and
    tell the learning service the learner's standing.

    Pending review while any answer waits for a grader; otherwise final,
    with points, percent and pass. Safe to call again (after a grader
    scores a short answer, say): it recomputes the same way. max_points is
    kept from the submit, so questions removed later leave it alone.
    """
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise AttemptError("This attempt has not been submitted yet.")
    with transaction.atomic():
        locked = _locked_attempt(attempt)
        _apply_score(locked)
        best = standing(assessment=locked.assessment, learner=locked.learner_id)
        record_quiz_outcome(
            enrollment=locked.enrollment,
            lesson=locked.assessment.lesson,
            attempt_id=locked.public_id,
            passed=best.passed if best else None,
        )
    _copy_score(locked, attempt)
    return attempt


def settle_ungraded_answers(*, learner) -> int:
    """Give 0 points to each of `learner`'s answers waiting for a grader
    and settle their attempts; return how many answers were settled.

    For erasure, which blanks written answers: nobody could grade them
    afterwards, and their attempts would wait in the queue for ever.
    """
    waiting = Attempt.objects.filter(
        learner=learner, status=AttemptStatus.PENDING_REVIEW
    ).order_by("pk")
    settled = 0
    with transaction.atomic():
        for attempt in waiting:
            locked = _locked_attempt(attempt)
            if locked.status != AttemptStatus.PENDING_REVIEW:
                continue
            # No grader and no grading time: like an automatic score.
            settled += locked.answers.filter(needs_review=True).update(
                points_awarded=Decimal(0), needs_review=False
            )
            settle_attempt(attempt=locked)
    if settled:
        logger.info("answers settled without a grader", extra={"count": settled})
    return settled


def _apply_score(attempt: Attempt) -> None:
    answers = list(attempt.answers.all())
    if any(a.needs_review for a in answers):
        attempt.status = AttemptStatus.PENDING_REVIEW
        attempt.score_points = attempt.score_percent = attempt.passed = None
        attempt.save(
            update_fields=["status", "score_points", "score_percent", "passed"]
        )
        return

    points = sum((a.points_awarded or Decimal(0) for a in answers), Decimal(0))
    if attempt.max_points is None:
        attempt.max_points = _current_max_points(attempt)
    percent = Decimal(0)
    if attempt.max_points:
        percent = points * 100 / attempt.max_points
    percent = min(percent, Decimal(100)).quantize(CENTS, rounding=ROUND_HALF_UP)
    score = (points.quantize(CENTS), percent)
    if attempt.status != AttemptStatus.FINAL or score != (
        attempt.score_points,
        attempt.score_percent,
    ):
        attempt.graded_at = timezone.now()
    attempt.status = AttemptStatus.FINAL
    attempt.score_points, attempt.score_percent = score
    attempt.passed = percent >= attempt.assessment.passing_score
    attempt.save(
        update_fields=[
            "status",
            "score_points",
            "max_points",
            "score_percent",
            "passed",
            "graded_at",
        ]
    )


def _current_max_points(attempt: Attempt) -> Decimal:
    total = sum(q.points for q in _attempt_questions(attempt).values())
    return Decimal(total).quantize(CENTS)


def _copy_score(source: Attempt, target: Attempt) -> None:
    for field in (
        "status",
        "submitted_at",
        "auto_submitted",
        "graded_at",
        "score_points",
        "max_points",
        "score_percent",
        "passed",
    ):
        setattr(target, field, getattr(source, field))


# Reading


def standing(*, assessment: Assessment, learner) -> Attempt | None:
    """The learner's best final attempt: highest percent, the earliest on
    a tie. Attempts waiting for review never count."""
    return (
        Attempt.objects.filter(
            assessment=assessment,
            learner=learner,
            status=AttemptStatus.FINAL,
            score_percent__isnull=False,
        )
        .order_by("-score_percent", "number")
        .first()
    )

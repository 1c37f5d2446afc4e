"""Starting, resuming, saving, submitting, expiring and settling attempts."""

from __future__ import annotations

import io
from contextlib import nullcontext
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from karma.assessments.models import Answer, Attempt, AttemptStatus
from karma.assessments.services.attempts import (
    AttemptError,
    close_if_expired,
    save_answers,
    settle_attempt,
    standing,
    start_attempt,
    submit_attempt,
    submit_overdue_attempts,
)
from karma.assessments.tasks import submit_overdue_attempts_task
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    choice_question,
    matching_question,
    short_answer_question,
)
from karma.enrollments.models import EnrollmentStatus
from karma.enrollments.services.enrollments import drop_enrollment, self_enroll
from karma.learning.models import CompletionReason, LessonProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment():
    assessment = AssessmentFactory()
    QuestionFactory(assessment=assessment, correct_true=True, points=1)
    QuestionFactory(assessment=assessment, correct_true=False, points=1)
    return assessment


@pytest.fixture
def enrollment(assessment, learner):
    return self_enroll(learner=learner, course=assessment.lesson.course).enrollment


def _ids(attempt):
    return list(attempt.question_order)


def _all_right(attempt):
    """Answers that get both true/false questions of the fixture right."""
    first, second = sorted(
        attempt.assessment.questions.all(), key=lambda q: not q.correct_true
    )
    return {first.public_id: {"value": True}, second.public_id: {"value": False}}


def _age(attempt, **delta):
    """Move an attempt's clock into the past by `delta`."""
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=attempt.started_at - timedelta(**delta),
        deadline_at=attempt.deadline_at - timedelta(**delta),
    )
    attempt.refresh_from_db()
    return attempt


def _started_past_its_limit(assessment, learner, *, limit=10, started_ago=11):
    """Give `assessment` a time limit of `limit` minutes and start an attempt
    that began `started_ago` minutes ago, so its time is up."""
    assessment.time_limit_minutes = limit
    assessment.save()
    attempt = start_attempt(assessment=assessment, learner=learner)
    return _age(attempt, minutes=started_ago)


# Starting


def test_starts_an_attempt_with_every_question_in_order(
    assessment, learner, enrollment
):
    attempt = start_attempt(assessment=assessment, learner=learner)

    expected = list(assessment.questions.values_list("public_id", flat=True))
    assert attempt.question_order == expected
    assert (attempt.number, attempt.status) == (1, AttemptStatus.IN_PROGRESS)
    assert attempt.enrollment == enrollment
    assert attempt.deadline_at is None


def test_shuffles_the_order_once_when_the_quiz_randomizes(learner):
    assessment = AssessmentFactory(randomize_questions=True)
    for _ in range(12):
        QuestionFactory(assessment=assessment)
    self_enroll(learner=learner, course=assessment.lesson.course)

    attempt = start_attempt(assessment=assessment, learner=learner)

    authored = list(assessment.questions.values_list("public_id", flat=True))
    assert sorted(attempt.question_order) == sorted(authored)
    again = start_attempt(assessment=assessment, learner=learner)
    assert again.question_order == attempt.question_order


def test_sets_the_deadline_from_the_time_limit(assessment, learner, enrollment):
    assessment.time_limit_minutes = 20
    assessment.save()

    attempt = start_attempt(assessment=assessment, learner=learner)

    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=20)


def test_resumes_the_open_attempt_instead_of_starting_another(
    assessment, learner, enrollment
):
    first = start_attempt(assessment=assessment, learner=learner)

    again = start_attempt(assessment=assessment, learner=learner)

    assert again.pk == first.pk
    assert Attempt.objects.count() == 1


def test_refuses_a_learner_without_an_enrollment(assessment, outsider):
    with pytest.raises(AttemptError, match="not enrolled"):
        start_attempt(assessment=assessment, learner=outsider)


def test_refuses_a_learner_whose_enrollment_was_dropped(
    assessment, learner, enrollment, instructor
):
    drop_enrollment(enrollment=enrollment, dropped_by=instructor, reason="")

    with pytest.raises(AttemptError, match="not enrolled"):
        start_attempt(assessment=assessment, learner=learner)


def test_lets_a_learner_who_completed_the_course_take_the_quiz(
    assessment, learner, enrollment
):
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.save()

    attempt = start_attempt(assessment=assessment, learner=learner)

    assert attempt.enrollment == enrollment


def test_refuses_a_quiz_without_questions(learner):
    assessment = AssessmentFactory()
    self_enroll(learner=learner, course=assessment.lesson.course)

    with pytest.raises(AttemptError, match="no questions"):
        start_attempt(assessment=assessment, learner=learner)


def test_refuses_once_the_attempt_limit_is_used(assessment, learner, enrollment):
    assessment.attempt_limit = 2
    assessment.save()
    for _ in range(2):
        attempt = start_attempt(assessment=assessment, learner=learner)
        submit_attempt(attempt=attempt, learner=learner)

    with pytest.raises(AttemptError, match="used all your attempts"):
        start_attempt(assessment=assessment, learner=learner)
    assert Attempt.objects.count() == 2


def test_numbers_attempts_one_after_the_other(assessment, learner, enrollment):
    numbers = []
    for _ in range(3):
        attempt = start_attempt(assessment=assessment, learner=learner)
        submit_attempt(attempt=attempt, learner=learner)
        numbers.append(attempt.number)

    assert numbers == [1, 2, 3]


def test_submits_an_expired_open_attempt_before_starting_the_next(
    assessment, learner, enrollment
):
    old = _started_past_its_limit(assessment, learner, limit=5, started_ago=10)

    new = start_attempt(assessment=assessment, learner=learner)

    old.refresh_from_db()
    assert new.pk != old.pk and new.number == 2
    assert old.status == AttemptStatus.FINAL and old.auto_submitted


def test_counts_an_expired_attempt_against_the_limit(assessment, learner, enrollment):
    assessment.time_limit_minutes = 5
    assessment.attempt_limit = 1
    assessment.save()
    _age(start_attempt(assessment=assessment, learner=learner), minutes=10)

    with pytest.raises(AttemptError, match="used all your attempts"):
        start_attempt(assessment=assessment, learner=learner)


# Saving


def test_saves_answers_and_replaces_them_on_the_next_save(
    assessment, learner, enrollment
):
    attempt = start_attempt(assessment=assessment, learner=learner)
    first = _ids(attempt)[0]

    save_answers(attempt=attempt, learner=learner, responses={first: {"value": True}})
    save_answers(attempt=attempt, learner=learner, responses={first: {"value": False}})

    (answer,) = Answer.objects.filter(attempt=attempt)
    assert answer.response == {"value": False}


def test_refuses_answers_to_unknown_questions(assessment, learner, enrollment):
    attempt = start_attempt(assessment=assessment, learner=learner)

    with pytest.raises(AttemptError, match="no question"):
        save_answers(
            attempt=attempt, learner=learner, responses={"qst_nope": {"value": True}}
        )


def test_refuses_a_response_of_the_wrong_shape_and_keeps_nothing(
    assessment, learner, enrollment
):
    attempt = start_attempt(assessment=assessment, learner=learner)
    first, second = _ids(attempt)

    with pytest.raises(AttemptError, match="question 2 is not valid"):
        save_answers(
            attempt=attempt,
            learner=learner,
            responses={first: {"value": True}, second: {"value": "maybe"}},
        )
    assert not Answer.objects.exists()


def test_refuses_an_answer_to_a_question_removed_since_the_start(
    assessment, learner, enrollment
):
    attempt = start_attempt(assessment=assessment, learner=learner)
    kept, removed = _ids(attempt)
    assessment.questions.filter(public_id=removed).delete()

    with pytest.raises(AttemptError, match="no question") as refused:
        save_answers(
            attempt=attempt,
            learner=learner,
            responses={kept: {"value": True}, removed: {"value": True}},
        )
    assert refused.value.field == removed
    assert not Answer.objects.exists()


def test_a_refused_response_on_submit_keeps_the_attempt_open_and_unsaved(
    assessment, learner, enrollment
):
    attempt = start_attempt(assessment=assessment, learner=learner)
    first, second = _ids(attempt)

    with pytest.raises(AttemptError, match="question 2 is not valid"):
        submit_attempt(
            attempt=attempt,
            learner=learner,
            responses={first: {"value": True}, second: {"text": "True"}},
        )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert not Answer.objects.exists()


def test_refuses_answers_to_someone_else_s_attempt(
    assessment, learner, enrollment, outsider
):
    attempt = start_attempt(assessment=assessment, learner=learner)

    with pytest.raises(AttemptError, match="someone else"):
        save_answers(attempt=attempt, learner=outsider, responses={})


def test_refuses_answers_to_a_submitted_attempt(assessment, learner, enrollment):
    attempt = submit_attempt(
        attempt=start_attempt(assessment=assessment, learner=learner), learner=learner
    )

    with pytest.raises(AttemptError, match="already been submitted"):
        save_answers(attempt=attempt, learner=learner, responses={})


def test_takes_answers_within_the_grace_after_the_deadline(
    assessment, learner, enrollment, settings
):
    settings.KARMA_QUIZ_GRACE_SECONDS = 30
    assessment.time_limit_minutes = 10
    assessment.save()
    attempt = _age(
        start_attempt(assessment=assessment, learner=learner), minutes=10, seconds=20
    )

    save_answers(
        attempt=attempt, learner=learner, responses={_ids(attempt)[0]: {"value": True}}
    )

    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_refuses_answers_after_the_grace_and_submits_what_was_saved(
    assessment, learner, enrollment, settings
):
    settings.KARMA_QUIZ_GRACE_SECONDS = 30
    assessment.time_limit_minutes = 10
    assessment.save()
    attempt = start_attempt(assessment=assessment, learner=learner)
    right = _all_right(attempt)
    first = _ids(attempt)[0]
    save_answers(attempt=attempt, learner=learner, responses={first: right[first]})
    attempt = _age(attempt, minutes=10, seconds=31)

    with pytest.raises(AttemptError, match="Time is up"):
        save_answers(attempt=attempt, learner=learner, responses=right)

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL and attempt.auto_submitted
    assert attempt.score_points == Decimal("1.00")


# Submitting


def test_submits_and_scores_every_question(assessment, learner, enrollment):
    attempt = start_attempt(assessment=assessment, learner=learner)

    attempt = submit_attempt(
        attempt=attempt, learner=learner, responses=_all_right(attempt)
    )

    assert attempt.status == AttemptStatus.FINAL
    assert (attempt.score_points, attempt.max_points) == (Decimal(2), Decimal(2))
    assert attempt.score_percent == Decimal("100.00") and attempt.passed is True
    assert attempt.submitted_at and attempt.graded_at and not attempt.auto_submitted


def test_scores_questions_left_blank_as_zero(assessment, learner, enrollment):
    attempt = start_attempt(assessment=assessment, learner=learner)
    first = _ids(attempt)[0]

    attempt = submit_attempt(
        attempt=attempt,
        learner=learner,
        responses={first: _all_right(attempt)[first]},
    )

    assert attempt.score_percent == Decimal("50.00") and attempt.passed is False
    assert Answer.objects.filter(attempt=attempt).count() == 2


def test_submitting_twice_returns_the_attempt_unchanged(
    assessment, learner, enrollment
):
    attempt = start_attempt(assessment=assessment, learner=learner)
    first = submit_attempt(attempt=attempt, learner=learner)

    again = submit_attempt(
        attempt=attempt, learner=learner, responses=_all_right(attempt)
    )

    assert (again.submitted_at, again.score_points) == (
        first.submitted_at,
        first.score_points,
    )
    assert again.score_points == Decimal("0.00")


def test_refuses_late_answers_and_submits_with_those_saved_before_the_limit(
    assessment, learner, enrollment
):
    attempt = _started_past_its_limit(assessment, learner)

    with pytest.raises(AttemptError) as refused:
        submit_attempt(attempt=attempt, learner=learner, responses=_all_right(attempt))

    assert str(refused.value) == (
        "Time is up: this attempt was submitted with the answers saved before "
        "the time limit."
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL and attempt.auto_submitted
    assert attempt.score_points == Decimal("0.00")
    assert attempt.submitted_at <= timezone.now()


def test_a_late_submit_without_answers_returns_the_attempt_submitted_on_expiry(
    assessment, learner, enrollment
):
    attempt = _started_past_its_limit(assessment, learner)

    attempt = submit_attempt(attempt=attempt, learner=learner)

    assert attempt.status == AttemptStatus.FINAL and attempt.auto_submitted
    assert attempt.submitted_at == attempt.deadline_at + timedelta(seconds=30)


def test_completes_the_lesson_on_the_first_submission(assessment, learner, enrollment):
    attempt = start_attempt(assessment=assessment, learner=learner)

    submit_attempt(attempt=attempt, learner=learner)

    progress = LessonProgress.objects.get(
        enrollment=enrollment, lesson=assessment.lesson
    )
    assert progress.completed_at is not None
    assert progress.completion_reason == CompletionReason.QUIZ_SUBMITTED
    assert progress.completion_evidence == {"attempt": attempt.public_id}
    assert progress.quiz_passed is False


# Expiry


def test_closes_an_expired_attempt_with_its_saved_answers(
    assessment, learner, enrollment
):
    assessment.time_limit_minutes = 5
    assessment.save()
    attempt = start_attempt(assessment=assessment, learner=learner)
    save_answers(attempt=attempt, learner=learner, responses=_all_right(attempt))
    _age(attempt, minutes=6)

    closed = close_if_expired(attempt=attempt)

    assert closed.status == AttemptStatus.FINAL and closed.auto_submitted
    assert closed.score_percent == Decimal("100.00")
    assert closed.submitted_at == closed.deadline_at + timedelta(seconds=30)


def test_leaves_an_attempt_within_its_time_open(assessment, learner, enrollment):
    assessment.time_limit_minutes = 5
    assessment.save()
    attempt = start_attempt(assessment=assessment, learner=learner)

    assert close_if_expired(attempt=attempt).status == AttemptStatus.IN_PROGRESS
    assert close_if_expired(attempt=attempt, now=attempt.deadline_at).is_open


def test_submits_every_overdue_attempt_and_counts_them(learner, outsider):
    assessment = AssessmentFactory(time_limit_minutes=5)
    QuestionFactory(assessment=assessment)
    course = assessment.lesson.course
    untimed = AssessmentFactory(lesson__module__course=course)
    QuestionFactory(assessment=untimed)
    attempts = []
    for person in (learner, outsider):
        self_enroll(learner=person, course=course)
        attempts.append(start_attempt(assessment=assessment, learner=person))
        start_attempt(assessment=untimed, learner=person)
    _age(attempts[0], minutes=6)

    assert submit_overdue_attempts() == 1

    statuses = dict(Attempt.objects.values_list("pk", "status"))
    assert statuses[attempts[0].pk] == AttemptStatus.FINAL
    assert statuses[attempts[1].pk] == AttemptStatus.IN_PROGRESS
    assert Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS).count() == 3


# Settling and standing


def test_keeps_an_attempt_with_a_short_answer_pending(learner):
    assessment = AssessmentFactory()
    QuestionFactory(assessment=assessment)
    essay = short_answer_question(assessment=assessment)
    self_enroll(learner=learner, course=assessment.lesson.course)
    attempt = start_attempt(assessment=assessment, learner=learner)

    attempt = submit_attempt(
        attempt=attempt,
        learner=learner,
        responses={essay.public_id: {"text": "Open the valve."}},
    )

    assert attempt.status == AttemptStatus.PENDING_REVIEW
    assert attempt.score_percent is None and attempt.passed is None
    assert attempt.max_points == Decimal(2)
    assert standing(assessment=assessment, learner=learner) is None


def test_settles_once_the_short_answer_is_graded_and_again_idempotently(learner):
    assessment = AssessmentFactory(passing_score=75)
    QuestionFactory(assessment=assessment, correct_true=True)
    essay = short_answer_question(assessment=assessment, points=3)
    enrollment = self_enroll(learner=learner, course=assessment.lesson.course)
    attempt = start_attempt(assessment=assessment, learner=learner)
    attempt = submit_attempt(
        attempt=attempt,
        learner=learner,
        responses={
            attempt.question_order[0]: {"value": True},
            essay.public_id: {"text": "Open the valve."},
        },
    )
    Answer.objects.filter(attempt=attempt, question=essay).update(
        points_awarded=Decimal(2), needs_review=False
    )

    settled = settle_attempt(attempt=attempt)
    graded_at = settled.graded_at
    again = settle_attempt(attempt=attempt)

    assert settled.status == AttemptStatus.FINAL
    assert (settled.score_points, settled.score_percent) == (
        Decimal(3),
        Decimal("75.00"),
    )
    assert settled.passed is True
    assert again.graded_at == graded_at
    progress = LessonProgress.objects.get(
        enrollment=enrollment.enrollment, lesson=assessment.lesson
    )
    assert progress.quiz_passed is True


def test_keeps_a_settled_score_when_a_question_is_deleted_later(
    assessment, learner, enrollment
):
    attempt = start_attempt(assessment=assessment, learner=learner)
    attempt = submit_attempt(
        attempt=attempt, learner=learner, responses=_all_right(attempt)
    )

    assessment.questions.first().delete()

    attempt.refresh_from_db()
    assert (attempt.score_points, attempt.max_points) == (Decimal(2), Decimal(2))
    assert attempt.score_percent == Decimal("100.00")


def test_scores_partial_matching_credit_into_the_percent(learner):
    assessment = AssessmentFactory(passing_score=50)
    question = matching_question(assessment=assessment, pairs=3, points=3)
    choice_question(assessment=assessment, correct=(0, 1), points=1)
    self_enroll(learner=learner, course=assessment.lesson.course)
    attempt = start_attempt(assessment=assessment, learner=learner)
    first, *_ = question.pairs.all()

    attempt = submit_attempt(
        attempt=attempt,
        learner=learner,
        responses={question.public_id: {"matches": {first.public_id: first.answer}}},
    )

    assert attempt.score_points == Decimal("1.00")
    assert attempt.score_percent == Decimal("25.00") and attempt.passed is False


def test_refuses_to_settle_an_open_attempt(assessment, learner, enrollment):
    attempt = start_attempt(assessment=assessment, learner=learner)

    with pytest.raises(AttemptError):
        settle_attempt(attempt=attempt)


@pytest.mark.parametrize(
    ("attempts", "best"),
    [
        ([], None),
        ([("final", "40")], 1),
        ([("final", "40"), ("final", "80")], 2),
        ([("final", "80"), ("final", "40")], 1),
        ([("final", "80"), ("final", "80")], 1),
        ([("final", "50"), ("pending_review", None)], 1),
        ([("pending_review", None)], None),
        ([("final", "30"), ("in_progress", None)], 1),
        ([("final", "30"), ("final", "90"), ("final", "60")], 2),
    ],
)
def test_standing_is_the_best_final_attempt(learner, attempts, best):
    assessment = AssessmentFactory()
    enrollment = self_enroll(learner=learner, course=assessment.lesson.course)
    for number, (status, percent) in enumerate(attempts, start=1):
        Attempt.objects.create(
            assessment=assessment,
            enrollment=enrollment.enrollment,
            learner=learner,
            number=number,
            status=status,
            score_percent=Decimal(percent) if percent else None,
            passed=None if percent is None else Decimal(percent) >= 70,
        )

    found = standing(assessment=assessment, learner=learner)

    assert (found.number if found else None) == best


# The periodic task and the command


def _overdue(learner):
    assessment = AssessmentFactory(time_limit_minutes=5)
    QuestionFactory(assessment=assessment)
    self_enroll(learner=learner, course=assessment.lesson.course)
    return _age(start_attempt(assessment=assessment, learner=learner), minutes=6)


def test_the_command_submits_overdue_attempts_and_says_how_many(learner):
    attempt = _overdue(learner)
    out = io.StringIO()

    call_command("submit_overdue_attempts", stdout=out)

    assert out.getvalue().strip() == "Submitted 1 overdue attempt."
    attempt.refresh_from_db()
    assert attempt.auto_submitted and not attempt.is_open


def test_the_task_submits_overdue_attempts(learner):
    attempt = _overdue(learner)

    assert submit_overdue_attempts_task.delay().get() == 1
    attempt.refresh_from_db()
    assert not attempt.is_open


def test_one_attempt_that_fails_leaves_the_other_overdue_ones_submitted(
    learner, outsider, monkeypatch
):
    from karma.assessments.services import attempts as services

    broken, fine = _overdue(learner), _overdue(outsider)
    close = services.close_if_expired

    def failing_for_one(*, attempt, now=None):
        if attempt.pk == broken.pk:
            raise RuntimeError("grading failed")
        return close(attempt=attempt, now=now)

    monkeypatch.setattr(services, "close_if_expired", failing_for_one)

    assert submit_overdue_attempts() == 1
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert not fine.is_open and broken.is_open


# Activity


def test_saving_and_submitting_count_as_activity_in_the_course(
    assessment, learner, enrollment
):
    type(enrollment).objects.filter(pk=enrollment.pk).update(last_active_at=None)
    attempt = start_attempt(assessment=assessment, learner=learner)

    save_answers(attempt=attempt, learner=learner, responses=_all_right(attempt))
    enrollment.refresh_from_db()
    assert enrollment.last_active_at is not None

    type(enrollment).objects.filter(pk=enrollment.pk).update(last_active_at=None)
    submit_attempt(attempt=attempt, learner=learner)
    enrollment.refresh_from_db()
    assert enrollment.last_active_at is not None


@pytest.mark.parametrize("answers", [False, True])
def test_a_late_submit_counts_as_activity_in_the_course(
    assessment, learner, enrollment, answers
):
    attempt = _started_past_its_limit(assessment, learner)
    type(enrollment).objects.filter(pk=enrollment.pk).update(last_active_at=None)

    with pytest.raises(AttemptError) if answers else nullcontext():
        submit_attempt(
            attempt=attempt,
            learner=learner,
            responses=_all_right(attempt) if answers else None,
        )

    enrollment.refresh_from_db()
    assert enrollment.last_active_at is not None

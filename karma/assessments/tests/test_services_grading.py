"""Grading short answers and overriding grades (services/grading.py)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.assessments.models import Answer, Attempt, AttemptStatus
from karma.assessments.services import grading
from karma.assessments.services.attempts import start_attempt
from karma.assessments.services.grading import GradeInput, GradingError
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    enrolled,
    short_answer_question,
    submitted_attempt,
)
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.models import CourseInstructor
from karma.enrollments.models import EnrollmentStatus
from karma.learning.models import LessonProgress


@pytest.fixture
def quiz(instructor):
    return AssessmentFactory(lesson__module__course__owner=instructor)


@pytest.fixture
def essay(quiz):
    return short_answer_question(assessment=quiz, points=4)


@pytest.fixture
def true_false(quiz):
    return QuestionFactory(assessment=quiz, points=1, correct_true=True)


@pytest.fixture
def attempt(quiz, essay, true_false, learner):
    return submitted_attempt(
        assessment=quiz,
        learner=learner,
        responses={
            essay.public_id: {"text": "Contain it, then report within the hour."},
            true_false.public_id: {"value": True},
        },
    )


def _answer(attempt, question) -> Answer:
    return Answer.objects.select_related("attempt", "question").get(
        attempt=attempt, question=question
    )


def _refusal(call, **kwargs) -> GradingError:
    with pytest.raises(GradingError) as caught:
        call(**kwargs)
    return caught.value


def test_a_submitted_short_answer_waits_for_a_grader(attempt, essay):
    answer = _answer(attempt, essay)

    assert attempt.status == AttemptStatus.PENDING_REVIEW
    assert answer.needs_review
    assert answer.points_awarded is None


def test_grading_the_last_answer_makes_the_attempt_final(
    attempt, essay, instructor, learner
):
    answer = grading.grade_answer(
        answer=_answer(attempt, essay),
        points="3.5",
        feedback="  Good: you would contain it first.  ",
        grader=instructor,
    )

    answer.refresh_from_db()
    attempt.refresh_from_db()
    assert answer.points_awarded == Decimal("3.50")
    assert not answer.needs_review
    assert answer.feedback == "Good: you would contain it first."
    assert answer.graded_by == instructor
    assert answer.graded_at is not None
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.score_points == Decimal("4.50")
    assert attempt.score_percent == Decimal("90.00")
    assert attempt.passed is True


def test_grading_records_the_quiz_outcome_in_progress(attempt, essay, instructor):
    grading.grade_answer(
        answer=_answer(attempt, essay), points=0, feedback="", grader=instructor
    )

    progress = LessonProgress.objects.get(enrollment=attempt.enrollment)
    attempt.refresh_from_db()
    assert attempt.passed is False  # 1 of 5 points
    assert progress.quiz_passed is False
    assert progress.completed_at is not None


def test_a_graded_pass_completes_a_course_that_requires_passing(
    quiz, essay, learner, instructor
):
    quiz.require_passing = True
    quiz.save()
    attempt = submitted_attempt(
        assessment=quiz, learner=learner, responses={essay.public_id: {"text": "Hi"}}
    )
    enrollment = attempt.enrollment
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE

    grading.grade_answer(
        answer=_answer(attempt, essay), points=4, feedback="", grader=instructor
    )

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_first_grade_is_audited_as_graded(attempt, essay, instructor, learner):
    grading.grade_answer(
        answer=_answer(attempt, essay), points=2, feedback="", grader=instructor
    )

    event = AuditEvent.objects.get(kind=AuditKind.ANSWER_GRADED)
    assert event.actor == instructor
    assert event.subject == learner
    assert event.target == attempt.public_id
    assert event.details["question"] == essay.public_id
    assert event.details["points"] == "2.00"
    assert event.details["previous_points"] is None
    assert not AuditEvent.objects.filter(kind=AuditKind.GRADE_OVERRIDDEN).exists()


def test_changing_a_grade_needs_a_reason_and_is_audited_as_override(
    attempt, essay, instructor
):
    grading.grade_answer(
        answer=_answer(attempt, essay), points=2, feedback="", grader=instructor
    )

    error = _refusal(
        grading.grade_answer,
        answer=_answer(attempt, essay),
        points=4,
        feedback="",
        grader=instructor,
    )
    grading.grade_answer(
        answer=_answer(attempt, essay),
        points=4,
        feedback="Rechecked.",
        grader=instructor,
        reason="Second reading: it names both steps.",
    )

    assert error.field == "reason"
    event = AuditEvent.objects.get(kind=AuditKind.GRADE_OVERRIDDEN)
    assert event.reason == "Second reading: it names both steps."
    assert (event.details["previous_points"], event.details["points"]) == (
        "2.00",
        "4.00",
    )
    attempt.refresh_from_db()
    assert attempt.score_points == Decimal("5.00")


def test_overriding_an_auto_graded_answer_rescores_a_final_attempt(
    quiz, true_false, learner, admin
):
    attempt = submitted_attempt(
        assessment=quiz,
        learner=learner,
        responses={true_false.public_id: {"value": False}},
    )
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.score_points == Decimal("0.00")

    grading.grade_answer(
        answer=_answer(attempt, true_false),
        points=1,
        feedback="The wording was ambiguous.",
        grader=admin,
        reason="Question 2 was ambiguous.",
    )

    attempt.refresh_from_db()
    assert attempt.score_points == Decimal("1.00")
    assert AuditEvent.objects.filter(kind=AuditKind.GRADE_OVERRIDDEN).count() == 1


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (-1, "from 0 to 4"),
        ("4.01", "from 0 to 4"),
        ("1.005", "two decimal places"),
        ("lots", "like 2 or 1.5"),
        ("NaN", "like 2 or 1.5"),
        ("", "Enter the points"),
        (None, "Enter the points"),
    ],
)
def test_refuses_points_out_of_range(attempt, essay, instructor, points, message):
    error = _refusal(
        grading.grade_answer,
        answer=_answer(attempt, essay),
        points=points,
        feedback="",
        grader=instructor,
    )

    assert message in error.message
    assert error.field == "points"
    assert _answer(attempt, essay).needs_review


def test_accepts_the_full_points_and_zero(attempt, essay, instructor):
    answer = grading.grade_answer(
        answer=_answer(attempt, essay), points=4, feedback="", grader=instructor
    )

    assert answer.points_awarded == Decimal("4.00")


def test_refuses_feedback_that_is_too_long(attempt, essay, instructor):
    error = _refusal(
        grading.grade_answer,
        answer=_answer(attempt, essay),
        points=1,
        feedback="x" * 5001,
        grader=instructor,
    )

    assert error.field == "feedback"


@pytest.mark.parametrize("who", ["learner", "other instructor", "outsider"])
def test_only_the_course_staff_may_grade(attempt, essay, learner, outsider, who):
    person = {
        "learner": learner,
        "other instructor": InstructorFactory(),
        "outsider": outsider,
    }[who]

    with pytest.raises(PermissionDenied):
        grading.grade_answer(
            answer=_answer(attempt, essay), points=1, feedback="", grader=person
        )

    assert _answer(attempt, essay).needs_review


def test_a_co_instructor_and_an_admin_may_grade(attempt, essay, true_false, admin):
    colleague = InstructorFactory()
    course = attempt.assessment.lesson.course
    CourseInstructor.objects.create(
        course=course, instructor=colleague, added_by=course.owner
    )

    grading.grade_answer(
        answer=_answer(attempt, essay), points=1, feedback="", grader=colleague
    )
    grading.grade_answer(
        answer=_answer(attempt, true_false),
        points=0,
        feedback="",
        grader=admin,
        reason="Checked by hand.",
    )

    attempt.refresh_from_db()
    assert attempt.score_points == Decimal("1.00")


def test_an_open_attempt_cannot_be_graded(quiz, essay, learner, instructor):
    enrolled(learner, quiz.lesson.course)
    attempt = start_attempt(assessment=quiz, learner=learner)
    answer = Answer.objects.create(
        attempt=attempt, question=essay, response={"text": "draft"}, needs_review=True
    )

    error = _refusal(
        grading.grade_answer,
        answer=answer,
        points=1,
        feedback="",
        grader=instructor,
    )

    assert "submitted" in error.message
    answer.refresh_from_db()
    assert answer.points_awarded is None


def test_grades_several_answers_at_once_or_none(attempt, essay, true_false, instructor):
    error = _refusal(
        grading.grade_attempt,
        attempt=attempt,
        grades=[
            GradeInput(essay.public_id, "3"),
            GradeInput(true_false.public_id, "0"),  # an override without reason
        ],
        grader=instructor,
    )
    assert error.question_id == true_false.public_id
    assert _answer(attempt, essay).needs_review

    grading.grade_attempt(
        attempt=attempt,
        grades=[GradeInput(essay.public_id, "3", feedback="Good.")],
        grader=instructor,
    )

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.score_points == Decimal("4.00")


def test_grade_attempt_refuses_a_question_it_has_no_answer_to(attempt, instructor):
    stranger = QuestionFactory()

    error = _refusal(
        grading.grade_attempt,
        attempt=attempt,
        grades=[GradeInput(stranger.public_id, "1")],
        grader=instructor,
    )

    assert error.field == "question_id"


# --- The queue ----------------------------------------------------------------------


def test_the_queue_lists_waiting_answers_oldest_first(quiz, essay, instructor):
    first = submitted_attempt(
        assessment=quiz,
        learner=LearnerFactory(),
        responses={essay.public_id: {"text": "one"}},
    )
    second = submitted_attempt(
        assessment=quiz,
        learner=LearnerFactory(),
        responses={essay.public_id: {"text": "two"}},
    )
    Attempt.objects.filter(pk=second.pk).update(
        submitted_at=first.submitted_at.replace(year=first.submitted_at.year - 1)
    )

    queue = list(grading.answers_awaiting_grading(user=instructor))

    assert [answer.attempt_id for answer in queue] == [second.pk, first.pk]


def test_the_queue_leaves_out_graded_and_auto_graded_answers(
    attempt, essay, instructor
):
    assert [a.question for a in grading.answers_awaiting_grading(user=instructor)] == [
        essay
    ]

    grading.grade_answer(
        answer=_answer(attempt, essay), points=1, feedback="", grader=instructor
    )

    assert not grading.answers_awaiting_grading(user=instructor).exists()


def test_the_queue_holds_only_the_courses_a_person_teaches(attempt, instructor, admin):
    other_quiz = AssessmentFactory()
    other_essay = short_answer_question(assessment=other_quiz)
    submitted_attempt(
        assessment=other_quiz,
        learner=LearnerFactory(),
        responses={other_essay.public_id: {"text": "elsewhere"}},
    )

    mine = grading.answers_awaiting_grading(user=instructor)
    everything = grading.answers_awaiting_grading(user=admin)

    assert mine.count() == 1
    assert everything.count() == 2
    assert grading.awaiting_count(user=InstructorFactory()) == 0
    assert grading.awaiting_count(user=LearnerFactory()) == 0


def test_the_queue_narrows_to_one_course_and_counts_per_course(attempt, admin):
    course = attempt.assessment.lesson.course
    other_quiz = AssessmentFactory()
    other_essay = short_answer_question(assessment=other_quiz)
    for _ in range(2):
        submitted_attempt(
            assessment=other_quiz,
            learner=LearnerFactory(),
            responses={other_essay.public_id: {"text": "elsewhere"}},
        )

    assert grading.answers_awaiting_grading(user=admin, course=course).count() == 1
    counts = grading.awaiting_by_course(user=admin)
    assert [(row["public_id"], row["waiting"]) for row in counts] == [
        (other_quiz.lesson.course.public_id, 2),
        (course.public_id, 1),
    ]
    assert grading.awaiting_count(user=admin) == 3


def test_attempt_answers_follow_the_order_the_learner_saw(attempt):
    answers = grading.attempt_answers(attempt)

    assert [a.question.public_id for a in answers] == attempt.question_order


@pytest.mark.django_db(transaction=True)
def test_two_graders_at_once_settle_the_attempt_once_each_in_turn():
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's shared-cache test database fails a second writer at "
            "once instead of making it wait; run on PostgreSQL"
        )
    owner, colleague = InstructorFactory(), InstructorFactory()
    quiz = AssessmentFactory(lesson__module__course__owner=owner)
    CourseInstructor.objects.create(
        course=quiz.lesson.course, instructor=colleague, added_by=owner
    )
    first, second = (short_answer_question(assessment=quiz) for _ in range(2))
    attempt = submitted_attempt(
        assessment=quiz,
        learner=LearnerFactory(),
        responses={q.public_id: {"text": "answer"} for q in (first, second)},
    )
    barrier = threading.Barrier(2)
    errors = []

    def grade(question, grader):
        try:
            barrier.wait(timeout=10)
            grading.grade_answer(
                answer=_answer(attempt, question), points=1, feedback="", grader=grader
            )
        except Exception as error:  # noqa: BLE001 - collected for the assert
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=grade, args=(first, owner)),
        threading.Thread(target=grade, args=(second, colleague)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.score_points == Decimal("2.00")
    assert AuditEvent.objects.filter(kind=AuditKind.ANSWER_GRADED).count() == 2

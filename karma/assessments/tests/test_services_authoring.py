"""Building a quiz: settings and questions (services/authoring.py)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from karma.accounts.tests.factories import LearnerFactory
from karma.assessments.models import (
    Answer,
    Attempt,
    AttemptStatus,
    Question,
    QuestionType,
)
from karma.assessments.services import authoring
from karma.assessments.services.authoring import (
    AuthoringError,
    OptionInput,
    PairInput,
    QuestionInput,
)
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    QuizLessonFactory,
)
from karma.courses.tests.factories import LessonFactory
from karma.enrollments.models import Enrollment, EnrollmentSource
from karma.learning.models import CompletionReason, LessonProgress

SETTINGS = {
    "passing_score": 70,
    "time_limit_minutes": None,
    "attempt_limit": None,
    "randomize_questions": False,
    "show_results": True,
    "allow_review": True,
    "require_passing": False,
}


@pytest.fixture
def assessment(db):
    return AssessmentFactory()


def _choice(**overrides) -> QuestionInput:
    values = {
        "type": QuestionType.CHOICE,
        "prompt": "Which of these is personal data?",
        "points": 2,
        "options": [
            OptionInput("An IP address", True),
            OptionInput("The number of staff", False),
        ],
    }
    return QuestionInput(**{**values, **overrides})


def _matching(*pairs: tuple[str, str]) -> QuestionInput:
    return QuestionInput(
        type=QuestionType.MATCHING,
        prompt="Match each principle with its question.",
        pairs=[PairInput(prompt, answer) for prompt, answer in pairs],
    )


def _refusal(call, *args, **kwargs) -> AuthoringError:
    with pytest.raises(AuthoringError) as caught:
        call(*args, **kwargs)
    return caught.value


def _submitted_answer(question: Question, status=AttemptStatus.FINAL) -> Answer:
    learner = LearnerFactory()
    enrollment = Enrollment.objects.create(
        learner=learner,
        course=question.assessment.lesson.course,
        source=EnrollmentSource.SELF,
    )
    attempt = Attempt.objects.create(
        assessment=question.assessment,
        enrollment=enrollment,
        learner=learner,
        number=1,
        status=status,
    )
    return Answer.objects.create(
        attempt=attempt, question=question, response={"value": True}
    )


# --- Settings -------------------------------------------------------------------


def test_saves_every_setting(assessment):
    authoring.update_assessment_settings(
        assessment=assessment,
        passing_score=80,
        time_limit_minutes=30,
        attempt_limit=3,
        randomize_questions=True,
        show_results=False,
        allow_review=False,
        require_passing=True,
    )

    assessment.refresh_from_db()
    assert assessment.passing_score == 80
    assert assessment.time_limit_minutes == 30
    assert assessment.attempt_limit == 3
    assert assessment.randomize_questions
    assert not assessment.show_results
    assert not assessment.allow_review
    assert assessment.require_passing


def test_blank_limits_mean_none(assessment):
    assessment.time_limit_minutes = 10
    assessment.attempt_limit = 2
    assessment.save()

    authoring.update_assessment_settings(
        assessment=assessment,
        **{**SETTINGS, "time_limit_minutes": "", "attempt_limit": None},
    )

    assessment.refresh_from_db()
    assert assessment.time_limit_minutes is None
    assert assessment.attempt_limit is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("passing_score", -1),
        ("passing_score", 101),
        ("passing_score", "seventy"),
        ("passing_score", None),
        ("time_limit_minutes", 0),
        ("time_limit_minutes", 601),
        ("time_limit_minutes", 2.5),
        ("attempt_limit", 0),
        ("attempt_limit", 101),
    ],
)
def test_refuses_settings_out_of_bounds(assessment, field, value):
    error = _refusal(
        authoring.update_assessment_settings,
        assessment=assessment,
        **{**SETTINGS, field: value},
    )

    assert error.field == field
    assessment.refresh_from_db()
    assert assessment.passing_score == 70


@pytest.mark.parametrize(
    ("field", "value"),
    [("passing_score", 0), ("passing_score", 100), ("time_limit_minutes", 600)],
)
def test_accepts_settings_at_the_bounds(assessment, field, value):
    authoring.update_assessment_settings(
        assessment=assessment, **{**SETTINGS, field: value}
    )

    assessment.refresh_from_db()
    assert getattr(assessment, field) == value


def test_switching_require_passing_recounts_progress(db):
    assessment = AssessmentFactory()
    course = assessment.lesson.course
    LessonFactory(module=assessment.lesson.module)  # a second required lesson
    enrollment = Enrollment.objects.create(
        learner=LearnerFactory(), course=course, source=EnrollmentSource.SELF
    )
    LessonProgress.objects.create(
        enrollment=enrollment,
        lesson=assessment.lesson,
        completed_at="2024-05-01T10:00:00Z",
        completion_reason=CompletionReason.QUIZ_SUBMITTED,
        quiz_passed=False,
    )

    authoring.update_assessment_settings(assessment=assessment, **SETTINGS)
    enrollment.refresh_from_db()
    submitted_counts = enrollment.progress_percent

    authoring.update_assessment_settings(
        assessment=assessment, **{**SETTINGS, "require_passing": True}
    )
    enrollment.refresh_from_db()

    assert submitted_counts == 0  # nothing switched, nothing recounted
    assert enrollment.required_total == 2
    assert enrollment.required_done == 0
    assert enrollment.progress_percent == 0


def test_switching_require_passing_off_counts_a_submitted_quiz(db):
    assessment = AssessmentFactory(require_passing=True)
    LessonFactory(module=assessment.lesson.module)
    enrollment = Enrollment.objects.create(
        learner=LearnerFactory(),
        course=assessment.lesson.course,
        source=EnrollmentSource.SELF,
    )
    LessonProgress.objects.create(
        enrollment=enrollment,
        lesson=assessment.lesson,
        completed_at="2024-05-01T10:00:00Z",
        completion_reason=CompletionReason.QUIZ_SUBMITTED,
        quiz_passed=False,
    )

    authoring.update_assessment_settings(assessment=assessment, **SETTINGS)

    enrollment.refresh_from_db()
    assert (enrollment.required_done, enrollment.progress_percent) == (1, 50)


def test_assessment_for_refuses_other_lessons(db):
    with pytest.raises(ValueError):
        authoring.assessment_for(LessonFactory())


def test_assessment_for_makes_one_assessment_with_defaults(db):
    lesson = QuizLessonFactory()

    first = authoring.assessment_for(lesson)
    second = authoring.assessment_for(lesson)

    assert first == second
    assert (first.passing_score, first.time_limit_minutes) == (70, None)


# --- Adding questions -------------------------------------------------------------


def test_adds_a_multiple_choice_question_with_its_options(assessment):
    question = authoring.add_question(assessment=assessment, data=_choice())

    assert question.type == QuestionType.CHOICE
    assert question.points == 2
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("An IP address", True),
        ("The number of staff", False),
    ]


def test_adds_questions_at_the_end(assessment):
    first = authoring.add_question(assessment=assessment, data=_choice())
    second = authoring.add_question(assessment=assessment, data=_choice())

    assert list(assessment.questions.all()) == [first, second]
    assert (first.position, second.position) == (0, 1)


def test_allows_several_correct_options(assessment):
    data = _choice(
        options=[
            OptionInput("A name", True),
            OptionInput("An email address", True),
            OptionInput("A headcount", False),
        ]
    )

    question = authoring.add_question(assessment=assessment, data=data)

    assert question.choices.filter(is_correct=True).count() == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([OptionInput("Only one", True)], "from 2 to 10"),
        ([OptionInput(f"O{n}", n == 0) for n in range(11)], "from 2 to 10"),
        ([OptionInput("Yes", False), OptionInput("No", False)], "at least one"),
        ([OptionInput("Yes", True), OptionInput("  ", False)], "Option 2 has no text"),
        ([OptionInput("Y" * 501, True), OptionInput("N")], "longer than 500"),
        (
            [OptionInput("Yes", True), OptionInput("No"), OptionInput(" yES ")],
            "Option 3 repeats option 1; each option must differ.",
        ),
        (
            [OptionInput("An  IP\taddress", True), OptionInput("an ip address")],
            "Option 2 repeats option 1",
        ),
    ],
)
def test_refuses_bad_options(assessment, options, message):
    error = _refusal(
        authoring.add_question, assessment=assessment, data=_choice(options=options)
    )

    assert message in error.message
    assert error.field == "options"
    assert not assessment.questions.exists()


def test_adds_a_true_false_question(assessment):
    data = QuestionInput(
        type=QuestionType.TRUE_FALSE, prompt="Archived files count.", correct_true=False
    )

    question = authoring.add_question(assessment=assessment, data=data)

    assert question.correct_true is False


def test_true_false_needs_the_answer(assessment):
    data = QuestionInput(type=QuestionType.TRUE_FALSE, prompt="Is it?")

    error = _refusal(authoring.add_question, assessment=assessment, data=data)

    assert error.field == "correct_true"


def test_adds_a_short_answer_with_guidance_and_no_right_answer(assessment):
    data = QuestionInput(
        type=QuestionType.SHORT_ANSWER,
        prompt="What would you do first?",
        points=5,
        grading_guidance="  Contain, then report within the hour.  ",
        correct_true=True,  # ignored: only true/false questions keep it
    )

    question = authoring.add_question(assessment=assessment, data=data)

    assert question.grading_guidance == "Contain, then report within the hour."
    assert question.correct_true is None
    assert not question.choices.exists()


def test_short_answer_guidance_is_optional(assessment):
    data = QuestionInput(type=QuestionType.SHORT_ANSWER, prompt="Explain.")

    question = authoring.add_question(assessment=assessment, data=data)

    assert question.grading_guidance == ""


def test_adds_a_matching_question_with_its_pairs(assessment):
    data = _matching(("Accuracy", "Is it still correct?"), ("Security", "Who sees it?"))

    question = authoring.add_question(assessment=assessment, data=data)

    assert [(p.prompt, p.answer) for p in question.pairs.all()] == [
        ("Accuracy", "Is it still correct?"),
        ("Security", "Who sees it?"),
    ]


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("One", "1")], "from 2 to 10"),
        ([("One", "1"), ("Two", "")], "Pair 2 needs both"),
        ([("", "1"), ("Two", "2")], "Pair 1 needs both"),
        ([("One", "Same"), ("Two", " same ")], "Pair 2 repeats an answer"),
    ],
)
def test_refuses_bad_pairs(assessment, pairs, message):
    error = _refusal(
        authoring.add_question, assessment=assessment, data=_matching(*pairs)
    )

    assert message in error.message
    assert error.field == "pairs"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"prompt": "   "}, "prompt"),
        ({"prompt": "x" * 2001}, "prompt"),
        ({"points": 0}, "points"),
        ({"points": 101}, "points"),
        ({"points": "many"}, "points"),
        ({"type": "essay"}, "type"),
    ],
)
def test_refuses_bad_question_fields(assessment, overrides, field):
    error = _refusal(
        authoring.add_question, assessment=assessment, data=_choice(**overrides)
    )

    assert error.field == field
    assert not assessment.questions.exists()


def test_accepts_points_and_prompt_at_their_limits(assessment):
    data = _choice(prompt="x" * 2000, points=100)

    question = authoring.add_question(assessment=assessment, data=data)

    assert (len(question.prompt), question.points) == (2000, 100)


# --- Changing and deleting questions ----------------------------------------------


def test_updates_options_keeping_the_ids_of_those_kept(assessment):
    question = authoring.add_question(assessment=assessment, data=_choice())
    first, second = question.choices.all()

    authoring.update_question(
        question=question,
        data=_choice(
            prompt="Which is personal data? (changed)",
            options=[
                OptionInput("Now wrong", False, id=first.public_id),
                OptionInput("A new option", True),
            ],
        ),
    )

    rows = list(question.choices.all())
    assert rows[0].public_id == first.public_id
    assert (rows[0].text, rows[0].is_correct) == ("Now wrong", False)
    assert rows[1].public_id != second.public_id
    assert not question.choices.filter(public_id=second.public_id).exists()
    question.refresh_from_db()
    assert question.prompt == "Which is personal data? (changed)"


def test_refuses_an_option_id_of_another_question(assessment):
    question = authoring.add_question(assessment=assessment, data=_choice())
    other = authoring.add_question(assessment=assessment, data=_choice())
    stranger = other.choices.first()

    error = _refusal(
        authoring.update_question,
        question=question,
        data=_choice(
            options=[OptionInput("A", True, id=stranger.public_id), OptionInput("B")]
        ),
    )

    assert error.field == "options"
    assert other.choices.filter(pk=stranger.pk, text=stranger.text).exists()


def test_updates_pairs(assessment):
    question = authoring.add_question(
        assessment=assessment, data=_matching(("A", "1"), ("B", "2"))
    )
    kept = question.pairs.first()

    authoring.update_question(
        question=question,
        data=QuestionInput(
            type=QuestionType.MATCHING,
            prompt="Match.",
            pairs=[PairInput("A", "one", id=kept.public_id), PairInput("C", "3")],
        ),
    )

    assert [(p.prompt, p.answer) for p in question.pairs.all()] == [
        ("A", "one"),
        ("C", "3"),
    ]
    assert question.pairs.first().public_id == kept.public_id


def test_a_question_keeps_its_type(assessment):
    question = authoring.add_question(assessment=assessment, data=_choice())

    error = _refusal(
        authoring.update_question,
        question=question,
        data=QuestionInput(type=QuestionType.TRUE_FALSE, prompt="?", correct_true=True),
    )

    assert error.field == "type"


def test_editing_an_answered_question_leaves_settled_points_alone(assessment):
    question = QuestionFactory(assessment=assessment, points=1)
    answer = _submitted_answer(question)
    answer.points_awarded = Decimal("1.00")
    answer.save()

    authoring.update_question(
        question=question,
        data=QuestionInput(
            type=QuestionType.TRUE_FALSE, prompt="Changed", points=3, correct_true=False
        ),
    )

    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.points_awarded == Decimal("1.00")
    assert (question.points, question.correct_true) == (3, False)


def test_deletes_a_question_and_closes_the_gap(assessment):
    first, middle, last = QuestionFactory.create_batch(3, assessment=assessment)

    authoring.delete_question(question=middle)

    assert list(assessment.questions.all()) == [first, last]
    assert [q.position for q in assessment.questions.all()] == [0, 1]


@pytest.mark.parametrize("status", [AttemptStatus.FINAL, AttemptStatus.PENDING_REVIEW])
def test_keeps_a_question_answered_in_a_submitted_attempt(assessment, status):
    question = QuestionFactory(assessment=assessment)
    _submitted_answer(question, status=status)

    error = _refusal(authoring.delete_question, question=question)

    assert "Edit it instead" in error.message
    assert Question.objects.filter(pk=question.pk).exists()


def test_deletes_a_question_answered_only_in_an_open_attempt(assessment):
    question = QuestionFactory(assessment=assessment)
    _submitted_answer(question, status=AttemptStatus.IN_PROGRESS)

    authoring.delete_question(question=question)

    assert not Question.objects.filter(pk=question.pk).exists()


# --- Order ------------------------------------------------------------------------


def test_moves_a_question_up_and_down(assessment):
    first, second, third = QuestionFactory.create_batch(3, assessment=assessment)

    assert authoring.move_question(question=third, offset=-1)
    assert list(assessment.questions.all()) == [first, third, second]
    assert authoring.move_question(question=first, offset=1)
    assert list(assessment.questions.all()) == [third, first, second]


def test_moving_past_an_end_changes_nothing(assessment):
    first, second = QuestionFactory.create_batch(2, assessment=assessment)

    assert not authoring.move_question(question=first, offset=-1)
    assert not authoring.move_question(question=second, offset=1)
    assert list(assessment.questions.all()) == [first, second]


def test_reorders_questions_keeping_unlisted_ones_at_the_end(assessment):
    first, second, third = QuestionFactory.create_batch(3, assessment=assessment)

    authoring.reorder_questions(
        assessment=assessment, question_ids=[third.public_id, first.public_id]
    )

    assert list(assessment.questions.all()) == [third, first, second]


@pytest.mark.parametrize("kind", ["other quiz", "twice"])
def test_refuses_a_bad_order(assessment, kind):
    first, second = QuestionFactory.create_batch(2, assessment=assessment)
    stranger = QuestionFactory()
    ids = {
        "other quiz": [stranger.public_id, first.public_id],
        "twice": [first.public_id, first.public_id],
    }[kind]

    error = _refusal(
        authoring.reorder_questions, assessment=assessment, question_ids=ids
    )

    assert error.field == "question_ids"
    assert list(assessment.questions.all()) == [first, second]


def test_total_points_adds_up_every_question(assessment):
    QuestionFactory(assessment=assessment, points=2)
    QuestionFactory(assessment=assessment, points=5)

    assert authoring.total_points(assessment) == 7
    assert authoring.total_points(AssessmentFactory()) == 0


@pytest.mark.django_db(transaction=True)
def test_parallel_moves_leave_one_consistent_order():
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's shared-cache test database fails a second writer at "
            "once instead of making it wait; run on PostgreSQL"
        )
    assessment = AssessmentFactory()
    questions = QuestionFactory.create_batch(4, assessment=assessment)
    barrier = threading.Barrier(len(questions))
    errors = []

    def move(question, offset):
        try:
            barrier.wait(timeout=10)
            authoring.move_question(question=question, offset=offset)
        except Exception as error:  # noqa: BLE001 - collected for the assert
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=move, args=(question, offset))
        for question, offset in zip(questions, [1, -1, 1, -1], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    positions = sorted(assessment.questions.values_list("position", flat=True))
    assert positions == [0, 1, 2, 3]

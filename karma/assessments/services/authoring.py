"""Building quizzes: settings and questions, for a course's staff.

Pages, the API and the demo loader call these. Each guards its rule and
raises AuthoringError naming the input at fault. Question edits take the
course's row lock, the same one the outline editor takes, so two editors
at once leave one consistent order.

Editing a question learners have already answered is allowed. Settled
scores do not change: an attempt keeps the points it was given, and
attempts started after the edit see the new version. Options and pairs keep
their ids when edited, so an answer saved in an open attempt still points
at the option it chose.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum

from karma.assessments.models import (
    Assessment,
    AttemptStatus,
    Choice,
    MatchPair,
    Question,
    QuestionType,
)
from karma.courses.models import Course, Lesson, LessonType
from karma.learning.services.progress import recompute_course

logger = logging.getLogger(__name__)

PASSING_SCORE_RANGE = (0, 100)
TIME_LIMIT_RANGE = (1, 600)
ATTEMPT_LIMIT_RANGE = (1, 100)
POINTS_RANGE = (1, 100)
PROMPT_MAX_LENGTH = 2000
# Options and pairs are CharFields of this length in the model.
ITEM_MAX_LENGTH = 500
NOTE_MAX_LENGTH = 5000
ITEMS_RANGE = (2, 10)


class AuthoringError(Exception):
    """A quiz rule refused the change; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def assessment_for(lesson: Lesson) -> Assessment:
    """Return the assessment of a quiz lesson, making it with the defaults
    of SPEC section 7 the first time it is needed."""
    if lesson.type != LessonType.QUIZ:
        raise ValueError("only quiz lessons have an assessment")
    assessment, _ = Assessment.objects.get_or_create(lesson=lesson)
    return assessment


# --- Settings -----------------------------------------------------------------


def update_assessment_settings(
    *,
    assessment: Assessment,
    passing_score: int | str,
    time_limit_minutes: int | str | None,
    attempt_limit: int | str | None,
    randomize_questions: bool,
    show_results: bool,
    allow_review: bool,
    require_passing: bool,
) -> Assessment:
    """Save a quiz's settings; None (or blank) means no time or attempt limit.

    Switching `require_passing` changes what counts as done in the course,
    so every enrollment's progress is recounted.
    """
    passing = _whole(passing_score, "passing_score", PASSING_SCORE_RANGE)
    minutes = _optional_whole(
        time_limit_minutes, "time_limit_minutes", TIME_LIMIT_RANGE
    )
    attempts = _optional_whole(attempt_limit, "attempt_limit", ATTEMPT_LIMIT_RANGE)

    with transaction.atomic():
        # Read the old rule under the lock, so two saves that both switch
        # it each see the other's result and recount once each.
        old = Assessment.objects.select_for_update().get(pk=assessment.pk)
        assessment.passing_score = passing
        assessment.time_limit_minutes = minutes
        assessment.attempt_limit = attempts
        assessment.randomize_questions = bool(randomize_questions)
        assessment.show_results = bool(show_results)
        assessment.allow_review = bool(allow_review)
        assessment.require_passing = bool(require_passing)
        assessment.save()
        if old.require_passing != assessment.require_passing:
            recompute_course(course=assessment.lesson.course)

    logger.info("quiz settings saved", extra={"assessment_id": assessment.public_id})
    return assessment


def _whole(raw: object, field: str, bounds: tuple[int, int]) -> int:
    low, high = bounds
    try:
        value = int(raw)
    except (TypeError, ValueError, ArithmeticError) as error:
        raise AuthoringError("Enter a whole number.", field=field) from error
    fractional = isinstance(raw, float | Decimal) and raw != value
    if isinstance(raw, bool) or fractional:
        raise AuthoringError("Enter a whole number.", field=field)
    if not low <= value <= high:
        raise AuthoringError(f"Enter a number from {low} to {high}.", field=field)
    return value


def _optional_whole(raw: object, field: str, bounds: tuple[int, int]) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return _whole(raw, field, bounds)


# --- Questions ------------------------------------------------------------------


@dataclass(frozen=True)
class OptionInput:
    """An option of a multiple-choice question; `id` names an existing one."""

    text: str
    correct: bool = False
    id: str = ""


@dataclass(frozen=True)
class PairInput:
    """A prompt of a matching question and its answer."""

    prompt: str
    answer: str
    id: str = ""


@dataclass(frozen=True)
class QuestionInput:
    type: str
    prompt: str
    points: int | str = 1
    # Multiple choice.
    options: Sequence[OptionInput] = field(default_factory=tuple)
    # Matching.
    pairs: Sequence[PairInput] = field(default_factory=tuple)
    # True or false: the right answer.
    correct_true: bool | None = None
    # Short answer: what graders look for; never shown to learners.
    grading_guidance: str = ""
    # Shown with the results when the quiz allows review.
    explanation: str = ""


def add_question(*, assessment: Assessment, data: QuestionInput) -> Question:
    """Add a question at the end of the quiz."""
    _check_type(data.type)
    question = Question(assessment=assessment, type=data.type)
    _apply_common(question, data)
    options, pairs = _checked_items(data)

    with transaction.atomic():
        _lock_course(assessment)
        last = assessment.questions.aggregate(last=Max("position"))["last"]
        question.position = 0 if last is None else last + 1
        question.save()
        _save_options(question, options)
        _save_pairs(question, pairs)

    logger.info(
        "question added",
        extra={
            "assessment_id": assessment.public_id,
            "question_id": question.public_id,
        },
    )
    return question


def update_question(*, question: Question, data: QuestionInput) -> Question:
    """Change a question in place; its type stays what it was.

    Attempts already settled keep their points; attempts started from now
    on are scored against the new version.
    """
    if data.type != question.type:
        raise AuthoringError(
            "A question's type cannot change; add a new question instead.",
            field="type",
        )
    _apply_common(question, data)
    options, pairs = _checked_items(data)

    with transaction.atomic():
        _lock_course(question.assessment)
        question.save()
        _save_options(question, options)
        _save_pairs(question, pairs)

    logger.info("question changed", extra={"question_id": question.public_id})
    return question


def delete_question(*, question: Question) -> None:
    """Remove a question no submitted attempt has answered.

    Answers in submitted attempts are part of learners' records (and of
    grades waiting for review), so such a question is kept: edit it
    instead.
    """
    with transaction.atomic():
        _lock_course(question.assessment)
        answered = question.answers.exclude(
            attempt__status=AttemptStatus.IN_PROGRESS
        ).exists()
        if answered:
            raise AuthoringError(
                "Learners have answered this question in submitted attempts, so "
                "it stays in their records. Edit it instead: their scores do "
                "not change."
            )
        question.delete()
        _renumber(question.assessment.questions.all())

    logger.info("question deleted", extra={"question_id": question.public_id})


def reorder_questions(
    *, assessment: Assessment, question_ids: Sequence[str]
) -> list[Question]:
    """Put the quiz's questions in the order of `question_ids` (public ids).

    Ids of other quizzes are refused; questions left out (added meanwhile
    by another editor) keep their relative order at the end.
    """
    with transaction.atomic():
        _lock_course(assessment)
        questions = list(assessment.questions.all())
        by_id = {question.public_id: question for question in questions}
        if any(public_id not in by_id for public_id in question_ids):
            raise AuthoringError(
                "Unknown questions in the new order.", field="question_ids"
            )
        if len(set(question_ids)) != len(question_ids):
            raise AuthoringError(
                "The new order names a question twice.", field="question_ids"
            )
        listed = [by_id[public_id] for public_id in question_ids]
        rest = [question for question in questions if question not in listed]
        ordered = listed + rest
        _renumber(ordered)
    return ordered


def move_question(*, question: Question, offset: int) -> bool:
    """Move a question up (-1) or down (+1). Return False at that end."""
    with transaction.atomic():
        _lock_course(question.assessment)
        # Read under the lock: another editor may have moved it meanwhile.
        ids = list(question.assessment.questions.values_list("public_id", flat=True))
        if question.public_id not in ids:
            return False
        index = ids.index(question.public_id)
        target = index + offset
        if not 0 <= target < len(ids):
            return False
        ids[index], ids[target] = ids[target], ids[index]
        reorder_questions(assessment=question.assessment, question_ids=ids)
    return True


def total_points(assessment: Assessment) -> int:
    """The points of all the quiz's questions together."""
    return assessment.questions.aggregate(total=Sum("points"))["total"] or 0


# --- Checks ---------------------------------------------------------------------


def _check_type(value: str) -> None:
    if value not in QuestionType.values:
        labels = ", ".join(QuestionType.values)
        raise AuthoringError(f"Choose one of: {labels}.", field="type")


def _apply_common(question: Question, data: QuestionInput) -> None:
    question.prompt = _text(data.prompt, "prompt", PROMPT_MAX_LENGTH, required=True)
    question.points = _whole(data.points, "points", POINTS_RANGE)
    question.explanation = _text(data.explanation, "explanation", NOTE_MAX_LENGTH)
    question.grading_guidance = ""
    question.correct_true = None

    if question.type == QuestionType.TRUE_FALSE:
        if data.correct_true is None:
            raise AuthoringError("Choose the right answer.", field="correct_true")
        question.correct_true = bool(data.correct_true)
    elif question.type == QuestionType.SHORT_ANSWER:
        question.grading_guidance = _text(
            data.grading_guidance, "grading_guidance", NOTE_MAX_LENGTH
        )


def _text(raw: str | None, field: str, limit: int, *, required: bool = False) -> str:
    text = (raw or "").strip()
    if required and not text:
        raise AuthoringError("This field is required.", field=field)
    if len(text) > limit:
        raise AuthoringError(f"Use at most {limit} characters.", field=field)
    return text


def _checked_items(
    data: QuestionInput,
) -> tuple[list[OptionInput], list[PairInput]]:
    """The options or pairs of the question's type, trimmed and checked."""
    if data.type == QuestionType.CHOICE:
        return _checked_options(data.options), []
    if data.type == QuestionType.MATCHING:
        return [], _checked_pairs(data.pairs)
    return [], []


def _checked_options(options: Sequence[OptionInput]) -> list[OptionInput]:
    _check_count(options, "options", "options")
    cleaned, seen = [], {}
    for number, option in enumerate(options, start=1):
        text = (option.text or "").strip()
        if not text:
            raise AuthoringError(f"Option {number} has no text.", field="options")
        if len(text) > ITEM_MAX_LENGTH:
            raise AuthoringError(
                f"Option {number} is longer than {ITEM_MAX_LENGTH} characters.",
                field="options",
            )
        # Learners cannot tell two options alike apart, whichever is right.
        key = _same_text_key(text)
        if key in seen:
            raise AuthoringError(
                f"Option {number} repeats option {seen[key]}; each option must differ.",
                field="options",
            )
        seen[key] = number
        cleaned.append(OptionInput(text, bool(option.correct), option.id))
    if not any(option.correct for option in cleaned):
        raise AuthoringError("Mark at least one option correct.", field="options")
    return cleaned


def _checked_pairs(pairs: Sequence[PairInput]) -> list[PairInput]:
    _check_count(pairs, "pairs", "pairs")
    cleaned, seen = [], set()
    for number, pair in enumerate(pairs, start=1):
        prompt, answer = (pair.prompt or "").strip(), (pair.answer or "").strip()
        if not prompt or not answer:
            raise AuthoringError(
                f"Pair {number} needs both a prompt and an answer.", field="pairs"
            )
        if max(len(prompt), len(answer)) > ITEM_MAX_LENGTH:
            raise AuthoringError(
                f"Pair {number} is longer than {ITEM_MAX_LENGTH} characters.",
                field="pairs",
            )
        # Learners pick answers by their text, so two alike would be one.
        key = _same_text_key(answer)
        if key in seen:
            raise AuthoringError(
                f"Pair {number} repeats an answer; each answer must differ.",
                field="pairs",
            )
        seen.add(key)
        cleaned.append(PairInput(prompt, answer, pair.id))
    return cleaned


def _same_text_key(text: str) -> str:
    """Text as learners would read it: case and runs of spaces ignored."""
    return " ".join(text.split()).casefold()


def _check_count(items: Sequence, noun: str, field: str) -> None:
    low, high = ITEMS_RANGE
    if not low <= len(items) <= high:
        raise AuthoringError(f"Give from {low} to {high} {noun}.", field=field)


# --- Persisting -----------------------------------------------------------------


def _save_options(question: Question, options: list[OptionInput]) -> None:
    rows = _kept_rows(question.choices.all(), options, field="options")
    for position, (row, option) in enumerate(zip(rows, options, strict=True)):
        row = row or Choice(question=question)
        row.text, row.is_correct, row.position = option.text, option.correct, position
        row.save()


def _save_pairs(question: Question, pairs: list[PairInput]) -> None:
    rows = _kept_rows(question.pairs.all(), pairs, field="pairs")
    for position, (row, pair) in enumerate(zip(rows, pairs, strict=True)):
        row = row or MatchPair(question=question)
        row.prompt, row.answer, row.position = pair.prompt, pair.answer, position
        row.save()


def _kept_rows(existing, items: Sequence, *, field: str) -> list:
    """Match each item to the row its id names (None for a new one) and
    delete the rows no item names any more."""
    by_id = {row.public_id: row for row in existing}
    named = [item.id for item in items if item.id]
    if any(public_id not in by_id for public_id in named) or len(set(named)) != len(
        named
    ):
        raise AuthoringError(
            "The question changed meanwhile; reload it and try again.", field=field
        )
    for public_id, row in by_id.items():
        if public_id not in named:
            row.delete()
    return [by_id.get(item.id) if item.id else None for item in items]


def _lock_course(assessment: Assessment) -> None:
    """Take the course's row lock, the one every outline edit takes."""
    course_id = Lesson.objects.filter(pk=assessment.lesson_id).values("course_id")
    Course.objects.select_for_update().filter(pk__in=course_id).first()


def _renumber(questions) -> None:
    questions = list(questions)
    for position, question in enumerate(questions):
        question.position = position
    Question.objects.bulk_update(questions, ["position"])

"""Scoring one answer, and checking the shape of what a learner sends.

Pure functions: they read the question (with its options and pairs, best
prefetched) and the response, and touch nothing else. Scoring never raises
on what a learner sent: a response of the wrong shape is a wrong answer.

Responses by question type (the same shapes Answer.response stores):
    choice        {"choices": [option public ids]}
    true_false    {"value": true | false}
    short_answer  {"text": "..."}
    matching      {"matches": {pair public id: "answer text"}}
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from karma.assessments.models import Question, QuestionType

CENTS = Decimal("0.01")
ZERO = Decimal("0.00")
# Long enough for a paragraph or two; a grader reads every one by hand.
SHORT_ANSWER_MAX_CHARS = 5000


class ResponseShapeError(ValueError):
    """A response that cannot be stored for its question; says why."""


def score_answer(question: Question, response: object) -> Decimal | None:
    """Return the points `response` earns on `question`.

    None means a person must grade it (a short answer with some text).
    An empty or malformed response scores zero.
    """
    if not isinstance(response, Mapping):
        return ZERO
    scorer = _SCORERS.get(question.type)
    if scorer is None:
        return ZERO
    return scorer(question, response)


def needs_review(question: Question, response: object) -> bool:
    """True when the answer waits for a grader instead of being scored."""
    return score_answer(question, response) is None


def is_answered(question: Question, response: object) -> bool:
    """True when the learner gave any answer at all to `question`."""
    if not isinstance(response, Mapping):
        return False
    if question.type == QuestionType.CHOICE:
        return bool(_string_list(response.get("choices")))
    if question.type == QuestionType.TRUE_FALSE:
        return isinstance(response.get("value"), bool)
    if question.type == QuestionType.SHORT_ANSWER:
        text = response.get("text")
        return isinstance(text, str) and bool(text.strip())
    if question.type == QuestionType.MATCHING:
        return bool(_matches(response.get("matches")))
    return False


def _score_choice(question: Question, response: Mapping) -> Decimal:
    # All or nothing: exactly the set of correct options earns the points.
    chosen = _string_list(response.get("choices"))
    if not chosen:
        return ZERO
    correct = {c.public_id for c in question.choices.all() if c.is_correct}
    if set(chosen) != correct:
        return ZERO
    return _points(question)


def _score_true_false(question: Question, response: Mapping) -> Decimal:
    value = response.get("value")
    if not isinstance(value, bool) or question.correct_true is None:
        return ZERO
    return _points(question) if value == question.correct_true else ZERO


def _score_short_answer(question: Question, response: Mapping) -> Decimal | None:
    # A blank answer has nothing for a grader to read.
    text = response.get("text")
    if not isinstance(text, str) or not text.strip():
        return ZERO
    return None


def _score_matching(question: Question, response: Mapping) -> Decimal:
    # Partial credit: each prompt matched to its own answer earns its share.
    pairs = list(question.pairs.all())
    matches = _matches(response.get("matches"))
    if not pairs or not matches:
        return ZERO
    right = sum(1 for pair in pairs if matches.get(pair.public_id) == pair.answer)
    share = Decimal(question.points) * right / len(pairs)
    return share.quantize(CENTS, rounding=ROUND_HALF_UP)


_SCORERS = {
    QuestionType.CHOICE: _score_choice,
    QuestionType.TRUE_FALSE: _score_true_false,
    QuestionType.SHORT_ANSWER: _score_short_answer,
    QuestionType.MATCHING: _score_matching,
}


def clean_response(question: Question, response: object) -> dict:
    """Return `response` in its stored shape, or raise ResponseShapeError.

    Used when a learner saves: the response holds its type's one field and
    nothing else, option and pair ids belong to the question, a question
    with one right option takes one, and a matching answer is one of the
    question's answer texts, so the stored answer always means something
    and nothing sent is dropped unread. An empty object (or null), an empty
    list of choices, a blank text or unmatched pairs store "no answer yet".
    """
    if response is None:
        return {}
    shape = _SHAPES.get(question.type)
    if shape is None:
        raise ResponseShapeError("this question cannot be answered")
    field, example = shape
    if not isinstance(response, Mapping):
        raise ResponseShapeError(f"send an object like {example}")
    if not response:
        return {}
    strangers = sorted(str(key) for key in response if key != field)
    if strangers:
        raise ResponseShapeError(
            f'"{strangers[0]:.40}" is not part of this answer; send {example}'
        )
    value = response[field]
    if value is None:
        # A null would read as "no answer" and hide a client's mistake;
        # clearing an answer has its own form.
        raise ResponseShapeError(f"{field} cannot be null; send {{}} to clear it")
    return _CLEANERS[question.type](question, value)


def takes_several_choices(question: Question) -> bool:
    """True when a multiple-choice question offers check boxes: it has
    other than exactly one right option, so one pick cannot be assumed."""
    return sum(1 for c in question.choices.all() if c.is_correct) != 1


def _clean_choice(question: Question, chosen: object) -> dict:
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        raise ResponseShapeError("choices must be a list of option ids")
    picked = set(chosen)
    known = {c.public_id for c in question.choices.all()}
    if not picked <= known:
        raise ResponseShapeError("choices holds an option of another question")
    if len(picked) > 1 and not takes_several_choices(question):
        raise ResponseShapeError("choices holds several options; pick one")
    return {"choices": sorted(picked)} if picked else {}


def _clean_true_false(question: Question, value: object) -> dict:
    if not isinstance(value, bool):
        raise ResponseShapeError("value must be true or false")
    return {"value": value}


def _clean_short_answer(question: Question, text: object) -> dict:
    if not isinstance(text, str):
        raise ResponseShapeError("text must be a string")
    if len(text) > SHORT_ANSWER_MAX_CHARS:
        raise ResponseShapeError(
            f"text must be at most {SHORT_ANSWER_MAX_CHARS} characters"
        )
    return {"text": text} if text.strip() else {}


def _clean_matching(question: Question, matches: object) -> dict:
    if not isinstance(matches, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in matches.items()
    ):
        raise ResponseShapeError("matches must map pair ids to answer texts")
    pairs = list(question.pairs.all())
    if not set(matches) <= {p.public_id for p in pairs}:
        raise ResponseShapeError("matches holds a pair of another question")
    answers = {p.answer for p in pairs}
    picked = {k: v for k, v in matches.items() if v != ""}
    if not set(picked.values()) <= answers:
        raise ResponseShapeError("matches holds an answer this question does not offer")
    return {"matches": picked} if picked else {}


# Each type's one field, and an example of its answer for error messages.
_SHAPES = {
    QuestionType.CHOICE: ("choices", '{"choices": [option ids]}'),
    QuestionType.TRUE_FALSE: ("value", '{"value": true or false}'),
    QuestionType.SHORT_ANSWER: ("text", '{"text": "your answer"}'),
    QuestionType.MATCHING: ("matches", '{"matches": {pair id: answer text}}'),
}

_CLEANERS = {
    QuestionType.CHOICE: _clean_choice,
    QuestionType.TRUE_FALSE: _clean_true_false,
    QuestionType.SHORT_ANSWER: _clean_short_answer,
    QuestionType.MATCHING: _clean_matching,
}


def _points(question: Question) -> Decimal:
    return Decimal(question.points).quantize(CENTS)


def _string_list(value: object) -> list[str]:
    """The list of ids in `value`; empty when it is not a list of strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return []
    return value


def _matches(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {
        k: v
        for k, v in value.items()
        if isinstance(k, str) and isinstance(v, str) and v
    }

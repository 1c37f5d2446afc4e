"""The scoring rules, as tables: every question type, partial credit for
matching, all or nothing for multiple answers, and malformed responses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from karma.assessments.models import QuestionType
from karma.assessments.services.scoring import (
    ResponseShapeError,
    clean_response,
    is_answered,
    score_answer,
)
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    choice_question,
    matching_question,
    short_answer_question,
)

pytestmark = pytest.mark.django_db

MALFORMED = [
    None,
    "true",
    42,
    [],
    ["a"],
    {},
    {"unexpected": 1},
    {"choices": "opt"},
    {"choices": [1, 2]},
    {"choices": [["nested"]]},
    {"value": "true"},
    {"value": 1},
    {"value": None},
    {"text": 5},
    {"matches": ["a", "b"]},
    {"matches": {"a": 1}},
    {"matches": "pair"},
]


@pytest.fixture
def assessment():
    return AssessmentFactory()


def _ids(question, kind="choices"):
    return [item.public_id for item in getattr(question, kind).all()]


@pytest.mark.parametrize(
    ("correct", "picked", "expected"),
    [
        ((0,), [0], "2.00"),
        ((0,), [1], "0.00"),
        ((0,), [0, 1], "0.00"),
        ((0,), [], "0.00"),
        ((0, 2), [0, 2], "2.00"),
        ((0, 2), [2, 0], "2.00"),
        ((0, 2), [0], "0.00"),
        ((0, 2), [0, 1, 2], "0.00"),
        ((0, 2), [1], "0.00"),
        ((0, 2), [0, 0, 2], "2.00"),
    ],
)
def test_scores_multiple_choice_all_or_nothing(assessment, correct, picked, expected):
    question = choice_question(assessment=assessment, correct=correct, points=2)
    options = _ids(question)

    points = score_answer(question, {"choices": [options[i] for i in picked]})

    assert points == Decimal(expected)


def test_scores_an_option_of_another_question_as_wrong(assessment):
    question = choice_question(assessment=assessment, correct=(0,))
    other = choice_question(assessment=assessment, correct=(0,))

    assert score_answer(question, {"choices": _ids(other)[:1]}) == Decimal("0.00")


@pytest.mark.parametrize(
    ("correct_true", "value", "expected"),
    [
        (True, True, "3.00"),
        (True, False, "0.00"),
        (False, False, "3.00"),
        (False, True, "0.00"),
        (True, "True", "0.00"),
        (True, 1, "0.00"),
        (None, True, "0.00"),
    ],
)
def test_scores_true_false_exactly(assessment, correct_true, value, expected):
    question = QuestionFactory(
        assessment=assessment, correct_true=correct_true, points=3
    )

    assert score_answer(question, {"value": value}) == Decimal(expected)


@pytest.mark.parametrize(
    ("points", "right", "pairs", "expected"),
    [
        (3, 3, 3, "3.00"),
        (3, 2, 3, "2.00"),
        (3, 0, 3, "0.00"),
        (1, 1, 3, "0.33"),
        (1, 2, 3, "0.67"),
        (2, 1, 3, "0.67"),
        (5, 3, 4, "3.75"),
        (1, 1, 8, "0.13"),
    ],
)
def test_scores_matching_with_partial_credit(
    assessment, points, right, pairs, expected
):
    question = matching_question(assessment=assessment, pairs=pairs, points=points)
    all_pairs = list(question.pairs.all())
    # The first `right` prompts get their own answer; the rest the next one's.
    matches = {
        pair.public_id: (
            pair.answer
            if index < right
            else all_pairs[(index + 1) % len(all_pairs)].answer
        )
        for index, pair in enumerate(all_pairs)
    }

    assert score_answer(question, {"matches": matches}) == Decimal(expected)


def test_scores_matching_prompts_left_blank_as_wrong(assessment):
    question = matching_question(assessment=assessment, pairs=4, points=4)
    first = question.pairs.first()

    points = score_answer(question, {"matches": {first.public_id: first.answer}})

    assert points == Decimal("1.00")


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ({"text": "The valve opens."}, None),
        ({"text": "   "}, Decimal("0.00")),
        ({"text": ""}, Decimal("0.00")),
        ({}, Decimal("0.00")),
    ],
)
def test_leaves_short_answers_with_text_to_a_grader(assessment, response, expected):
    question = short_answer_question(assessment=assessment)

    assert score_answer(question, response) == expected


@pytest.mark.parametrize("qtype", list(QuestionType))
@pytest.mark.parametrize("response", MALFORMED)
def test_scores_malformed_responses_zero_without_raising(assessment, qtype, response):
    question = _question_of_type(assessment, qtype)

    assert score_answer(question, response) == Decimal("0.00")
    assert is_answered(question, response) is False


@pytest.mark.parametrize(
    ("qtype", "response", "stored"),
    [
        (QuestionType.TRUE_FALSE, {"value": True}, {"value": True}),
        (QuestionType.TRUE_FALSE, {}, {}),
        (QuestionType.SHORT_ANSWER, {"text": "Because."}, {"text": "Because."}),
        (QuestionType.SHORT_ANSWER, {"text": "  "}, {}),
        (QuestionType.CHOICE, {"choices": []}, {}),
        (QuestionType.MATCHING, {"matches": {}}, {}),
        (QuestionType.CHOICE, None, {}),
    ],
)
def test_cleans_responses_into_their_stored_shape(assessment, qtype, response, stored):
    question = _question_of_type(assessment, qtype)

    assert clean_response(question, response) == stored


def test_cleans_a_choice_response_keeping_the_question_s_options(assessment):
    question = choice_question(assessment=assessment, correct=(0, 1))
    options = _ids(question)

    cleaned = clean_response(question, {"choices": [options[1], options[0]]})

    assert cleaned == {"choices": sorted(options[:2])}


@pytest.mark.parametrize(
    ("qtype", "response"),
    [
        (QuestionType.TRUE_FALSE, {"value": "yes"}),
        (QuestionType.TRUE_FALSE, "true"),
        (QuestionType.SHORT_ANSWER, {"text": 3}),
        (QuestionType.SHORT_ANSWER, {"text": "x" * 5001}),
        (QuestionType.CHOICE, {"choices": "opt_1"}),
        (QuestionType.CHOICE, {"choices": ["opt_unknown"]}),
        (QuestionType.MATCHING, {"matches": ["x"]}),
        (QuestionType.MATCHING, {"matches": {"pair_unknown": "Answer"}}),
    ],
)
def test_refuses_responses_of_the_wrong_shape_when_saving(assessment, qtype, response):
    question = _question_of_type(assessment, qtype)

    with pytest.raises(ResponseShapeError):
        clean_response(question, response)


@pytest.mark.parametrize(
    ("qtype", "response", "says"),
    [
        (QuestionType.TRUE_FALSE, {"text": "yes"}, '"text" is not part'),
        (QuestionType.TRUE_FALSE, {"value": True, "why": "x"}, '"why" is not part'),
        (QuestionType.CHOICE, {"pairs": {}}, '"pairs" is not part'),
        (QuestionType.SHORT_ANSWER, {"value": True}, '"value" is not part'),
        (QuestionType.MATCHING, {"choices": []}, '"choices" is not part'),
        (QuestionType.TRUE_FALSE, {"value": None}, "value cannot be null"),
        (QuestionType.CHOICE, {"choices": None}, "choices cannot be null"),
        (QuestionType.SHORT_ANSWER, {"text": None}, "text cannot be null"),
        (QuestionType.MATCHING, {"matches": None}, "matches cannot be null"),
    ],
)
def test_refuses_fields_of_another_type_and_nulls_naming_the_field(
    assessment, qtype, response, says
):
    question = _question_of_type(assessment, qtype)

    with pytest.raises(ResponseShapeError, match=says):
        clean_response(question, response)


def test_refuses_two_options_on_a_question_with_one_right_option(assessment):
    question = choice_question(assessment=assessment, correct=(0,))
    options = _ids(question)

    with pytest.raises(ResponseShapeError, match="pick one"):
        clean_response(question, {"choices": options[:2]})
    assert clean_response(question, {"choices": [options[1]]}) == {
        "choices": [options[1]]
    }


def test_takes_unmatched_pairs_as_no_answer(assessment):
    question = matching_question(assessment=assessment, pairs=2)

    matches = dict.fromkeys(_ids(question, "pairs"), "")
    assert clean_response(question, {"matches": matches}) == {}


def test_refuses_a_matching_answer_the_question_does_not_offer(assessment):
    question = matching_question(assessment=assessment, pairs=2)
    pair = question.pairs.first()

    with pytest.raises(ResponseShapeError):
        clean_response(question, {"matches": {pair.public_id: "Made up"}})


def _question_of_type(assessment, qtype):
    if qtype == QuestionType.CHOICE:
        return choice_question(assessment=assessment)
    if qtype == QuestionType.MATCHING:
        return matching_question(assessment=assessment)
    if qtype == QuestionType.SHORT_ANSWER:
        return short_answer_question(assessment=assessment)
    return QuestionFactory(assessment=assessment)

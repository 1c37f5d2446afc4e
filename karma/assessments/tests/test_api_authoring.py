"""The quiz builder's endpoints (api/authoring.py)."""

from __future__ import annotations

import pytest

from karma.accounts.tests.factories import InstructorFactory
from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.assessments.models import Answer, Attempt, AttemptStatus, QuestionType
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    choice_question,
    enrolled,
)


@pytest.fixture
def quiz(instructor):
    return AssessmentFactory(
        lesson__title="Final check", lesson__module__course__owner=instructor
    )


def _settings_url(quiz) -> str:
    return f"/api/v1/assessments/{quiz.public_id}/settings"


def _questions_url(quiz) -> str:
    return f"/api/v1/assessments/{quiz.public_id}/questions"


def _question_url(question) -> str:
    return f"/api/v1/questions/{question.public_id}"


def _send(user, method: str, url: str, body=None):
    return getattr(api_client(user), method)(url, body, content_type="application/json")


CHOICE = {
    "type": "choice",
    "prompt": "Which is personal data?",
    "points": 2,
    "options": [
        {"text": "An IP address", "correct": True},
        {"text": "A headcount"},
    ],
}


# --- Who may build ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["enrolled learner", "outsider", "other instructor"])
def test_every_builder_endpoint_is_404_for_others(quiz, learner, outsider, who):
    enrolled(learner, quiz.lesson.course)
    person = {
        "enrolled learner": learner,
        "outsider": outsider,
        "other instructor": InstructorFactory(),
    }[who]
    question = QuestionFactory(assessment=quiz)

    calls = [
        ("get", _settings_url(quiz), None),
        ("patch", _settings_url(quiz), {"passing_score": 10}),
        ("get", _questions_url(quiz), None),
        ("post", _questions_url(quiz), CHOICE),
        ("put", f"{_questions_url(quiz)}/order", {"question_ids": []}),
        ("get", _question_url(question), None),
        ("patch", _question_url(question), {"prompt": "Hacked"}),
        ("delete", _question_url(question), None),
    ]
    for method, url, body in calls:
        response = _send(person, method, url, body)
        assert response.status_code == 404, (method, url)
        assert error_of(response)["code"] == "NOT_FOUND"
    quiz.refresh_from_db()
    assert quiz.passing_score == 70
    assert quiz.questions.get().prompt != "Hacked"


def test_builder_endpoints_need_a_token(quiz):
    assert api_client().get(_settings_url(quiz)).status_code == 401


# --- Settings -------------------------------------------------------------------------


def test_reads_the_settings_with_counts(instructor, quiz):
    QuestionFactory(assessment=quiz, points=3)

    response = api_client(instructor).get(_settings_url(quiz))

    data = response.json()["data"]
    assert data["id"] == quiz.public_id
    assert data["title"] == "Final check"
    assert data["passing_score"] == 70
    assert (data["question_count"], data["total_points"]) == (1, 3)


def test_the_lesson_id_finds_the_quiz_too(instructor, quiz):
    url = f"/api/v1/assessments/{quiz.lesson.public_id}/settings"

    assert api_client(instructor).get(url).json()["data"]["id"] == quiz.public_id


def test_patches_only_the_settings_sent(admin, quiz):
    response = _send(
        admin,
        "patch",
        _settings_url(quiz),
        {"passing_score": 80, "time_limit_minutes": 15, "require_passing": True},
    )

    assert response.status_code == 200
    quiz.refresh_from_db()
    assert (quiz.passing_score, quiz.time_limit_minutes) == (80, 15)
    assert quiz.require_passing
    assert quiz.show_results  # untouched


@pytest.mark.parametrize(
    "body",
    [
        {"passing_score": 101},
        {"time_limit_minutes": 0},
        {"time_limit_minutes": 601},
        {"attempt_limit": 101},
        {"passing_score": "high"},
    ],
)
def test_refuses_settings_out_of_bounds(instructor, quiz, body):
    response = _send(instructor, "patch", _settings_url(quiz), body)

    assert response.status_code == 422
    assert set(issues_of(response)) == set(body)


# --- Questions ------------------------------------------------------------------------


def test_adds_a_question_and_shows_its_answers(instructor, quiz):
    response = _send(instructor, "post", _questions_url(quiz), CHOICE)

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["type"] == "choice"
    assert data["points"] == 2
    assert [(o["text"], o["correct"]) for o in data["options"]] == [
        ("An IP address", True),
        ("A headcount", False),
    ]
    assert data["pairs"] is None
    assert quiz.questions.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CHOICE, "options": [{"text": "Only one", "correct": True}]}, "options"),
        ({**CHOICE, "options": [{"text": "A"}, {"text": "B"}]}, "options"),
        (
            {
                **CHOICE,
                "options": [
                    {"text": "An IP address", "correct": True},
                    {"text": "an IP  address"},
                ],
            },
            "options",
        ),
        ({**CHOICE, "prompt": ""}, "prompt"),
        ({**CHOICE, "points": 0}, "points"),
        ({**CHOICE, "type": "essay"}, "type"),
        ({"type": "true_false", "prompt": "True?"}, "answer"),
        (
            {
                "type": "matching",
                "prompt": "Match",
                "pairs": [
                    {"prompt": "A", "answer": "same"},
                    {"prompt": "B", "answer": "Same"},
                ],
            },
            "pairs",
        ),
    ],
)
def test_refuses_bad_questions_naming_the_field(instructor, quiz, body, field):
    response = _send(instructor, "post", _questions_url(quiz), body)

    assert response.status_code == 422
    assert field in issues_of(response)
    assert not quiz.questions.exists()


def test_repeated_options_are_422_with_the_reason(instructor, quiz):
    body = {**CHOICE, "options": [{"text": "Yes", "correct": True}, {"text": "YES"}]}

    response = _send(instructor, "post", _questions_url(quiz), body)

    assert response.status_code == 422
    assert issues_of(response)["options"] == (
        "Option 2 repeats option 1; each option must differ."
    )
    assert not quiz.questions.exists()


def test_a_change_that_repeats_an_option_is_422(instructor, quiz):
    question = choice_question(assessment=quiz, options=2, correct=(0,))
    first, second = question.choices.all()
    options = [
        {"id": first.public_id, "text": first.text, "correct": True},
        {"id": second.public_id, "text": f" {first.text.upper()} "},
    ]

    response = _send(instructor, "patch", _question_url(question), {"options": options})

    assert response.status_code == 422
    assert "Option 2 repeats option 1" in issues_of(response)["options"]
    assert second.text in question.choices.values_list("text", flat=True)


def test_lists_questions_in_order(instructor, quiz):
    first = choice_question(assessment=quiz)
    second = QuestionFactory(assessment=quiz, correct_true=False)

    response = api_client(instructor).get(_questions_url(quiz))

    body = response.json()
    assert [q["id"] for q in body["data"]] == [first.public_id, second.public_id]
    assert body["data"][1]["answer"] is False
    assert body["meta"]["total"] == 2


def test_patches_part_of_a_question_keeping_the_rest(instructor, quiz):
    question = choice_question(assessment=quiz, options=2, correct=(1,))

    response = _send(instructor, "patch", _question_url(question), {"points": 4})

    assert response.status_code == 200
    question.refresh_from_db()
    assert question.points == 4
    assert question.choices.count() == 2
    assert list(question.choices.values_list("is_correct", flat=True)) == [
        False,
        True,
    ]


def test_patching_options_keeps_the_ids_named(instructor, quiz):
    question = choice_question(assessment=quiz, options=3)
    kept = question.choices.first()

    response = _send(
        instructor,
        "patch",
        _question_url(question),
        {
            "options": [
                {"id": kept.public_id, "text": "Kept", "correct": True},
                {"text": "New"},
            ]
        },
    )

    options = response.json()["data"]["options"]
    assert options[0] == {"id": kept.public_id, "text": "Kept", "correct": True}
    assert len(options) == 2


def test_an_option_without_text_in_a_change_is_422(instructor, quiz):
    question = choice_question(assessment=quiz, options=2)
    kept = question.choices.first()

    response = _send(
        instructor,
        "patch",
        _question_url(question),
        {"options": [{"id": kept.public_id}, {"text": "B", "correct": True}]},
    )

    assert response.status_code == 422
    assert "options" in issues_of(response)


def test_a_question_keeps_its_type(instructor, quiz):
    question = QuestionFactory(assessment=quiz)

    response = _send(
        instructor, "patch", _question_url(question), {"type": QuestionType.MATCHING}
    )

    assert response.status_code == 422
    assert "type" in issues_of(response)


def test_deletes_a_question(instructor, quiz):
    question = QuestionFactory(assessment=quiz)

    response = _send(instructor, "delete", _question_url(question))

    assert response.status_code == 200
    assert response.json()["data"] == {"id": question.public_id, "deleted": True}
    assert not quiz.questions.exists()


def test_deleting_an_answered_question_is_422(instructor, learner, quiz):
    question = QuestionFactory(assessment=quiz)
    attempt = Attempt.objects.create(
        assessment=quiz,
        enrollment=enrolled(learner, quiz.lesson.course),
        learner=learner,
        number=1,
        status=AttemptStatus.FINAL,
    )
    Answer.objects.create(attempt=attempt, question=question)

    response = _send(instructor, "delete", _question_url(question))

    assert response.status_code == 422
    assert "Edit it instead" in error_of(response)["message"]


def test_reorders_questions(instructor, quiz):
    first, second = QuestionFactory.create_batch(2, assessment=quiz)

    response = _send(
        instructor,
        "put",
        f"{_questions_url(quiz)}/order",
        {"question_ids": [second.public_id, first.public_id]},
    )

    assert [q["id"] for q in response.json()["data"]] == [
        second.public_id,
        first.public_id,
    ]


def test_an_unknown_id_in_the_order_is_422(instructor, quiz):
    QuestionFactory(assessment=quiz)

    response = _send(
        instructor,
        "put",
        f"{_questions_url(quiz)}/order",
        {"question_ids": [QuestionFactory().public_id]},
    )

    assert response.status_code == 422
    assert "question_ids" in issues_of(response)

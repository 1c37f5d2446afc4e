"""The grading endpoints: GET courses/{id}/grading-queue and
POST attempts/{id}/grades (api/grading.py)."""

from __future__ import annotations

import pytest

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.assessments.models import Answer, AttemptStatus
from karma.assessments.services.attempts import start_attempt
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    enrolled,
    short_answer_question,
    submitted_attempt,
)
from karma.audit.models import AuditEvent, AuditKind


@pytest.fixture
def quiz(instructor):
    return AssessmentFactory(lesson__module__course__owner=instructor)


@pytest.fixture
def essay(quiz):
    return short_answer_question(
        assessment=quiz, points=4, grading_guidance="Contain, then report."
    )


@pytest.fixture
def true_false(quiz):
    return QuestionFactory(assessment=quiz, points=1, correct_true=True)


@pytest.fixture
def attempt(quiz, essay, true_false, learner):
    return submitted_attempt(
        assessment=quiz,
        learner=learner,
        responses={
            essay.public_id: {"text": "I would contain it and tell the DPO."},
            true_false.public_id: {"value": True},
        },
    )


def _queue_url(course) -> str:
    return f"/api/v1/courses/{course.public_id}/grading-queue"


def _grades_url(attempt) -> str:
    return f"/api/v1/attempts/{attempt.public_id}/grades"


def _post(user, attempt, body):
    return api_client(user).post(
        _grades_url(attempt), body, content_type="application/json"
    )


# --- The queue --------------------------------------------------------------------


def test_lists_waiting_answers_with_the_learners_text(instructor, attempt, essay):
    response = api_client(instructor).get(_queue_url(attempt.assessment.lesson.course))

    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"total": 1, "page": 1, "per_page": 20}
    (item,) = body["data"]
    assert item["attempt_id"] == attempt.public_id
    assert item["question_id"] == essay.public_id
    assert item["user_id"] == attempt.learner.public_id
    assert item["learner_name"] == "Lea Learner"
    assert item["text"] == "I would contain it and tell the DPO."
    assert item["grading_guidance"] == "Contain, then report."
    assert item["max_points"] == 4


def test_the_queue_is_paginated(admin, quiz, essay):
    for _ in range(3):
        submitted_attempt(
            assessment=quiz,
            learner=LearnerFactory(),
            responses={essay.public_id: {"text": "x"}},
        )

    response = api_client(admin).get(
        _queue_url(quiz.lesson.course), {"page": 2, "per_page": 2}
    )

    body = response.json()
    assert body["meta"]["total"] == 3
    assert len(body["data"]) == 1


@pytest.mark.parametrize("who", ["enrolled learner", "outsider", "other instructor"])
def test_the_queue_is_404_for_anyone_who_does_not_grade(
    attempt, learner, outsider, who
):
    person = {
        "enrolled learner": learner,
        "outsider": outsider,
        "other instructor": InstructorFactory(),
    }[who]

    response = api_client(person).get(_queue_url(attempt.assessment.lesson.course))

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_the_queue_needs_a_token(attempt):
    response = api_client().get(_queue_url(attempt.assessment.lesson.course))

    assert response.status_code == 401


def test_a_malformed_course_id_is_404(instructor):
    response = api_client(instructor).get("/api/v1/courses/crs_nope/grading-queue")

    assert response.status_code == 404


# --- Grading --------------------------------------------------------------------------


def test_grading_the_waiting_answer_returns_the_final_attempt(
    instructor, attempt, essay
):
    response = _post(
        instructor,
        attempt,
        {"question_id": essay.public_id, "points": "3.5", "feedback": "Good."},
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == attempt.public_id
    assert data["status"] == "final"
    assert data["score_points"] == "4.50"
    assert data["score_percent"] == "90.00"
    assert data["passed"] is True
    graded = {a["question_id"]: a for a in data["answers"]}
    assert graded[essay.public_id]["points_awarded"] == "3.50"
    assert graded[essay.public_id]["feedback"] == "Good."
    assert graded[essay.public_id]["needs_review"] is False


def test_an_override_needs_a_reason(instructor, attempt, true_false):
    refused = _post(
        instructor, attempt, {"question_id": true_false.public_id, "points": 0}
    )
    accepted = _post(
        instructor,
        attempt,
        {"question_id": true_false.public_id, "points": 0, "reason": "Ambiguous."},
    )

    assert refused.status_code == 422
    assert issues_of(refused) == {
        "reason": "Give a reason for changing a grade already given."
    }
    assert accepted.status_code == 200
    event = AuditEvent.objects.get(kind=AuditKind.GRADE_OVERRIDDEN)
    assert event.reason == "Ambiguous."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question_id": "", "points": 1}, "question_id"),
        ({"question_id": "qst_unknown", "points": 1}, "question_id"),
        ({"question_id": None, "points": 5}, "question_id"),
        ({"points": "lots"}, "points"),
        ({"points": "4.5"}, "points"),
        ({"points": -1}, "points"),
        ({"points": "1.234"}, "points"),
        ({}, "points"),
        ({"points": 1, "feedback": "x" * 5001}, "feedback"),
    ],
)
def test_bad_grades_are_refused_naming_the_field(
    instructor, attempt, essay, body, field
):
    body = {"question_id": essay.public_id, **body}

    response = _post(instructor, attempt, body)

    assert response.status_code == 422
    assert error_of(response)["code"] == "VALIDATION_ERROR"
    assert field in issues_of(response)
    assert Answer.objects.get(attempt=attempt, question=essay).needs_review


def test_malformed_json_is_400(instructor, attempt):
    response = api_client(instructor).post(
        _grades_url(attempt), "{nope", content_type="application/json"
    )

    assert response.status_code == 400


def test_an_open_attempt_cannot_be_graded(instructor, quiz, essay):
    learner = LearnerFactory()
    enrolled(learner, quiz.lesson.course)
    attempt = start_attempt(assessment=quiz, learner=learner)

    response = _post(instructor, attempt, {"question_id": essay.public_id, "points": 1})

    assert response.status_code == 422
    assert "submitted" in error_of(response)["message"]


def test_the_attempts_own_learner_gets_403(learner, attempt, essay):
    response = _post(learner, attempt, {"question_id": essay.public_id, "points": 4})

    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    assert Answer.objects.get(attempt=attempt, question=essay).needs_review


@pytest.mark.parametrize("who", ["enrolled learner", "outsider", "other instructor"])
def test_others_get_404_when_grading(attempt, essay, outsider, who):
    classmate = LearnerFactory()
    enrolled(classmate, attempt.assessment.lesson.course)
    person = {
        "enrolled learner": classmate,
        "outsider": outsider,
        "other instructor": InstructorFactory(),
    }[who]

    response = _post(person, attempt, {"question_id": essay.public_id, "points": 4})

    assert response.status_code == 404
    assert Answer.objects.get(attempt=attempt, question=essay).needs_review


def test_an_admin_can_grade(admin, attempt, essay):
    response = _post(admin, attempt, {"question_id": essay.public_id, "points": 0})

    assert response.status_code == 200
    assert response.json()["data"]["status"] == AttemptStatus.FINAL

"""What the take page's form sends: every answer goes through the same
checks as the API's, and a refused one saves nothing of the form."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from karma.assessments.models import Answer
from karma.assessments.services.attempts import save_answers, start_attempt
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    choice_question,
    short_answer_question,
)
from karma.enrollments.services.enrollments import self_enroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(instructor):
    assessment = AssessmentFactory(lesson__module__course__owner=instructor)
    QuestionFactory(assessment=assessment, prompt="Water is wet?", correct_true=True)
    choice_question(assessment=assessment, correct=(1,), prompt="Pick the second")
    short_answer_question(assessment=assessment, prompt="Why?")
    return assessment


@pytest.fixture
def attempt(assessment, learner):
    self_enroll(learner=learner, course=assessment.lesson.course)
    return start_attempt(assessment=assessment, learner=learner)


def _question(attempt, qtype):
    return attempt.assessment.questions.get(type=qtype)


def _save(client, attempt, form):
    url = reverse("assessments:attempt_save", args=[attempt.public_id])
    return client.post(url, form)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_true_false_left_unticked_clears_what_was_saved(
    learner_client, learner, attempt
):
    true_false = _question(attempt, "true_false")
    essay = _question(attempt, "short_answer")
    saved = {true_false.public_id: {"value": True}}
    save_answers(attempt=attempt, learner=learner, responses=saved)

    response = _save(learner_client, attempt, {f"q-{essay.public_id}": "Because."})

    assert _messages(response) == ["Your answers are saved."]
    assert Answer.objects.get(question=true_false).response == {}
    assert Answer.objects.get(question=essay).response == {"text": "Because."}


def test_refuses_two_options_on_a_question_with_one_right_option(
    learner_client, attempt
):
    choice = _question(attempt, "choice")
    options = [c.public_id for c in choice.choices.all()]
    form = {
        f"q-{choice.public_id}": options[:2],
        f"q-{_question(attempt, 'short_answer').public_id}": "Because.",
    }

    response = _save(learner_client, attempt, form)

    (message,) = _messages(response)
    assert "is not valid: choices holds several options; pick one." in message
    assert not Answer.objects.exists()


def test_refuses_a_true_false_value_the_form_cannot_send(learner_client, attempt):
    true_false = _question(attempt, "true_false")

    response = _save(learner_client, attempt, {f"q-{true_false.public_id}": "maybe"})

    (message,) = _messages(response)
    assert "is not valid: value must be true or false." in message
    assert not Answer.objects.exists()

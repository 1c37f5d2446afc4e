"""The grading pages (views/grading.py) and the sidebar's Grading link."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.assessments.models import Answer, AttemptStatus
from karma.assessments.services.attempts import start_attempt
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    choice_question,
    enrolled,
    short_answer_question,
    submitted_attempt,
)
from karma.assessments.tests.markup import LONG_WORD, breaks_everywhere, shown_text
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.tests.factories import CourseFactory

QUEUE_URL = reverse("assessments:grading_queue")


@pytest.fixture
def quiz(instructor):
    return AssessmentFactory(
        lesson__title="Final check",
        lesson__module__course__owner=instructor,
        lesson__module__course__title="Working Safely",
    )


@pytest.fixture
def essay(quiz):
    return short_answer_question(
        assessment=quiz,
        prompt="What do you do in the first hour?",
        points=4,
        grading_guidance="Contain, report, write it down.",
    )


@pytest.fixture
def attempt(quiz, essay, learner):
    true_false = QuestionFactory(assessment=quiz, points=1, prompt="Report it?")
    return submitted_attempt(
        assessment=quiz,
        learner=learner,
        responses={
            essay.public_id: {"text": "I <b>contain</b> it and tell the DPO."},
            true_false.public_id: {"value": True},
        },
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _course_url(course) -> str:
    return reverse("assessments:course_grading_queue", args=[course.public_id])


def _grade_url(attempt) -> str:
    return reverse("assessments:attempt_grade", args=[attempt.public_id])


def _waiting_for(quiz, question, count: int) -> None:
    for _ in range(count):
        submitted_attempt(
            assessment=quiz,
            learner=LearnerFactory(),
            responses={question.public_id: {"text": "An answer."}},
        )


# --- Who may see what --------------------------------------------------------


def test_learners_are_refused_the_grading_section(learner_client):
    assert learner_client.get(QUEUE_URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(QUEUE_URL)

    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize("who", ["outsider", "enrolled learner", "other instructor"])
def test_others_get_404_for_a_course_queue_and_an_attempt(
    attempt, outsider, learner, who
):
    person = {
        "outsider": outsider,
        "enrolled learner": learner,
        "other instructor": InstructorFactory(),
    }[who]
    client = _client(person)
    course = attempt.assessment.lesson.course

    assert client.get(_course_url(course)).status_code == 404
    assert client.get(_grade_url(attempt)).status_code == 404
    response = client.post(_grade_url(attempt), {})
    assert response.status_code == 404
    assert Answer.objects.filter(attempt=attempt, needs_review=True).exists()


def test_an_attempt_still_open_has_no_grade_page(instructor_client, quiz, essay):
    learner = LearnerFactory()
    enrolled(learner, quiz.lesson.course)
    attempt = start_attempt(assessment=quiz, learner=learner)

    assert instructor_client.get(_grade_url(attempt)).status_code == 404


def test_an_unknown_attempt_id_is_404(instructor_client):
    url = reverse("assessments:attempt_grade", args=["att_nope"])

    assert instructor_client.get(url).status_code == 404


# --- The queue ---------------------------------------------------------------


def test_the_queue_lists_waiting_answers_with_counts_per_course(
    instructor_client, attempt
):
    response = instructor_client.get(QUEUE_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Lea Learner" in content
    assert "Working Safely" in content
    assert "Final check" in content
    assert "What do you do in the first hour?" in content
    assert "1 waiting" in content
    assert _grade_url(attempt) in content


def test_the_queue_holds_only_my_courses(instructor_client, attempt):
    other = AssessmentFactory(lesson__module__course__title="Someone Else's")
    _waiting_for(other, short_answer_question(assessment=other), 1)

    content = instructor_client.get(QUEUE_URL).content.decode()

    assert "Someone Else" not in content


def test_admins_see_every_course_in_the_queue(admin_client, attempt):
    other = AssessmentFactory(lesson__module__course__title="Someone Else's")
    _waiting_for(other, short_answer_question(assessment=other), 1)

    content = admin_client.get(QUEUE_URL).content.decode()

    assert "Someone Else" in content
    assert "Working Safely" in content


def test_a_course_queue_lists_only_that_course(instructor_client, instructor, attempt):
    mine_too = AssessmentFactory(
        lesson__module__course__owner=instructor,
        lesson__module__course__title="Another Of Mine",
    )
    _waiting_for(mine_too, short_answer_question(assessment=mine_too), 1)

    response = instructor_client.get(_course_url(attempt.assessment.lesson.course))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1
    assert "Another Of Mine" not in response.content.decode()


def test_an_empty_queue_says_so(instructor_client):
    course = CourseFactory(owner=InstructorFactory())
    content = instructor_client.get(QUEUE_URL).content.decode()

    assert "Nothing is waiting for grading." in content
    assert course.title not in content


@pytest.mark.parametrize("count", [2, 25])
def test_the_queue_costs_the_same_for_few_or_many_answers(
    instructor_client, quiz, essay, django_assert_max_num_queries, count
):
    _waiting_for(quiz, essay, count)
    instructor_client.get(QUEUE_URL)  # settle last-active and the sidebar count

    with django_assert_max_num_queries(7):
        response = instructor_client.get(QUEUE_URL)

    assert len(response.context["page"].object_list) == count


# --- The sidebar -------------------------------------------------------------


def test_the_sidebar_shows_grading_with_a_count_to_staff(instructor_client, attempt):
    content = instructor_client.get(reverse("courses:course_list")).content.decode()

    assert f'href="{QUEUE_URL}"' in content
    # One answer, said in the singular to screen readers.
    assert '1<span class="visually-hidden"> answer waiting</span>' in content


def test_the_sidebar_hides_grading_from_learners(learner_client):
    content = learner_client.get(reverse("courses:catalog")).content.decode()

    assert f'href="{QUEUE_URL}"' not in content


def test_grading_clears_the_graders_sidebar_count(
    instructor_client, attempt, essay, run_on_commit
):
    instructor_client.get(QUEUE_URL)  # the count is now remembered

    with run_on_commit():
        instructor_client.post(
            _grade_url(attempt),
            {f"{essay.public_id}-points": "2", f"{essay.public_id}-feedback": ""},
        )
    content = instructor_client.get(QUEUE_URL).content.decode()

    assert '<span class="visually-hidden"> answer' not in content


# --- Grading one attempt -----------------------------------------------------


def test_the_grade_page_shows_the_answer_guidance_and_scored_answers(
    instructor_client, attempt
):
    response = instructor_client.get(_grade_url(attempt))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Pending review" in content
    assert "I &lt;b&gt;contain&lt;/b&gt; it and tell the DPO." in content
    assert "Contain, report, write it down." in content
    assert "Scored automatically" in content
    assert "Report it?" in content
    assert "Answered: True" in content


def test_the_grade_page_breaks_long_words_of_prompts_and_answers(
    instructor_client, quiz, learner
):
    essay = short_answer_question(assessment=quiz, prompt=f"Explain {LONG_WORD}")
    true_false = QuestionFactory(assessment=quiz, prompt=f"Is {LONG_WORD} true?")
    attempt = submitted_attempt(
        assessment=quiz,
        learner=learner,
        responses={
            essay.public_id: {"text": f"It is {LONG_WORD}."},
            true_false.public_id: {"value": True},
        },
    )

    content = instructor_client.get(_grade_url(attempt)).content.decode()

    assert breaks_everywhere(content, LONG_WORD)


def test_grading_makes_the_attempt_final_and_shows_its_score(
    instructor_client, attempt, essay
):
    response = instructor_client.post(
        _grade_url(attempt),
        {
            f"{essay.public_id}-points": "3",
            f"{essay.public_id}-feedback": "Good, but say when you report.",
        },
        follow=True,
    )

    content = response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.score_percent == Decimal("80.00")
    assert "The attempt is final: 80%, passed." in content
    assert 'id="attempt-status"' in content
    assert "Final" in content
    answer = Answer.objects.get(attempt=attempt, question=essay)
    assert answer.feedback == "Good, but say when you report."


def test_the_grade_page_shows_scores_without_trailing_zeros(
    instructor_client, attempt, essay
):
    url = _grade_url(attempt)
    instructor_client.post(url, {f"{essay.public_id}-points": "2.5"}, follow=True)

    html = shown_text(instructor_client.get(url).content.decode())
    content = " ".join(html.split())

    assert "3.5 of 5 points, 70% ·" in content
    assert "2.5 / 4</span>" in content
    assert "1 / 1</span>" in content
    assert ".00" not in content


def test_blank_points_leave_the_answer_waiting(instructor_client, attempt, essay):
    response = instructor_client.post(
        _grade_url(attempt), {f"{essay.public_id}-points": ""}, follow=True
    )

    assert "Nothing changed" in response.content.decode()
    assert Answer.objects.get(attempt=attempt, question=essay).needs_review


@pytest.mark.parametrize("points", ["5", "-1", "abc", "1.234"])
def test_bad_points_are_shown_on_the_field(instructor_client, attempt, essay, points):
    response = instructor_client.post(
        _grade_url(attempt), {f"{essay.public_id}-points": points}
    )

    assert response.status_code == 200
    (form,) = [item["form"] for item in response.context["graded"]]
    assert form.errors["points"]
    assert Answer.objects.get(attempt=attempt, question=essay).needs_review


def test_changing_a_grade_asks_for_a_reason(instructor_client, attempt, essay):
    url = _grade_url(attempt)
    field = f"{essay.public_id}"
    instructor_client.post(url, {f"{field}-points": "2"})

    refused = instructor_client.post(url, {f"{field}-points": "4"})
    accepted = instructor_client.post(
        url, {f"{field}-points": "4", f"{field}-reason": "Second marker agreed."}
    )

    (form,) = [item["form"] for item in refused.context["graded"]]
    assert form.errors["reason"] == [
        "Give a reason for changing a grade already given."
    ]
    assert accepted.status_code == 302
    event = AuditEvent.objects.get(kind=AuditKind.GRADE_OVERRIDDEN)
    assert event.reason == "Second marker agreed."


def test_resaving_an_unchanged_grade_changes_nothing(instructor_client, attempt, essay):
    url = _grade_url(attempt)
    instructor_client.post(url, {f"{essay.public_id}-points": "2"})

    instructor_client.post(url, {f"{essay.public_id}-points": "2.00"})

    assert AuditEvent.objects.filter(kind=AuditKind.ANSWER_GRADED).count() == 1
    assert not AuditEvent.objects.filter(kind=AuditKind.GRADE_OVERRIDDEN).exists()


def test_an_admin_can_grade(admin_client, attempt, essay):
    response = admin_client.post(
        _grade_url(attempt), {f"{essay.public_id}-points": "4"}
    )

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL


def test_the_grade_page_describes_choices_and_matches(instructor_client, quiz, essay):
    choice = choice_question(assessment=quiz, options=2, prompt="Pick")
    picked = choice.choices.first()
    attempt = submitted_attempt(
        assessment=quiz,
        learner=LearnerFactory(),
        responses={
            choice.public_id: {"choices": [picked.public_id]},
            essay.public_id: {"text": "Something"},
        },
    )

    content = instructor_client.get(_grade_url(attempt)).content.decode()

    assert f"Answered: {picked.text}" in content

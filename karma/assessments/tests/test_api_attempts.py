"""The quiz and attempt endpoints of the API (SPEC sections 7 and 8).

The cast: the enrolled learner, an outsider (not enrolled), the course's
owner, an instructor of another course and an admin. Correct answers must
never reach a learner before they submit: several tests read the raw JSON.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from karma.accounts.tests.factories import InstructorFactory
from karma.api.tests.helpers import api_client, error_of
from karma.assessments.models import Answer, Attempt, AttemptStatus
from karma.assessments.services.attempts import (
    save_answers,
    start_attempt,
    submit_attempt,
)
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    choice_question,
    matching_question,
    short_answer_question,
)
from karma.enrollments.services.enrollments import self_enroll

pytestmark = pytest.mark.django_db

API = "/api/v1"
GUIDANCE = "GUIDANCE-ONLY-FOR-GRADERS"
EXPLANATION = "EXPLANATION-AFTER-SUBMIT"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def assessment(instructor):
    assessment = AssessmentFactory(
        lesson__module__course__owner=instructor, lesson__title="Safety quiz"
    )
    QuestionFactory(
        assessment=assessment, prompt="Water is wet?", explanation=EXPLANATION
    )
    choice_question(assessment=assessment, correct=(0, 2), options=4, points=2)
    matching_question(assessment=assessment, pairs=3, points=3)
    short_answer_question(assessment=assessment, grading_guidance=GUIDANCE)
    return assessment


@pytest.fixture
def enrolled(assessment, learner):
    return self_enroll(learner=learner, course=assessment.lesson.course).enrollment


@pytest.fixture
def attempt(assessment, learner, enrolled):
    return start_attempt(assessment=assessment, learner=learner)


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(first_name="Olga")


def _url(*parts):
    return "/".join([API, *parts])


def _right_answers(assessment):
    answers = {}
    for question in assessment.questions.all():
        if question.type == "true_false":
            answers[question.public_id] = {"value": True}
        elif question.type == "choice":
            right = [c.public_id for c in question.choices.all() if c.is_correct]
            answers[question.public_id] = {"choices": right}
        elif question.type == "matching":
            matches = {p.public_id: p.answer for p in question.pairs.all()}
            answers[question.public_id] = {"matches": matches}
        else:
            answers[question.public_id] = {"text": "Open the valve."}
    return answers


def _assert_no_answers_in(raw: str, assessment) -> None:
    """Nothing in `raw` tells which answer is right."""
    assert "is_correct" not in raw
    assert "correct" not in raw
    assert "correct_true" not in raw
    assert GUIDANCE not in raw
    assert EXPLANATION not in raw


# Reading a quiz


def test_reads_a_quiz_without_any_answer(learner, assessment, enrolled):
    response = api_client(learner).get(_url("assessments", assessment.public_id))

    data = response.json()["data"]
    assert response.status_code == 200
    assert data["title"] == "Safety quiz" and data["total_points"] == 7
    assert [q["type"] for q in data["questions"]] == [
        "true_false",
        "choice",
        "matching",
        "short_answer",
    ]
    choice = data["questions"][1]
    assert choice["multiple"] is True
    assert set(choice["options"][0]) == {"id", "text"}
    _assert_no_answers_in(response.content.decode(), assessment)


def test_matching_answers_come_sorted_and_unpaired(learner, assessment, enrolled):
    response = api_client(learner).get(_url("assessments", assessment.public_id))

    matching = response.json()["data"]["questions"][2]
    assert matching["answers"] == sorted(matching["answers"], key=str.casefold)
    assert all(set(item) == {"id", "prompt"} for item in matching["prompts"])


def test_reads_a_quiz_by_its_lesson_id(learner, assessment, enrolled):
    response = api_client(learner).get(_url("assessments", assessment.lesson.public_id))

    assert response.json()["data"]["id"] == assessment.public_id


def test_course_staff_read_the_quiz_without_answers_too(instructor, assessment):
    response = api_client(instructor).get(_url("assessments", assessment.public_id))

    assert response.status_code == 200
    _assert_no_answers_in(response.content.decode(), assessment)


@pytest.mark.parametrize("who", ["outsider", "other_instructor"])
def test_quiz_answers_404_to_those_who_may_not_open_it(request, who, assessment):
    user = request.getfixturevalue(who)

    response = api_client(user).get(_url("assessments", assessment.public_id))

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_quiz_answers_404_for_a_malformed_id(learner, enrolled):
    response = api_client(learner).get(_url("assessments", "asmnt_nope"))

    assert response.status_code == 404


def test_quiz_answers_401_without_a_token(assessment):
    assert (
        api_client().get(_url("assessments", assessment.public_id)).status_code == 401
    )


# Starting


def test_starts_an_attempt_with_201_and_resumes_it_with_200(
    learner, assessment, enrolled
):
    client = api_client(learner)
    url = _url("assessments", assessment.public_id, "attempts")

    first = client.post(url)
    again = client.post(url)

    assert first.status_code == 201 and again.status_code == 200
    body = first.json()["data"]
    assert body["id"] == again.json()["data"]["id"]
    assert body["status"] == "in_progress" and body["number"] == 1
    assert [q["id"] for q in body["questions"]] == Attempt.objects.get().question_order
    assert body["review"] is None
    _assert_no_answers_in(first.content.decode(), assessment)


def test_start_refuses_with_422_once_the_limit_is_used(learner, assessment, enrolled):
    assessment.attempt_limit = 1
    assessment.save()
    submit_attempt(
        attempt=start_attempt(assessment=assessment, learner=learner),
        learner=learner,
    )

    response = api_client(learner).post(
        _url("assessments", assessment.public_id, "attempts")
    )

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert "used all your attempts" in error["message"]


@pytest.mark.parametrize("who", ["instructor", "admin"])
def test_start_answers_403_to_the_course_staff(request, who, assessment):
    user = request.getfixturevalue(who)

    response = api_client(user).post(
        _url("assessments", assessment.public_id, "attempts")
    )

    assert response.status_code == 403
    assert "do not take" in error_of(response)["message"]
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "other_instructor"])
def test_start_answers_404_to_those_who_may_not_open_the_quiz(request, who, assessment):
    user = request.getfixturevalue(who)

    response = api_client(user).post(
        _url("assessments", assessment.public_id, "attempts")
    )

    assert response.status_code == 404
    assert not Attempt.objects.exists()


# Listing


def test_a_learner_lists_only_their_own_attempts(
    learner, outsider, assessment, attempt
):
    self_enroll(learner=outsider, course=assessment.lesson.course)
    start_attempt(assessment=assessment, learner=outsider)

    response = api_client(learner).get(
        _url("assessments", assessment.public_id, "attempts"),
        {"user_id": outsider.public_id},
    )

    body = response.json()
    assert [row["id"] for row in body["data"]] == [attempt.public_id]
    assert body["meta"]["total"] == 1


def test_course_staff_list_everyone_or_one_learner(
    instructor, learner, outsider, assessment, attempt
):
    self_enroll(learner=outsider, course=assessment.lesson.course)
    theirs = start_attempt(assessment=assessment, learner=outsider)
    client = api_client(instructor)
    url = _url("assessments", assessment.public_id, "attempts")

    everyone = client.get(url).json()["data"]
    one = client.get(url, {"user_id": outsider.public_id}).json()["data"]

    assert {row["id"] for row in everyone} == {attempt.public_id, theirs.public_id}
    assert [row["id"] for row in one] == [theirs.public_id]


def test_list_hides_scores_from_learners_when_results_are_hidden(
    learner, instructor, assessment, enrolled
):
    assessment.show_results = False
    assessment.save()
    attempt = start_attempt(assessment=assessment, learner=learner)
    submit_attempt(
        attempt=attempt, learner=learner, responses={attempt.question_order[0]: {}}
    )
    url = _url("assessments", assessment.public_id, "attempts")

    (mine,) = api_client(learner).get(url).json()["data"]
    (staff_view,) = api_client(instructor).get(url).json()["data"]

    assert mine["score_percent"] is None and mine["passed"] is None
    assert mine["status"] == staff_view["status"] == "final"
    assert staff_view["score_percent"] == 0.0 and staff_view["passed"] is False


def test_list_answers_404_to_an_instructor_of_another_course(
    other_instructor, assessment
):
    response = api_client(other_instructor).get(
        _url("assessments", assessment.public_id, "attempts")
    )

    assert response.status_code == 404


def test_list_closes_an_expired_attempt(learner, assessment, enrolled):
    assessment.time_limit_minutes = 5
    assessment.save()
    attempt = start_attempt(assessment=assessment, learner=learner)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=attempt.deadline_at - timedelta(minutes=10)
    )

    (row,) = (
        api_client(learner)
        .get(_url("assessments", assessment.public_id, "attempts"))
        .json()["data"]
    )

    assert row["auto_submitted"] is True and row["status"] != "in_progress"


# Reading, saving and submitting an attempt


def test_reads_an_open_attempt_with_saved_answers_and_no_correct_ones(
    learner, assessment, attempt
):
    choice = assessment.questions.get(type="choice")
    wrong = [c.public_id for c in choice.choices.all() if not c.is_correct][:1]
    client = api_client(learner)
    client.put(
        _url("attempts", attempt.public_id, "answers"),
        {"answers": {choice.public_id: {"choices": wrong}}},
        content_type="application/json",
    )

    response = client.get(_url("attempts", attempt.public_id))

    body = response.json()["data"]
    saved = {q["id"]: q["response"] for q in body["questions"]}
    assert saved[choice.public_id] == {"choices": wrong}
    _assert_no_answers_in(response.content.decode(), assessment)


def test_save_refuses_an_unknown_question_with_422(learner, attempt):
    response = api_client(learner).put(
        _url("attempts", attempt.public_id, "answers"),
        {"answers": {"qst_madeup": {"value": True}}},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert "no question" in error_of(response)["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"answers": "all of them"},
        {"answers": ["x"]},
    ],
)
def test_save_refuses_a_body_of_the_wrong_shape_with_422(learner, attempt, body):
    response = api_client(learner).put(
        _url("attempts", attempt.public_id, "answers"),
        body,
        content_type="application/json",
    )

    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"] == "answers"


FORM = "application/x-www-form-urlencoded"


def _form_body(content_type: str, answers: dict) -> bytes | str:
    if content_type == MULTIPART_CONTENT:
        return encode_multipart(BOUNDARY, {"answers": json.dumps(answers)})
    return urlencode({"answers": json.dumps(answers)})


@pytest.mark.parametrize("content_type", [FORM, MULTIPART_CONTENT])
@pytest.mark.parametrize(("method", "suffix"), [("PUT", "answers"), ("POST", "submit")])
def test_answer_and_submit_refuse_a_form_with_400_and_change_nothing(
    learner, assessment, attempt, content_type, method, suffix
):
    client = api_client(learner)
    body = _form_body(content_type, _right_answers(assessment))

    response = client.generic(
        method, _url("attempts", attempt.public_id, suffix), body, content_type
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["message"].endswith("Send application/json.")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert not attempt.answers.exists()


def test_save_refuses_a_response_of_the_wrong_shape_naming_the_question(
    learner, assessment, attempt
):
    question = assessment.questions.get(type="true_false")

    response = api_client(learner).put(
        _url("attempts", attempt.public_id, "answers"),
        {"answers": {question.public_id: {"value": "yes"}}},
        content_type="application/json",
    )

    assert response.status_code == 422
    (issue,) = error_of(response)["details"]
    assert issue["field"] == f"answers.{question.public_id}"
    assert not Answer.objects.exists()


def _wrong_shapes(assessment) -> dict[str, tuple[str, object, str]]:
    """Responses the save must refuse: the question each one answers, the
    response, and what the message says."""
    by_type = {q.type: q for q in assessment.questions.all()}
    several = by_type["choice"]
    single = choice_question(assessment=assessment, correct=(1,), options=3)
    other_quiz = QuestionFactory()
    options = [c.public_id for c in single.choices.all()]
    pair = by_type["matching"].pairs.first().public_id
    return {
        "text on a true/false": (
            by_type["true_false"].public_id,
            {"text": "yes"},
            '"text" is not part of this answer',
        ),
        "pairs on a multiple choice": (
            several.public_id,
            {"pairs": {pair: "x"}},
            '"pairs" is not part of this answer',
        ),
        "a null value": (
            by_type["true_false"].public_id,
            {"value": None},
            "value cannot be null",
        ),
        "two options where one is right": (
            single.public_id,
            {"choices": options[:2]},
            "several options; pick one",
        ),
        "an unknown option": (
            several.public_id,
            {"choices": ["opt_madeup"]},
            "an option of another question",
        ),
        "a question of another quiz": (
            other_quiz.public_id,
            {"value": True},
            "no question with the id",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "text on a true/false",
        "pairs on a multiple choice",
        "a null value",
        "two options where one is right",
        "an unknown option",
        "a question of another quiz",
    ],
)
def test_save_refuses_a_wrong_shaped_answer_naming_it_and_saves_nothing(
    learner, assessment, enrolled, case
):
    question_id, response, says = _wrong_shapes(assessment)[case]
    attempt = start_attempt(assessment=assessment, learner=learner)
    answers = _right_answers(assessment)
    answers[question_id] = response

    response = api_client(learner).put(
        _url("attempts", attempt.public_id, "answers"),
        {"answers": answers},
        content_type="application/json",
    )

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    (issue,) = error["details"]
    assert issue["field"] == f"answers.{question_id}"
    assert says in issue["issue"]
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_save_takes_one_option_on_a_question_with_one_right_option(
    learner, assessment, enrolled
):
    single = choice_question(assessment=assessment, correct=(1,), options=3)
    attempt = start_attempt(assessment=assessment, learner=learner)
    option = single.choices.last().public_id

    response = api_client(learner).put(
        _url("attempts", attempt.public_id, "answers"),
        {"answers": {single.public_id: {"choices": [option]}}},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert Answer.objects.get(attempt=attempt).response == {"choices": [option]}


def test_save_refuses_after_the_deadline_and_grace(learner, assessment, enrolled):
    assessment.time_limit_minutes = 5
    assessment.save()
    attempt = start_attempt(assessment=assessment, learner=learner)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=attempt.deadline_at - timedelta(minutes=6)
    )

    response = api_client(learner).put(
        _url("attempts", attempt.public_id, "answers"),
        {"answers": _right_answers(assessment)},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert "Time is up" in error_of(response)["message"]
    assert not Answer.objects.filter(response__has_key="value").exists()


LATE = (
    "Time is up: this attempt was submitted with the answers saved before the "
    "time limit."
)


def _late_attempt(assessment, learner):
    """An attempt with one answer saved in time, past its deadline and grace."""
    assessment.time_limit_minutes = 5
    assessment.save()
    attempt = start_attempt(assessment=assessment, learner=learner)
    first = attempt.question_order[0]
    save_answers(
        attempt=attempt,
        learner=learner,
        responses={first: _right_answers(assessment)[first]},
    )
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=attempt.deadline_at - timedelta(minutes=6)
    )
    return attempt


def test_a_late_submit_with_answers_is_a_422_and_submits_what_was_saved(
    learner, assessment, enrolled
):
    attempt = _late_attempt(assessment, learner)

    response = api_client(learner).post(
        _url("attempts", attempt.public_id, "submit"),
        {"answers": _right_answers(assessment)},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert error_of(response)["message"] == LATE
    attempt.refresh_from_db()
    assert attempt.status != AttemptStatus.IN_PROGRESS and attempt.auto_submitted
    assert attempt.answers.exclude(response={}).count() == 1


def test_a_late_save_and_a_late_submit_say_the_same(learner, assessment, enrolled):
    attempt = _late_attempt(assessment, learner)
    client = api_client(learner)
    body = {"answers": _right_answers(assessment)}

    saved = client.put(
        _url("attempts", attempt.public_id, "answers"),
        body,
        content_type="application/json",
    )
    submitted = client.post(
        _url("attempts", attempt.public_id, "submit"),
        body,
        content_type="application/json",
    )

    assert (saved.status_code, submitted.status_code) == (422, 422)
    assert error_of(saved) == error_of(submitted)


def test_a_late_submit_without_answers_returns_the_attempt_submitted_on_expiry(
    learner, assessment, enrolled
):
    attempt = _late_attempt(assessment, learner)

    response = api_client(learner).post(
        _url("attempts", attempt.public_id, "submit"),
        content_type="application/json",
    )

    body = response.json()["data"]
    assert response.status_code == 200
    assert body["auto_submitted"] is True and body["status"] != "in_progress"
    assert body["questions"] is None


def test_submits_scores_and_shows_the_review_after(learner, assessment, attempt):
    client = api_client(learner)

    response = client.post(
        _url("attempts", attempt.public_id, "submit"),
        {"answers": _right_answers(assessment)},
        content_type="application/json",
    )

    body = response.json()["data"]
    assert response.status_code == 200
    assert body["status"] == "pending_review" and body["questions"] is None
    assert body["score_percent"] is None
    review = {q["type"]: q for q in body["review"]}
    assert review["true_false"]["correct_answer"] == ["True"]
    assert review["true_false"]["explanation"] == EXPLANATION
    assert review["short_answer"]["needs_review"] is True
    assert GUIDANCE not in response.content.decode()


def test_submit_shows_the_score_once_final(learner, enrolled):
    assessment = AssessmentFactory(lesson__module__course=enrolled.course)
    QuestionFactory(assessment=assessment, correct_true=False, points=2)
    attempt = start_attempt(assessment=assessment, learner=learner)

    response = api_client(learner).post(
        _url("attempts", attempt.public_id, "submit"),
        {"answers": {attempt.question_order[0]: {"value": False}}},
        content_type="application/json",
    )

    body = response.json()["data"]
    assert body["status"] == "final"
    assert (body["score_points"], body["max_points"]) == (2.0, 2.0)
    assert body["score_percent"] == 100.0 and body["passed"] is True


def test_submit_keeps_review_and_score_hidden_when_the_quiz_says_so(learner, enrolled):
    assessment = AssessmentFactory(
        lesson__module__course=enrolled.course, show_results=False, allow_review=False
    )
    QuestionFactory(assessment=assessment, explanation=EXPLANATION)
    attempt = start_attempt(assessment=assessment, learner=learner)

    response = api_client(learner).post(
        _url("attempts", attempt.public_id, "submit"),
        content_type="application/json",
    )

    body = response.json()["data"]
    assert body["status"] == "final" and body["review"] is None
    assert body["score_percent"] is None and body["passed"] is None
    _assert_no_answers_in(response.content.decode(), assessment)


def test_a_second_submit_returns_the_attempt_unchanged(learner, assessment, attempt):
    client = api_client(learner)
    url = _url("attempts", attempt.public_id, "submit")
    first = client.post(url, content_type="application/json").json()["data"]

    again = client.post(
        url,
        {"answers": _right_answers(assessment)},
        content_type="application/json",
    )

    assert again.status_code == 200
    assert again.json()["data"]["submitted_at"] == first["submitted_at"]
    assert Answer.objects.filter(response={}).count() == 4


def test_course_staff_read_a_submitted_attempt_with_its_review(
    instructor, learner, assessment, attempt
):
    submit_attempt(attempt=attempt, learner=learner)

    response = api_client(instructor).get(_url("attempts", attempt.public_id))

    body = response.json()["data"]
    assert response.status_code == 200 and body["user_id"] == learner.public_id
    assert body["review"] is not None


@pytest.mark.parametrize("who", ["instructor", "admin"])
@pytest.mark.parametrize(("method", "suffix"), [("put", "answers"), ("post", "submit")])
def test_course_staff_may_not_answer_or_submit_with_403(
    request, who, method, suffix, attempt
):
    client = api_client(request.getfixturevalue(who))

    response = getattr(client, method)(
        _url("attempts", attempt.public_id, suffix),
        {"answers": {}},
        content_type="application/json",
    )

    assert response.status_code == 403
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


@pytest.mark.parametrize("who", ["outsider", "other_instructor"])
@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("put", "answers"), ("post", "submit")]
)
def test_attempt_answers_404_to_strangers(request, who, method, suffix, attempt):
    client = api_client(request.getfixturevalue(who))
    url = _url("attempts", attempt.public_id, suffix).rstrip("/")

    response = getattr(client, method)(
        url, {"answers": {}}, content_type="application/json"
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS

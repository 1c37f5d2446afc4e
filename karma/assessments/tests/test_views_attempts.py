"""The pages of taking a quiz: start, answer, save, submit, result.

The cast: the enrolled learner, an outsider (not enrolled), the course's
owner, an instructor of another course and an admin.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from karma.accounts.tests.factories import InstructorFactory
from karma.assessments.models import Answer, Attempt, AttemptStatus
from karma.assessments.selectors import attempt_history, attempt_url, quiz_panel
from karma.assessments.services.attempts import start_attempt, submit_attempt
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    choice_question,
    matching_question,
    short_answer_question,
)
from karma.assessments.tests.markup import LONG_WORD, breaks_everywhere, shown_text
from karma.enrollments.services.enrollments import self_enroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(instructor):
    assessment = AssessmentFactory(lesson__module__course__owner=instructor)
    QuestionFactory(assessment=assessment, prompt="Water is wet?", correct_true=True)
    choice_question(assessment=assessment, correct=(1,), prompt="Pick the second")
    matching_question(assessment=assessment, pairs=2, prompt="Match them")
    short_answer_question(
        assessment=assessment,
        prompt="Why?",
        grading_guidance="GUIDANCE-ONLY-FOR-GRADERS",
    )
    return assessment


@pytest.fixture
def course(assessment):
    return assessment.lesson.course


@pytest.fixture
def enrolled(course, learner):
    return self_enroll(learner=learner, course=course).enrollment


@pytest.fixture
def attempt(assessment, learner, enrolled):
    return start_attempt(assessment=assessment, learner=learner)


@pytest.fixture
def other_instructor_client(db):
    client = Client()
    client.force_login(InstructorFactory(first_name="Olga"))
    return client


def _start_url(assessment):
    lesson = assessment.lesson
    return reverse(
        "assessments:start_attempt", args=[lesson.course.public_id, lesson.public_id]
    )


def _page(attempt, name="attempt"):
    return reverse(f"assessments:{name}", args=[attempt.public_id])


def _form(attempt, **overrides):
    """A filled take form: everything right except the short answer."""
    data = {}
    for question in attempt.assessment.questions.all():
        field = f"q-{question.public_id}"
        if question.type == "true_false":
            data[field] = "true"
        elif question.type == "choice":
            data[field] = [c.public_id for c in question.choices.all() if c.is_correct]
        elif question.type == "matching":
            for pair in question.pairs.all():
                data[f"{field}-{pair.public_id}"] = pair.answer
        else:
            data[field] = "Because of the valve."
    data.update(overrides)
    return data


# Starting


def test_starts_an_attempt_and_opens_it(learner_client, assessment, enrolled):
    response = learner_client.post(_start_url(assessment))

    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response.url == _page(attempt)


def test_resumes_the_open_attempt_on_a_second_start(
    learner_client, assessment, attempt
):
    response = learner_client.post(_start_url(assessment))

    assert response.url == _page(attempt)
    assert Attempt.objects.count() == 1


def test_explains_a_refused_start_on_the_lesson(learner_client, assessment, enrolled):
    assessment.attempt_limit = 1
    assessment.save()
    learner_client.post(_start_url(assessment))
    submit_attempt(attempt=Attempt.objects.get(), learner=enrolled.learner)

    response = learner_client.post(_start_url(assessment), follow=True)

    assert "used all your attempts" in response.content.decode()
    assert Attempt.objects.count() == 1


def test_start_answers_404_to_a_learner_not_enrolled(outsider_client, assessment):
    response = outsider_client.post(_start_url(assessment))

    assert response.status_code == 404
    assert not Attempt.objects.exists()


def test_start_answers_403_with_a_clear_page_to_the_course_staff(
    instructor_client, admin_client, assessment
):
    for client in (instructor_client, admin_client):
        response = client.post(_start_url(assessment))

        assert response.status_code == 403
        assert "Staff do not take quizzes" in response.content.decode()
    assert not Attempt.objects.exists()


def test_start_answers_404_to_an_instructor_of_another_course(
    other_instructor_client, assessment
):
    assert other_instructor_client.post(_start_url(assessment)).status_code == 404


def test_start_answers_404_for_a_lesson_that_is_not_a_quiz(
    learner_client, course, enrolled
):
    from karma.courses.tests.factories import LessonFactory

    lesson = LessonFactory(module=course.modules.first())
    url = reverse(
        "assessments:start_attempt", args=[course.public_id, lesson.public_id]
    )

    assert learner_client.post(url).status_code == 404


def test_start_refuses_get(learner_client, assessment, enrolled):
    assert learner_client.get(_start_url(assessment)).status_code == 405


# The take page


def test_shows_every_question_without_answers(learner_client, attempt):
    response = learner_client.get(_page(attempt))

    html = response.content.decode()
    assert response.status_code == 200
    for prompt in ("Water is wet?", "Pick the second", "Match them", "Why?"):
        assert prompt in html
    assert "GUIDANCE-ONLY-FOR-GRADERS" not in html
    assert "is_correct" not in html and "correct" not in html.lower().replace(
        "select every correct option", ""
    )


def test_breaks_long_words_of_prompts_and_options_when_taking_and_reviewing(
    learner, enrolled
):
    assessment = AssessmentFactory(lesson__module__course=enrolled.course)
    choice = choice_question(assessment=assessment, prompt=f"Pick {LONG_WORD}")
    for number, option in enumerate(choice.choices.all()):
        option.text = f"{number} {LONG_WORD}"
        option.save()
    pairs = matching_question(assessment=assessment, pairs=2).pairs.all()
    for number, pair in enumerate(pairs):
        pair.prompt = f"{number} {LONG_WORD}"
        pair.save()
    attempt = start_attempt(assessment=assessment, learner=learner)
    client = Client()
    client.force_login(learner)

    taking = client.get(_page(attempt)).content.decode()
    client.post(_page(attempt, "attempt_submit"), _form(attempt))
    reviewing = client.get(_page(attempt)).content.decode()

    assert breaks_everywhere(taking, LONG_WORD)
    assert breaks_everywhere(reviewing, LONG_WORD)


def test_shows_questions_in_the_attempt_s_order(learner_client, attempt):
    order = list(reversed(attempt.question_order))
    Attempt.objects.filter(pk=attempt.pk).update(question_order=order)

    html = learner_client.get(_page(attempt)).content.decode()

    positions = [html.index(f'aria-describedby="{qid}-meta"') for qid in order]
    assert positions == sorted(positions)


def test_shows_the_countdown_data_when_the_quiz_is_timed(learner, enrolled):
    assessment = AssessmentFactory(
        lesson__module__course=enrolled.course, time_limit_minutes=15
    )
    QuestionFactory(assessment=assessment)
    attempt = start_attempt(assessment=assessment, learner=learner)
    client = Client()
    client.force_login(learner)

    html = client.get(_page(attempt)).content.decode()

    deadline = attempt.deadline_at.replace(microsecond=0).isoformat()
    assert f'data-deadline="{deadline}"' in html
    assert "assessments/quiz.js" in html


def test_attempt_page_answers_404_to_someone_else(
    outsider_client, other_instructor_client, attempt
):
    assert outsider_client.get(_page(attempt)).status_code == 404
    assert other_instructor_client.get(_page(attempt)).status_code == 404


def test_attempt_page_answers_404_for_an_unknown_id(learner_client, enrolled):
    assert learner_client.get("/learn/attempts/att_nope/").status_code == 404


def test_course_staff_read_an_attempt_but_never_see_the_form(
    instructor_client, attempt
):
    response = instructor_client.get(_page(attempt))

    assert response.status_code == 200
    assert "still in progress" in response.content.decode()
    assert "quiz-form" not in response.content.decode()


# Saving


def test_saves_answers_from_the_form_and_shows_them_again(learner_client, attempt):
    response = learner_client.post(_page(attempt, "attempt_save"), _form(attempt))

    assert response.status_code == 302
    assert Answer.objects.filter(attempt=attempt).count() == 4
    html = learner_client.get(_page(attempt)).content.decode()
    assert "Because of the valve." in html
    assert "checked" in html and "selected" in html


def test_autosave_answers_with_a_saved_at_fragment(learner_client, attempt):
    response = learner_client.post(
        _page(attempt, "attempt_save"), _form(attempt), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response.content.decode().startswith("Saved at ")


def test_autosave_reports_a_refusal_in_the_fragment(learner_client, attempt):
    submit_attempt(attempt=attempt, learner=attempt.learner)

    response = learner_client.post(
        _page(attempt, "attempt_save"), _form(attempt), HTTP_HX_REQUEST="true"
    )

    assert "already been submitted" in response.content.decode()


def test_save_refuses_a_made_up_option_with_a_message(learner_client, attempt):
    choice = attempt.assessment.questions.get(type="choice")
    form = _form(attempt, **{f"q-{choice.public_id}": ["opt_madeup"]})

    response = learner_client.post(_page(attempt, "attempt_save"), form, follow=True)

    assert response.status_code == 200
    assert "is not valid" in response.content.decode()
    assert not Answer.objects.exists()


def test_save_answers_404_to_strangers_and_403_to_the_course_staff(
    outsider_client, other_instructor_client, instructor_client, attempt
):
    for client in (outsider_client, other_instructor_client):
        response = client.post(_page(attempt, "attempt_save"), _form(attempt))
        assert response.status_code == 404
    response = instructor_client.post(_page(attempt, "attempt_save"), _form(attempt))
    assert response.status_code == 403
    assert not Answer.objects.exists()


# Submitting and results


def test_submits_and_shows_pending_review_with_a_short_answer(learner_client, attempt):
    response = learner_client.post(
        _page(attempt, "attempt_submit"), _form(attempt), follow=True
    )

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.PENDING_REVIEW
    assert "waiting to be graded" in response.content.decode()


def test_shows_the_score_and_correct_answers_when_allowed(learner, enrolled):
    assessment = AssessmentFactory(lesson__module__course=enrolled.course)
    QuestionFactory(assessment=assessment, explanation="Water is wet indeed.")
    choice_question(assessment=assessment, correct=(0,))
    attempt = start_attempt(assessment=assessment, learner=learner)
    client = Client()
    client.force_login(learner)

    client.post(_page(attempt, "attempt_submit"), _form(attempt))
    html = client.get(_page(attempt)).content.decode()

    assert "100%" in html and "Passed" in html
    assert "Correct answer" in html and "Water is wet indeed." in html


def test_shows_scores_and_points_without_trailing_zeros(learner, enrolled):
    assessment = AssessmentFactory(lesson__module__course=enrolled.course)
    QuestionFactory(assessment=assessment, points=7, correct_true=True)
    QuestionFactory(assessment=assessment, points=1, correct_true=False)
    attempt = start_attempt(assessment=assessment, learner=learner)
    client = Client()
    client.force_login(learner)

    client.post(_page(attempt, "attempt_submit"), _form(attempt))
    html = client.get(_page(attempt)).content.decode()

    # At most two decimals and no trailing zeros (the score filter).
    shown = shown_text(html)
    assert "87.5%" in shown and "7 of 8 points." in shown
    assert "7 of 7" in shown and "0 of 1" in shown
    assert ".00" not in shown


def test_dates_a_submitted_attempt_as_the_rest_of_karma_does(learner, enrolled):
    assessment = AssessmentFactory(lesson__module__course=enrolled.course)
    QuestionFactory(assessment=assessment)
    attempt = submit_attempt(
        attempt=start_attempt(assessment=assessment, learner=learner),
        learner=learner,
    )
    client = Client()
    client.force_login(learner)

    html = client.get(_page(attempt)).content.decode()

    shown = date_format(timezone.localtime(attempt.submitted_at), "j M Y, H:i")
    assert "Submitted <time datetime=" in html
    assert f">{shown}</time>" in html


def test_hides_the_score_and_answers_when_the_quiz_says_so(learner, enrolled):
    assessment = AssessmentFactory(
        lesson__module__course=enrolled.course, show_results=False, allow_review=False
    )
    QuestionFactory(assessment=assessment, explanation="SECRET-EXPLANATION")
    attempt = start_attempt(assessment=assessment, learner=learner)
    client = Client()
    client.force_login(learner)

    client.post(_page(attempt, "attempt_submit"), _form(attempt))
    html = client.get(_page(attempt)).content.decode()

    assert "does not show results" in html
    assert "100%" not in html and "SECRET-EXPLANATION" not in html


def test_shows_an_expired_attempt_as_submitted_automatically(learner, enrolled):
    assessment = AssessmentFactory(
        lesson__module__course=enrolled.course, time_limit_minutes=5
    )
    QuestionFactory(assessment=assessment)
    attempt = start_attempt(assessment=assessment, learner=learner)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=attempt.deadline_at - timedelta(minutes=10)
    )
    client = Client()
    client.force_login(learner)

    html = client.get(_page(attempt)).content.decode()

    assert "submitted automatically" in html
    attempt.refresh_from_db()
    assert attempt.auto_submitted and attempt.status == AttemptStatus.FINAL


def test_a_late_submit_warns_that_the_answers_were_not_taken(learner, enrolled):
    assessment = AssessmentFactory(
        lesson__module__course=enrolled.course, time_limit_minutes=5
    )
    QuestionFactory(assessment=assessment)
    attempt = start_attempt(assessment=assessment, learner=learner)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=attempt.deadline_at - timedelta(minutes=10)
    )
    client = Client()
    client.force_login(learner)

    response = client.post(
        _page(attempt, "attempt_submit"), _form(attempt), follow=True
    )

    html = response.content.decode()
    assert "Time is up: this attempt was submitted with the answers saved" in html
    assert "submitted automatically" in html
    attempt.refresh_from_db()
    assert attempt.score_points == 0


def test_submit_answers_404_to_strangers_and_403_to_the_course_staff(
    outsider_client, other_instructor_client, instructor_client, attempt
):
    for client in (outsider_client, other_instructor_client):
        assert client.post(_page(attempt, "attempt_submit")).status_code == 404
    assert instructor_client.post(_page(attempt, "attempt_submit")).status_code == 403
    attempt.refresh_from_db()
    assert attempt.is_open


def test_a_second_submit_leads_back_to_the_result(learner_client, attempt):
    learner_client.post(_page(attempt, "attempt_submit"), _form(attempt))

    response = learner_client.post(_page(attempt, "attempt_submit"), _form(attempt))

    assert response.status_code == 302 and response.url == _page(attempt)


# The quiz panel of the lesson player


def _panel_html(panel, client_user):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = client_user
    return render_to_string(
        "assessments/_quiz_panel.html", {"panel": panel}, request=request
    )


def test_panel_offers_a_start_to_an_enrolled_learner(learner, assessment, enrolled):
    panel = quiz_panel(learner=learner, lesson=assessment.lesson)

    html = _panel_html(panel, learner)
    assert panel["can_start"] and "Start the quiz" in html
    assert _start_url(assessment) in html


def test_panel_offers_to_resume_an_open_attempt(learner, assessment, attempt):
    panel = quiz_panel(learner=learner, lesson=assessment.lesson)

    assert panel["resume_url"] == _page(attempt)
    assert "Resume attempt 1" in _panel_html(panel, learner)


def test_panel_lists_attempts_and_the_standing(learner, enrolled):
    assessment = AssessmentFactory(lesson__module__course=enrolled.course)
    QuestionFactory(assessment=assessment)
    for _ in range(2):
        submit_attempt(
            attempt=start_attempt(assessment=assessment, learner=learner),
            learner=learner,
        )

    panel = quiz_panel(learner=learner, lesson=assessment.lesson)

    assert [row["number"] for row in panel["attempts"]] == [1, 2]
    assert panel["standing"].number == 1
    assert panel["attempts_used"] == 2 and panel["attempts_left"] is None


def test_panel_shows_whole_scores_without_decimals(learner, enrolled):
    assessment = AssessmentFactory(lesson__module__course=enrolled.course)
    question = QuestionFactory(assessment=assessment, points=8, correct_true=True)
    for answer in (True, False):
        submit_attempt(
            attempt=start_attempt(assessment=assessment, learner=learner),
            learner=learner,
            responses={question.public_id: {"value": answer}},
        )

    html = _panel_html(quiz_panel(learner=learner, lesson=assessment.lesson), learner)

    assert "<strong>100%</strong>" in html
    assert "<td>100%</td>" in html and "<td>0%</td>" in html
    assert ".00" not in html


def test_panel_dates_attempts_as_the_rest_of_karma_does(learner, enrolled):
    assessment = AssessmentFactory(lesson__module__course=enrolled.course)
    QuestionFactory(assessment=assessment)
    attempt = submit_attempt(
        attempt=start_attempt(assessment=assessment, learner=learner),
        learner=learner,
    )

    html = _panel_html(quiz_panel(learner=learner, lesson=assessment.lesson), learner)

    shown = date_format(timezone.localtime(attempt.submitted_at), "j M Y, H:i")
    assert f">{shown}</time></td>" in html


def test_panel_breaks_long_words_of_the_prompts_it_previews(instructor, assessment):
    QuestionFactory(assessment=assessment, prompt=f"Is {LONG_WORD} true?")

    panel = quiz_panel(learner=instructor, lesson=assessment.lesson)

    assert breaks_everywhere(_panel_html(panel, instructor), LONG_WORD)


def test_panel_says_why_a_learner_cannot_start(outsider, assessment):
    panel = quiz_panel(learner=outsider, lesson=assessment.lesson)

    assert not panel["can_start"]
    assert "Enroll in this course" in _panel_html(panel, outsider)


def test_panel_previews_the_quiz_for_staff_without_answers(instructor, assessment):
    panel = quiz_panel(learner=instructor, lesson=assessment.lesson)

    html = _panel_html(panel, instructor)
    assert panel["is_staff_preview"] and not panel["can_start"]
    assert "Water is wet?" in html and "previewing" in html
    assert "GUIDANCE-ONLY-FOR-GRADERS" not in html


def test_panel_closes_an_expired_attempt_it_lists(learner, enrolled):
    assessment = AssessmentFactory(
        lesson__module__course=enrolled.course, time_limit_minutes=5
    )
    QuestionFactory(assessment=assessment)
    attempt = start_attempt(assessment=assessment, learner=learner)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=attempt.deadline_at - timedelta(minutes=10)
    )

    panel = quiz_panel(learner=learner, lesson=assessment.lesson)

    assert panel["resume_url"] is None and panel["can_start"]
    assert panel["attempts"][0]["status"] == AttemptStatus.FINAL


# The attempt history of profiles and My Learning


def test_history_lists_submitted_attempts_newest_first(
    learner, enrolled, django_assert_max_num_queries
):
    assessment = AssessmentFactory(
        lesson__module__course=enrolled.course, lesson__title="Final quiz"
    )
    QuestionFactory(assessment=assessment)
    for _ in range(3):
        submit_attempt(
            attempt=start_attempt(assessment=assessment, learner=learner),
            learner=learner,
        )
    start_attempt(assessment=assessment, learner=learner)

    with django_assert_max_num_queries(2):
        rows = attempt_history(learner=learner)

    assert [row["number"] for row in rows] == [3, 2, 1]
    assert rows[0]["lesson_title"] == "Final quiz"
    assert rows[0]["course_title"] == enrolled.course.title
    assert rows[0]["status"] == AttemptStatus.FINAL and rows[0]["passed"] is False


def test_history_rows_link_to_their_attempts_and_carry_the_quiz_facts(
    learner, enrolled, assessment
):
    assessment.show_results = False
    assessment.save(update_fields=["show_results"])
    submitted = [
        submit_attempt(
            attempt=start_attempt(assessment=assessment, learner=learner),
            learner=learner,
        )
        for _ in range(2)
    ]

    rows = attempt_history(learner=learner)

    by_id = {row["attempt_id"]: row for row in rows}
    assert set(by_id) == {attempt.public_id for attempt in submitted}
    for attempt in submitted:
        row = by_id[attempt.public_id]
        assert row["url"] == reverse("assessments:attempt", args=[attempt.public_id])
        assert row["url"] == attempt_url(attempt)
        assert row["lesson_id"] == assessment.lesson.public_id
        assert row["course_id"] == enrolled.course.public_id
        assert row["status_label"] == attempt.get_status_display()
        assert row["results_hidden"] is True


def test_history_narrows_to_the_courses_given(learner, enrolled, attempt):
    submit_attempt(attempt=attempt, learner=learner)
    other = AssessmentFactory()
    QuestionFactory(assessment=other)
    self_enroll(learner=learner, course=other.lesson.course)
    submit_attempt(
        attempt=start_attempt(assessment=other, learner=learner), learner=learner
    )

    rows = attempt_history(learner=learner, course_ids=[other.lesson.course_id])

    assert [row["course_id"] for row in rows] == [other.lesson.course.public_id]
    assert len(attempt_history(learner=learner)) == 2

"""The quiz builder pages (views/builder.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from karma.accounts.tests.factories import InstructorFactory
from karma.assessments.models import Answer, Attempt, AttemptStatus, QuestionType
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuestionFactory,
    QuizLessonFactory,
    choice_question,
    matching_question,
)
from karma.assessments.tests.markup import LONG_WORD, breaks_everywhere
from karma.courses.models import CourseInstructor
from karma.courses.tests.factories import LessonFactory, ModuleFactory
from karma.enrollments.models import Enrollment, EnrollmentSource


@pytest.fixture
def quiz(instructor):
    lesson = QuizLessonFactory(title="Final check", module__course__owner=instructor)
    return AssessmentFactory(lesson=lesson)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, quiz, *extra: str) -> str:
    lesson = quiz.lesson
    return reverse(
        f"assessments:{name}", args=[lesson.course.public_id, lesson.public_id, *extra]
    )


def _builder(quiz) -> str:
    return _url("quiz_builder", quiz)


def _create(quiz, question_type: str) -> str:
    return f"{_url('question_create', quiz)}?type={question_type}"


def _settings(**overrides) -> dict:
    data = {
        "passing_score": "70",
        "time_limit_minutes": "",
        "attempt_limit": "",
        "show_results": "on",
        "allow_review": "on",
    }
    return {**data, **overrides}


def _enroll(learner, course) -> Enrollment:
    return Enrollment.objects.create(
        learner=learner, course=course, source=EnrollmentSource.SELF
    )


# --- Who may build ----------------------------------------------------------------


def test_instructor_sees_the_quiz_page(instructor_client, quiz):
    QuestionFactory(assessment=quiz, prompt="Is an IP address personal data?", points=2)
    QuestionFactory(assessment=quiz, points=3)

    response = instructor_client.get(_builder(quiz))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Quiz: Final check" in content
    assert "Is an IP address personal data?" in content
    assert "2 questions · 5 points in total" in content


def test_the_quiz_page_breaks_long_words_of_prompts(instructor_client, quiz):
    QuestionFactory(assessment=quiz, prompt=LONG_WORD)

    content = instructor_client.get(_builder(quiz)).content.decode()

    # The list shows the first 200 characters of a prompt.
    assert breaks_everywhere(content, LONG_WORD[:150])


def test_admin_and_co_instructor_may_build(admin_client, quiz):
    colleague = InstructorFactory()
    CourseInstructor.objects.create(
        course=quiz.lesson.course,
        instructor=colleague,
        added_by=quiz.lesson.course.owner,
    )

    assert admin_client.get(_builder(quiz)).status_code == 200
    assert _client(colleague).get(_builder(quiz)).status_code == 200


@pytest.mark.parametrize("who", ["outsider", "enrolled learner", "other instructor"])
def test_others_get_404_on_every_builder_page(outsider, learner, quiz, who):
    person = {
        "outsider": outsider,
        "enrolled learner": learner,
        "other instructor": InstructorFactory(),
    }[who]
    _enroll(learner, quiz.lesson.course)
    question = QuestionFactory(assessment=quiz)
    client = _client(person)

    pages = [
        ("get", _builder(quiz)),
        ("post", _builder(quiz)),
        ("get", _create(quiz, QuestionType.TRUE_FALSE)),
        ("get", _url("question_edit", quiz, question.public_id)),
        ("post", _url("question_delete", quiz, question.public_id)),
        ("post", _url("question_move", quiz, question.public_id)),
    ]
    for method, url in pages:
        assert getattr(client, method)(url).status_code == 404, url
    assert quiz.questions.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, quiz):
    response = client.get(_builder(quiz))

    assert response.status_code == 302
    assert "login" in response.url


def test_a_lesson_that_is_not_a_quiz_has_no_builder(instructor_client, instructor):
    lesson = LessonFactory(module=ModuleFactory(course__owner=instructor))
    url = reverse(
        "assessments:quiz_builder", args=[lesson.course.public_id, lesson.public_id]
    )

    assert instructor_client.get(url).status_code == 404


def test_a_quiz_of_another_course_is_not_found_through_this_one(
    instructor_client, instructor, quiz
):
    other = QuizLessonFactory(module__course__owner=instructor)
    url = reverse(
        "assessments:quiz_builder",
        args=[quiz.lesson.course.public_id, other.public_id],
    )

    assert instructor_client.get(url).status_code == 404


def test_a_question_of_another_quiz_is_not_found(instructor_client, quiz):
    stranger = QuestionFactory()

    response = instructor_client.get(_url("question_edit", quiz, stranger.public_id))

    assert response.status_code == 404


def test_the_course_editor_links_a_quiz_lesson_to_its_questions(
    instructor_client, quiz
):
    editor = reverse("courses:editor", args=[quiz.lesson.course.public_id])

    content = instructor_client.get(editor).content.decode()

    assert f'href="{_builder(quiz)}"' in content
    assert "Questions</a>" in content


def test_the_quiz_lessons_edit_page_links_to_its_questions(instructor_client, quiz):
    edit = reverse(
        "courses:lesson_edit",
        args=[quiz.lesson.course.public_id, quiz.lesson.public_id],
    )

    content = instructor_client.get(edit).content.decode()

    assert f'href="{_builder(quiz)}"' in content


# --- Settings -----------------------------------------------------------------------


def test_saves_settings_and_returns_to_the_quiz(instructor_client, quiz):
    response = instructor_client.post(
        _builder(quiz),
        _settings(passing_score="85", time_limit_minutes="20", attempt_limit="2"),
    )

    assert response.status_code == 302
    assert response.url == _builder(quiz)
    quiz.refresh_from_db()
    assert (quiz.passing_score, quiz.time_limit_minutes, quiz.attempt_limit) == (
        85,
        20,
        2,
    )
    assert quiz.show_results and quiz.allow_review
    assert not quiz.randomize_questions and not quiz.require_passing


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("passing_score", "101"),
        ("passing_score", ""),
        ("time_limit_minutes", "0"),
        ("time_limit_minutes", "601"),
        ("attempt_limit", "101"),
        ("attempt_limit", "two"),
    ],
)
def test_bad_settings_are_shown_on_their_field(instructor_client, quiz, field, value):
    response = instructor_client.post(_builder(quiz), _settings(**{field: value}))

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    quiz.refresh_from_db()
    assert quiz.passing_score == 70


# --- Adding and editing questions ---------------------------------------------------


def test_the_add_page_shows_six_blank_option_rows(instructor_client, quiz):
    response = instructor_client.get(_create(quiz, QuestionType.CHOICE))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="option-5-text"' in content
    assert 'name="option-6-text"' not in content


def test_an_unknown_question_type_is_not_found(instructor_client, quiz):
    assert instructor_client.get(_create(quiz, "essay")).status_code == 404


def test_adds_a_multiple_choice_question_ignoring_blank_rows(instructor_client, quiz):
    response = instructor_client.post(
        _create(quiz, QuestionType.CHOICE),
        {
            "rows": "6",
            "prompt": "Which are personal data?",
            "points": "2",
            "option-0-text": "A work email address",
            "option-0-correct": "on",
            "option-2-text": "A device identifier",
            "option-2-correct": "on",
            "option-4-text": "The number of offices",
        },
    )

    assert response.status_code == 302
    question = quiz.questions.get()
    assert response.url == f"{_builder(quiz)}#question-{question.public_id}"
    assert question.points == 2
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("A work email address", True),
        ("A device identifier", True),
        ("The number of offices", False),
    ]


def test_a_choice_without_a_correct_option_is_refused_on_the_page(
    instructor_client, quiz
):
    response = instructor_client.post(
        _create(quiz, QuestionType.CHOICE),
        {
            "prompt": "Pick one",
            "points": "1",
            "option-0-text": "A",
            "option-1-text": "B",
        },
    )

    assert response.status_code == 200
    assert "Mark at least one option correct." in response.content.decode()
    assert not quiz.questions.exists()


def test_repeated_options_are_refused_on_the_options_field(instructor_client, quiz):
    response = instructor_client.post(
        _create(quiz, QuestionType.CHOICE),
        {
            "prompt": "Pick one",
            "points": "1",
            "option-0-text": "Report it",
            "option-0-correct": "on",
            "option-1-text": "Ignore it",
            "option-2-text": "  report   IT ",
        },
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="items-error">Option 3 repeats option 1; each option must differ.' in (
        content
    )
    assert not quiz.questions.exists()


def test_a_correct_mark_on_an_empty_row_asks_for_its_text(instructor_client, quiz):
    response = instructor_client.post(
        _create(quiz, QuestionType.CHOICE),
        {
            "prompt": "Pick one",
            "points": "1",
            "option-0-text": "A",
            "option-1-text": "B",
            "option-3-correct": "on",
        },
    )

    assert "Option 3 has no text." in response.content.decode()
    assert not quiz.questions.exists()


def test_adds_a_true_false_question(instructor_client, quiz):
    response = instructor_client.post(
        _create(quiz, QuestionType.TRUE_FALSE),
        {
            "prompt": "Archived files still count as held data.",
            "points": "1",
            "correct_true": "true",
        },  # fmt: skip
    )

    assert response.status_code == 302
    assert quiz.questions.get().correct_true is True


def test_true_false_without_the_answer_is_refused(instructor_client, quiz):
    response = instructor_client.post(
        _create(quiz, QuestionType.TRUE_FALSE), {"prompt": "True?", "points": "1"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["correct_true"] == [
        "Choose the right answer."
    ]


def test_adds_a_short_answer_with_guidance(instructor_client, quiz):
    response = instructor_client.post(
        _create(quiz, QuestionType.SHORT_ANSWER),
        {
            "prompt": "What do you do first?",
            "points": "4",
            "grading_guidance": "Contain, then report.",
        },  # fmt: skip
    )

    assert response.status_code == 302
    question = quiz.questions.get()
    assert (question.points, question.grading_guidance) == (4, "Contain, then report.")


def test_adds_a_matching_question(instructor_client, quiz):
    response = instructor_client.post(
        _create(quiz, QuestionType.MATCHING),
        {
            "prompt": "Match them.",
            "points": "3",
            "pair-0-prompt": "Accuracy",
            "pair-0-answer": "Is it still correct?",
            "pair-1-prompt": "Security",
            "pair-1-answer": "Who else could see it?",
        },
    )

    assert response.status_code == 302
    assert quiz.questions.get().pairs.count() == 2


def test_repeated_matching_answers_are_refused(instructor_client, quiz):
    response = instructor_client.post(
        _create(quiz, QuestionType.MATCHING),
        {
            "prompt": "Match them.",
            "points": "1",
            "pair-0-prompt": "A",
            "pair-0-answer": "Same",
            "pair-1-prompt": "B",
            "pair-1-answer": "same",
        },
    )

    assert response.status_code == 200
    assert "repeats an answer" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"prompt": "", "points": "1"}, "prompt"),
        ({"prompt": "x" * 2001, "points": "1"}, "prompt"),
        ({"prompt": "Why?", "points": "0"}, "points"),
        ({"prompt": "Why?", "points": "101"}, "points"),
    ],
)
def test_bad_common_fields_are_shown(instructor_client, quiz, data, field):
    response = instructor_client.post(_create(quiz, QuestionType.SHORT_ANSWER), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]


def test_the_edit_page_shows_the_options_and_blank_rows(instructor_client, quiz):
    question = choice_question(assessment=quiz, options=3)

    response = instructor_client.get(_url("question_edit", quiz, question.public_id))

    content = response.content.decode()
    first = question.choices.first()
    assert f'value="{first.public_id}"' in content
    assert f'value="{first.text}"' in content
    assert 'name="option-5-text"' in content


def test_edits_a_question_keeping_option_ids(instructor_client, quiz):
    question = choice_question(assessment=quiz, options=2, correct=(0,))
    first, second = question.choices.all()

    response = instructor_client.post(
        _url("question_edit", quiz, question.public_id),
        {
            "rows": "6",
            "prompt": "Reworded",
            "points": "5",
            "option-0-text": "First, reworded",
            "option-0-id": first.public_id,
            "option-1-text": "",
            "option-1-id": second.public_id,
            "option-2-text": "Brand new",
            "option-2-correct": "on",
        },
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.prompt, question.points) == ("Reworded", 5)
    rows = list(question.choices.all())
    assert [(c.text, c.is_correct) for c in rows] == [
        ("First, reworded", False),
        ("Brand new", True),
    ]
    assert rows[0].public_id == first.public_id


def test_editing_an_answered_question_warns_and_saves(instructor_client, learner, quiz):
    question = QuestionFactory(assessment=quiz)
    attempt = Attempt.objects.create(
        assessment=quiz,
        enrollment=_enroll(learner, quiz.lesson.course),
        learner=learner,
        number=1,
        status=AttemptStatus.FINAL,
    )
    Answer.objects.create(attempt=attempt, question=question, response={"value": 1})
    url = _url("question_edit", quiz, question.public_id)

    page = instructor_client.get(url).content.decode()
    response = instructor_client.post(
        url, {"prompt": "Changed", "points": "1", "correct_true": "false"}
    )

    assert "Your changes do not touch scores already given" in page
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.correct_true is False


def test_edits_matching_pairs(instructor_client, quiz):
    question = matching_question(assessment=quiz, pairs=2)
    first, second = question.pairs.all()

    instructor_client.post(
        _url("question_edit", quiz, question.public_id),
        {
            "prompt": "Match.",
            "points": "1",
            "pair-0-prompt": first.prompt,
            "pair-0-answer": "Changed",
            "pair-0-id": first.public_id,
            "pair-1-prompt": second.prompt,
            "pair-1-answer": second.answer,
            "pair-1-id": second.public_id,
        },
    )

    first.refresh_from_db()
    assert first.answer == "Changed"


# --- Deleting and moving --------------------------------------------------------------


def test_deletes_a_question(instructor_client, quiz):
    question = QuestionFactory(assessment=quiz)

    response = instructor_client.post(_url("question_delete", quiz, question.public_id))

    assert response.status_code == 302
    assert not quiz.questions.exists()


def test_a_delete_form_asks_for_confirmation(instructor_client, quiz):
    QuestionFactory(assessment=quiz)

    content = instructor_client.get(_builder(quiz)).content.decode()

    assert 'data-confirm="Delete question 1? This cannot be undone."' in content


def test_deleting_an_answered_question_is_refused_with_a_message(
    instructor_client, learner, quiz
):
    question = QuestionFactory(assessment=quiz)
    attempt = Attempt.objects.create(
        assessment=quiz,
        enrollment=_enroll(learner, quiz.lesson.course),
        learner=learner,
        number=1,
        status=AttemptStatus.PENDING_REVIEW,
    )
    Answer.objects.create(attempt=attempt, question=question)

    response = instructor_client.post(
        _url("question_delete", quiz, question.public_id), follow=True
    )

    assert "Edit it instead" in response.content.decode()
    assert quiz.questions.count() == 1


def test_moves_a_question_down_and_says_so_at_the_end(instructor_client, quiz):
    first, second = QuestionFactory.create_batch(2, assessment=quiz)
    url = _url("question_move", quiz, first.public_id)

    instructor_client.post(url, {"offset": "1"})
    again = instructor_client.post(url, {"offset": "1"}, follow=True)

    assert list(quiz.questions.all()) == [second, first]
    assert "The question is already last." in again.content.decode()


def test_the_quiz_page_lists_the_questions_in_their_new_order(instructor_client, quiz):
    first = QuestionFactory(assessment=quiz, prompt="First written")
    QuestionFactory(assessment=quiz, prompt="Second written")
    last = QuestionFactory(assessment=quiz, prompt="Third written")

    instructor_client.post(_url("question_move", quiz, last.public_id), {"offset": -1})
    instructor_client.post(_url("question_move", quiz, first.public_id), {"offset": 1})
    content = instructor_client.get(_builder(quiz)).content.decode()

    positions = [content.index(f"{word} written") for word in ("Third", "First")]
    assert positions == sorted(positions)
    assert content.index("Second written") > content.index("First written")


def test_a_bad_move_changes_nothing(instructor_client, quiz):
    first, second = QuestionFactory.create_batch(2, assessment=quiz)

    response = instructor_client.post(
        _url("question_move", quiz, first.public_id), {"offset": "7"}, follow=True
    )

    assert "Choose to move up or down." in response.content.decode()
    assert list(quiz.questions.all()) == [first, second]


@pytest.mark.parametrize("count", [2, 20])
def test_the_quiz_page_costs_the_same_for_few_or_many_questions(
    instructor_client, quiz, django_assert_max_num_queries, count
):
    for _ in range(count):
        choice_question(assessment=quiz)
    instructor_client.get(_builder(quiz))  # settle the last-active write

    with django_assert_max_num_queries(8):
        response = instructor_client.get(_builder(quiz))

    assert response.status_code == 200

"""The quiz builder: a quiz lesson's settings and questions, reached from
the course editor (SPEC section 7).

For admins and the course's instructors. Everyone else gets 404, the same
answer as for an unknown id, so the pages say nothing about what a quiz
holds. Every change is a plain form post answered with a redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from karma.assessments.forms import QuestionForm, QuizSettingsForm
from karma.assessments.models import Assessment, Question, QuestionType
from karma.assessments.permissions import can_build_assessment
from karma.assessments.services import authoring
from karma.assessments.services.authoring import AuthoringError
from karma.courses.forms import MoveForm
from karma.courses.models import Course, Lesson, LessonType
from karma.courses.selectors import get_course_or_404, get_lesson_in_course_or_404
from karma.lib.public_ids import has_prefix

# Marks "Courses" as the current section in the sidebar.
NAV = {"nav_section": "courses"}


# --- Loading -----------------------------------------------------------------


def get_quiz_for_builder_or_404(
    user: Any, course_id: str, lesson_id: str
) -> tuple[Course, Lesson, Assessment]:
    """Return the course, quiz lesson and assessment `user` may build.

    Raises Http404 for an unknown id, a lesson that is not a quiz, and
    anyone who may not build it alike.
    """
    course = get_course_or_404(course_id)
    lesson = get_lesson_in_course_or_404(course, lesson_id)
    if lesson.type != LessonType.QUIZ:
        raise Http404("No such quiz in this course")
    lesson.course = course
    assessment = authoring.assessment_for(lesson)
    assessment.lesson = lesson
    if not can_build_assessment(user, assessment):
        raise Http404("No such quiz in this course")
    return course, lesson, assessment


def _question_or_404(assessment: Assessment, question_id: str) -> Question:
    if not has_prefix(question_id, "qst"):
        raise Http404("No such question in this quiz")
    question = assessment.questions.filter(public_id=question_id).first()
    if question is None:
        raise Http404("No such question in this quiz")
    question.assessment = assessment
    return question


def _builder_url(course: Course, lesson: Lesson, anchor: str = "") -> str:
    url = reverse(
        "assessments:quiz_builder",
        kwargs={"course_id": course.public_id, "lesson_id": lesson.public_id},
    )
    return f"{url}#{anchor}" if anchor else url


# --- The quiz page -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def quiz_builder(request: HttpRequest, course_id: str, lesson_id: str) -> HttpResponse:
    """The quiz's settings form and its list of questions."""
    course, lesson, assessment = get_quiz_for_builder_or_404(
        request.user, course_id, lesson_id
    )
    initial = QuizSettingsForm.initial_for(assessment)
    data = request.POST if request.method == "POST" else None
    form = QuizSettingsForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            authoring.update_assessment_settings(
                assessment=assessment, **form.settings()
            )
        except AuthoringError as error:
            form.add_authoring_error(error)
        else:
            messages.success(request, "Saved the quiz settings.")
            return redirect(_builder_url(course, lesson))

    context = _quiz_context(course, lesson, assessment, form)
    return render(request, "assessments/builder/quiz.html", context)


def _quiz_context(
    course: Course, lesson: Lesson, assessment: Assessment, form: QuizSettingsForm
) -> dict[str, Any]:
    # Explicit order: a query with GROUP BY ignores the model's ordering.
    questions = list(
        assessment.questions.annotate(
            choice_count=Count("choices", distinct=True),
            pair_count=Count("pairs", distinct=True),
        ).order_by("position", "id")
    )
    for index, question in enumerate(questions):
        question.moves = [
            (-1, "up", "↑", index == 0),
            (1, "down", "↓", index == len(questions) - 1),
        ]
    return {
        "course": course,
        "lesson": lesson,
        "assessment": assessment,
        "form": form,
        "questions": questions,
        "total_points": sum(question.points for question in questions),
        "question_types": QuestionType.choices,
        **NAV,
    }


# --- Questions ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def question_create(
    request: HttpRequest, course_id: str, lesson_id: str
) -> HttpResponse:
    course, lesson, assessment = get_quiz_for_builder_or_404(
        request.user, course_id, lesson_id
    )
    question_type = request.GET.get("type", "")
    if question_type not in QuestionType.values:
        raise Http404("No such type of question")
    form = QuestionForm(_posted(request), question_type=question_type)
    if request.method == "POST" and form.is_valid():
        try:
            question = authoring.add_question(
                assessment=assessment, data=form.question_input()
            )
        except AuthoringError as error:
            form.add_authoring_error(error)
        else:
            messages.success(request, "Added the question.")
            return redirect(
                _builder_url(course, lesson, f"question-{question.public_id}")
            )

    return _question_page(request, course, lesson, form, question=None)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(
    request: HttpRequest, course_id: str, lesson_id: str, question_id: str
) -> HttpResponse:
    course, lesson, assessment = get_quiz_for_builder_or_404(
        request.user, course_id, lesson_id
    )
    question = _question_or_404(assessment, question_id)
    form = QuestionForm(
        _posted(request), question_type=question.type, question=question
    )
    if request.method == "POST" and form.is_valid():
        try:
            authoring.update_question(question=question, data=form.question_input())
        except AuthoringError as error:
            form.add_authoring_error(error)
        else:
            messages.success(request, "Saved the question.")
            return redirect(
                _builder_url(course, lesson, f"question-{question.public_id}")
            )

    return _question_page(request, course, lesson, form, question=question)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _question_page(
    request: HttpRequest,
    course: Course,
    lesson: Lesson,
    form: QuestionForm,
    *,
    question: Question | None,
) -> HttpResponse:
    context = {
        "course": course,
        "lesson": lesson,
        "form": form,
        "question": question,
        "type_label": QuestionType(form.question_type).label,
        "answered": question is not None and question.answers.exists(),
        **NAV,
    }
    return render(request, "assessments/builder/question_form.html", context)


@login_required
@require_POST
def question_delete(
    request: HttpRequest, course_id: str, lesson_id: str, question_id: str
) -> HttpResponse:
    course, lesson, assessment = get_quiz_for_builder_or_404(
        request.user, course_id, lesson_id
    )
    question = _question_or_404(assessment, question_id)
    try:
        authoring.delete_question(question=question)
    except AuthoringError as error:
        messages.error(request, error.message)
        return redirect(_builder_url(course, lesson, f"question-{question.public_id}"))
    messages.success(request, "Deleted the question.")
    return redirect(_builder_url(course, lesson, "questions"))


@login_required
@require_POST
def question_move(
    request: HttpRequest, course_id: str, lesson_id: str, question_id: str
) -> HttpResponse:
    course, lesson, assessment = get_quiz_for_builder_or_404(
        request.user, course_id, lesson_id
    )
    question = _question_or_404(assessment, question_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to move up or down.")
        return redirect(_builder_url(course, lesson, "questions"))

    offset = form.cleaned_data["offset"]
    if authoring.move_question(question=question, offset=offset):
        messages.success(request, f"Moved the question {_word(offset)}.")
    else:
        end = "first" if offset < 0 else "last"
        messages.info(request, f"The question is already {end}.")
    return redirect(_builder_url(course, lesson, f"question-{question.public_id}"))


def _word(offset: int) -> str:
    return "up" if offset < 0 else "down"

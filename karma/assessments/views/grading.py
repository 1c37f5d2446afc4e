"""Grading pages: the queue of short answers waiting, per course and
across a person's courses, and the page that grades one attempt.

For admins and the course's instructors (SPEC section 1). The overall
queue is a section of the site, so learners get 403 there; a course or an
attempt someone may not grade answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from karma.assessments.forms import AnswerGradeForm
from karma.assessments.models import Answer, Attempt, AttemptStatus, QuestionType
from karma.assessments.permissions import can_grade_assessment
from karma.assessments.services import grading
from karma.assessments.services.grading import GradeInput, GradingError
from karma.courses.permissions import can_create_course, can_manage_course
from karma.courses.selectors import get_course_or_404
from karma.lib.public_ids import has_prefix
from karma.lib.text import format_score

ANSWERS_PER_PAGE = 50
NAV = {"nav_section": "grading"}


# --- The queue ------------------------------------------------------------------


@login_required
@require_GET
def grading_queue(request: HttpRequest) -> HttpResponse:
    """Every short answer waiting in the courses the person grades."""
    if not can_create_course(request.user):
        raise PermissionDenied("Only instructors and admins grade answers.")
    answers = grading.answers_awaiting_grading(user=request.user)
    context = {
        "course": None,
        "counts": grading.awaiting_by_course(user=request.user),
        "page": _page(request, answers),
        **NAV,
    }
    return render(request, "assessments/grading/queue.html", context)


@login_required
@require_GET
def course_grading_queue(request: HttpRequest, course_id: str) -> HttpResponse:
    """The short answers waiting in one course."""
    course = get_course_or_404(course_id)
    if not can_manage_course(request.user, course):
        raise Http404("No such course")
    answers = grading.answers_awaiting_grading(user=request.user, course=course)
    context = {"course": course, "page": _page(request, answers), **NAV}
    return render(request, "assessments/grading/queue.html", context)


def _page(request: HttpRequest, answers: Any) -> Any:
    return Paginator(answers, ANSWERS_PER_PAGE).get_page(request.GET.get("page"))


# --- One attempt ------------------------------------------------------------------


def get_attempt_for_grader_or_404(user: Any, attempt_id: str) -> Attempt:
    """Return a submitted attempt `user` may grade; 404 for anything else,
    an attempt still in progress included."""
    attempt = None
    if has_prefix(attempt_id, "att"):
        attempt = (
            Attempt.objects.select_related(
                "assessment__lesson__course", "learner", "enrollment"
            )
            .filter(public_id=attempt_id)
            .exclude(status=AttemptStatus.IN_PROGRESS)
            .first()
        )
    if attempt is None or not can_grade_assessment(user, attempt.assessment):
        raise Http404("No such attempt")
    return attempt


@login_required
@require_http_methods(["GET", "POST"])
def attempt_grade(request: HttpRequest, attempt_id: str) -> HttpResponse:
    """Every short answer of the attempt with points and feedback to give,
    and the automatically scored answers beside them for context."""
    attempt = get_attempt_for_grader_or_404(request.user, attempt_id)
    answers = grading.attempt_answers(attempt)
    forms = _grade_forms(request, answers)
    if request.method == "POST" and all(form.is_valid() for form in forms):
        grades = [_grade_input(form) for form in forms if form.wants_change()]
        if not grades:
            messages.info(request, "Nothing changed: give points to an answer first.")
            return redirect("assessments:attempt_grade", attempt_id=attempt.public_id)
        try:
            attempt = grading.grade_attempt(
                attempt=attempt, grades=grades, grader=request.user
            )
        except GradingError as error:
            _put_error(forms, error)
        else:
            messages.success(request, _saved_notice(attempt, len(grades)))
            return redirect("assessments:attempt_grade", attempt_id=attempt.public_id)

    return render(
        request, "assessments/grading/attempt.html", _context(attempt, answers, forms)
    )


def _grade_forms(request: HttpRequest, answers: list[Answer]) -> list[AnswerGradeForm]:
    data = request.POST if request.method == "POST" else None
    return [
        AnswerGradeForm(data, answer=answer, prefix=answer.question.public_id)
        for answer in answers
        if answer.question.type == QuestionType.SHORT_ANSWER
    ]


def _grade_input(form: AnswerGradeForm) -> GradeInput:
    return GradeInput(
        question_id=form.answer.question.public_id,
        points=form.cleaned_data["points"],
        feedback=form.cleaned_data["feedback"],
        reason=form.cleaned_data.get("reason", ""),
    )


def _put_error(forms: list[AnswerGradeForm], error: GradingError) -> None:
    for form in forms:
        if form.answer.question.public_id == error.question_id:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
            return
    forms[0].add_error(None, error.message)


def _saved_notice(attempt: Attempt, count: int) -> str:
    saved = f"Saved {count} grade{'s' if count != 1 else ''}."
    if attempt.status == AttemptStatus.FINAL:
        verdict = "passed" if attempt.passed else "did not pass"
        score = format_score(attempt.score_percent)
        return f"{saved} The attempt is final: {score}%, {verdict}."
    return f"{saved} Some answers still wait for grading."


def _context(
    attempt: Attempt, answers: list[Answer], forms: list[AnswerGradeForm]
) -> dict[str, Any]:
    by_answer = {form.answer.pk: form for form in forms}
    items = [
        {
            "answer": answer,
            "number": number,
            "form": by_answer.get(answer.pk),
            "response": describe_response(answer),
        }
        for number, answer in enumerate(answers, start=1)
    ]
    return {
        "attempt": attempt,
        "course": attempt.assessment.lesson.course,
        "lesson": attempt.assessment.lesson,
        "graded": [item for item in items if item["form"]],
        "scored": [item for item in items if not item["form"]],
        "waiting": sum(1 for answer in answers if answer.needs_review),
        **NAV,
    }


def describe_response(answer: Answer) -> list[str]:
    """What the learner answered, as lines of plain text."""
    question, response = answer.question, answer.response or {}
    if question.type == QuestionType.CHOICE:
        chosen = set(response.get("choices") or [])
        picked = [c.text for c in question.choices.all() if c.public_id in chosen]
        return picked or ["No answer"]
    if question.type == QuestionType.TRUE_FALSE:
        value = response.get("value")
        return [{True: "True", False: "False"}.get(value, "No answer")]
    if question.type == QuestionType.MATCHING:
        matches = response.get("matches") or {}
        lines = [
            f"{pair.prompt} → {matches[pair.public_id]}"
            for pair in question.pairs.all()
            if isinstance(matches.get(pair.public_id), str)
        ]
        return lines or ["No answer"]
    text = response.get("text")
    return [text] if isinstance(text, str) and text.strip() else ["No answer"]

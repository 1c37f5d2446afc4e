"""Taking a quiz: start an attempt, answer, save, submit, see the result.

Learners reach these from the quiz box of the lesson player. Someone who
may not open the lesson gets 404; the course's staff get a 403 page when
they try to start, since staff preview quizzes but never take them.
Attempts belong to their learner: anyone else's address is a 404, except
that the course's staff may read a submitted result.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from karma.assessments import selectors
from karma.assessments.models import Attempt, QuestionType
from karma.assessments.services.attempts import (
    AttemptError,
    save_answers,
    start_attempt,
    submit_attempt,
)

logger = logging.getLogger(__name__)


@login_required
@require_POST
def start_attempt_view(
    request: HttpRequest, course_id: str, lesson_id: str
) -> HttpResponse:
    try:
        assessment = selectors.get_quiz_lesson_for_taker(
            request.user, course_id, lesson_id
        )
    except PermissionDenied:
        return _staff_refusal(request)

    try:
        attempt = start_attempt(assessment=assessment, learner=request.user)
    except AttemptError as error:
        messages.error(request, str(error))
        return redirect(_lesson_url(assessment.lesson))
    return redirect("assessments:attempt", attempt.public_id)


@login_required
@require_GET
def attempt_page(request: HttpRequest, attempt_id: str) -> HttpResponse:
    attempt = selectors.get_attempt_for_user_or_404(request.user, attempt_id)

    if attempt.is_open and attempt.learner_id == request.user.pk:
        return _take_page(request, attempt)
    return _result_page(request, attempt)


@login_required
@require_POST
def save_attempt_view(request: HttpRequest, attempt_id: str) -> HttpResponse:
    attempt = selectors.get_own_attempt_or_404(request.user, attempt_id)

    error = ""
    try:
        attempt = save_answers(
            attempt=attempt,
            learner=request.user,
            responses=responses_from_form(attempt, request.POST),
        )
    except AttemptError as refusal:
        error = str(refusal)

    if request.htmx:
        context = {"error": error, "saved_at": timezone.now()}
        return render(request, "assessments/_save_status.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Your answers are saved.")
    return redirect("assessments:attempt", attempt.public_id)


@login_required
@require_POST
def submit_attempt_view(request: HttpRequest, attempt_id: str) -> HttpResponse:
    attempt = selectors.get_own_attempt_or_404(request.user, attempt_id)

    try:
        # The form always sends every answer, so a submit that arrives after
        # the time limit is refused with the service's "Time is up".
        attempt = submit_attempt(
            attempt=attempt,
            learner=request.user,
            responses=responses_from_form(attempt, request.POST),
        )
    except AttemptError as error:
        messages.error(request, str(error))
    return redirect("assessments:attempt", attempt.public_id)


def responses_from_form(attempt: Attempt, data: QueryDict) -> dict[str, dict]:
    """Read the take page's fields into responses for every question.

    The form always holds the whole attempt, so a question with nothing
    ticked is sent as "no answer" and clears what was saved before. Values
    the form cannot send go on as they are, for the service to refuse.
    """
    responses = {}
    for question in selectors.attempt_questions(attempt):
        field = f"q-{question.public_id}"
        if question.type == QuestionType.CHOICE:
            responses[question.public_id] = {"choices": data.getlist(field)}
        elif question.type == QuestionType.TRUE_FALSE:
            responses[question.public_id] = _true_false(data.get(field, ""))
        elif question.type == QuestionType.SHORT_ANSWER:
            responses[question.public_id] = {"text": data.get(field, "")}
        elif question.type == QuestionType.MATCHING:
            matches = {
                pair.public_id: data.get(f"{field}-{pair.public_id}", "")
                for pair in question.pairs.all()
            }
            responses[question.public_id] = {"matches": matches}
    return responses


def _true_false(raw: str) -> dict:
    if not raw:
        return {}
    return {"value": {"true": True, "false": False}.get(raw, raw)}


def _take_page(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    lesson = attempt.assessment.lesson
    context = {
        "attempt": attempt,
        "assessment": attempt.assessment,
        "lesson": lesson,
        "course": lesson.course,
        "questions": selectors.questions_for_learner(attempt),
        "time_left": _clock(selectors.seconds_left(attempt)),
        # Whole seconds: every browser parses this form of ISO 8601.
        "deadline_iso": (
            attempt.deadline_at.replace(microsecond=0).isoformat()
            if attempt.deadline_at
            else ""
        ),
        "lesson_url": _lesson_url(lesson),
    }
    return render(request, "assessments/take.html", context)


def _result_page(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    lesson = attempt.assessment.lesson
    context = {
        "attempt": attempt,
        "lesson": lesson,
        "course": lesson.course,
        "result": selectors.attempt_result(attempt, viewer=request.user),
        "is_own": attempt.learner_id == request.user.pk,
        "lesson_url": _lesson_url(lesson),
    }
    return render(request, "assessments/result.html", context)


def _clock(seconds: int | None) -> str:
    """Seconds as the countdown shows them: 1:05:09, 4:07."""
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def _staff_refusal(request: HttpRequest) -> HttpResponse:
    context = {
        "title": "Staff do not take quizzes",
        "detail": (
            "You manage this course, so you see the quiz as a preview. "
            "Attempts are for the course's learners."
        ),
    }
    return render(request, "web/error.html", context, status=403)


def _lesson_url(lesson) -> str:
    # The lesson player is another module's page; fall back to the course.
    try:
        return reverse(
            "learning:lesson", args=[lesson.course.public_id, lesson.public_id]
        )
    except NoReverseMatch:
        return reverse("courses:course_detail", args=[lesson.course.public_id])

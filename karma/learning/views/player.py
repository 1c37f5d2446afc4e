"""The lesson player: a course's lessons one at a time, with the outline,
the learner's progress and the events that complete lessons (SPEC 6).

Learners with an active or completed enrollment take the course; its staff
get a preview in which nothing is recorded. Someone who may not see the
course gets 404; someone who may see it but has not enrolled is sent to
the course page to enroll.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from karma.courses.models import Lesson, LessonType
from karma.courses.selectors import get_lesson_in_course_or_404
from karma.courses.services import sanitise_text
from karma.enrollments.models import EnrollmentStatus
from karma.learning import selectors
from karma.learning.selectors import NotEnrolled, PlayerAccess
from karma.learning.services import lessons as services
from karma.learning.services.lessons import (
    HEARTBEAT_SECONDS,
    LessonEvent,
    LessonEventError,
    LessonState,
)

logger = logging.getLogger(__name__)

ENROLL_FIRST = "Enroll to start this course."
STAFF_PREVIEW = "Progress is not recorded for staff."
# Events the page's script sends; Mark complete is a form of its own.
PAGE_EVENTS = (LessonEvent.HEARTBEAT, LessonEvent.VIDEO, LessonEvent.REACHED_END)


def _enroll_first(view: Callable) -> Callable:
    """Send a viewer who has not enrolled to the course page to enroll."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotEnrolled as refusal:
            messages.info(request, ENROLL_FIRST)
            return redirect("courses:course_detail", public_id=refusal.course.public_id)

    return wrapped


@login_required
@require_GET
@_enroll_first
def resume(request: HttpRequest, course_id: str) -> HttpResponse:
    """Open the lesson the learner opened last, else the first not done."""
    access = selectors.get_player_access_or_404(request.user, course_id)
    lesson = selectors.resume_lesson(access.course, access.enrollment)
    if lesson is None:
        messages.info(request, "This course has no lessons yet.")
        return redirect("courses:course_detail", public_id=course_id)
    return redirect("learning:lesson", course_id=course_id, lesson_id=lesson.public_id)


@login_required
@require_GET
@never_cache
@_enroll_first
def lesson(request: HttpRequest, course_id: str, lesson_id: str) -> HttpResponse:
    access = selectors.get_player_access_or_404(request.user, course_id)
    outline = selectors.player_outline(
        access.course, access.enrollment, current=lesson_id
    )
    entry = selectors.get_outline_lesson_or_404(outline, lesson_id)

    progress = None
    if not access.is_preview:
        progress = services.open_lesson(
            enrollment=access.enrollment, lesson=entry.lesson
        )
    return render(
        request,
        "learning/player.html",
        _page_context(request, access, outline, entry, progress),
    )


def _page_context(request, access: PlayerAccess, outline, entry, progress) -> dict:
    lesson = entry.lesson
    previous, following = outline.neighbours(entry)
    enrollment = access.enrollment
    quiz_panel = _quiz_panel(request, lesson)
    return {
        "course": access.course,
        "enrollment": enrollment,
        "is_preview": access.is_preview,
        "outline": outline,
        "entry": entry,
        "lesson": lesson,
        "progress": progress,
        "rule": services.completion_rule(lesson),
        "previous": previous,
        "next": following,
        "course_completed": bool(
            enrollment and enrollment.status == EnrollmentStatus.COMPLETED
        ),
        "heartbeat_seconds": HEARTBEAT_SECONDS,
        "quiz_panel": quiz_panel,
        "quiz_waiting_for_grading": _waiting_for_grading(quiz_panel),
        "body_html": _text_html(lesson),
        # Learners reach the player from My Learning, staff from Courses.
        "nav_section": "courses" if access.is_preview else "my_learning",
    }


def _quiz_panel(request: HttpRequest, lesson) -> dict | None:
    if lesson.type != LessonType.QUIZ:
        return None
    # The quiz belongs to the assessments app; imported here so the player
    # works for every other lesson type whatever state that app is in.
    from karma.assessments.selectors import quiz_panel

    return quiz_panel(learner=request.user, lesson=lesson)


def _waiting_for_grading(panel: dict | None) -> bool:
    """Say whether one of the learner's attempts waits for a grader."""
    if panel is None:
        return False
    from karma.assessments.models import AttemptStatus

    return any(
        row["status"] == AttemptStatus.PENDING_REVIEW for row in panel["attempts"]
    )


def _text_html(lesson: Lesson) -> str:
    if lesson.type != LessonType.TEXT:
        return ""
    # Sanitised when saved; again here, so a body written by any other path
    # (a data import, the admin) still runs nothing on a learner's page.
    return mark_safe(sanitise_text(lesson.body))  # noqa: S308 (nh3 output)


# --- Completion by a click ---------------------------------------------------


@login_required
@require_POST
@_enroll_first
def mark_complete(request: HttpRequest, course_id: str, lesson_id: str) -> HttpResponse:
    """Mark complete a lesson that completes by a click (a plain form, so it
    works without the page's script)."""
    access = selectors.get_player_access_or_404(request.user, course_id)
    lesson = _lesson(access, lesson_id)
    back = redirect("learning:lesson", course_id=course_id, lesson_id=lesson_id)
    if access.is_preview:
        messages.info(request, STAFF_PREVIEW)
        return back

    try:
        state = services.mark_complete(enrollment=access.enrollment, lesson=lesson)
    except LessonEventError as error:
        messages.error(request, error.message)
        return back
    _say_what_changed(request, state)
    return back


def _lesson(access: PlayerAccess, lesson_id: str) -> Lesson:
    lesson = get_lesson_in_course_or_404(access.course, lesson_id)
    lesson.course = access.course
    return lesson


def _say_what_changed(request: HttpRequest, state: LessonState) -> None:
    if state.enrollment.status == EnrollmentStatus.COMPLETED and state.just_completed:
        messages.success(request, "Lesson complete. You have completed this course!")
    elif state.just_completed:
        messages.success(request, "Lesson complete.")


# --- Events from the page's script --------------------------------------------


def _json_errors(view: Callable) -> Callable:
    """Answer every refusal of the events endpoint in JSON, never a page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _error("There is no such lesson.", status=404)
        except NotEnrolled:
            return _error(ENROLL_FIRST, status=403)

    return wrapped


def _error(message: str, *, status: int, field: str | None = None) -> JsonResponse:
    return JsonResponse({"error": message, "field": field}, status=status)


@require_POST
@_json_errors
def lesson_events(request: HttpRequest, course_id: str, lesson_id: str) -> HttpResponse:
    """Take one event from the player's script and answer with the progress.

    Body: {"type": "heartbeat" | "video" | "reached_end"}, and for "video"
    the played "ranges" ([[start, end], ...] in seconds) and "duration".
    """
    if not request.user.is_authenticated:
        return _error("Sign in again to keep your progress.", status=401)
    access = selectors.get_player_access_or_404(request.user, course_id)
    if access.is_preview:
        return _error(STAFF_PREVIEW, status=403)
    lesson = _lesson(access, lesson_id)

    try:
        state = _apply_event(access, lesson, _read_body(request))
    except LessonEventError as error:
        logger.warning(
            "lesson event refused",
            extra={"lesson_id": lesson.public_id, "field": error.field},
        )
        return _error(error.message, status=400, field=error.field)
    return JsonResponse(_progress_answer(state))


def _read_body(request: HttpRequest) -> dict:
    try:
        # Infinity and NaN are no numbers of seconds; plain json.loads
        # would accept them.
        body = json.loads(request.body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise LessonEventError("Send a JSON object.") from error
    except RecursionError as error:
        # The decoder gives up on thousands of nested brackets this way.
        raise LessonEventError("The JSON is nested too deeply.") from error
    if not isinstance(body, dict):
        raise LessonEventError("Send a JSON object.")
    return body


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _apply_event(access: PlayerAccess, lesson, body: dict) -> LessonState:
    event = body.get("type")
    if event not in PAGE_EVENTS:
        raise LessonEventError(f"Use one of: {', '.join(PAGE_EVENTS)}.", field="type")
    ranges, duration = [], 0.0
    if event == LessonEvent.VIDEO:
        ranges, duration = services.clean_video_report(
            body.get("ranges"), body.get("duration")
        )
    return services.record_lesson_event(
        enrollment=access.enrollment,
        lesson=lesson,
        event=event,
        ranges=ranges,
        duration=duration,
    )


def _progress_answer(state: LessonState) -> dict:
    enrollment = state.enrollment
    return {
        "completed": state.progress.is_complete,
        "just_completed": state.just_completed,
        "progress_percent": enrollment.progress_percent,
        "required_done": enrollment.required_done,
        "required_total": enrollment.required_total,
        "course_completed": enrollment.status == EnrollmentStatus.COMPLETED,
    }

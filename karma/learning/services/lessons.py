"""What happens as a learner works through lessons: opening, time spent,
video watching, reading to the end, marking complete, quiz outcomes.

Every completion goes through `_complete`, which records the reason and its
evidence and then asks the progress service to recount the enrollment.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from karma.courses.models import Lesson, LessonType
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.learning.models import CompletionReason, LessonProgress
from karma.learning.services.progress import recompute_enrollment

logger = logging.getLogger(__name__)

# The player sends a heartbeat every HEARTBEAT_SECONDS while the page is
# visible and the learner has done something lately. Each one credits the
# time since the last, but never more than this: a tab left open overnight,
# or a laptop woken after lunch, adds one short interval, not hours.
HEARTBEAT_SECONDS = 30
MAX_CREDIT_SECONDS = 60

# Share of a video that counts as watched (SPEC section 6).
VIDEO_COMPLETE_SHARE = 0.9
# A player may run faster than real time; no faster than this counts.
MAX_PLAYBACK_RATE = 2.0
VIDEO_SLACK_SECONDS = 5.0

# Writes to Enrollment.last_active_at at most this often per enrollment.
LAST_ACTIVE_EVERY = timedelta(minutes=1)

# Bounds on what a player may report in one event: no lesson video runs
# longer than this, and a browser's played ranges are a handful, not
# thousands (each pause-and-seek adds one).
MAX_VIDEO_SECONDS = 24 * 60 * 60
MAX_RANGES = 1000


class LessonEventError(Exception):
    """A progress event that does not apply to this lesson, or input that
    does not describe one; `field` names the input at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class CompletionRule:
    """How a lesson counts as complete, as the player offers it."""

    # At least 90% of an uploaded video played.
    VIDEO = "video"
    # A text or document scrolled to its end.
    READ_TO_END = "reached_end"
    # The learner clicks Mark complete: lessons set to manual completion,
    # and linked videos, whose playing Karma cannot see.
    CLICK = "mark_complete"
    # A quiz submitted (or passed, under a passing rule).
    QUIZ = "quiz"


def completion_rule(lesson: Lesson) -> str:
    """Return the CompletionRule that completes `lesson`."""
    if lesson.type == LessonType.QUIZ:
        return CompletionRule.QUIZ
    if lesson.manual_completion:
        return CompletionRule.CLICK
    if lesson.type == LessonType.VIDEO:
        # A linked video plays on another site, out of the player's sight.
        return CompletionRule.VIDEO if lesson.file else CompletionRule.CLICK
    return CompletionRule.READ_TO_END


class LessonEvent:
    """The events a player (page or API client) reports."""

    HEARTBEAT = "heartbeat"
    VIDEO = "video"
    REACHED_END = "reached_end"
    MARK_COMPLETE = "mark_complete"

    ALL = (HEARTBEAT, VIDEO, REACHED_END, MARK_COMPLETE)


@dataclass(frozen=True)
class LessonState:
    progress: LessonProgress
    # True when this event completed the lesson.
    just_completed: bool
    enrollment: Enrollment


def learning_enrollment(*, learner, course) -> Enrollment | None:
    """The enrollment through which `learner` takes `course`: the active
    one, or else the latest completed one. None when there is neither."""
    return (
        Enrollment.objects.filter(
            learner=learner,
            course=course,
            status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED],
        )
        .order_by("status", "-enrolled_at", "-pk")  # "active" sorts first
        .first()
    )


def record_lesson_event(
    *,
    enrollment: Enrollment,
    lesson: Lesson,
    event: str,
    ranges: Iterable[tuple[float, float]] = (),
    duration: float = 0.0,
    now: datetime | None = None,
) -> LessonState:
    """Apply one event the player reported; raise LessonEventError when the
    event is unknown or does not apply to this lesson."""
    if event == LessonEvent.HEARTBEAT:
        progress = record_heartbeat(enrollment=enrollment, lesson=lesson, now=now)
        return LessonState(progress, False, enrollment)
    if event == LessonEvent.VIDEO:
        return record_video_watched(
            enrollment=enrollment,
            lesson=lesson,
            ranges=ranges,
            duration=duration,
            now=now,
        )
    if event == LessonEvent.REACHED_END:
        return record_reached_end(enrollment=enrollment, lesson=lesson, now=now)
    if event == LessonEvent.MARK_COMPLETE:
        return mark_complete(enrollment=enrollment, lesson=lesson, now=now)
    raise LessonEventError(f"Use one of: {', '.join(LessonEvent.ALL)}.", field="event")


def clean_video_report(raw_ranges: object, raw_duration: object) -> tuple:
    """Check the played ranges and duration a player sent.

    Returns (ranges, duration) as floats; raises LessonEventError naming
    the problem for anything that is not a list of [start, end] pairs of
    finite seconds and a finite positive duration.
    """
    duration = _seconds(raw_duration, "duration")
    if not 0 < duration <= MAX_VIDEO_SECONDS:
        raise LessonEventError(
            "Give the video's length in seconds, more than 0.", field="duration"
        )
    if not isinstance(raw_ranges, list) or len(raw_ranges) > MAX_RANGES:
        raise LessonEventError(
            f"Give a list of at most {MAX_RANGES} [start, end] pairs.", field="ranges"
        )
    ranges = []
    for pair in raw_ranges:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise LessonEventError("Each range is a [start, end] pair.", field="ranges")
        start, end = _seconds(pair[0], "ranges"), _seconds(pair[1], "ranges")
        if start < 0 or end < start:
            raise LessonEventError(
                "Each range runs forward from a start of 0 or more.", field="ranges"
            )
        ranges.append((start, end))
    return ranges, duration


def _seconds(raw: object, field: str) -> float:
    # bool is an int to Python, but true is no number of seconds.
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise LessonEventError("Give numbers of seconds.", field=field)
    value = float(raw)
    if not math.isfinite(value):
        raise LessonEventError("Give finite numbers of seconds.", field=field)
    return value


def open_lesson(*, enrollment: Enrollment, lesson: Lesson) -> LessonProgress:
    """Note that the learner opened `lesson`, so they resume here."""
    now = timezone.now()
    progress, created = LessonProgress.objects.get_or_create(
        enrollment=enrollment,
        lesson=lesson,
        defaults={"first_opened_at": now, "last_opened_at": now},
    )
    if not created:
        LessonProgress.objects.filter(pk=progress.pk).update(last_opened_at=now)
        progress.last_opened_at = now
    _touch(enrollment, now)
    return progress


def record_heartbeat(
    *, enrollment: Enrollment, lesson: Lesson, now: datetime | None = None
) -> LessonProgress:
    """Credit the time since the last heartbeat, capped."""
    now = now or timezone.now()
    with transaction.atomic():
        progress = _locked_progress(enrollment, lesson, now)
        if progress.last_heartbeat_at is not None:
            gap = (now - progress.last_heartbeat_at).total_seconds()
            progress.time_spent_seconds += int(max(0, min(gap, MAX_CREDIT_SECONDS)))
        progress.last_heartbeat_at = now
        progress.save(update_fields=["time_spent_seconds", "last_heartbeat_at"])
    _touch(enrollment, now)
    return progress


def record_video_watched(
    *,
    enrollment: Enrollment,
    lesson: Lesson,
    ranges: Iterable[tuple[float, float]],
    duration: float,
    now: datetime | None = None,
) -> LessonState:
    """Merge the played ranges the player reports; complete at 90%.

    The ranges come from the browser's record of what actually played, so
    seeking to the end adds nothing. The server also refuses to believe
    more watching than the wall clock allows since the lesson was first
    opened (at up to double speed).
    """
    _require_rule(lesson, LessonType.VIDEO)
    now = now or timezone.now()
    _touch(enrollment, now)
    with transaction.atomic():
        progress = _locked_progress(enrollment, lesson, now)
        if progress.video_duration is None and _finite(duration) and duration > 0:
            progress.video_duration = float(duration)
        length = progress.video_duration or 0.0
        progress.video_watched = merge_ranges(
            [*progress.video_watched, *ranges], limit=length
        )
        progress.save(update_fields=["video_duration", "video_watched"])

        watched = watched_seconds(progress.video_watched)
        elapsed = (now - progress.first_opened_at).total_seconds()
        believable = min(watched, elapsed * MAX_PLAYBACK_RATE + VIDEO_SLACK_SECONDS)
        if progress.completed_at or length <= 0:
            return LessonState(progress, False, enrollment)
        if believable < VIDEO_COMPLETE_SHARE * length:
            return LessonState(progress, False, enrollment)
        evidence = {
            "watched_seconds": round(watched, 1),
            "duration_seconds": round(length, 1),
            "watched_share": round(watched / length, 3),
        }
        return _complete(progress, CompletionReason.VIDEO_WATCHED, evidence, now)


def record_reached_end(
    *, enrollment: Enrollment, lesson: Lesson, now: datetime | None = None
) -> LessonState:
    """Complete a text or document lesson scrolled to its end."""
    if completion_rule(lesson) != CompletionRule.READ_TO_END:
        raise LessonEventError("This lesson is not completed by scrolling.")
    now = now or timezone.now()
    _touch(enrollment, now)
    with transaction.atomic():
        progress = _locked_progress(enrollment, lesson, now)
        if progress.completed_at:
            return LessonState(progress, False, enrollment)
        return _complete(progress, CompletionReason.READ_TO_END, {}, now)


def mark_complete(
    *, enrollment: Enrollment, lesson: Lesson, now: datetime | None = None
) -> LessonState:
    """Complete a lesson the learner completes by a click: one set to manual
    completion, or a linked video."""
    if completion_rule(lesson) != CompletionRule.CLICK:
        raise LessonEventError("This lesson completes by itself, not by a click.")
    now = now or timezone.now()
    _touch(enrollment, now)
    with transaction.atomic():
        progress = _locked_progress(enrollment, lesson, now)
        if progress.completed_at:
            return LessonState(progress, False, enrollment)
        return _complete(progress, CompletionReason.MARKED_COMPLETE, {}, now)


def record_quiz_outcome(
    *,
    enrollment: Enrollment,
    lesson: Lesson,
    attempt_id: str,
    passed: bool | None,
    now: datetime | None = None,
) -> LessonState:
    """Note a submitted attempt and the learner's current standing.

    The lesson is complete from the first submission (the evidence names
    that attempt); `passed` is the standing from the best final attempt,
    None while nothing is final. Whether a pass is needed is the progress
    service's business, so switching that rule never loses a record.
    """
    _require_rule(lesson, LessonType.QUIZ)
    now = now or timezone.now()
    with transaction.atomic():
        progress = _locked_progress(enrollment, lesson, now)
        progress.quiz_passed = passed
        progress.save(update_fields=["quiz_passed"])
        if progress.completed_at:
            recompute_enrollment(enrollment=enrollment)
            return LessonState(progress, False, enrollment)
        evidence = {"attempt": attempt_id}
        return _complete(progress, CompletionReason.QUIZ_SUBMITTED, evidence, now)


def merge_ranges(
    ranges: Iterable[tuple[float, float]], *, limit: float
) -> list[list[float]]:
    """Sort, clip to [0, limit] and merge overlapping second ranges.

    Pairs that are not finite numbers are dropped: max() and min() would
    otherwise turn a NaN into a range covering the whole video.
    """
    clipped = []
    for start, end in ranges:
        if not (_finite(start) and _finite(end)):
            continue
        start, end = max(0.0, float(start)), min(float(limit), float(end))
        if end > start:
            clipped.append((start, end))
    merged: list[list[float]] = []
    for start, end in sorted(clipped):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(start, 2), round(end, 2)] for start, end in merged]


def watched_seconds(ranges: Iterable[Iterable[float]]) -> float:
    return sum(end - start for start, end in ranges)


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _require_rule(lesson: Lesson, lesson_type: str) -> None:
    wanted = (
        CompletionRule.QUIZ if lesson_type == LessonType.QUIZ else CompletionRule.VIDEO
    )
    if lesson.type != lesson_type or completion_rule(lesson) != wanted:
        raise LessonEventError("This event does not apply to this lesson.")


def _locked_progress(
    enrollment: Enrollment, lesson: Lesson, now: datetime
) -> LessonProgress:
    progress, _ = LessonProgress.objects.get_or_create(
        enrollment=enrollment,
        lesson=lesson,
        defaults={"first_opened_at": now, "last_opened_at": now},
    )
    return LessonProgress.objects.select_for_update().get(pk=progress.pk)


def _complete(
    progress: LessonProgress, reason: str, evidence: dict, now: datetime
) -> LessonState:
    progress.completed_at = now
    progress.completion_reason = reason
    progress.completion_evidence = evidence
    progress.save(
        update_fields=["completed_at", "completion_reason", "completion_evidence"]
    )
    enrollment = recompute_enrollment(enrollment=progress.enrollment)
    logger.info(
        "lesson completed",
        extra={
            "enrollment_id": enrollment.public_id,
            "lesson_id": progress.lesson.public_id,
            "reason": reason,
        },
    )
    return LessonState(progress, True, enrollment)


def note_activity(*, enrollment: Enrollment, now: datetime | None = None) -> None:
    """Record that the learner worked in the course (a quiz saved or
    submitted, say), for last active and the at-risk rules."""
    _touch(enrollment, now or timezone.now())


def _touch(enrollment: Enrollment, now: datetime) -> None:
    """Store last active in the course, at most once a minute."""
    Enrollment.objects.filter(pk=enrollment.pk).exclude(
        last_active_at__gt=now - LAST_ACTIVE_EVERY
    ).update(last_active_at=now)

"""What a learner does in a lesson: opening it, time spent, watching a
video, reading to the end, marking complete (SPEC section 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from karma.courses.models import LessonType
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.models import Enrollment
from karma.enrollments.services.enrollments import enroll_learner
from karma.learning.models import CompletionReason, LessonProgress
from karma.learning.services.lessons import (
    MAX_CREDIT_SECONDS,
    CompletionRule,
    LessonEvent,
    LessonEventError,
    clean_video_report,
    completion_rule,
    mark_complete,
    merge_ranges,
    open_lesson,
    record_heartbeat,
    record_lesson_event,
    record_quiz_outcome,
    record_reached_end,
    record_video_watched,
)

LENGTH = 600.0


@pytest.fixture
def course(instructor):
    return PublishedCourseFactory(owner=instructor)


@pytest.fixture
def module(course):
    return ModuleFactory(course=course)


@pytest.fixture
def enrollment(course, learner, instructor):
    return enroll_learner(
        course=course, learner=learner, enrolled_by=instructor
    ).enrollment


@pytest.fixture
def text(module):
    return LessonFactory(module=module, title="Read me")


@pytest.fixture
def video(module):
    return LessonFactory(
        module=module,
        type=LessonType.VIDEO,
        body="",
        file="courses/lessons/talk.mp4",
        file_name="talk.mp4",
    )


@pytest.fixture
def linked_video(module):
    return LessonFactory(
        module=module,
        type=LessonType.VIDEO,
        body="",
        video_url="https://video.example.com/watch/42",
    )


def _opened_at(enrollment, lesson, when):
    progress = open_lesson(enrollment=enrollment, lesson=lesson)
    LessonProgress.objects.filter(pk=progress.pk).update(first_opened_at=when)


def _watch(enrollment, video, ranges, *, minutes_after_opening: float):
    start = timezone.now() - timedelta(hours=1)
    _opened_at(enrollment, video, start)
    return record_video_watched(
        enrollment=enrollment,
        lesson=video,
        ranges=ranges,
        duration=LENGTH,
        now=start + timedelta(minutes=minutes_after_opening),
    )


def _progress(enrollment, lesson) -> LessonProgress:
    return LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)


# --- Opening a lesson -----------------------------------------------------------


def test_notes_the_lesson_opened_last_and_when_the_learner_was_active(enrollment, text):
    first = open_lesson(enrollment=enrollment, lesson=text)
    again = open_lesson(enrollment=enrollment, lesson=text)

    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1
    assert again.last_opened_at >= first.last_opened_at
    assert Enrollment.objects.get(pk=enrollment.pk).last_active_at is not None


# --- Time spent ---------------------------------------------------------------------


def test_credits_the_time_between_heartbeats(enrollment, text):
    start = timezone.now()

    record_heartbeat(enrollment=enrollment, lesson=text, now=start)
    record_heartbeat(
        enrollment=enrollment, lesson=text, now=start + timedelta(seconds=30)
    )

    assert _progress(enrollment, text).time_spent_seconds == 30


def test_caps_the_credit_of_a_long_gap(enrollment, text):
    start = timezone.now()

    record_heartbeat(enrollment=enrollment, lesson=text, now=start)
    record_heartbeat(enrollment=enrollment, lesson=text, now=start + timedelta(hours=9))

    assert _progress(enrollment, text).time_spent_seconds == MAX_CREDIT_SECONDS


def test_credits_nothing_for_a_first_or_backwards_heartbeat(enrollment, text):
    start = timezone.now()

    record_heartbeat(enrollment=enrollment, lesson=text, now=start)
    record_heartbeat(
        enrollment=enrollment, lesson=text, now=start - timedelta(seconds=40)
    )

    assert _progress(enrollment, text).time_spent_seconds == 0


# --- Videos ------------------------------------------------------------------------


def test_seeking_to_the_end_does_not_complete_a_video(enrollment, video):
    state = _watch(enrollment, video, [(0, 20), (580, 600)], minutes_after_opening=30)

    assert not state.just_completed
    assert _progress(enrollment, video).completed_at is None


def test_completes_a_video_at_90_percent_of_the_ranges_played(enrollment, video):
    _watch(enrollment, video, [(0, 300)], minutes_after_opening=30)
    state = record_video_watched(
        enrollment=enrollment,
        lesson=video,
        ranges=[(290, 540)],
        duration=LENGTH,
    )

    assert state.just_completed
    progress = _progress(enrollment, video)
    assert progress.completion_reason == CompletionReason.VIDEO_WATCHED
    assert progress.video_watched == [[0.0, 540.0]]
    assert progress.completion_evidence["watched_share"] == 0.9


def test_does_not_complete_a_video_at_89_percent(enrollment, video):
    state = _watch(enrollment, video, [(0, 534)], minutes_after_opening=30)

    assert not state.just_completed


def test_refuses_more_watching_than_twice_the_wall_clock_allows(enrollment, video):
    # Two minutes after opening, at most about four minutes can have played.
    state = _watch(enrollment, video, [(0, 600)], minutes_after_opening=2)

    assert not state.just_completed
    assert _progress(enrollment, video).video_watched == [[0.0, 600.0]]


def test_keeps_the_duration_first_reported(enrollment, video):
    _watch(enrollment, video, [(0, 10)], minutes_after_opening=30)
    record_video_watched(
        enrollment=enrollment, lesson=video, ranges=[(10, 20)], duration=20
    )

    progress = _progress(enrollment, video)
    assert progress.video_duration == LENGTH
    assert progress.completed_at is None


def test_merges_overlapping_ranges_and_clips_them_to_the_video():
    merged = merge_ranges(
        [(50, 70), (0, 10), (5, 20), (590, 900), (-5, 1), (30, 30)], limit=600
    )

    assert merged == [[0.0, 20.0], [50.0, 70.0], [590.0, 600.0]]


def test_drops_ranges_that_are_not_finite_numbers():
    nan, inf = float("nan"), float("inf")

    assert merge_ranges([(nan, nan), (0, inf), (1, 2)], limit=600) == [[1.0, 2.0]]


@pytest.mark.parametrize(
    ("ranges", "duration", "field"),
    [
        ([[0, 10]], None, "duration"),
        ([[0, 10]], 0, "duration"),
        ([[0, 10]], -3, "duration"),
        ([[0, 10]], "600", "duration"),
        ([[0, 10]], True, "duration"),
        ([[0, 10]], float("inf"), "duration"),
        ([[0, 10]], 10**9, "duration"),
        ("0-10", 600, "ranges"),
        ([[0]], 600, "ranges"),
        ([[0, 1, 2]], 600, "ranges"),
        ([[10, 5]], 600, "ranges"),
        ([[-1, 5]], 600, "ranges"),
        ([["a", "b"]], 600, "ranges"),
        ([[0, float("nan")]], 600, "ranges"),
        ([[0, 1]] * 1001, 600, "ranges"),
    ],
)
def test_refuses_a_video_report_that_describes_no_watching(ranges, duration, field):
    with pytest.raises(LessonEventError) as refusal:
        clean_video_report(ranges, duration)

    assert refusal.value.field == field


def test_accepts_a_video_report_of_numbers():
    assert clean_video_report([[0, 10.5], [20, 30]], 600) == (
        [(0.0, 10.5), (20.0, 30.0)],
        600.0,
    )


def test_refuses_video_events_for_a_linked_video(enrollment, linked_video):
    with pytest.raises(LessonEventError):
        record_video_watched(
            enrollment=enrollment, lesson=linked_video, ranges=[(0, 60)], duration=60
        )


# --- Reading to the end and marking complete -----------------------------------------


def test_completes_a_text_read_to_the_end_once(enrollment, text):
    first = record_reached_end(enrollment=enrollment, lesson=text)
    second = record_reached_end(enrollment=enrollment, lesson=text)

    assert first.just_completed
    assert not second.just_completed
    assert _progress(enrollment, text).completed_at == first.progress.completed_at


def test_refuses_reaching_the_end_of_a_video(enrollment, video):
    with pytest.raises(LessonEventError):
        record_reached_end(enrollment=enrollment, lesson=video)


def test_refuses_a_click_on_a_lesson_that_completes_by_itself(enrollment, text):
    with pytest.raises(LessonEventError):
        mark_complete(enrollment=enrollment, lesson=text)

    assert not LessonProgress.objects.exists()


def test_completes_a_manual_lesson_by_a_click_only(enrollment, module):
    manual = LessonFactory(module=module, manual_completion=True)

    with pytest.raises(LessonEventError):
        record_reached_end(enrollment=enrollment, lesson=manual)
    state = mark_complete(enrollment=enrollment, lesson=manual)

    assert state.just_completed
    assert state.progress.completion_reason == CompletionReason.MARKED_COMPLETE


def test_completes_a_linked_video_by_a_click(enrollment, linked_video):
    state = mark_complete(enrollment=enrollment, lesson=linked_video)

    assert state.just_completed


def test_refuses_a_click_on_a_quiz(enrollment, module):
    quiz = LessonFactory(
        module=module, type=LessonType.QUIZ, body="", manual_completion=True
    )

    with pytest.raises(LessonEventError):
        mark_complete(enrollment=enrollment, lesson=quiz)


@pytest.mark.parametrize(
    ("lesson_type", "manual", "linked", "rule"),
    [
        (LessonType.TEXT, False, False, CompletionRule.READ_TO_END),
        (LessonType.DOCUMENT, False, False, CompletionRule.READ_TO_END),
        (LessonType.VIDEO, False, False, CompletionRule.VIDEO),
        (LessonType.VIDEO, False, True, CompletionRule.CLICK),
        (LessonType.TEXT, True, False, CompletionRule.CLICK),
        (LessonType.VIDEO, True, False, CompletionRule.CLICK),
        (LessonType.QUIZ, False, False, CompletionRule.QUIZ),
        (LessonType.QUIZ, True, False, CompletionRule.QUIZ),
    ],
)
def test_names_the_rule_that_completes_each_kind_of_lesson(
    module, lesson_type, manual, linked, rule
):
    lesson = LessonFactory(
        module=module,
        type=lesson_type,
        manual_completion=manual,
        file="" if linked or lesson_type in ("text", "quiz") else "lessons/f.bin",
        video_url="https://video.example.com/1" if linked else "",
    )

    assert completion_rule(lesson) == rule


def test_refuses_an_unknown_event(enrollment, text):
    with pytest.raises(LessonEventError) as refusal:
        record_lesson_event(enrollment=enrollment, lesson=text, event="skip")

    assert refusal.value.field == "event"


def test_applies_each_known_event(enrollment, text, module):
    manual = LessonFactory(module=module, manual_completion=True)

    heartbeat = record_lesson_event(
        enrollment=enrollment, lesson=text, event=LessonEvent.HEARTBEAT
    )
    read = record_lesson_event(
        enrollment=enrollment, lesson=text, event=LessonEvent.REACHED_END
    )
    clicked = record_lesson_event(
        enrollment=enrollment, lesson=manual, event=LessonEvent.MARK_COMPLETE
    )

    assert not heartbeat.just_completed
    assert read.just_completed
    assert clicked.just_completed
    assert clicked.enrollment.status == "completed"


# --- Lessons after the course is completed ------------------------------------------


def test_records_lessons_after_completion_without_changing_the_enrollment(
    enrollment, text, module
):
    record_reached_end(enrollment=enrollment, lesson=text)
    completed = Enrollment.objects.get(pk=enrollment.pk)
    later = LessonFactory(module=module)

    state = record_reached_end(enrollment=completed, lesson=later)

    assert state.just_completed
    after = Enrollment.objects.get(pk=enrollment.pk)
    assert after.status == "completed"
    assert after.completed_at == completed.completed_at


def test_completes_a_quiz_at_its_first_submission(enrollment, module):
    quiz = LessonFactory(module=module, type=LessonType.QUIZ, body="")

    state = record_quiz_outcome(
        enrollment=enrollment, lesson=quiz, attempt_id="att_1", passed=None
    )

    assert state.just_completed
    assert state.progress.completion_evidence == {"attempt": "att_1"}

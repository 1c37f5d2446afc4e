"""The shapes of lesson and course progress in the API. Rules stay in
services/: these only say which fields exist and what type they have."""

from __future__ import annotations

from rest_framework import serializers

from karma.courses.serializers import named_choices
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.learning.models import CompletionReason
from karma.learning.services.lessons import MAX_RANGES, LessonEvent

REASONS = [("", "Not complete"), *CompletionReason.choices]


# --- Reporting progress ---------------------------------------------------------


class ProgressEventSerializer(serializers.Serializer):
    event = named_choices(
        "LessonEvent",
        [(event, event) for event in LessonEvent.ALL],
        help_text="heartbeat: the learner is in the lesson (time between "
        "heartbeats is credited, at most a minute each); video: the ranges "
        "played so far, completing at 90% of the duration; reached_end: a "
        "text or document scrolled to its end; mark_complete: a lesson set "
        "to manual completion, or a linked video.",
    )
    ranges = serializers.ListField(
        child=serializers.ListField(
            child=serializers.FloatField(), min_length=2, max_length=2
        ),
        required=False,
        max_length=MAX_RANGES,
        help_text="video only: the [start, end] seconds actually played (the "
        "browser's `played` ranges, which seeking does not add to).",
    )
    duration = serializers.FloatField(
        required=False, help_text="video only: the video's length in seconds."
    )


class EnrollmentFiguresSerializer(serializers.ModelSerializer):
    """The course-level figures the progress service stores."""

    id = serializers.CharField(source="public_id")
    status = named_choices("EnrollmentStatus", EnrollmentStatus.choices)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "status",
            "progress_percent",
            "required_done",
            "required_total",
            "completed_at",
        ]
        read_only_fields = fields


class LessonProgressSerializer(serializers.Serializer):
    """One learner's record of one lesson, after an event."""

    lesson_id = serializers.CharField(source="progress.lesson.public_id")
    completed = serializers.BooleanField(source="progress.is_complete")
    just_completed = serializers.BooleanField(
        help_text="True when this event completed the lesson."
    )
    completed_at = serializers.DateTimeField(
        source="progress.completed_at", allow_null=True
    )
    completion_reason = named_choices(
        "CompletionReason", REASONS, source="progress.completion_reason"
    )
    time_spent_seconds = serializers.IntegerField(source="progress.time_spent_seconds")
    video_watched = serializers.ListField(
        source="progress.video_watched",
        child=serializers.ListField(child=serializers.FloatField()),
        help_text="Video lessons: the merged [start, end] seconds played.",
    )
    enrollment = EnrollmentFiguresSerializer(
        help_text="The course progress after this event."
    )


# --- Reading progress -------------------------------------------------------------


class LessonRowSerializer(serializers.Serializer):
    """A lesson of the course and the learner's record of it."""

    id = serializers.CharField(source="lesson.public_id")
    title = serializers.CharField(source="lesson.title")
    type = serializers.CharField(source="lesson.type")
    module_id = serializers.CharField(source="lesson.module.public_id")
    module_name = serializers.CharField(source="lesson.module.name")
    required = serializers.BooleanField(source="lesson.required")
    completed_at = serializers.DateTimeField(
        source="progress.completed_at", allow_null=True, default=None
    )
    completion_reason = named_choices(
        "CompletionReason",
        REASONS,
        source="progress.completion_reason",
        default="",
    )
    time_spent_seconds = serializers.IntegerField(
        source="progress.time_spent_seconds", default=0
    )
    quiz_passed = serializers.BooleanField(
        source="progress.quiz_passed",
        allow_null=True,
        default=None,
        help_text="Quiz lessons: whether the best final attempt passes; null "
        "until an attempt is final.",
    )


class EnrollmentProgressSerializer(serializers.ModelSerializer):
    """An enrollment's figures and, lesson by lesson, what was done."""

    id = serializers.CharField(source="public_id")
    user_id = serializers.CharField(source="learner.public_id")
    course_id = serializers.CharField(source="course.public_id")
    status = named_choices("EnrollmentStatus", EnrollmentStatus.choices)
    time_spent_seconds = serializers.IntegerField(
        help_text="Seconds credited across every lesson of the course."
    )
    completion_evidence = serializers.JSONField(
        help_text="Why the enrollment was completed: the rule and the lessons "
        "behind it. Empty until completed."
    )
    lessons = LessonRowSerializer(many=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "user_id",
            "course_id",
            "status",
            "progress_percent",
            "required_done",
            "required_total",
            "enrolled_at",
            "completed_at",
            "last_active_at",
            "time_spent_seconds",
            "completion_evidence",
            "lessons",
        ]
        read_only_fields = fields


class CourseProgressRowSerializer(serializers.ModelSerializer):
    """One enrollment's figures in the course-wide list."""

    id = serializers.CharField(source="public_id")
    user_id = serializers.CharField(source="learner.public_id")
    status = named_choices("EnrollmentStatus", EnrollmentStatus.choices)
    time_spent_seconds = serializers.IntegerField(
        help_text="Seconds credited across every lesson of the course."
    )

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "user_id",
            "status",
            "progress_percent",
            "required_done",
            "required_total",
            "enrolled_at",
            "completed_at",
            "last_active_at",
            "time_spent_seconds",
        ]
        read_only_fields = fields


class CourseProgressQuerySerializer(serializers.Serializer):
    status = named_choices(
        "EnrollmentStatus",
        EnrollmentStatus.choices,
        required=False,
        help_text="Only enrollments with this status.",
    )

"""The shapes of the reports, export jobs and audit log in the API.

Every name here starts with Report, Export or Audit, so none collides with
another app's component in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from karma.audit.models import AuditEvent, AuditKind
from karma.courses.serializers import named_choices
from karma.enrollments.models import EnrollmentStatus
from karma.reports.forms import SEARCH_MAX_LENGTH
from karma.reports.models import ExportFormat, ExportJob, ExportKind, ExportStatus
from karma.reports.selectors.course import PROGRESS_SORTS, ProgressStatus

SORT_CHOICES = [*PROGRESS_SORTS, *(f"-{key}" for key in PROGRESS_SORTS)]


# --- Figures ---------------------------------------------------------------------


class ReportTotalsSerializer(serializers.Serializer):
    enrolled = serializers.IntegerField(help_text="Active and completed.")
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    dropped = serializers.IntegerField()
    not_started = serializers.IntegerField(help_text="Active, at 0%.")
    active_this_week = serializers.IntegerField(
        help_text="Learners active in the course in the last 7 days."
    )
    average_progress = serializers.FloatField(
        allow_null=True, help_text="Over active and completed enrollments."
    )
    completion_rate = serializers.FloatField(
        allow_null=True,
        help_text="Completed ÷ (active + completed), in percent; null "
        "with nobody enrolled.",
    )


class ReportCourseSummarySerializer(ReportTotalsSerializer):
    in_progress = serializers.IntegerField(help_text="Active, above 0%.")
    at_risk = serializers.IntegerField()


class ReportBandSerializer(serializers.Serializer):
    label = serializers.CharField(help_text='Score band, such as "70–79".')
    count = serializers.IntegerField()


class ReportQuizSerializer(serializers.Serializer):
    assessment_id = serializers.CharField(source="assessment.public_id")
    lesson_id = serializers.CharField(source="assessment.lesson.public_id")
    course_id = serializers.CharField(source="course.public_id")
    title = serializers.CharField()
    passing_score = serializers.IntegerField(source="assessment.passing_score")
    learners = serializers.IntegerField(help_text="Learners with a final attempt.")
    passed = serializers.IntegerField(help_text="Learners whose best score passes.")
    pass_rate = serializers.FloatField(allow_null=True)
    average = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="The mean of learners' best scores.",
    )
    waiting = serializers.IntegerField(help_text="Attempts pending review.")
    distribution = ReportBandSerializer(many=True, source="bands")


class ReportCourseReportSerializer(serializers.Serializer):
    summary = ReportCourseSummarySerializer()
    quizzes = ReportQuizSerializer(many=True)


# --- Learners --------------------------------------------------------------------


class ReportRiskSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[
            "not_started",
            "inactive_two_weeks",
            "low_score",
            "inactive_week",
            "behind_class",
        ]
    )
    severity = serializers.IntegerField(help_text="Higher is more urgent.")
    label = serializers.CharField(help_text="The rule in a few words.")
    reason = serializers.CharField(help_text="Why, with this learner's figures.")


class ReportModuleCellSerializer(serializers.Serializer):
    module_id = serializers.CharField(source="module.public_id")
    name = serializers.CharField(source="module.name")
    required = serializers.IntegerField(source="module.required")
    done = serializers.IntegerField(help_text="Required lessons done.")
    percent = serializers.IntegerField(
        allow_null=True, help_text="Null when nothing in the module is required."
    )


class _LearnerFields(serializers.Serializer):
    enrollment_id = serializers.CharField(source="enrollment.public_id")
    user_id = serializers.CharField(source="enrollment.learner.public_id")
    name = serializers.CharField(source="enrollment.learner.name")
    email = serializers.EmailField(source="enrollment.learner.email")
    status = named_choices(
        "EnrollmentStatus", EnrollmentStatus.choices, source="enrollment.status"
    )
    progress_percent = serializers.IntegerField(source="enrollment.progress_percent")
    required_done = serializers.IntegerField(source="enrollment.required_done")
    required_total = serializers.IntegerField(source="enrollment.required_total")
    enrolled_at = serializers.DateTimeField(source="enrollment.enrolled_at")
    completed_at = serializers.DateTimeField(
        source="enrollment.completed_at", allow_null=True
    )
    last_active_at = serializers.DateTimeField(
        source="enrollment.last_active_at", allow_null=True
    )
    time_spent_seconds = serializers.IntegerField(source="seconds")
    risks = ReportRiskSerializer(many=True)


class ReportMatrixRowSerializer(_LearnerFields):
    modules = ReportModuleCellSerializer(many=True, source="cells")


class ReportMatrixQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX_LENGTH,
        help_text="Part of the learner's name or email (any case and accents).",
    )
    status = serializers.ChoiceField(
        choices=[value for value, _ in ProgressStatus.choices], required=False
    )
    sort = serializers.ChoiceField(
        choices=SORT_CHOICES,
        required=False,
        default="name",
        help_text='"-" first for descending. Never-active learners sort last.',
    )


class ReportLessonSerializer(serializers.Serializer):
    lesson_id = serializers.CharField(source="lesson.public_id")
    module_id = serializers.CharField(source="lesson.module.public_id")
    title = serializers.CharField(source="lesson.title")
    required = serializers.BooleanField(source="lesson.required")
    done = serializers.BooleanField(
        source="counts", help_text="Counts towards the course's progress."
    )
    completed_at = serializers.DateTimeField(
        source="progress.completed_at", allow_null=True, default=None
    )
    time_spent_seconds = serializers.IntegerField(
        source="progress.time_spent_seconds", default=0
    )
    last_opened_at = serializers.DateTimeField(
        source="progress.last_opened_at", allow_null=True, default=None
    )


class ReportAttemptSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    assessment_id = serializers.CharField(source="assessment.public_id")
    quiz = serializers.CharField(source="assessment.lesson.title")
    number = serializers.IntegerField()
    status = serializers.CharField()
    score_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True
    )
    passed = serializers.BooleanField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)


class ReportLearnerDetailSerializer(_LearnerFields):
    lessons = serializers.SerializerMethodField()
    attempts = ReportAttemptSerializer(many=True)

    def get_lessons(self, detail: Any) -> list[dict[str, Any]]:
        lines = [line for block in detail.modules for line in block.lessons]
        return ReportLessonSerializer(lines, many=True).data


# --- Teaching dashboard and platform ---------------------------------------------


class ReportCourseRowSerializer(serializers.Serializer):
    course_id = serializers.CharField(source="public_id")
    title = serializers.CharField()
    enrolled = serializers.IntegerField()
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    dropped = serializers.IntegerField()
    not_started = serializers.IntegerField()
    active_this_week = serializers.IntegerField()
    average_progress = serializers.FloatField(allow_null=True)
    completion_rate = serializers.FloatField(allow_null=True)
    at_risk = serializers.IntegerField()


class ReportAtRiskSerializer(serializers.Serializer):
    enrollment_id = serializers.CharField(source="public_id")
    course_id = serializers.CharField(source="course.public_id")
    user_id = serializers.CharField(source="learner.public_id")
    name = serializers.CharField(source="learner.name")
    progress_percent = serializers.IntegerField()
    last_active_at = serializers.DateTimeField(allow_null=True)
    risks = ReportRiskSerializer(many=True)


class ReportFeedItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["enrolled", "completed", "submitted"])
    at = serializers.DateTimeField()
    user_id = serializers.CharField(source="learner.public_id")
    name = serializers.CharField(source="learner.name")
    course_id = serializers.CharField(source="course.public_id")
    detail = serializers.CharField(help_text="The quiz, for a submission.")


class ReportWaitingSerializer(serializers.Serializer):
    course_id = serializers.CharField(source="public_id")
    title = serializers.CharField()
    waiting = serializers.IntegerField(help_text="Answers waiting for a grader.")


class ReportTeachingSerializer(serializers.Serializer):
    totals = ReportTotalsSerializer()
    at_risk_total = serializers.IntegerField()
    at_risk = ReportAtRiskSerializer(
        many=True, help_text="The 20 most urgent, the worst rule first."
    )
    feed = ReportFeedItemSerializer(many=True)
    grading_waiting = ReportWaitingSerializer(many=True, source="waiting")
    quizzes = ReportQuizSerializer(many=True)


class ReportWeekSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The Monday the week starts on.")
    enrollments = serializers.IntegerField()
    completions = serializers.IntegerField()
    lessons_completed = serializers.IntegerField()
    attempts_submitted = serializers.IntegerField()


class ReportPlatformSerializer(serializers.Serializer):
    totals = ReportTotalsSerializer()
    learners = serializers.IntegerField(help_text="Active learner accounts.")
    learners_active_this_week = serializers.IntegerField()
    courses_published = serializers.IntegerField()
    weeks = ReportWeekSerializer(many=True)


# --- Export jobs -------------------------------------------------------------------


class ExportJobCreateSerializer(serializers.Serializer):
    kind = named_choices("ExportKind", ExportKind.choices)
    format = named_choices("ExportFormat", ExportFormat.choices)


class ExportFormatQuerySerializer(serializers.Serializer):
    format = named_choices("ExportFormat", ExportFormat.choices, default="csv")


class ExportJobSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    course_id = serializers.CharField(source="course.public_id")
    kind = named_choices("ExportKind", ExportKind.choices)
    format = named_choices("ExportFormat", ExportFormat.choices, source="file_format")
    status = named_choices(
        "ExportStatus",
        ExportStatus.choices,
        help_text="queued → running → done (or failed). Poll until done.",
    )
    download_url = serializers.SerializerMethodField(
        help_text="Where to GET the file once done; null before."
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "course_id",
            "kind",
            "format",
            "status",
            "row_count",
            "file_name",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportStatus.DONE:
            return None
        return reverse("api:export_job_download", args=[job.public_id])


# --- Audit log -----------------------------------------------------------------------


class AuditPersonSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    email = serializers.EmailField()


class AuditEventSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    kind = named_choices("AuditKind", AuditKind.choices)
    actor = AuditPersonSerializer(allow_null=True, help_text="Null for the system.")
    subject = AuditPersonSerializer(allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "kind",
            "actor",
            "subject",
            "target",
            "details",
            "reason",
        ]


class AuditEventQuerySerializer(serializers.Serializer):
    actor = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Who acted: a user id (`usr_...`), or part of a name or email.",
    )
    subject = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Whom it was about: a user id, or part of a name or email.",
    )
    kind = named_choices("AuditKind", AuditKind.choices, required=False)
    target = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="What else it touched: a public id such as `crs_...`.",
    )
    date_from = serializers.DateField(
        required=False, help_text="From this day, in the server's time zone."
    )
    date_to = serializers.DateField(required=False, help_text="To this day, included.")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"date_to": ["Choose a date on or after date_from."]}
            )
        return data

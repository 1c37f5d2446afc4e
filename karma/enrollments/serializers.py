"""The shapes of enrollments and bulk enrollment jobs in the API. Rules stay
in services/: these only say which fields exist and what type they have."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from karma.courses.serializers import named_choices
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkEnrollmentRow,
    BulkJobStatus,
    BulkSource,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    RowOutcome,
    UnknownEmailPolicy,
)
from karma.enrollments.services.bulk import job_notes, progress_of

PUBLIC_ID_MAX_LENGTH = 32
REASON_MAX_LENGTH = 500
# Statuses a PATCH may ask for: completion comes from progress, never a client.
SETTABLE_STATUSES = [
    (EnrollmentStatus.ACTIVE, "Active (reactivates a dropped enrollment)"),
    (EnrollmentStatus.DROPPED, "Dropped (progress is kept)"),
]


# --- Enrollments --------------------------------------------------------------


class EnrollmentSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    user_id = serializers.CharField(source="learner.public_id")
    course_id = serializers.CharField(source="course.public_id")
    status = named_choices("EnrollmentStatus", EnrollmentStatus.choices)
    source = named_choices("EnrollmentSource", EnrollmentSource.choices)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "user_id",
            "course_id",
            "status",
            "progress_percent",
            "enrolled_at",
            "completed_at",
            "dropped_at",
            "last_active_at",
            "source",
        ]
        read_only_fields = fields


class EnrolledSerializer(EnrollmentSerializer):
    """An enrollment just made (or found), with what staff enrollment skipped.

    The view passes the warnings in the context.
    """

    warnings = serializers.SerializerMethodField(
        help_text="Rules staff enrollment skipped (invite-only, missing "
        "prerequisites); empty for self-enrollment."
    )

    class Meta(EnrollmentSerializer.Meta):
        fields = [*EnrollmentSerializer.Meta.fields, "warnings"]
        read_only_fields = fields

    def get_warnings(self, enrollment: Enrollment) -> list[str]:
        return list(self.context.get("warnings", []))


class EnrollmentListQuerySerializer(serializers.Serializer):
    user_id = serializers.CharField(
        required=False, max_length=PUBLIC_ID_MAX_LENGTH, help_text="`usr_...`"
    )
    course_id = serializers.CharField(
        required=False, max_length=PUBLIC_ID_MAX_LENGTH, help_text="`crs_...`"
    )
    status = named_choices("EnrollmentStatus", EnrollmentStatus.choices, required=False)


class EnrollmentCreateSerializer(serializers.Serializer):
    user_id = serializers.CharField(
        required=False,
        max_length=PUBLIC_ID_MAX_LENGTH,
        help_text="Whom to enroll; you when left out. Learners may enroll "
        "only themselves; the course's staff may enroll others.",
    )
    course_id = serializers.CharField(max_length=PUBLIC_ID_MAX_LENGTH)


def _reason() -> serializers.CharField:
    return serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Kept in the audit log.",
    )


class EnrollmentUpdateSerializer(serializers.Serializer):
    status = named_choices("EnrollmentStatusChange", SETTABLE_STATUSES)
    reason = _reason()


class EnrollmentRemoveSerializer(serializers.Serializer):
    reason = _reason()


# --- Bulk enrollment ----------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
        ],
        "description": "Addresses as a list, or as pasted text (one a line, "
        "or separated by commas, semicolons or spaces).",
    }
)
class PastedEmailsField(serializers.Field):
    """A list of addresses or pasted text; either becomes pasted text."""

    default_error_messages = {
        "invalid": "Give a list of addresses or text with one address a line.",
        "null_character": "Addresses cannot contain NUL characters.",
    }

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            text = "\n".join(data)
        elif isinstance(data, str):
            text = data
        else:
            self.fail("invalid")
        if "\x00" in text:
            self.fail("null_character")
        return text

    def to_representation(self, value: str) -> str:
        return value


class BulkStartSerializer(serializers.Serializer):
    file = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="Multipart only: a CSV (any common encoding and separator) "
        "or .xlsx workbook with an email column.",
    )
    emails = PastedEmailsField(required=False)
    user_ids = serializers.ListField(
        child=serializers.CharField(max_length=PUBLIC_ID_MAX_LENGTH),
        required=False,
        allow_empty=False,
        help_text="Existing users to enroll (`usr_...`).",
    )
    unknown_emails = serializers.ChoiceField(
        choices=UnknownEmailPolicy.choices,
        default=UnknownEmailPolicy.SKIP,
        help_text="What to do with addresses that have no account: skip them, "
        "or (admins only) invite them as learners.",
    )
    dry_run = serializers.BooleanField(
        default=False,
        help_text="Only review: the report says what would happen and the "
        "job can never be confirmed.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("file", "emails", "user_ids") if name in data]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Send exactly one of file, emails or user_ids."
            )
        return data

    @property
    def input_source(self) -> str:
        data = self.validated_data
        if "file" in data:
            return BulkSource.FILE
        return BulkSource.PASTE if "emails" in data else BulkSource.USERS


class BulkJobSerializer(serializers.ModelSerializer):
    """A job as read; the view loads it with its course."""

    id = serializers.CharField(source="public_id")
    course_id = serializers.CharField(source="course.public_id")
    status = named_choices(
        "BulkJobStatus",
        BulkJobStatus.choices,
        help_text="reviewing → ready (or done, for a dry run) → running → "
        "done; failed says why in `error`. Poll until ready or done.",
    )
    source = named_choices("BulkSource", BulkSource.choices)
    unknown_emails = serializers.ChoiceField(
        source="unknown_policy", choices=UnknownEmailPolicy.choices
    )
    processed_rows = serializers.SerializerMethodField(
        help_text="Rows checked (while reviewing) or applied (while running)."
    )
    progress_percent = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField(
        help_text="Rows per outcome; while ready, what confirming would do."
    )
    notes = serializers.SerializerMethodField(
        help_text="What the reader decided (ignored columns, warnings)."
    )

    class Meta:
        model = BulkEnrollmentJob
        fields = [
            "id",
            "course_id",
            "status",
            "source",
            "file_name",
            "unknown_emails",
            "dry_run",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "counts",
            "notes",
            "error",
            "created_at",
            "confirmed_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_processed_rows(self, job: BulkEnrollmentJob) -> int:
        return progress_of(job)

    def get_progress_percent(self, job: BulkEnrollmentJob) -> int:
        # The model's figure counts stored rows only; the live count of a
        # running step is in the cache (progress_of).
        if not job.total_rows:
            return job.progress_percent
        return min(100, progress_of(job) * 100 // job.total_rows)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                outcome: {"type": "integer", "minimum": 0}
                for outcome in RowOutcome.values
            },
        }
    )
    def get_counts(self, job: BulkEnrollmentJob) -> dict[str, int]:
        return {outcome: job.counts.get(outcome, 0) for outcome in RowOutcome.values}

    def get_notes(self, job: BulkEnrollmentJob) -> list[str]:
        return job_notes(job)


class BulkRowSerializer(serializers.ModelSerializer):
    outcome = serializers.ChoiceField(
        choices=RowOutcome.choices,
        help_text="In a review or dry run, what would happen to the row.",
    )

    class Meta:
        model = BulkEnrollmentRow
        fields = ["line", "email", "outcome", "message"]
        read_only_fields = fields


class BulkJobReportSerializer(BulkJobSerializer):
    """A job with one page of its per-row report, passed in the context."""

    rows = serializers.SerializerMethodField(
        help_text="One page of the per-row report (see meta), in file order; "
        "null until the job is ready or done."
    )

    class Meta(BulkJobSerializer.Meta):
        fields = [*BulkJobSerializer.Meta.fields, "rows"]
        read_only_fields = fields

    @extend_schema_field(BulkRowSerializer(many=True, allow_null=True))
    def get_rows(self, job: BulkEnrollmentJob) -> list[dict[str, Any]] | None:
        rows = self.context.get("rows")
        return None if rows is None else BulkRowSerializer(rows, many=True).data

"""The grading endpoints of the API: a course's queue of answers waiting,
and grading one answer of an attempt (SPEC sections 7 and 8).

The same rules as the grading pages. A course or attempt someone may not
grade answers 404, as if it did not exist; the learner who made an attempt
knows it exists and gets 403. A refusal of the grading rules is a 422
VALIDATION_ERROR naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from karma.api.permissions import IsAuthenticatedAndPasswordCurrent
from karma.assessments.models import Answer, Attempt, AttemptStatus, QuestionType
from karma.assessments.permissions import can_grade_assessment
from karma.assessments.services import grading
from karma.assessments.services.grading import (
    FEEDBACK_MAX_LENGTH,
    REASON_MAX_LENGTH,
    GradeInput,
    GradingError,
)
from karma.courses.models import Course
from karma.courses.permissions import can_manage_course
from karma.courses.serializers import named_choices
from karma.lib.public_ids import has_prefix

SIGNED_IN = [IsAuthenticatedAndPasswordCurrent]
TAGS = ["grading"]
NO_COURSE = "There is no course with this id."
NO_ATTEMPT = "There is no attempt with this id."
NOT_A_GRADER = "Only the course's instructors and admins grade attempts."

COURSE_ID = OpenApiParameter(
    "course_id", str, OpenApiParameter.PATH, description="The course's id (`crs_...`)."
)
ATTEMPT_ID = OpenApiParameter(
    "attempt_id",
    str,
    OpenApiParameter.PATH,
    description="The attempt's id (`att_...`).",
)


# --- Shapes -------------------------------------------------------------------


class WaitingAnswerSerializer(serializers.Serializer):
    """A short answer waiting for a grader."""

    attempt_id = serializers.CharField(source="attempt.public_id")
    question_id = serializers.CharField(source="question.public_id")
    assessment_id = serializers.CharField(source="attempt.assessment.public_id")
    lesson_id = serializers.CharField(source="attempt.assessment.lesson.public_id")
    lesson_title = serializers.CharField(source="attempt.assessment.lesson.title")
    course_id = serializers.CharField(
        source="attempt.assessment.lesson.course.public_id"
    )
    user_id = serializers.CharField(source="attempt.learner.public_id")
    learner_name = serializers.CharField(source="attempt.learner.name")
    attempt_number = serializers.IntegerField(source="attempt.number")
    submitted_at = serializers.DateTimeField(source="attempt.submitted_at")
    prompt = serializers.CharField(source="question.prompt")
    max_points = serializers.IntegerField(source="question.points")
    grading_guidance = serializers.CharField(source="question.grading_guidance")
    text = serializers.SerializerMethodField(help_text="What the learner wrote.")

    def get_text(self, answer: Answer) -> str:
        text = (answer.response or {}).get("text")
        return text if isinstance(text, str) else ""


class GradedAnswerSerializer(serializers.Serializer):
    question_id = serializers.CharField(source="question.public_id")
    type = named_choices("QuestionType", QuestionType.choices, source="question.type")
    max_points = serializers.IntegerField(source="question.points")
    points_awarded = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        help_text="Null while the answer waits for a grader.",
    )
    needs_review = serializers.BooleanField()
    feedback = serializers.CharField()
    graded_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When a person graded it; null when scored "
        "automatically or still waiting.",
    )


class GradedAttemptSerializer(serializers.Serializer):
    """An attempt as a grader sees it: its score and every answer's points."""

    id = serializers.CharField(source="public_id")
    assessment_id = serializers.CharField(source="assessment.public_id")
    course_id = serializers.CharField(source="assessment.lesson.course.public_id")
    user_id = serializers.CharField(source="learner.public_id")
    number = serializers.IntegerField()
    status = named_choices("AttemptStatus", AttemptStatus.choices)
    submitted_at = serializers.DateTimeField(allow_null=True)
    graded_at = serializers.DateTimeField(allow_null=True)
    score_points = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True
    )
    max_points = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True
    )
    score_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Null while any answer waits for a grader.",
    )
    passed = serializers.BooleanField(allow_null=True)
    answers = serializers.SerializerMethodField()

    @extend_schema_field(GradedAnswerSerializer(many=True))
    def get_answers(self, attempt: Attempt) -> list[dict[str, Any]]:
        answers = grading.attempt_answers(attempt)
        return GradedAnswerSerializer(answers, many=True).data


class GradeSerializer(serializers.Serializer):
    question_id = serializers.CharField(
        max_length=32, help_text="The question (`qst_...`) whose answer is graded."
    )
    points = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        help_text="From 0 to the question's points, at most two decimals.",
    )
    feedback = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=FEEDBACK_MAX_LENGTH
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX_LENGTH,
        help_text="Required to change a grade already given (a person's or "
        "the automatic one); kept in the audit log.",
    )


@contextmanager
def grading_errors_as_422() -> Iterator[None]:
    """Turn a refusal of the grading service into a 422 naming the field."""
    try:
        yield
    except GradingError as error:
        field = error.field or api_settings.NON_FIELD_ERRORS_KEY
        raise ValidationError({field: [error.message]}) from error


# --- Loading ------------------------------------------------------------------


def course_for_grader(user: Any, public_id: str) -> Course:
    course = None
    if has_prefix(public_id, "crs"):
        course = Course.objects.filter(public_id=public_id).first()
    if course is None or not can_manage_course(user, course):
        raise NotFound(NO_COURSE)
    return course


def attempt_for_grader(user: Any, public_id: str) -> Attempt:
    """The attempt `user` may grade; 403 for its own learner, who knows it
    exists, and 404 for everyone else who may not grade it."""
    attempt = None
    if has_prefix(public_id, "att"):
        attempt = (
            Attempt.objects.select_related(
                "assessment__lesson__course", "learner", "enrollment"
            )
            .filter(public_id=public_id)
            .first()
        )
    if attempt is None:
        raise NotFound(NO_ATTEMPT)
    if can_grade_assessment(user, attempt.assessment):
        return attempt
    if attempt.learner_id == user.pk:
        raise PermissionDenied(NOT_A_GRADER)
    raise NotFound(NO_ATTEMPT)


# --- Endpoints ----------------------------------------------------------------


class CourseGradingQueueView(GenericAPIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="List a course's short answers waiting for a grader",
        description="For the course's instructors and admins; the "
        "longest-waiting first. Each item holds the learner's text and the "
        "grading guidance.",
        parameters=[COURSE_ID],
        responses=WaitingAnswerSerializer(many=True),
    )
    def get(self, request: Request, course_id: str) -> Response:
        course = course_for_grader(request.user, course_id)
        answers = grading.answers_awaiting_grading(user=request.user, course=course)
        page = self.paginate_queryset(answers)
        return self.get_paginated_response(
            WaitingAnswerSerializer(page, many=True).data
        )


class AttemptGradesView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Grade one answer of a submitted attempt",
        description="Gives the answer its points and feedback, then settles "
        "the attempt: final, with score and pass, once no answer waits. "
        "Changing a grade already given, or an automatic score, needs a "
        "`reason`. Refused with 422 for an attempt still in progress, a "
        "question the attempt has no answer to, and points out of range.",
        parameters=[ATTEMPT_ID],
        request=GradeSerializer,
        responses=GradedAttemptSerializer,
    )
    def post(self, request: Request, attempt_id: str) -> Response:
        attempt = attempt_for_grader(request.user, attempt_id)
        form = GradeSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        with grading_errors_as_422():
            attempt = grading.grade_attempt(
                attempt=attempt,
                grades=[GradeInput(**form.validated_data)],
                grader=request.user,
            )
        return Response(GradedAttemptSerializer(attempt).data)

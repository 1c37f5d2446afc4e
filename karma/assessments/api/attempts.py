"""The quiz endpoints of the API: read a quiz without its answers, start
and list attempts, save answers, submit (SPEC sections 7 and 8).

The same rules as the pages. Whoever may not open the quiz lesson gets
404; the course's staff may read quizzes and attempts but get 403 when
they try to start, answer or submit. A refusal of the quiz rules
(AttemptError) is a 422 VALIDATION_ERROR with the service's sentence.

Staff read the same question shapes as learners, without correct
answers: the quiz builder is where answers are edited, and one shape
keeps the guarantee simple.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from karma.api.permissions import IsAuthenticatedAndPasswordCurrent
from karma.assessments import selectors
from karma.assessments.models import Assessment, Attempt, AttemptStatus
from karma.assessments.permissions import can_take_assessment
from karma.assessments.serializers import (
    AnswersSerializer,
    AssessmentSerializer,
    AttemptListQuerySerializer,
    AttemptSerializer,
    AttemptSummarySerializer,
    SubmitSerializer,
)
from karma.assessments.services import attempts as services
from karma.assessments.services.attempts import AttemptError
from karma.assessments.services.authoring import assessment_for
from karma.courses.models import Lesson, LessonType
from karma.courses.permissions import can_open_lessons
from karma.lib.public_ids import has_prefix

SIGNED_IN = [IsAuthenticatedAndPasswordCurrent]
TAGS = ["assessments"]
NO_QUIZ = "There is no quiz with this id."
NO_ATTEMPT = "There is no attempt with this id."
STAFF_DO_NOT_TAKE = "Course staff preview quizzes but do not take them."
NOT_YOURS = "Only the learner who made this attempt can answer or submit it."

ASSESSMENT_ID = OpenApiParameter(
    "assessment_id",
    str,
    OpenApiParameter.PATH,
    description="The quiz's id (`asmnt_...`); the quiz lesson's id "
    "(`les_...`) is accepted too.",
)
ATTEMPT_ID = OpenApiParameter(
    "attempt_id",
    str,
    OpenApiParameter.PATH,
    description="The attempt's id (`att_...`).",
)


@contextmanager
def attempt_errors_as_422() -> Iterator[None]:
    """Turn a refusal of the attempt service into a 422 naming the field."""
    try:
        yield
    except AttemptError as error:
        field = f"answers.{error.field}" if error.field else None
        raise ValidationError(
            {field or api_settings.NON_FIELD_ERRORS_KEY: [str(error)]}
        ) from error


# --- Loading ------------------------------------------------------------------


def assessment_for_user(user: Any, public_id: str) -> Assessment:
    """The quiz `user` may open, by its id or its lesson's; 404 otherwise."""
    assessment = None
    if has_prefix(public_id, "asmnt"):
        assessment = (
            Assessment.objects.select_related("lesson__course")
            .filter(public_id=public_id)
            .first()
        )
    elif has_prefix(public_id, "les"):
        lesson = (
            Lesson.objects.select_related("course")
            .filter(public_id=public_id, type=LessonType.QUIZ)
            .first()
        )
        assessment = assessment_for(lesson) if lesson else None
    if assessment is None or not can_open_lessons(user, assessment.lesson.course):
        raise NotFound(NO_QUIZ)
    return assessment


def attempt_for_user(user: Any, public_id: str, *, acting: bool = False) -> Attempt:
    """An attempt `user` may read (their own, or any in a course they
    manage); when `acting`, only their own: staff get 403, others 404."""
    try:
        attempt = selectors.get_attempt_for_user_or_404(user, public_id)
    except Http404 as error:
        raise NotFound(NO_ATTEMPT) from error
    if acting and attempt.learner_id != user.pk:
        raise PermissionDenied(NOT_YOURS)
    return attempt


# --- Shapes -------------------------------------------------------------------


def assessment_body(assessment: Assessment) -> dict[str, Any]:
    lesson = assessment.lesson
    questions = selectors.assessment_questions_for_learner(assessment)
    return {
        "id": assessment.public_id,
        "lesson_id": lesson.public_id,
        "course_id": lesson.course.public_id,
        "title": lesson.title,
        "passing_score": assessment.passing_score,
        "time_limit_minutes": assessment.time_limit_minutes,
        "attempt_limit": assessment.attempt_limit,
        "randomize_questions": assessment.randomize_questions,
        "show_results": assessment.show_results,
        "allow_review": assessment.allow_review,
        "require_passing": assessment.require_passing,
        "total_points": sum(q["points"] for q in questions),
        # In authored order; an attempt has its own order (shuffled when
        # the quiz randomizes), returned when it starts.
        "questions": questions,
    }


def summary_body(attempt: Attempt, viewer: Any) -> dict[str, Any]:
    result = selectors.attempt_result(attempt, viewer=viewer)
    return {
        "id": attempt.public_id,
        "assessment_id": attempt.assessment.public_id,
        "user_id": attempt.learner.public_id,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline_at": attempt.deadline_at,
        "submitted_at": attempt.submitted_at,
        "auto_submitted": attempt.auto_submitted,
        "score_points": result["score_points"],
        "max_points": result["max_points"],
        "score_percent": result["score_percent"],
        "passed": result["passed"],
    }


def attempt_body(attempt: Attempt, viewer: Any) -> dict[str, Any]:
    body = summary_body(attempt, viewer)
    body["seconds_left"] = None
    body["questions"] = None
    body["review"] = None
    if attempt.status == AttemptStatus.IN_PROGRESS:
        body["seconds_left"] = selectors.seconds_left(attempt)
        body["questions"] = selectors.questions_for_learner(attempt)
        return body
    result = selectors.attempt_result(attempt, viewer=viewer)
    if result["show_review"]:
        body["review"] = result["questions"]
    return body


def _serialized(serializer: type, data: Any, **kwargs: Any) -> Any:
    return serializer(data, **kwargs).data


# --- Endpoints ----------------------------------------------------------------


class AssessmentDetailView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Read a quiz: its settings and questions, without answers",
        description="For learners enrolled in the course and the course's "
        "staff. No field says which option is right, how a matching pairs "
        "up, or what a grader looks for in a short answer; matching answer "
        "texts come sorted alphabetically.",
        parameters=[ASSESSMENT_ID],
        responses=AssessmentSerializer,
    )
    def get(self, request: Request, assessment_id: str) -> Response:
        assessment = assessment_for_user(request.user, assessment_id)
        return Response(_serialized(AssessmentSerializer, assessment_body(assessment)))


class AssessmentAttemptsView(GenericAPIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="List attempts at a quiz",
        description="Learners get their own attempts; the course's staff "
        "get everyone's, or one learner's with `user_id`. Ordered by learner, "
        "then attempt number. Scores are null while pending review, and for "
        "learners when the quiz keeps results hidden.",
        parameters=[ASSESSMENT_ID, AttemptListQuerySerializer],
        responses=AttemptSummarySerializer(many=True),
    )
    def get(self, request: Request, assessment_id: str) -> Response:
        assessment = assessment_for_user(request.user, assessment_id)
        query = AttemptListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)

        attempts = selectors.attempts_for_viewer(
            assessment=assessment,
            viewer=request.user,
            user_id=query.validated_data.get("user_id"),
        )
        page = self.paginate_queryset(attempts)
        rows = [summary_body(attempt, request.user) for attempt in page]
        return self.get_paginated_response(
            _serialized(AttemptSummarySerializer, rows, many=True)
        )

    @extend_schema(
        tags=TAGS,
        summary="Start an attempt, or resume the open one (learners)",
        description="201 with a new attempt; 200 with the learner's open "
        "attempt when one is still running. The attempt holds its questions "
        "in its own order, without answers. Refused with 422 when the "
        "learner is not enrolled, the quiz has no questions or the attempt "
        "limit is used; 403 for the course's staff, who do not take quizzes.",
        parameters=[ASSESSMENT_ID],
        request=None,
        responses={
            201: AttemptSerializer,
            200: OpenApiResponse(AttemptSerializer, description="Resumed."),
        },
    )
    def post(self, request: Request, assessment_id: str) -> Response:
        assessment = assessment_for_user(request.user, assessment_id)
        if not can_take_assessment(request.user, assessment):
            raise PermissionDenied(STAFF_DO_NOT_TAKE)
        open_before = _open_attempt_id(assessment, request.user)

        with attempt_errors_as_422():
            attempt = services.start_attempt(
                assessment=assessment, learner=request.user
            )
        code = status.HTTP_200_OK if attempt.pk == open_before else 201
        body = attempt_body(_reloaded(attempt), request.user)
        return Response(_serialized(AttemptSerializer, body), status=code)


def _open_attempt_id(assessment: Assessment, learner: Any) -> int | None:
    return (
        Attempt.objects.filter(
            assessment=assessment, learner=learner, status=AttemptStatus.IN_PROGRESS
        )
        .values_list("pk", flat=True)
        .first()
    )


def _reloaded(attempt: Attempt) -> Attempt:
    return Attempt.objects.select_related(
        "assessment__lesson__course", "learner", "enrollment"
    ).get(pk=attempt.pk)


class AttemptDetailView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Read an attempt",
        description="For its learner and the course's staff. Open: the "
        "questions with what was saved, never the answers. Submitted: the "
        "score when the quiz shows results, and `review` (correct answers, "
        "explanations, points) when it allows review; staff see both. An "
        "attempt whose time ran out reads as submitted (`auto_submitted`).",
        parameters=[ATTEMPT_ID],
        responses=AttemptSerializer,
    )
    def get(self, request: Request, attempt_id: str) -> Response:
        attempt = attempt_for_user(request.user, attempt_id)
        body = attempt_body(attempt, request.user)
        return Response(_serialized(AttemptSerializer, body))


class AttemptAnswersView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Save answers to an open attempt (its learner)",
        description="Saves each question's response, replacing what was "
        "saved for it; `{}` clears an answer. Refused with 422 once the "
        "attempt is submitted, past its deadline and grace (the attempt is "
        "then submitted with what was saved before), for an id that is not "
        "a question of the attempt, and for a response of the wrong shape: "
        "a field of another question type, a null, an option or pair of "
        "another question, or several options where one is right. The "
        "error names the question (`answers.<question id>`), and nothing "
        "of the request is saved.",
        parameters=[ATTEMPT_ID],
        request=AnswersSerializer,
        responses=AttemptSerializer,
    )
    def put(self, request: Request, attempt_id: str) -> Response:
        attempt = attempt_for_user(request.user, attempt_id, acting=True)
        form = AnswersSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        with attempt_errors_as_422():
            services.save_answers(
                attempt=attempt,
                learner=request.user,
                responses=form.validated_data["answers"],
            )
        body = attempt_body(_reloaded(attempt), request.user)
        return Response(_serialized(AttemptSerializer, body))


class AttemptSubmitView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Submit an attempt (its learner)",
        description="Saves `answers` if given, then grades every question: "
        "choices all or nothing, true/false exactly, matching with partial "
        "credit; short answers wait for a grader (status pending_review). "
        "Submitting an attempt already submitted returns it unchanged, so "
        "a retried request grades once. Past the deadline and its grace the "
        "attempt is submitted with what was saved before and reads "
        "`auto_submitted: true`: without `answers` that attempt is the 200 "
        "answer; with `answers` it is a 422, as for a late save, since the "
        "answers were not taken (read the attempt for its result).",
        parameters=[ATTEMPT_ID],
        request=SubmitSerializer,
        responses=AttemptSerializer,
    )
    def post(self, request: Request, attempt_id: str) -> Response:
        attempt = attempt_for_user(request.user, attempt_id, acting=True)
        form = SubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        with attempt_errors_as_422():
            services.submit_attempt(
                attempt=attempt,
                learner=request.user,
                responses=form.validated_data.get("answers"),
            )
        body = attempt_body(_reloaded(attempt), request.user)
        return Response(_serialized(AttemptSerializer, body))

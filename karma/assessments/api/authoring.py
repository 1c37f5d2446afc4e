"""The quiz builder's endpoints: a quiz's settings and its questions with
their answers, for the course's staff (SPEC sections 7 and 8).

The same rules as the builder pages. Anyone who may not build the quiz
gets 404, as if it did not exist: these shapes hold the correct answers.
A refusal of the quiz rules is a 422 VALIDATION_ERROR naming the field.

A quiz's settings change at `assessments/{id}/settings`: reading
`assessments/{id}` is the learners' endpoint (api/attempts.py), which
never shows answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from karma.api.permissions import IsAuthenticatedAndPasswordCurrent
from karma.assessments.models import Assessment, Question, QuestionType
from karma.assessments.permissions import can_build_assessment
from karma.assessments.services import authoring
from karma.assessments.services.authoring import (
    ATTEMPT_LIMIT_RANGE,
    ITEM_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    PASSING_SCORE_RANGE,
    POINTS_RANGE,
    PROMPT_MAX_LENGTH,
    TIME_LIMIT_RANGE,
    AuthoringError,
    OptionInput,
    PairInput,
    QuestionInput,
)
from karma.courses.models import Lesson, LessonType
from karma.courses.serializers import DeletedSerializer, named_choices
from karma.lib.public_ids import has_prefix

SIGNED_IN = [IsAuthenticatedAndPasswordCurrent]
TAGS = ["quiz builder"]
NO_QUIZ = "There is no quiz with this id."
NO_QUESTION = "There is no question with this id."
# Service field names -> the API's names for the same input.
API_FIELDS = {"correct_true": "answer"}

ASSESSMENT_ID = OpenApiParameter(
    "assessment_id",
    str,
    OpenApiParameter.PATH,
    description="The quiz's id (`asmnt_...`); the quiz lesson's id "
    "(`les_...`) is accepted too.",
)
QUESTION_ID = OpenApiParameter(
    "question_id", str, OpenApiParameter.PATH, description="`qst_...`"
)
SETTINGS = (
    "passing_score",
    "time_limit_minutes",
    "attempt_limit",
    "randomize_questions",
    "show_results",
    "allow_review",
    "require_passing",
)


@contextmanager
def authoring_errors_as_422() -> Iterator[None]:
    try:
        yield
    except AuthoringError as error:
        field = API_FIELDS.get(error.field or "", error.field)
        raise ValidationError(
            {field or api_settings.NON_FIELD_ERRORS_KEY: [error.message]}
        ) from error


# --- Shapes -------------------------------------------------------------------


def _bounded(bounds: tuple[int, int], **kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=bounds[0], max_value=bounds[1], **kwargs)


class QuizSettingsSerializer(serializers.Serializer):
    """Send only what changes."""

    passing_score = _bounded(PASSING_SCORE_RANGE, required=False)
    time_limit_minutes = _bounded(
        TIME_LIMIT_RANGE, required=False, allow_null=True, help_text="null: none."
    )
    attempt_limit = _bounded(
        ATTEMPT_LIMIT_RANGE,
        required=False,
        allow_null=True,
        help_text="null: unlimited.",
    )
    randomize_questions = serializers.BooleanField(required=False)
    show_results = serializers.BooleanField(required=False)
    allow_review = serializers.BooleanField(required=False)
    require_passing = serializers.BooleanField(
        required=False,
        help_text="The lesson counts as done only once passed; switching it "
        "recounts every learner's progress.",
    )


class QuizSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    lesson_id = serializers.CharField(source="lesson.public_id")
    course_id = serializers.CharField(source="lesson.course.public_id")
    title = serializers.CharField(source="lesson.title")
    passing_score = serializers.IntegerField()
    time_limit_minutes = serializers.IntegerField(allow_null=True)
    attempt_limit = serializers.IntegerField(allow_null=True)
    randomize_questions = serializers.BooleanField()
    show_results = serializers.BooleanField()
    allow_review = serializers.BooleanField()
    require_passing = serializers.BooleanField()
    question_count = serializers.IntegerField()
    total_points = serializers.IntegerField()


class AuthoredOptionSerializer(serializers.Serializer):
    id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="An existing option's id, to change it in place; leave out "
        "for a new option.",
    )
    text = serializers.CharField(max_length=ITEM_MAX_LENGTH)
    correct = serializers.BooleanField(default=False)


class AuthoredPairSerializer(serializers.Serializer):
    id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="An existing pair's id, to change it in place.",
    )
    prompt = serializers.CharField(max_length=ITEM_MAX_LENGTH)
    answer = serializers.CharField(max_length=ITEM_MAX_LENGTH)


class QuestionWriteSerializer(serializers.Serializer):
    """A question to add, or the parts of one to change."""

    type = named_choices(
        "QuestionType",
        QuestionType.choices,
        help_text="Fixed once the question exists.",
    )
    prompt = serializers.CharField(max_length=PROMPT_MAX_LENGTH)
    points = _bounded(POINTS_RANGE, default=1)
    options = AuthoredOptionSerializer(
        many=True,
        required=False,
        help_text="choice: 2 to 10, at least one correct. On a change, the "
        "whole new list; options left out are removed.",
    )
    pairs = AuthoredPairSerializer(
        many=True,
        required=False,
        help_text="matching: 2 to 10, every answer different. On a change, "
        "the whole new list.",
    )
    answer = serializers.BooleanField(
        required=False, allow_null=True, help_text="true_false: the right answer."
    )
    grading_guidance = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH
    )
    explanation = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH
    )


class AuthoredQuestionSerializer(serializers.Serializer):
    """A question with its answers, as its quiz's staff see it."""

    id = serializers.CharField(source="public_id")
    assessment_id = serializers.CharField(source="assessment.public_id")
    position = serializers.IntegerField()
    type = named_choices("QuestionType", QuestionType.choices)
    prompt = serializers.CharField()
    points = serializers.IntegerField()
    options = serializers.SerializerMethodField()
    pairs = serializers.SerializerMethodField()
    answer = serializers.BooleanField(source="correct_true", allow_null=True)
    grading_guidance = serializers.CharField()
    explanation = serializers.CharField()

    @extend_schema_field(AuthoredOptionSerializer(many=True, allow_null=True))
    def get_options(self, question: Question) -> list[dict[str, Any]] | None:
        if question.type != QuestionType.CHOICE:
            return None
        rows = question.choices.all()
        return AuthoredOptionSerializer(
            [
                {"id": c.public_id, "text": c.text, "correct": c.is_correct}
                for c in rows
            ],
            many=True,
        ).data

    @extend_schema_field(AuthoredPairSerializer(many=True, allow_null=True))
    def get_pairs(self, question: Question) -> list[dict[str, Any]] | None:
        if question.type != QuestionType.MATCHING:
            return None
        rows = question.pairs.all()
        return AuthoredPairSerializer(
            [{"id": p.public_id, "prompt": p.prompt, "answer": p.answer} for p in rows],
            many=True,
        ).data


class QuestionOrderSerializer(serializers.Serializer):
    question_ids = serializers.ListField(
        child=serializers.CharField(max_length=32),
        allow_empty=False,
        help_text="Question ids in their new order; questions left out keep "
        "their relative order after the ones listed.",
    )


# --- Loading ------------------------------------------------------------------


def quiz_for_builder(user: Any, public_id: str) -> Assessment:
    """The quiz `user` may build, by its id or its lesson's; 404 otherwise."""
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
        assessment = authoring.assessment_for(lesson) if lesson else None
    if assessment is None or not can_build_assessment(user, assessment):
        raise NotFound(NO_QUIZ)
    return assessment


def question_for_builder(user: Any, public_id: str) -> Question:
    question = None
    if has_prefix(public_id, "qst"):
        question = (
            Question.objects.select_related("assessment__lesson__course")
            .filter(public_id=public_id)
            .first()
        )
    if question is None or not can_build_assessment(user, question.assessment):
        raise NotFound(NO_QUESTION)
    return question


def _quiz_body(assessment: Assessment) -> dict[str, Any]:
    assessment.question_count = assessment.questions.count()
    assessment.total_points = authoring.total_points(assessment)
    return QuizSerializer(assessment).data


def _question_body(question: Question) -> dict[str, Any]:
    fresh = (
        Question.objects.select_related("assessment")
        .prefetch_related("choices", "pairs")
        .get(pk=question.pk)
    )
    return AuthoredQuestionSerializer(fresh).data


def _question_input(
    data: dict[str, Any], base: Question | None = None
) -> QuestionInput:
    """The service's input from the request, with what a change leaves out
    taken from `base`."""
    if base is not None:
        data = {**_current(base), **data}
    return QuestionInput(
        type=data["type"],
        prompt=data["prompt"],
        points=data["points"],
        options=[
            OptionInput(o.get("text", ""), o.get("correct", False), o.get("id", ""))
            for o in data.get("options") or []
        ],
        pairs=[
            PairInput(p.get("prompt", ""), p.get("answer", ""), p.get("id", ""))
            for p in data.get("pairs") or []
        ],
        correct_true=data.get("answer"),
        grading_guidance=data.get("grading_guidance", ""),
        explanation=data.get("explanation", ""),
    )


def _current(question: Question) -> dict[str, Any]:
    return {
        "type": question.type,
        "prompt": question.prompt,
        "points": question.points,
        "options": [
            {"id": c.public_id, "text": c.text, "correct": c.is_correct}
            for c in question.choices.all()
        ],
        "pairs": [
            {"id": p.public_id, "prompt": p.prompt, "answer": p.answer}
            for p in question.pairs.all()
        ],
        "answer": question.correct_true,
        "grading_guidance": question.grading_guidance,
        "explanation": question.explanation,
    }


# --- Endpoints ----------------------------------------------------------------


class QuizSettingsView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Read a quiz's settings (its course's staff)",
        parameters=[ASSESSMENT_ID],
        responses=QuizSerializer,
    )
    def get(self, request: Request, assessment_id: str) -> Response:
        assessment = quiz_for_builder(request.user, assessment_id)
        return Response(_quiz_body(assessment))

    @extend_schema(
        tags=TAGS,
        summary="Change a quiz's settings (its course's staff)",
        description="Send only what changes. Switching `require_passing` "
        "recounts the progress of every learner in the course.",
        parameters=[ASSESSMENT_ID],
        request=QuizSettingsSerializer,
        responses=QuizSerializer,
    )
    def patch(self, request: Request, assessment_id: str) -> Response:
        assessment = quiz_for_builder(request.user, assessment_id)
        form = QuizSettingsSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)

        current = {name: getattr(assessment, name) for name in SETTINGS}
        with authoring_errors_as_422():
            authoring.update_assessment_settings(
                assessment=assessment, **{**current, **form.validated_data}
            )
        return Response(_quiz_body(assessment))


class QuizQuestionsView(GenericAPIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="List a quiz's questions with their answers (its staff)",
        parameters=[ASSESSMENT_ID],
        responses=AuthoredQuestionSerializer(many=True),
    )
    def get(self, request: Request, assessment_id: str) -> Response:
        assessment = quiz_for_builder(request.user, assessment_id)
        questions = assessment.questions.select_related("assessment").prefetch_related(
            "choices", "pairs"
        )
        page = self.paginate_queryset(questions)
        return self.get_paginated_response(
            AuthoredQuestionSerializer(page, many=True).data
        )

    @extend_schema(
        tags=TAGS,
        summary="Add a question at the end of a quiz (its staff)",
        description="choice needs `options`, true_false `answer`, matching "
        "`pairs`; short_answer may have `grading_guidance`.",
        parameters=[ASSESSMENT_ID],
        request=QuestionWriteSerializer,
        responses={201: AuthoredQuestionSerializer},
    )
    def post(self, request: Request, assessment_id: str) -> Response:
        assessment = quiz_for_builder(request.user, assessment_id)
        form = QuestionWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        with authoring_errors_as_422():
            question = authoring.add_question(
                assessment=assessment, data=_question_input(form.validated_data)
            )
        return Response(_question_body(question), status=status.HTTP_201_CREATED)


class QuizQuestionOrderView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Put a quiz's questions in a new order (its staff)",
        parameters=[ASSESSMENT_ID],
        request=QuestionOrderSerializer,
        responses=AuthoredQuestionSerializer(many=True),
    )
    def put(self, request: Request, assessment_id: str) -> Response:
        assessment = quiz_for_builder(request.user, assessment_id)
        form = QuestionOrderSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        with authoring_errors_as_422():
            authoring.reorder_questions(
                assessment=assessment,
                question_ids=form.validated_data["question_ids"],
            )
        questions = assessment.questions.prefetch_related("choices", "pairs")
        return Response(AuthoredQuestionSerializer(questions, many=True).data)


class QuestionDetailView(APIView):
    permission_classes = SIGNED_IN

    @extend_schema(
        tags=TAGS,
        summary="Read a question with its answers (its quiz's staff)",
        parameters=[QUESTION_ID],
        responses=AuthoredQuestionSerializer,
    )
    def get(self, request: Request, question_id: str) -> Response:
        question = question_for_builder(request.user, question_id)
        return Response(_question_body(question))

    @extend_schema(
        tags=TAGS,
        summary="Change a question (its quiz's staff)",
        description="Send only what changes; `options` and `pairs` replace "
        "the whole list (name an existing item's `id` to keep it). Scores "
        "already given do not change; attempts started from now on use "
        "the new version.",
        parameters=[QUESTION_ID],
        request=QuestionWriteSerializer,
        responses=AuthoredQuestionSerializer,
    )
    def patch(self, request: Request, question_id: str) -> Response:
        question = question_for_builder(request.user, question_id)
        form = QuestionWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)

        data = _question_input(form.validated_data, base=question)
        with authoring_errors_as_422():
            authoring.update_question(question=question, data=data)
        return Response(_question_body(question))

    @extend_schema(
        tags=TAGS,
        summary="Delete a question (its quiz's staff)",
        description="Refused with 422 once a submitted attempt answered it: "
        "change it instead.",
        parameters=[QUESTION_ID],
        responses=DeletedSerializer,
    )
    def delete(self, request: Request, question_id: str) -> Response:
        question = question_for_builder(request.user, question_id)
        with authoring_errors_as_422():
            authoring.delete_question(question=question)
        return Response({"id": question_id, "deleted": True})

"""The shapes of quizzes and attempts in the API. Rules stay in services/
and what a viewer may see is decided in selectors.py: these only say which
fields exist and what type they have.

A learner's question never carries a correctness flag: the shapes for
taking a quiz (QuestionSerializer) have no such field at all, so none can
leak; correct answers exist only in ReviewedQuestionSerializer, used once
an attempt is submitted and the quiz allows review.
"""

from __future__ import annotations

from rest_framework import serializers

from karma.assessments.models import AttemptStatus, QuestionType
from karma.courses.serializers import named_choices

PUBLIC_ID_MAX_LENGTH = 32


class OptionSerializer(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField()


class MatchPromptSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The pair's id: the key in `matches`.")
    prompt = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    """A question as a learner sees it while taking the quiz."""

    id = serializers.CharField()
    number = serializers.IntegerField(help_text="Its place in this listing, from 1.")
    type = named_choices("QuestionType", QuestionType.choices)
    prompt = serializers.CharField()
    points = serializers.IntegerField()
    multiple = serializers.BooleanField(
        required=False,
        help_text="choice only: more than one option may be picked (check "
        "boxes rather than radio buttons).",
    )
    options = OptionSerializer(
        many=True, required=False, help_text="choice only, in authored order."
    )
    prompts = MatchPromptSerializer(
        many=True, required=False, help_text="matching only."
    )
    answers = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="matching only: the answer texts to pick from, sorted "
        "alphabetically so their order says nothing about the pairing.",
    )


class AnsweredQuestionSerializer(QuestionSerializer):
    """A question of an open attempt, with what the learner saved."""

    response = serializers.JSONField(
        help_text='The saved response: {"choices": [option ids]}, {"value": '
        'true|false}, {"text": "..."} or {"matches": {pair id: answer text}}; '
        "{} when unanswered."
    )


class ReviewedQuestionSerializer(AnsweredQuestionSerializer):
    """A question of a submitted attempt, when the quiz allows review."""

    your_answer = serializers.ListField(
        child=serializers.CharField(), help_text="The response in words."
    )
    correct_answer = serializers.ListField(
        child=serializers.CharField(),
        help_text="The right answer in words; empty for short answers.",
    )
    explanation = serializers.CharField(allow_blank=True)
    feedback = serializers.CharField(allow_blank=True)
    needs_review = serializers.BooleanField()
    points_awarded = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, coerce_to_string=False
    )


class AssessmentSerializer(serializers.Serializer):
    """A quiz's settings and its questions, without answers."""

    id = serializers.CharField()
    lesson_id = serializers.CharField()
    course_id = serializers.CharField()
    title = serializers.CharField(help_text="The quiz lesson's title.")
    passing_score = serializers.IntegerField(help_text="Percent.")
    time_limit_minutes = serializers.IntegerField(allow_null=True)
    attempt_limit = serializers.IntegerField(allow_null=True)
    randomize_questions = serializers.BooleanField()
    show_results = serializers.BooleanField()
    allow_review = serializers.BooleanField()
    require_passing = serializers.BooleanField()
    total_points = serializers.IntegerField()
    questions = QuestionSerializer(many=True)


SCORE_HELP = "Null while pending review, or when the quiz keeps results hidden."


class AttemptSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    assessment_id = serializers.CharField()
    user_id = serializers.CharField()
    number = serializers.IntegerField()
    status = named_choices("AttemptStatus", AttemptStatus.choices)
    started_at = serializers.DateTimeField()
    deadline_at = serializers.DateTimeField(
        allow_null=True, help_text="Null when the quiz has no time limit."
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    auto_submitted = serializers.BooleanField(
        help_text="True when the server submitted it because time ran out."
    )
    score_points = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        coerce_to_string=False,
        help_text=SCORE_HELP,
    )
    max_points = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    score_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        coerce_to_string=False,
        help_text=SCORE_HELP,
    )
    passed = serializers.BooleanField(allow_null=True, help_text=SCORE_HELP)


class AttemptSerializer(AttemptSummarySerializer):
    seconds_left = serializers.IntegerField(
        allow_null=True,
        help_text="Open timed attempts: seconds until the deadline. Answers "
        "are taken for a short grace after it, then the attempt is "
        "submitted with what was saved.",
    )
    questions = AnsweredQuestionSerializer(
        many=True,
        allow_null=True,
        help_text="Open attempts: the questions in this attempt's order, "
        "without answers, with what was saved. Null once submitted.",
    )
    review = ReviewedQuestionSerializer(
        many=True,
        allow_null=True,
        help_text="Submitted attempts of quizzes that allow review: each "
        "question with the response, the correct answer and the points. "
        "Null otherwise.",
    )


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Question id → response, in the shapes of `response`. "
        "Questions left out keep what was saved.",
    )


class SubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Last answers to save before submitting (optional). Past "
        "the deadline and its grace they are not taken and the request is "
        "a 422: the attempt is submitted with what was saved before "
        "(`auto_submitted`).",
    )


class AttemptListQuerySerializer(serializers.Serializer):
    user_id = serializers.CharField(
        required=False,
        max_length=PUBLIC_ID_MAX_LENGTH,
        help_text="Staff only: one learner's attempts (`usr_...`).",
    )

"""Assessments: the quiz of a quiz lesson, its questions, and the attempts
learners make at it (SPEC section 7).
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from karma.lib.public_ids import new_public_id


class Assessment(models.Model):
    """The settings of one quiz lesson; made the first time it is needed."""

    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "asmnt"),
    )
    lesson = models.OneToOneField(
        "courses.Lesson", on_delete=models.CASCADE, related_name="assessment"
    )
    passing_score = models.PositiveSmallIntegerField(default=70)
    # None: no limit. The clock starts when the learner starts an attempt.
    time_limit_minutes = models.PositiveIntegerField(null=True, blank=True)
    attempt_limit = models.PositiveSmallIntegerField(null=True, blank=True)
    randomize_questions = models.BooleanField(default=False)
    show_results = models.BooleanField(default=True)
    allow_review = models.BooleanField(default=True)
    # The lesson counts as done only once passed (the course-wide rule
    # Course.require_passing_quizzes turns this on for every quiz).
    require_passing = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(passing_score__lte=100),
                name="assessments_passing_score_percent",
            )
        ]

    def __str__(self) -> str:
        return self.public_id


class QuestionType(models.TextChoices):
    CHOICE = "choice", "Multiple choice"
    TRUE_FALSE = "true_false", "True or false"
    SHORT_ANSWER = "short_answer", "Short answer"
    MATCHING = "matching", "Matching"


class Question(models.Model):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "qst"),
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="questions"
    )
    type = models.CharField(max_length=20, choices=QuestionType.choices)
    prompt = models.TextField()
    points = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveIntegerField(default=0)
    # True/false questions: the right answer.
    correct_true = models.BooleanField(null=True, blank=True)
    # Short answers: what graders should look for; never shown to learners.
    grading_guidance = models.TextField(blank=True, default="")
    # Shown with the results when the quiz allows review.
    explanation = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=1), name="assessments_question_points"
            )
        ]

    def __str__(self) -> str:
        return self.public_id


class Choice(models.Model):
    """An option of a multiple-choice question."""

    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "opt"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices"
    )
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.public_id


class MatchPair(models.Model):
    """One prompt of a matching question and the answer that belongs to it.

    Learners pick answers by their text, never by this row's id, so the
    form cannot give the pairing away.
    """

    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "pair"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="pairs"
    )
    prompt = models.CharField(max_length=500)
    answer = models.CharField(max_length=500)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.public_id


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    PENDING_REVIEW = "pending_review", "Pending review"
    FINAL = "final", "Final"


class Attempt(models.Model):
    public_id = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        default=partial(new_public_id, "att"),
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="attempts"
    )
    enrollment = models.ForeignKey(
        "enrollments.Enrollment", on_delete=models.CASCADE, related_name="attempts"
    )
    # Beside the enrollment so a learner's history is one indexed query.
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(default=timezone.now)
    # started_at + the time limit; None when the quiz has no limit.
    deadline_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # True when the server submitted it because time ran out.
    auto_submitted = models.BooleanField(default=False)
    graded_at = models.DateTimeField(null=True, blank=True)
    # Question public ids in the order this attempt shows them.
    question_order = models.JSONField(default=list)
    score_points = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_points = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    score_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    # Known once the attempt is final.
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # Numbers are handed out under a lock; this is the backstop
            # that keeps an attempt limit true under any race.
            models.UniqueConstraint(
                fields=["assessment", "learner", "number"],
                name="assessments_attempt_number_once",
            ),
            models.UniqueConstraint(
                fields=["assessment", "learner"],
                condition=Q(status="in_progress"),
                name="assessments_one_open_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "-started_at"], name="assess_learner_idx"),
            models.Index(fields=["status", "deadline_at"], name="assess_expiry_idx"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS


class Answer(models.Model):
    """What the learner answered to one question in one attempt.

    `response` holds, by question type: {"choices": [option ids]},
    {"value": true|false}, {"text": "..."}, {"matches": {pair id: answer}}.
    """

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers"
    )
    response = models.JSONField(default=dict, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)
    points_awarded = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    # Short answers wait for a grader; the attempt is pending until none do.
    needs_review = models.BooleanField(default=False)
    feedback = models.TextField(blank=True, default="")
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="assessments_answer_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["needs_review"],
                condition=Q(needs_review=True),
                name="assess_review_queue_idx",
            )
        ]

    def __str__(self) -> str:
        return f"answer to {self.question_id} in {self.attempt_id}"

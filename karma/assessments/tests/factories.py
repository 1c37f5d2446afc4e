"""Factories for quizzes. Tests build quizzes through these.

Several engineers add to this module: append new factories at the end.
"""

from __future__ import annotations

import factory

from karma.assessments.models import (
    Assessment,
    Choice,
    MatchPair,
    Question,
    QuestionType,
)
from karma.courses.models import LessonType
from karma.courses.tests.factories import LessonFactory, PublishedCourseFactory


class QuizLessonFactory(LessonFactory):
    type = LessonType.QUIZ
    body = ""
    module__course = factory.SubFactory(PublishedCourseFactory)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment
        django_get_or_create = ("lesson",)

    lesson = factory.SubFactory(QuizLessonFactory)


class QuestionFactory(factory.django.DjangoModelFactory):
    """A true/false question by default (answer: true)."""

    class Meta:
        model = Question

    assessment = factory.SubFactory(AssessmentFactory)
    type = QuestionType.TRUE_FALSE
    prompt = factory.Sequence(lambda n: f"Question {n}?")
    points = 1
    position = factory.Sequence(lambda n: n)
    correct_true = True


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory, type=QuestionType.CHOICE)
    text = factory.Sequence(lambda n: f"Option {n}")
    is_correct = False
    position = factory.Sequence(lambda n: n)


class MatchPairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchPair

    question = factory.SubFactory(QuestionFactory, type=QuestionType.MATCHING)
    prompt = factory.Sequence(lambda n: f"Prompt {n}")
    answer = factory.Sequence(lambda n: f"Answer {n}")
    position = factory.Sequence(lambda n: n)


def choice_question(*, assessment, correct=(0,), options=3, **kwargs) -> Question:
    """A multiple-choice question whose options at `correct` are right."""
    question = QuestionFactory(
        assessment=assessment, type=QuestionType.CHOICE, correct_true=None, **kwargs
    )
    for index in range(options):
        ChoiceFactory(question=question, is_correct=index in correct)
    return question


def matching_question(*, assessment, pairs=3, **kwargs) -> Question:
    question = QuestionFactory(
        assessment=assessment, type=QuestionType.MATCHING, correct_true=None, **kwargs
    )
    for _ in range(pairs):
        MatchPairFactory(question=question)
    return question


def short_answer_question(*, assessment, **kwargs) -> Question:
    kwargs.setdefault("grading_guidance", "Mentions the safety valve.")
    return QuestionFactory(
        assessment=assessment,
        type=QuestionType.SHORT_ANSWER,
        correct_true=None,
        **kwargs,
    )


# --- Submitted attempts, for grading tests ---------------------------------------
# Imports stay inside these helpers so this appended section leaves the
# module's import block to its first authors.


def enrolled(learner, course):
    """An active enrollment of `learner` in `course`, made directly."""
    from karma.enrollments.models import Enrollment, EnrollmentSource

    enrollment, _ = Enrollment.objects.get_or_create(
        learner=learner,
        course=course,
        defaults={"source": EnrollmentSource.STAFF},
    )
    return enrollment


def submitted_attempt(*, assessment, learner, responses=None):
    """An attempt started and submitted through the real services, with
    `responses` (question public id → response); enrolls the learner."""
    from karma.assessments.services.attempts import start_attempt, submit_attempt

    enrolled(learner, assessment.lesson.course)
    attempt = start_attempt(assessment=assessment, learner=learner)
    return submit_attempt(attempt=attempt, learner=learner, responses=responses or {})

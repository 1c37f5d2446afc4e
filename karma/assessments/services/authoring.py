"""Building quizzes: settings and questions, for a course's staff."""

from __future__ import annotations

from karma.assessments.models import Assessment
from karma.courses.models import Lesson, LessonType


def assessment_for(lesson: Lesson) -> Assessment:
    """Return the assessment of a quiz lesson, making it with the defaults
    of SPEC section 7 the first time it is needed."""
    if lesson.type != LessonType.QUIZ:
        raise ValueError("only quiz lessons have an assessment")
    assessment, _ = Assessment.objects.get_or_create(lesson=lesson)
    return assessment

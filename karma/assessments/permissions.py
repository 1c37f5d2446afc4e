"""Who may take, build and grade assessments. Checked against the
assessment's own course, like every course permission."""

from __future__ import annotations

from karma.assessments.models import Assessment
from karma.courses.permissions import can_manage_course, can_open_lessons


def can_take_assessment(user: object, assessment: Assessment) -> bool:
    """Start and submit attempts: learners who may open the course's lessons.

    Staff open quiz lessons to check them but do not make attempts.
    """
    course = assessment.lesson.course
    return can_open_lessons(user, course) and not can_manage_course(user, course)


def can_build_assessment(user: object, assessment: Assessment) -> bool:
    return can_manage_course(user, assessment.lesson.course)


def can_grade_assessment(user: object, assessment: Assessment) -> bool:
    """Grade short answers: the course's instructors and admins."""
    return can_manage_course(user, assessment.lesson.course)

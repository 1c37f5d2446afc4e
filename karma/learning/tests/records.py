"""Helpers that put learning records in place for the certificate, My
Learning and profile tests: enrollments, completed lessons, attempts and
certificates, through the services where there is one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from karma.assessments.models import Attempt, AttemptStatus
from karma.assessments.tests.factories import AssessmentFactory
from karma.enrollments.models import Enrollment
from karma.enrollments.services.enrollments import enroll_learner
from karma.learning.models import Certificate, CompletionReason, LessonProgress
from karma.learning.services.certificates import issue_certificate
from karma.learning.services.progress import recompute_enrollment


def enroll(course, learner) -> Enrollment:
    return enroll_learner(
        course=course, learner=learner, enrolled_by=course.owner
    ).enrollment


def complete(enrollment, lesson, *, seconds: int = 0, passed=None) -> LessonProgress:
    """Record `lesson` as completed, with `seconds` of measured time, and
    recount the enrollment as the lesson services would."""
    now = timezone.now()
    record, _ = LessonProgress.objects.update_or_create(
        enrollment=enrollment,
        lesson=lesson,
        defaults={
            "completed_at": now,
            "completion_reason": CompletionReason.READ_TO_END,
            "time_spent_seconds": seconds,
            "quiz_passed": passed,
        },
    )
    recompute_enrollment(enrollment=enrollment)
    return record


def attempt(
    enrollment,
    lesson,
    *,
    number: int,
    score: str | None,
    status: str = AttemptStatus.FINAL,
    passed: bool | None = None,
    days_ago: int = 0,
) -> Attempt:
    """An attempt at the quiz of `lesson`, submitted `days_ago` days ago."""
    assessment = AssessmentFactory(lesson=lesson)
    submitted = timezone.now() - timedelta(days=days_ago)
    return Attempt.objects.create(
        assessment=assessment,
        enrollment=enrollment,
        learner=enrollment.learner,
        number=number,
        status=status,
        started_at=submitted - timedelta(minutes=5),
        submitted_at=None if status == AttemptStatus.IN_PROGRESS else submitted,
        score_percent=None if score is None else Decimal(score),
        passed=passed,
    )


def certify(enrollment) -> Certificate:
    return issue_certificate(enrollment=enrollment)

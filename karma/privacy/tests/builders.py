"""A learner with data in every table Karma keeps, for the privacy tests.

Built through the real services where they exist (invitations, enrollment,
bulk enrollment, certificates, tokens, audit); quiz attempts and lesson
progress are written as rows, the way the player leaves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from karma.accounts import services as accounts
from karma.accounts.models import User
from karma.accounts.tests.factories import DEFAULT_PASSWORD
from karma.api import tokens
from karma.assessments.models import Answer, Attempt, AttemptStatus
from karma.assessments.tests.factories import (
    AssessmentFactory,
    QuizLessonFactory,
    short_answer_question,
)
from karma.courses.models import Course
from karma.enrollments.models import BulkEnrollmentJob, BulkSource, Enrollment
from karma.enrollments.services import bulk
from karma.enrollments.services.enrollments import enroll_learner
from karma.learning.models import Certificate, CompletionReason, LessonProgress
from karma.learning.services.certificates import issue_certificate

FIRST = "Zyxwvu"
LAST = "Vutsrq"
EMAIL = "zyxwvu.vutsrq@example.com"


@dataclass
class World:
    """What was built: the person to erase, a neighbour who must stay."""

    learner: User
    other: User
    course: Course
    enrollment: Enrollment
    other_enrollment: Enrollment
    attempt: Attempt
    answer: Answer
    other_answer: Answer
    certificate: Certificate
    done_job: BulkEnrollmentJob
    ready_job: BulkEnrollmentJob
    client: Client
    refresh_token: str
    access_token: str


def build_world(*, admin: User, instructor: User, other: User) -> World:
    """Give a new learner Zyxwvu Vutsrq data in every table; give `other`
    data beside it in the same course and bulk jobs."""
    learner = _invited_and_active_learner(admin)
    lesson = QuizLessonFactory(module__course__owner=instructor)
    course = lesson.course
    course.certificate_enabled = True
    course.save(update_fields=["certificate_enabled"])
    question = short_answer_question(assessment=AssessmentFactory(lesson=lesson))

    enrollment = enroll_learner(course=course, learner=learner, enrolled_by=admin)
    other_enrollment = enroll_learner(course=course, learner=other, enrolled_by=admin)
    enrollment, other_enrollment = enrollment.enrollment, other_enrollment.enrollment
    attempt, answer = _graded_attempt(enrollment, question, f"I am {FIRST} {LAST}.")
    _, other_answer = _graded_attempt(other_enrollment, question, "Otto's answer.")
    for each in (enrollment, other_enrollment):
        _lesson_done(each, lesson)
    certificate = issue_certificate(enrollment=enrollment)
    issue_certificate(enrollment=other_enrollment)

    done_job = _bulk_job(course, admin, [EMAIL, other.email], confirm=True)
    ready_job = _bulk_job(course, admin, [EMAIL.upper(), other.email], confirm=False)

    _audit_trail(admin, learner)
    client = Client()
    client.force_login(learner)
    pair = tokens.issue_token_pair(learner)
    tokens.revoke_refresh_token(tokens.issue_token_pair(learner).refresh)

    return World(
        learner=learner,
        other=other,
        course=course,
        enrollment=enrollment,
        other_enrollment=other_enrollment,
        attempt=attempt,
        answer=answer,
        other_answer=other_answer,
        certificate=certificate,
        done_job=done_job,
        ready_job=ready_job,
        client=client,
        refresh_token=pair.refresh,
        access_token=pair.access,
    )


def _invited_and_active_learner(admin: User) -> User:
    invitation = accounts.invite_user(
        first_name=FIRST, last_name=LAST, email=EMAIL, role="learner", invited_by=admin
    )
    return accounts.accept_invitation(invitation=invitation, password=DEFAULT_PASSWORD)


def _graded_attempt(
    enrollment: Enrollment, question, text: str
) -> tuple[Attempt, Answer]:
    now = timezone.now()
    attempt = Attempt.objects.create(
        assessment=question.assessment,
        enrollment=enrollment,
        learner=enrollment.learner,
        number=1,
        status=AttemptStatus.FINAL,
        submitted_at=now,
        graded_at=now,
        question_order=[question.public_id],
        score_points=Decimal("1"),
        max_points=Decimal("1"),
        score_percent=Decimal("100"),
        passed=True,
    )
    answer = Answer.objects.create(
        attempt=attempt,
        question=question,
        response={"text": text},
        points_awarded=Decimal("1"),
        feedback=f"Well argued, {enrollment.learner.first_name}.",
        graded_at=now,
    )
    return attempt, answer


def _lesson_done(enrollment: Enrollment, lesson) -> None:
    LessonProgress.objects.create(
        enrollment=enrollment,
        lesson=lesson,
        completed_at=timezone.now(),
        completion_reason=CompletionReason.QUIZ_SUBMITTED,
        quiz_passed=True,
        time_spent_seconds=120,
    )


def _bulk_job(course, admin, emails, *, confirm: bool) -> BulkEnrollmentJob:
    job = bulk.start_job(
        course=course,
        started_by=admin,
        source=BulkSource.PASTE,
        text="\n".join(emails),
        background=False,
    )
    job = bulk.review_job(job_id=job.pk)
    if confirm:
        bulk.confirm_job(job=job, confirmed_by=admin, background=False)
        job = bulk.apply_job(job_id=job.pk)
    job.refresh_from_db()
    return job


def _audit_trail(admin: User, learner: User) -> None:
    accounts.record_profile_view(viewer=admin, subject=learner)
    accounts.deactivate_user(
        user=learner, deactivated_by=admin, reason=f"Asked by {FIRST} {LAST} by mail"
    )
    accounts.reactivate_user(
        user=learner, reactivated_by=admin, reason=f"{EMAIL} came back"
    )

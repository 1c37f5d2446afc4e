"""Issuing certificates. Making the PDF lives in learning/pdf.py."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.courses.models import Course
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.learning.models import Certificate

logger = logging.getLogger(__name__)


def issue_certificate(*, enrollment: Enrollment) -> Certificate:
    """Return the learner's certificate for the course, issuing it if needed.

    Issued once per learner and course: completing the course again (after
    a new enrollment) returns the certificate already held.
    """
    existing = Certificate.objects.filter(
        learner_id=enrollment.learner_id, course_id=enrollment.course_id
    ).first()
    if existing:
        return existing

    learner, course = enrollment.learner, enrollment.course
    try:
        # A savepoint, so losing a race to a simultaneous completion leaves
        # the caller's transaction usable.
        with transaction.atomic():
            certificate = Certificate.objects.create(
                learner=learner,
                course=course,
                enrollment=enrollment,
                # Never the email: the public verification page shows this.
                learner_name=learner.get_full_name() or learner.public_id,
                course_title=course.title,
            )
    except IntegrityError:
        return Certificate.objects.get(learner=learner, course=course)

    record_event(
        kind=AuditKind.CERTIFICATE_ISSUED,
        actor=None,
        subject=learner,
        target=certificate.public_id,
        details={"course": course.public_id, "enrollment": enrollment.public_id},
    )
    logger.info(
        "certificate issued",
        extra={
            "certificate_id": certificate.public_id,
            "enrollment_id": enrollment.public_id,
        },
    )
    return certificate


def issue_missing_certificates(*, course: Course) -> int:
    """Issue certificates to learners who completed `course` before it had
    one. Returns how many were issued."""
    if not course.certificate_enabled:
        return 0
    holders = Certificate.objects.filter(course=course).values("learner_id")
    waiting = (
        Enrollment.objects.filter(course=course, status=EnrollmentStatus.COMPLETED)
        .exclude(learner_id__in=holders)
        .select_related("learner", "course")
        .order_by("completed_at", "pk")
    )
    issued = {}
    for enrollment in waiting:
        if enrollment.learner_id not in issued:
            issued[enrollment.learner_id] = issue_certificate(enrollment=enrollment)
    return len(issued)


# Longer input is refused before it is read: a code is 19 characters, and
# people add spaces or dashes of their own.
MAX_TYPED_CODE_LENGTH = 40
_CODE_CHARACTERS = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def canonical_code(typed: str) -> str | None:
    """Return `typed` as a code is stored (7KQ3-M9X2-P4W8-V6TJ), or None
    when it cannot be one: however it was typed, in any case, with or
    without dashes and spaces."""
    if len(typed) > MAX_TYPED_CODE_LENGTH:
        return None
    # Crockford's reading: O is zero, I and L are one.
    upper = typed.upper().translate(str.maketrans("OIL", "011"))
    cleaned = "".join(ch for ch in upper if ch not in " -\t")
    if len(cleaned) != 16 or not set(cleaned) <= _CODE_CHARACTERS:
        return None
    return "-".join(cleaned[i : i + 4] for i in range(0, 16, 4))


def verify_certificate(code: str) -> Certificate | None:
    """Find a certificate by its verification code, however it was typed."""
    canonical = canonical_code(code)
    if canonical is None:
        return None
    return Certificate.objects.filter(code=canonical).first()

"""Enrolling one learner: self-enrollment, staff enrollment, drop and return.

The database allows one open (active or dropped) record per learner and
course; every function here leans on that constraint rather than on a prior
read, so ten simultaneous clicks still make one enrollment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from karma.accounts.models import User
from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.courses.models import Course, CourseStatus, EnrollmentType, Visibility
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus
from karma.enrollments.notifications import notify_enrolled_after_commit
from karma.learning.services.progress import recompute_enrollment

logger = logging.getLogger(__name__)

OPEN_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.DROPPED)
# What the progress service stores on an enrollment.
PROGRESS_FIELDS = (
    "status",
    "progress_percent",
    "required_done",
    "required_total",
    "completed_at",
    "completion_evidence",
)


class EnrollmentError(Exception):
    """An enrollment rule refused the change; the message says which."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class EnrollResult:
    enrollment: Enrollment
    # False when the learner was already enrolled: nothing changed.
    changed: bool
    # Rules staff enrollment skipped, for the page to show.
    warnings: list[str] = field(default_factory=list)


# --- Rules -------------------------------------------------------------------


def missing_prerequisites(*, learner: User, course: Course) -> list[Course]:
    """Return the prerequisites of `course` that `learner` has not completed."""
    required = list(course.prerequisites.order_by("title", "id"))
    if not required:
        return []
    done = set(
        Enrollment.objects.filter(
            learner=learner,
            course__in=required,
            status=EnrollmentStatus.COMPLETED,
        ).values_list("course_id", flat=True)
    )
    return [prerequisite for prerequisite in required if prerequisite.pk not in done]


def staff_enrollment_problem(course: Course) -> str | None:
    """Say why staff cannot enroll anyone in `course`, or None when they can."""
    if course.status != CourseStatus.PUBLISHED:
        return "This course is a draft. Publish it before enrolling learners."
    if course.visibility == Visibility.ARCHIVED:
        return "This course is archived and takes no new enrollments."
    return None


def self_enrollment_problem(
    *, learner: User, course: Course, via_direct_link: bool = True
) -> str | None:
    """Say why `learner` may not enroll themselves, or None when they may.

    Hidden courses are reachable only by their direct link; pass
    `via_direct_link=False` for requests that came from a listing.
    """
    problem = staff_enrollment_problem(course)
    if problem is not None:
        return problem
    if course.enrollment_type == EnrollmentType.INVITE_ONLY:
        return "This course is invite-only. Ask an instructor to enroll you."
    if course.visibility == Visibility.HIDDEN and not via_direct_link:
        return "This course is not open for enrollment."
    missing = missing_prerequisites(learner=learner, course=course)
    if missing:
        names = ", ".join(f"“{prerequisite.title}”" for prerequisite in missing)
        return f"Complete these courses first: {names}."
    return None


def staff_enrollment_warnings(*, learner: User, course: Course) -> list[str]:
    """Rules of self-enrollment that staff enrollment skips, worded for staff."""
    warnings = []
    if course.enrollment_type == EnrollmentType.INVITE_ONLY:
        warnings.append("The course is invite-only; staff enrollment skips that.")
    missing = missing_prerequisites(learner=learner, course=course)
    if missing:
        names = ", ".join(f"“{prerequisite.title}”" for prerequisite in missing)
        warnings.append(f"Enrolled without the prerequisites {names}.")
    return warnings


# --- Enrolling ---------------------------------------------------------------


def self_enroll(
    *, learner: User, course: Course, via_direct_link: bool = True
) -> EnrollResult:
    """Enroll `learner` in `course` on their own request.

    Already enrolled is a success that changes nothing. Raises
    EnrollmentError with the reason when the rules refuse.
    """
    if not learner.is_active:
        raise EnrollmentError("This account is deactivated.")
    current = _open_enrollment(learner, course)
    if current is not None and current.status == EnrollmentStatus.ACTIVE:
        return EnrollResult(enrollment=current, changed=False)

    problem = self_enrollment_problem(
        learner=learner, course=course, via_direct_link=via_direct_link
    )
    if problem is not None:
        raise EnrollmentError(problem)
    return _enroll(
        learner=learner, course=course, actor=learner, source=EnrollmentSource.SELF
    )


def enroll_learner(
    *, course: Course, learner: User, enrolled_by: User | None, reason: str = ""
) -> EnrollResult:
    """Enroll `learner` as staff: enrollment type and prerequisites are
    skipped with a warning; drafts, archived courses and deactivated
    accounts are refused (EnrollmentError).
    """
    problem = staff_enrollment_problem(course)
    if problem is not None:
        raise EnrollmentError(problem)
    if not learner.is_active:
        raise EnrollmentError("This account is deactivated.", field="learner")

    warnings = staff_enrollment_warnings(learner=learner, course=course)
    result = _enroll(
        learner=learner,
        course=course,
        actor=enrolled_by,
        source=EnrollmentSource.STAFF,
        reason=reason,
    )
    result.warnings = warnings if result.changed else []
    return result


def _enroll(
    *,
    learner: User,
    course: Course,
    actor: User | None,
    source: str,
    reason: str = "",
) -> EnrollResult:
    with transaction.atomic():
        current = _open_enrollment(learner, course, lock=True)
        if current is not None and current.status == EnrollmentStatus.ACTIVE:
            return EnrollResult(enrollment=current, changed=False)
        if current is not None:
            return EnrollResult(
                enrollment=_reopen(current, actor=actor, reason=reason), changed=True
            )

        try:
            with transaction.atomic():
                enrollment = Enrollment.objects.create(
                    learner=learner, course=course, source=source, enrolled_by=actor
                )
        except IntegrityError:
            # A concurrent request enrolled the learner between our read
            # and our insert; theirs is the enrollment, and ours a success.
            enrollment = _open_enrollment(learner, course)
            if enrollment is None:
                # Another constraint failed, not the race: let it surface.
                raise
            return EnrollResult(enrollment=enrollment, changed=False)

        _record(AuditKind.ENROLLMENT_CREATED, enrollment, actor=actor, reason=reason)
        _count_progress(enrollment)
        notify_enrolled_after_commit([enrollment.pk])

    logger.info(
        "learner enrolled",
        extra={"enrollment_id": enrollment.public_id, "course_id": course.public_id},
    )
    return EnrollResult(enrollment=enrollment, changed=True)


def _open_enrollment(
    learner: User, course: Course, *, lock: bool = False
) -> Enrollment | None:
    enrollments = Enrollment.objects.filter(
        learner=learner, course=course, status__in=OPEN_STATUSES
    )
    if lock:
        enrollments = enrollments.select_for_update()
    return enrollments.first()


def _reopen(enrollment: Enrollment, *, actor: User | None, reason: str) -> Enrollment:
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.dropped_at = None
    enrollment.save(update_fields=["status", "dropped_at"])
    _record(AuditKind.ENROLLMENT_REACTIVATED, enrollment, actor=actor, reason=reason)
    _count_progress(enrollment)
    return enrollment


def _count_progress(enrollment: Enrollment) -> None:
    """Store the enrollment's progress against the course as it is now.

    A new record learns how many lessons are required; a returning one may
    find the course changed while it was away, or even complete.
    """
    counted = recompute_enrollment(enrollment=enrollment)
    for name in PROGRESS_FIELDS:
        setattr(enrollment, name, getattr(counted, name))


# --- Changing an enrollment ----------------------------------------------------------


def drop_enrollment(
    *, enrollment: Enrollment, dropped_by: User | None, reason: str = ""
) -> Enrollment:
    """Drop an active enrollment; its progress is kept for a later return."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if enrollment.status != EnrollmentStatus.ACTIVE:
            raise EnrollmentError("Only an active enrollment can be dropped.")
        enrollment.status = EnrollmentStatus.DROPPED
        enrollment.dropped_at = timezone.now()
        enrollment.save(update_fields=["status", "dropped_at"])
        _record(
            AuditKind.ENROLLMENT_DROPPED, enrollment, actor=dropped_by, reason=reason
        )

    logger.info("enrollment dropped", extra={"enrollment_id": enrollment.public_id})
    return enrollment


def reactivate_enrollment(
    *, enrollment: Enrollment, reactivated_by: User | None, reason: str = ""
) -> Enrollment:
    """Bring a dropped enrollment back, with the progress it had."""
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update()
            .select_related("course", "learner")
            .get(pk=enrollment.pk)
        )
        if enrollment.status != EnrollmentStatus.DROPPED:
            raise EnrollmentError("Only a dropped enrollment can be reactivated.")
        problem = staff_enrollment_problem(enrollment.course)
        if problem is not None:
            raise EnrollmentError(problem)
        if not enrollment.learner.is_active:
            raise EnrollmentError("This account is deactivated.")
        _reopen(enrollment, actor=reactivated_by, reason=reason)

    logger.info("enrollment reactivated", extra={"enrollment_id": enrollment.public_id})
    return enrollment


def remove_enrollment(
    *, enrollment: Enrollment, removed_by: User | None, reason: str = ""
) -> None:
    """Delete an enrollment made by mistake; the audit log keeps the fact."""
    with transaction.atomic():
        # Locked and re-read, so two removals at once record one removal.
        enrollment = (
            Enrollment.objects.select_for_update()
            .select_related("course", "learner")
            .filter(pk=enrollment.pk)
            .first()
        )
        if enrollment is None:
            raise EnrollmentError("This enrollment was already removed.")
        _record(
            AuditKind.ENROLLMENT_REMOVED, enrollment, actor=removed_by, reason=reason
        )
        enrollment.delete()

    logger.info("enrollment removed", extra={"enrollment_id": enrollment.public_id})


def _record(
    kind: AuditKind, enrollment: Enrollment, *, actor: User | None, reason: str
) -> None:
    record_event(
        kind=kind,
        actor=actor,
        subject=enrollment.learner,
        target=enrollment.public_id,
        details={"course": enrollment.course.public_id, "status": enrollment.status},
        reason=reason,
    )

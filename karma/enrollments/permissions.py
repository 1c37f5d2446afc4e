"""Who may see and change enrollments. Every check is made against the
enrollment's own course (SPEC section 1): an instructor acts on the
enrollments of the courses they own or were added to, never elsewhere.
"""

from __future__ import annotations

from karma.accounts.models import Role
from karma.courses.models import Course
from karma.courses.permissions import can_manage_course
from karma.enrollments.models import BulkEnrollmentJob, Enrollment


def _signed_in(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_see_enrollment(user: object, enrollment: Enrollment) -> bool:
    """The learner themselves and the staff of the enrollment's course."""
    if not _signed_in(user):
        return False
    return enrollment.learner_id == user.pk or can_manage_course(
        user, enrollment.course
    )


def can_enroll_others(user: object, course: Course) -> bool:
    """Enroll someone else, one by one or in bulk: the course's staff."""
    return can_manage_course(user, course)


def can_change_enrollment(user: object, enrollment: Enrollment) -> bool:
    """Drop or reactivate: the staff of the enrollment's course."""
    return can_manage_course(user, enrollment.course)


def can_remove_enrollment(user: object, enrollment: Enrollment) -> bool:
    """Delete an enrollment made by mistake: admins only."""
    return _signed_in(user) and user.role == Role.ADMIN


def can_manage_bulk_job(user: object, job: BulkEnrollmentJob) -> bool:
    """Read, review and confirm a bulk job: the staff of its course."""
    return can_manage_course(user, job.course)


def can_enroll_anyone(user: object) -> bool:
    """Offer "Enroll in Course" on a profile: admins, and instructors who teach
    a course. Each enrollment is still checked against its own course."""
    if not _signed_in(user):
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.INSTRUCTOR and Course.objects.taught_by(user).exists()

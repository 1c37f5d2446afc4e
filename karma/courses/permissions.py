"""Who may see and change a course. Every check is made against the course
itself, never "is an instructor somewhere" (SPEC section 1).
"""

from __future__ import annotations

from karma.accounts.models import Role
from karma.courses.models import Course, Visibility
from karma.enrollments.models import EnrollmentStatus


def _signed_in(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_create_course(user: object) -> bool:
    return _signed_in(user) and user.role in (Role.ADMIN, Role.INSTRUCTOR)


def teaches(user: object, course: Course) -> bool:
    """True for the owner and the added instructors of `course`."""
    if not _signed_in(user) or user.role not in (Role.ADMIN, Role.INSTRUCTOR):
        return False
    if course.owner_id == user.pk:
        return True
    return course.instructor_links.filter(instructor=user).exists()


def can_manage_course(user: object, course: Course) -> bool:
    """Edit content and settings, publish, and see the course's learners."""
    if not _signed_in(user):
        return False
    return user.role == Role.ADMIN or teaches(user, course)


def can_manage_instructors(user: object, course: Course) -> bool:
    """Add or remove added instructors: admins and the owner."""
    if not _signed_in(user):
        return False
    return user.role == Role.ADMIN or (
        user.role == Role.INSTRUCTOR and course.owner_id == user.pk
    )


def can_delete_course(user: object, course: Course) -> bool:
    return can_manage_instructors(user, course)


def can_see_course(user: object, course: Course) -> bool:
    """Open the course's page: staff of the course, or anyone signed in once
    it is published (hidden courses open by their direct link).

    Archived courses stay visible to staff and to the learners enrolled in
    them (active or completed): archiving stops new enrollments, not the
    access and progress of existing learners (SPEC section 4).
    """
    if can_manage_course(user, course):
        return True
    if not _signed_in(user) or not course.is_published:
        return False
    if course.visibility != Visibility.ARCHIVED:
        return True
    return course.enrollments.filter(
        learner=user,
        status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED],
    ).exists()


def can_open_lessons(user: object, course: Course) -> bool:
    """Open lesson content (files included): the course's staff, and learners
    with an active or completed enrollment. The outline on the course page is
    public to anyone who may see the course; the lessons are not.
    """
    if can_manage_course(user, course):
        return True
    if not can_see_course(user, course):
        return False
    return course.enrollments.filter(
        learner=user,
        status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED],
    ).exists()

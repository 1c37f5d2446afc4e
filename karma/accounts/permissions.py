"""Who may do what with accounts. Pages, the API and list scoping all ask here.

SPEC section 1: admins manage every account; instructors and learners manage
only their own profile. Instructors also see the profiles of people enrolled
in a course they teach (see `can_view_profile`).
"""

from __future__ import annotations

from django.db.models import Q

from karma.accounts.models import Role, User


def is_admin(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.ADMIN)


def is_staff_member(user: User) -> bool:
    """Admins and instructors: the people who run courses."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role in (Role.ADMIN, Role.INSTRUCTOR)
    )


def can_manage_users(user: User) -> bool:
    """List, invite, create, change roles of, deactivate and reactivate users."""
    return is_admin(user)


def can_view_profile(viewer: User, subject: User) -> bool:
    """Own profile, admins, and instructors of a course `subject` is or was
    enrolled in (SPEC section 3); the page shows them only that course's rows.
    """
    if not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == subject.pk or is_admin(viewer):
        return True
    return viewer.role == Role.INSTRUCTOR and _teaches_course_of(viewer, subject)


def _teaches_course_of(instructor: User, learner: User) -> bool:
    # Imported here: enrollments build on accounts, not the other way round.
    from karma.enrollments.models import Enrollment

    if not instructor.is_active:
        return False
    return Enrollment.objects.filter(
        Q(course__owner=instructor)
        | Q(course__instructor_links__instructor=instructor),
        learner=learner,
    ).exists()


def can_read_audit_log(user: User) -> bool:
    return is_admin(user)

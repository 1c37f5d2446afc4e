"""Who may do what with accounts. Pages, the API and list scoping all ask here.

SPEC section 1: admins manage every account; instructors and learners manage
only their own profile. Instructors see the profiles of learners in courses
they teach once enrollments exist (see `can_view_profile`).
"""

from __future__ import annotations

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
    # TODO(#4): instructors may also view learners enrolled in a course they
    # teach; remove this note once enrollments exist and the rule is added.
    if not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.pk == subject.pk or is_admin(viewer)


def can_read_audit_log(user: User) -> bool:
    return is_admin(user)

"""Who may export and erase whose data (SPEC section 9).

A person may download their own archive; admins may download anyone's and
erase anyone but themselves. Instructors see their learners' profiles but
may do neither.
"""

from __future__ import annotations

from karma.accounts.models import User
from karma.accounts.permissions import is_admin


def can_export_data(viewer: User, subject: User) -> bool:
    if not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.pk == subject.pk or is_admin(viewer)


def can_erase_learner(viewer: User, subject: User) -> bool:
    return is_admin(viewer) and viewer.pk != subject.pk

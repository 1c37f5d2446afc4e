"""Template context shared by every page."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.http import HttpRequest

from karma.accounts.permissions import can_manage_users, can_read_audit_log
from karma.assessments.services.grading import awaiting_badge
from karma.courses.permissions import can_create_course


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    staff = bool(user and can_create_course(user))
    return {
        "site_name": settings.SITE_NAME,
        "nav_users": bool(user and can_manage_users(user)),
        "nav_courses": bool(user and can_create_course(user)),
        "nav_audit": bool(user and can_read_audit_log(user)),
        # Instructors and admins grade; the count is read only when the
        # sidebar shows it (a template calls the partial).
        "nav_grading": staff,
        "grading_waiting": partial(awaiting_badge, user=user) if staff else 0,
        "debug_mail": bool(
            settings.KARMA_DEV_MAILBOX and user and can_manage_users(user)
        ),
    }

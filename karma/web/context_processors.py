"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from karma.accounts.permissions import can_manage_users, can_read_audit_log
from karma.courses.permissions import can_create_course


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        "nav_users": bool(user and can_manage_users(user)),
        "nav_courses": bool(user and can_create_course(user)),
        "nav_audit": bool(user and can_read_audit_log(user)),
        "debug_mail": bool(
            settings.KARMA_DEV_MAILBOX and user and can_manage_users(user)
        ),
    }

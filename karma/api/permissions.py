"""API permission classes. The rules themselves live in each app's
permissions.py; these classes only ask them."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

CHANGE_TEMPORARY_FIRST = (
    "Change your temporary password first (POST /api/v1/auth/password); "
    "until then only that and logout are open to you."
)


class IsAuthenticatedAndPasswordCurrent(BasePermission):
    """Signed in, and not holding a temporary password that must be replaced.

    A view that stays open to such users (changing the password, logout)
    sets `allow_pending_password_change = True`. The pages apply the same
    rule in accounts.middleware.PasswordChangeRequiredMiddleware.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.must_change_password and not getattr(
            view, "allow_pending_password_change", False
        ):
            raise PermissionDenied(CHANGE_TEMPORARY_FIRST)
        return True


def allowing(predicate: Any, message: str) -> type[BasePermission]:
    """Return a permission class that asks `predicate(user)`.

    Use it after IsAuthenticatedAndPasswordCurrent, so anonymous requests
    get 401 before the predicate is asked.
    """

    class PredicatePermission(BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(predicate(request.user))

    PredicatePermission.message = message
    PredicatePermission.__name__ = f"Allowing_{predicate.__name__}"
    PredicatePermission.__qualname__ = PredicatePermission.__name__
    return PredicatePermission

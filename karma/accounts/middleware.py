"""Request-wide account rules: last active, and forced password changes."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from karma.accounts.services import touch_last_active


class LastActiveMiddleware:
    """Record that a signed-in person is active (at most once a minute)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # Views mark requests a page makes on its own (progress polling):
        # they are not the person being active, and must not write.
        active = getattr(request, "counts_as_activity", True)
        if active and user is not None and user.is_authenticated:
            touch_last_active(user)
        return response


class PasswordChangeRequiredMiddleware:
    """Send a user with a temporary password to the change-password page.

    Until they choose their own password they may reach only that page,
    logout and static files; the API applies the same rule in its permission
    class, since API requests authenticate by token after this runs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not self._is_allowed(request.path)
        ):
            return self._redirect(request)
        return self.get_response(request)

    def _is_allowed(self, path: str) -> bool:
        allowed = (
            reverse("accounts:password_change_required"),
            reverse("accounts:logout"),
            # Public to anyone, signed in or not.
            reverse("learning:verify"),
            settings.STATIC_URL,
            "/api/",
        )
        return path.startswith(allowed)

    def _redirect(self, request: HttpRequest) -> HttpResponse:
        target = reverse("accounts:password_change_required")
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)

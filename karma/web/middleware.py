"""Request-wide web behaviour: the content security policy and time zones."""

from __future__ import annotations

import contextlib
import zoneinfo
from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# Every script and stylesheet is served by Karma itself, so the policy can
# forbid inline code and every other origin.
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

TIMEZONE_COOKIE = "karma_tz"


def csp_exempt(view: Callable) -> Callable:
    """Leave a view's policy to itself (the third-party API docs page)."""
    view.csp_exempt = True
    return view


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "csp_exempt", False):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        if getattr(view_func, "csp_exempt", False):
            request.csp_exempt = True


class ViewerTimezoneMiddleware:
    """Show times in the viewer's zone, as reported by their browser.

    `static/karma/timezone.js` stores the browser's IANA zone in a cookie; an
    unknown or missing zone falls back to UTC.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The browser stores the zone URL-encoded ("Europe%2FBerlin").
        name = unquote(request.COOKIES.get(TIMEZONE_COOKIE, ""))
        timezone.deactivate()
        if name:
            with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(name))
        return self.get_response(request)

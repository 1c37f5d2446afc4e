"""Throttling of failed sign-ins, per address and per client IP.

The page and the API share these counters. They count failures whether or
not the address has an account, so throttling never reveals which addresses
are registered. Counts live in the cache: set REDIS_URL in production so all
web processes share them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from karma.lib.text import fold_for_search


def _counters(email: str) -> list[tuple[str, object, str]]:
    # An office behind one NAT address shares the IP counter, so it allows
    # more failures than the per-address one.
    window = settings.KARMA_LOGIN_WINDOW_SECONDS
    folded = fold_for_search(email or "")
    return [
        ("karma.login.ip", "ip", f"{settings.KARMA_LOGIN_ATTEMPTS_PER_IP}/{window}s"),
        (
            "karma.login.email",
            lambda group, request: folded,
            f"{settings.KARMA_LOGIN_ATTEMPTS}/{window}s",
        ),
    ]


def login_is_throttled(request: HttpRequest, email: str) -> bool:
    """Return True when this address or this client failed too often lately."""
    for group, key, rate in _counters(email):
        usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
        if usage and usage["count"] >= usage["limit"]:
            return True
    return False


def record_failed_login(request: HttpRequest, email: str) -> None:
    for group, key, rate in _counters(email):
        get_usage(request, group=group, key=key, rate=rate, increment=True)

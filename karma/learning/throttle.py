"""Throttling of certificate lookups per client IP.

The public page and the API count together, every lookup whether or not a
certificate was found, so nobody can try codes in bulk. A code has 80
random bits, far beyond guessing anyway; the limit keeps the page from
being used as an oracle all the same. Counts live in the cache: set
REDIS_URL in production so all web processes share them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

GROUP = "karma.certificates.verify"


def _rate() -> str:
    return f"{settings.KARMA_VERIFY_PER_MINUTE}/m"


def count_lookup(request: HttpRequest) -> int | None:
    """Count one lookup from this client.

    Returns None while the client is within the limit, else the seconds
    until the window ends and lookups are allowed again.
    """
    usage = get_usage(request, group=GROUP, key="ip", rate=_rate(), increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"]))

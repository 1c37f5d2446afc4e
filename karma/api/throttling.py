"""The API rate limit: requests per minute per access token (SPEC section 8).

Requests without a token count per client address. Every response says
where the client stands in X-RateLimit-Limit, X-RateLimit-Remaining and
X-RateLimit-Reset; the last is a number of seconds (not an epoch time) until
the oldest request of the window expires and Remaining goes up again.
Counts live in the cache: set REDIS_URL in production so every web process
shares them.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

# Set on the request once it has been counted, so the error handler knows
# whether a request that failed early still needs counting.
_COUNTED = "karma_rate_limit_counted"


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str:
        return f"{settings.KARMA_API_RATE_PER_MINUTE}/min"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self._client(request)}

    def get_ident(self, request: Request) -> str:
        # The address the sign-in throttle counts too. X-Forwarded-For is
        # whatever the client wrote unless a trusted proxy rewrites it, so
        # it is not used to tell clients apart.
        return request.META.get("REMOTE_ADDR", "")

    def allow_request(self, request: Request, view: Any) -> bool:
        allowed = super().allow_request(request, view)
        setattr(request, _COUNTED, True)
        view.headers.update(self._headers())
        return allowed

    def wait(self) -> float:
        return self._seconds_to_reset()

    def _client(self, request: Request) -> str:
        token, user = _credentials(request)
        if token is not None and token.get("jti"):
            return f"token:{token['jti']}"
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{self.get_ident(request)}"

    def _seconds_to_reset(self) -> int:
        if not self.history:
            return self.duration
        return max(1, math.ceil(self.duration - (self.now - self.history[-1])))

    def _headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.num_requests),
            "X-RateLimit-Remaining": str(max(0, self.num_requests - len(self.history))),
            "X-RateLimit-Reset": str(self._seconds_to_reset()),
        }


def _credentials(request: Request) -> tuple[Any, Any]:
    # Reading request.auth authenticates the request if nothing did yet; a
    # request whose token fails is counted as anonymous, by address.
    try:
        return request.auth, request.user
    except APIException:
        return None, None


def was_counted(request: Request) -> bool:
    return bool(getattr(request, _COUNTED, False))


def count_request(request: Request, view: Any) -> float | None:
    """Count a request that failed before DRF's throttle check.

    Returns the seconds to wait when the request is over a limit, else None.
    """
    for throttle in view.get_throttles():
        if not throttle.allow_request(request, view):
            return throttle.wait()
    return None

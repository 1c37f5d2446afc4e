"""API exceptions of Karma's own. Kept apart from envelope.py, which imports
DRF's views: authentication imports these while DRF is still loading."""

from __future__ import annotations

from rest_framework import exceptions, status


class Unauthorized(exceptions.APIException):
    """401 from a view that has no authenticator of its own (login, refresh).

    DRF turns AuthenticationFailed into 403 on such views, so they raise this.
    """

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Authentication is required."
    default_code = "unauthorized"


class SignInThrottled(exceptions.Throttled):
    """429 for an address or client with too many failed sign-ins lately."""

    reason = "Too many failed sign-ins."

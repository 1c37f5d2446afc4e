"""The JSON envelope around every API response, and errors in that shape.

Success: `{"data": ..., "meta": {...} or null, "error": null}`.
Failure: `{"data": null, "meta": null, "error": {"code", "message", "details"}}`,
where each detail is `{"field": name or null, "issue": text}` (SPEC section 8).
"""

from __future__ import annotations

import logging
import math
from enum import StrEnum
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from karma.api import throttling

logger = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class Envelope(dict):
    """A response body already in envelope form; the renderer sends it as is."""


def success(data: Any, *, meta: dict[str, Any] | None = None) -> Envelope:
    return Envelope(data=data, meta=meta, error=None)


def failure(
    code: ErrorCode, message: str, details: list[dict[str, str | None]] | None = None
) -> Envelope:
    error = {"code": code.value, "message": message, "details": details or []}
    return Envelope(data=None, meta=None, error=error)


class EnvelopeRenderer(JSONRenderer):
    """Render JSON, wrapping whatever a view returned as `data`."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if not isinstance(data, Envelope):
            data = success(data)
        return super().render(data, accepted_media_type, renderer_context)


# Malformed requests keep 400; input that parsed but breaks a rule is 422.
_MALFORMED = (
    exceptions.ParseError,
    exceptions.UnsupportedMediaType,
    exceptions.NotAcceptable,
)
_STATUS_CODES = {
    status.HTTP_400_BAD_REQUEST: ErrorCode.VALIDATION_ERROR,
    status.HTTP_401_UNAUTHORIZED: ErrorCode.UNAUTHORIZED,
    status.HTTP_403_FORBIDDEN: ErrorCode.FORBIDDEN,
    status.HTTP_404_NOT_FOUND: ErrorCode.NOT_FOUND,
    status.HTTP_405_METHOD_NOT_ALLOWED: ErrorCode.METHOD_NOT_ALLOWED,
    status.HTTP_422_UNPROCESSABLE_ENTITY: ErrorCode.VALIDATION_ERROR,
    status.HTTP_429_TOO_MANY_REQUESTS: ErrorCode.RATE_LIMITED,
}
_BEARER_CHALLENGE = 'Bearer realm="api"'


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Answer any exception raised in an API view with an error envelope.

    Unexpected exceptions are logged with their traceback and answered with
    500 INTERNAL_ERROR; the client never sees a traceback.
    """
    request, view = context.get("request"), context.get("view")
    api_exception = _as_api_exception(exc)
    if api_exception is None:
        logger.error(
            "unhandled error in API view",
            exc_info=exc,
            extra={"view": type(view).__name__ if view else None},
        )
        response = Response(
            failure(
                ErrorCode.INTERNAL_ERROR,
                "Something went wrong on the server. Please try again in a moment.",
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    else:
        response = _error_response(_naming_readable_types(api_exception, request))

    set_rollback()
    return _counted(response, request, view)


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(_django_error_detail(exc))
    if isinstance(exc, exceptions.APIException):
        return exc
    return None


def _naming_readable_types(
    exc: exceptions.APIException, request: Any
) -> exceptions.APIException:
    # DRF names only the type it refused; the client also needs to know
    # what this endpoint reads (JSON, and multipart where a file is taken).
    parsers = getattr(request, "parsers", None)
    if not isinstance(exc, exceptions.UnsupportedMediaType) or not parsers:
        return exc
    readable = " or ".join(parser.media_type for parser in parsers)
    return exceptions.UnsupportedMediaType("", detail=f"{exc.detail} Send {readable}.")


def _django_error_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name: (
                [str(message) for error in errors for message in error.messages]
            )
            for name, errors in exc.error_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def _error_response(exc: exceptions.APIException) -> Response:
    headers = {}
    if isinstance(exc, exceptions.ValidationError):
        status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        details = field_issues(exc.detail)
        message = (
            details[0]["issue"]
            if len(details) == 1
            else f"The request has {len(details)} problems; see details."
        )
    else:
        status_code = (
            status.HTTP_400_BAD_REQUEST
            if isinstance(exc, _MALFORMED)
            else exc.status_code
        )
        message, details = _plain_detail(exc.detail), []

    if status_code == status.HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = getattr(exc, "auth_header", _BEARER_CHALLENGE)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(math.ceil(exc.wait))
        reason = getattr(exc, "reason", "Too many requests.")
        message = f"{reason} Try again in {math.ceil(exc.wait)} seconds."

    code = _STATUS_CODES.get(
        status_code,
        ErrorCode.INTERNAL_ERROR if status_code >= 500 else ErrorCode.VALIDATION_ERROR,
    )
    return Response(
        failure(code, message, details), status=status_code, headers=headers
    )


def _plain_detail(detail: Any) -> str:
    # simplejwt and a few DRF exceptions carry a dict or list as detail.
    if isinstance(detail, dict):
        detail = detail.get("detail", next(iter(detail.values()), ""))
    if isinstance(detail, list):
        detail = detail[0] if detail else ""
    return str(detail)


def field_issues(detail: Any, prefix: str = "") -> list[dict[str, str | None]]:
    """Flatten DRF error details into `[{"field", "issue"}]`.

    Nested fields join with dots (`items.2.email`); errors about the request
    as a whole have field None.
    """
    if isinstance(detail, dict):
        issues = []
        for name, value in detail.items():
            if name in (api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS):
                issues += field_issues(value, prefix)
            else:
                issues += field_issues(value, f"{prefix}.{name}" if prefix else name)
        return issues
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": prefix or None, "issue": str(item)} for item in detail]
        issues = []
        for index, item in enumerate(detail):
            issues += field_issues(item, f"{prefix}.{index}" if prefix else str(index))
        return issues
    return [{"field": prefix or None, "issue": str(detail)}]


def _counted(response: Response, request: Any, view: Any) -> Response:
    # Errors raised before DRF's throttle check (a bad token, a missing
    # permission) still count against the client and still carry the
    # rate-limit headers; past the limit they become 429 like any request.
    if request is None or view is None or throttling.was_counted(request):
        return response

    wait = throttling.count_request(request, view)
    if wait is None:
        return response
    return _error_response(exceptions.Throttled(wait=wait))

"""How the API describes itself in OpenAPI: envelopes, errors, rate limits.

KarmaAutoSchema (settings REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) wraps every
success body in the data envelope and adds the error envelope and the
rate-limit headers to every operation, so a view declares only its own
serializers and the schema still tells the truth about the wire format.
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    ResolvedComponent,
    build_bearer_security_scheme_object,
    force_instance,
    get_override,
)
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from karma.api.envelope import ErrorCode
from karma.api.tokens import TOKEN_TYPE

API_DESCRIPTION = """\
The Karma learning management system, version 1.

**Envelope.** Every JSON response is `{"data": ..., "meta": ..., "error": ...}`.
On success `error` is null and `meta` is `{"total", "page", "per_page"}` for
lists, null otherwise. On failure `data` and `meta` are null and `error` is
`{"code", "message", "details": [{"field", "issue"}]}` with code UNAUTHORIZED
(401), FORBIDDEN (403), NOT_FOUND (404), METHOD_NOT_ALLOWED (405),
VALIDATION_ERROR (422 for input that breaks a rule, 400 for a malformed
request such as unparsable JSON or a wrong Content-Type), RATE_LIMITED (429)
or INTERNAL_ERROR (500).

**Authentication.** `POST /api/v1/auth/login` returns a Bearer access token
(valid one hour) and a refresh token. Refresh tokens are single-use:
`/auth/refresh` returns a new pair. A password change or deactivation ends
every other token at once. Users holding a temporary password may call only
`/auth/password` and `/auth/logout` until they have chosen their own.

**Ids.** Resources are named by public ids with a type prefix (`usr_...`);
an unknown or malformed id answers 404.

**Rate limit.** 100 requests a minute (by default) per access token, per
client address without one. Every response carries `X-RateLimit-Limit`,
`X-RateLimit-Remaining` and `X-RateLimit-Reset`; Reset is a number of
**seconds from now** (not an epoch time) until the oldest request of the
window expires and Remaining goes up. Over the limit: 429 with `Retry-After`
in seconds.
"""

# Status code -> the name of its shared response component and its words.
_ERROR_RESPONSES = {
    "400": ("BadRequest", "Malformed request: unparsable JSON, a wrong Content-Type."),
    "401": (
        "Unauthorized",
        "No access token, or one that is invalid, expired or revoked.",
    ),
    "403": (
        "Forbidden",
        "Signed in, but this role may not do this, or a temporary password "
        "must be changed first.",
    ),
    "404": ("NotFound", "No such resource, or an id that is not one."),
    "422": ("ValidationError", "The input breaks a rule; `details` names each field."),
    "429": ("RateLimited", "Too many requests; wait `Retry-After` seconds."),
    "500": ("InternalError", "Something failed on the server."),
}

ERROR_ENVELOPE_SCHEMA = {
    "type": "object",
    "required": ["data", "meta", "error"],
    "properties": {
        "data": {
            "type": "object",
            "nullable": True,
            "description": "Always null on errors.",
        },
        "meta": {
            "type": "object",
            "nullable": True,
            "description": "Always null on errors.",
        },
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "enum": [code.value for code in ErrorCode]},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "issue"],
                        "properties": {
                            "field": {
                                "type": "string",
                                "nullable": True,
                                "description": "The input at fault; null when "
                                "the problem is the request as a whole.",
                            },
                            "issue": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}

_RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {
        "schema": {"type": "integer"},
        "description": "Requests allowed per minute for this token or address.",
    },
    "X-RateLimit-Remaining": {
        "schema": {"type": "integer"},
        "description": "Requests left in the current window.",
    },
    "X-RateLimit-Reset": {
        "schema": {"type": "integer"},
        "description": "Seconds from now (not an epoch time) until the oldest "
        "request of the window expires and Remaining goes up.",
    },
}
_RETRY_AFTER_HEADER = {
    "schema": {"type": "integer"},
    "description": "Seconds to wait before trying again.",
}
_BODY_METHODS = ("POST", "PUT", "PATCH")


class KarmaAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(code, {})
        for code, response in responses.items():
            if code >= "400" and "content" not in response:
                responses[code] = self._error_response(code, response)
        return dict(sorted(responses.items()))

    def _get_response_for_code(
        self,
        serializer: Any,
        status_code: str,
        media_types: list[str] | None = None,
        direction: str = "response",
    ) -> dict[str, Any]:
        response = super()._get_response_for_code(
            serializer, status_code, media_types, direction
        )
        is_success = "200" <= status_code < "300"
        if is_success and "content" in response and not self._paginated(serializer):
            for media in response["content"].values():
                media["schema"] = self._data_envelope(media["schema"])
        return response

    def _get_response_headers_for_code(
        self, status_code: str, direction: str = "response"
    ) -> dict[str, Any]:
        headers = super()._get_response_headers_for_code(status_code, direction)
        added = dict(_RATE_LIMIT_HEADERS)
        if status_code == "429":
            added["Retry-After"] = _RETRY_AFTER_HEADER
        for name, header in added.items():
            headers[name] = self._component(ResolvedComponent.HEADER, name, header)
        return headers

    def _error_codes(self) -> list[str]:
        codes = ["429", "500"]
        guarded = any(
            not isinstance(permission, AllowAny)
            for permission in self.view.get_permissions()
        )
        if guarded:
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in _BODY_METHODS:
            codes += ["400", "422"]
        elif self._paginated(None):
            codes.append("422")
        return codes

    def _error_response(self, code: str, declared: dict[str, Any]) -> dict[str, Any]:
        """Return the error envelope response for `code`.

        A view that describes its own error (login's 401) keeps its words;
        every other operation shares one response component per code.
        """
        response = {
            "description": declared.get("description")
            or _ERROR_RESPONSES.get(code, ("", ""))[1],
            "content": {
                media_type: {
                    "schema": self._component(
                        ResolvedComponent.SCHEMA, "ErrorEnvelope", ERROR_ENVELOPE_SCHEMA
                    )
                }
                for media_type in self.map_renderers("media_type")
            },
            "headers": self._get_response_headers_for_code(code),
        }
        if declared.get("description") or code not in _ERROR_RESPONSES:
            return response
        name = _ERROR_RESPONSES[code][0]
        return self._component(ResolvedComponent.RESPONSE, name, response)

    def _component(self, kind: str, name: str, body: dict[str, Any]) -> dict[str, str]:
        component = ResolvedComponent(
            name=name, type=kind, schema=copy.deepcopy(body), object=f"{kind}.{name}"
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _paginated(self, serializer: Any) -> bool:
        # The same test drf-spectacular applies before asking the paginator
        # for its schema, whose envelope must then not be wrapped again.
        if isinstance(serializer, OpenApiResponse):
            serializer = serializer.response
        serializer = (
            None if isinstance(serializer, dict) else force_instance(serializer)
        )
        return bool(
            self._get_paginator()
            and self._is_list_view(serializer)
            and get_override(serializer, "many") is not False
        )

    def _data_envelope(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = {
            "type": "object",
            "required": ["data", "meta", "error"],
            "properties": {
                "data": schema,
                "meta": {
                    "type": "object",
                    "nullable": True,
                    "description": "Null: this response is not a page of a list.",
                },
                "error": {
                    "type": "object",
                    "nullable": True,
                    "description": "Always null on success.",
                },
            },
        }
        reference = schema.get("$ref", "")
        if not reference.startswith("#/components/schemas/"):
            return envelope
        name = f"{reference.rsplit('/', 1)[1]}Envelope"
        return self._component(ResolvedComponent.SCHEMA, name, envelope)


class KarmaJWTScheme(OpenApiAuthenticationExtension):
    target_class = "karma.api.authentication.KarmaJWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="HTTP_AUTHORIZATION",
            token_prefix=TOKEN_TYPE,
            bearer_format="JWT",
        )

"""Page-number pagination with the envelope's meta (SPEC section 8)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from karma.api.envelope import success

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class PagePagination(BasePagination):
    """`?page=` from 1 and `?per_page=` from 1 to 100 (default 20).

    A page past the end is empty rather than an error, so a client that
    deletes as it pages never trips over a shrinking total.
    """

    def paginate_queryset(
        self, queryset: QuerySet | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.page, self.per_page = _page_and_size(request)
        self.total = (
            queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        )

        start = (self.page - 1) * self.per_page
        if start >= self.total:
            return []
        return list(queryset[start : start + self.per_page])

    def get_paginated_response(self, data: Any) -> Response:
        meta = {"total": self.total, "page": self.page, "per_page": self.per_page}
        return Response(success(data, meta=meta))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["data", "meta", "error"],
            "properties": {
                "data": schema,
                "meta": {
                    "type": "object",
                    "required": ["total", "page", "per_page"],
                    "properties": {
                        "total": {"type": "integer", "minimum": 0},
                        "page": {"type": "integer", "minimum": 1},
                        "per_page": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PER_PAGE,
                        },
                    },
                },
                "error": {
                    "type": "object",
                    "nullable": True,
                    "description": "Always null on success.",
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1. A page past the end is empty.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": f"Items per page, from 1 to {MAX_PER_PAGE}.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": DEFAULT_PER_PAGE,
                },
            },
        ]


def _page_and_size(request: Request) -> tuple[int, int]:
    """Read `page` and `per_page`, or raise ValidationError naming each."""
    errors = {}
    page = _whole_number(request.query_params.get("page"), default=1)
    if page is None or page < 1:
        errors["page"] = ["Use a whole number from 1."]

    per_page = _whole_number(
        request.query_params.get("per_page"), default=DEFAULT_PER_PAGE
    )
    if per_page is None or not 1 <= per_page <= MAX_PER_PAGE:
        errors["per_page"] = [f"Use a whole number from 1 to {MAX_PER_PAGE}."]

    if errors:
        raise ValidationError(errors)
    return page, per_page


def _whole_number(raw: str | None, *, default: int) -> int | None:
    """Return `raw` as a positive int, `default` when absent, else None."""
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    # ASCII digits only, and a length cap so absurd values (a page number
    # with a hundred digits) never reach the database as an offset.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        return None
    return int(raw)

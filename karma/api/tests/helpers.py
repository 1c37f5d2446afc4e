"""Helpers for API tests: clients that carry a Bearer token."""

from __future__ import annotations

from django.test import Client

from karma.accounts.models import User
from karma.api import tokens


def bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def api_client(user: User | None = None) -> Client:
    """Return a client signed in to the API as `user` (anonymous for None)."""
    if user is None:
        return Client()
    return Client(headers=bearer(tokens.issue_token_pair(user).access))


def error_of(response) -> dict:
    body = response.json()
    assert body["data"] is None
    assert body["meta"] is None
    return body["error"]


def issues_of(response) -> dict[str | None, str]:
    """Map each field named in an error envelope to its issue."""
    return {
        detail["field"]: detail["issue"] for detail in error_of(response)["details"]
    }

"""GET /audit-events: the audit log for admins, with its filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.audit.models import AuditEvent, AuditKind

URL = "/api/v1/audit-events"


@pytest.fixture
def history(admin, instructor, learner, outsider):
    def at(day, **fields):
        return AuditEvent.objects.create(
            created_at=datetime(2026, 5, day, 10, tzinfo=UTC), **fields
        )

    at(1, kind=AuditKind.ROLE_CHANGED, actor=admin, subject=learner, reason="Promoted")
    at(
        3,
        kind=AuditKind.EXPORT_DOWNLOADED,
        actor=instructor,
        target="crs_aaaaaaaaaaaaaaaa",
        details={"export": "course_progress", "format": "csv", "rows": 7},
    )
    at(5, kind=AuditKind.PROFILE_VIEWED, actor=instructor, subject=outsider)
    at(6, kind=AuditKind.RETENTION_RUN, actor=None, details={"exports": 2})


def _kinds(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [event["kind"] for event in response.json()["data"]]


def test_lists_entries_newest_first_with_who_whom_what_and_why(admin, history, learner):
    body = api_client(admin).get(URL).json()

    assert body["meta"] == {"total": 4, "page": 1, "per_page": 20}
    system, viewed, export, role = body["data"]
    assert system["actor"] is None
    assert export["details"] == {
        "export": "course_progress",
        "format": "csv",
        "rows": 7,
    }
    assert export["target"] == "crs_aaaaaaaaaaaaaaaa"
    assert role["actor"]["name"] == "Ada Admin"
    assert role["subject"] == {
        "id": learner.public_id,
        "name": "Lea Learner",
        "email": "lea@example.com",
    }
    assert role["reason"] == "Promoted"
    assert role["created_at"].startswith("2026-05-01T10:00:00")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=ivan", ["account.profile_viewed", "export.downloaded"]),
        ("subject=LEA", ["account.role_changed"]),
        ("kind=export.downloaded", ["export.downloaded"]),
        ("target=crs_aaaaaaaaaaaaaaaa", ["export.downloaded"]),
        (
            "date_from=2026-05-03&date_to=2026-05-05",
            ["account.profile_viewed", "export.downloaded"],
        ),
        ("date_to=2026-05-01", ["account.role_changed"]),
    ],
)
def test_filters(admin, history, query, expected):
    assert _kinds(api_client(admin).get(f"{URL}?{query}")) == expected


def test_filters_people_by_user_id(admin, history, outsider):
    response = api_client(admin).get(f"{URL}?subject={outsider.public_id}")

    assert _kinds(response) == ["account.profile_viewed"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=account.exploded", "kind"),
        ("date_from=yesterday", "date_from"),
        ("date_from=2026-05-05&date_to=2026-05-01", "date_to"),
    ],
)
def test_bad_filters_are_422(admin, history, query, field):
    response = api_client(admin).get(f"{URL}?{query}")

    assert response.status_code == 422
    assert field in issues_of(response)


@pytest.mark.parametrize("role", ["instructor", "learner"])
def test_only_admins_read_the_log(request, history, role):
    response = api_client(request.getfixturevalue(role)).get(URL)

    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"


def test_anonymous_is_401(db):
    assert api_client().get(URL).status_code == 401

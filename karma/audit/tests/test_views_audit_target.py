"""The audit log page's filters by user id and by what an entry touched."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from karma.audit.models import AuditEvent, AuditKind

LOG_URL = reverse("audit:log")


@pytest.fixture
def entries(admin, learner, outsider):
    day = datetime(2026, 5, 1, 10, tzinfo=UTC)
    AuditEvent.objects.create(
        kind=AuditKind.EXPORT_DOWNLOADED,
        actor=admin,
        target="crs_aaaaaaaaaaaaaaaa",
        created_at=day,
    )
    AuditEvent.objects.create(
        kind=AuditKind.PROFILE_VIEWED,
        actor=admin,
        subject=learner,
        target="enr_bbbbbbbbbbbbbbbb",
        created_at=day,
    )
    AuditEvent.objects.create(
        kind=AuditKind.PROFILE_VIEWED,
        actor=outsider,
        subject=outsider,
        created_at=day,
    )


def _kinds(response) -> list[str]:
    return [event.kind for event in response.context["page"].object_list]


def test_filters_by_target(admin_client, entries):
    response = admin_client.get(LOG_URL, {"target": "crs_aaaaaaaaaaaaaaaa"})

    assert _kinds(response) == [AuditKind.EXPORT_DOWNLOADED]
    assert 'name="target"' in response.content.decode()


def test_filters_people_by_their_user_id(admin_client, entries, learner, outsider):
    by_subject = admin_client.get(LOG_URL, {"subject": learner.public_id})
    by_actor = admin_client.get(LOG_URL, {"actor": outsider.public_id})

    assert _kinds(by_subject) == [AuditKind.PROFILE_VIEWED]
    assert [e.actor for e in by_actor.context["page"].object_list] == [outsider]


def test_an_overlong_target_is_reported_without_failing(admin_client, entries):
    response = admin_client.get(LOG_URL, {"target": "x" * 100})

    assert response.status_code == 200
    assert response.context["form"].errors["target"]
    assert len(_kinds(response)) == 3

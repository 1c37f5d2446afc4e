"""Retention: expired invitations, old uploads and old exports are deleted."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from karma.accounts.models import Invitation, User
from karma.accounts.tests.factories import LearnerFactory
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.tests.factories import PublishedCourseFactory
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkEnrollmentRow,
    BulkJobStatus,
    BulkSource,
    RowOutcome,
)
from karma.privacy.services import purge_expired
from karma.privacy.tasks import purge_expired_data

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _periods(settings):
    settings.KARMA_RETENTION_INVITATION_DAYS = 30
    settings.KARMA_RETENTION_UPLOAD_DAYS = 14
    settings.KARMA_RETENTION_EXPORT_DAYS = 7


def invitation(*, days_past_expiry: int, **fields) -> Invitation:
    user = LearnerFactory(activated_at=None)
    expires_at = NOW - timedelta(days=days_past_expiry)
    return Invitation.objects.create(
        user=user,
        token_hash=f"{user.pk:064d}",
        created_at=expires_at - timedelta(days=7),
        expires_at=expires_at,
        **fields,
    )


def job_with_upload(*, age_days: int) -> BulkEnrollmentJob:
    job = BulkEnrollmentJob(
        course=PublishedCourseFactory(),
        source=BulkSource.PASTE,
        status=BulkJobStatus.DONE,
        created_at=NOW - timedelta(days=age_days),
    )
    job.upload.save("pasted.txt", ContentFile(b"someone@example.com\n"), save=False)
    job.save()
    BulkEnrollmentRow.objects.create(
        job=job, line=1, email="someone@example.com", outcome=RowOutcome.UNKNOWN
    )
    return job


def export_file(root: Path, name: str, *, age_days: int) -> Path:
    path = root / "exports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"export")
    moment = (NOW - timedelta(days=age_days)).timestamp()
    os.utime(path, (moment, moment))
    return path


def test_deletes_invitations_expired_longer_than_the_period():
    old = invitation(days_past_expiry=31)
    recent = invitation(days_past_expiry=29)
    live = invitation(days_past_expiry=-3)

    counts = purge_expired(now=NOW)

    assert counts["invitations"] == 1
    remaining = set(Invitation.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, live.pk}
    assert User.objects.filter(pk=old.user_id).exists()


def test_deletes_invitations_revoked_longer_than_the_period():
    revoked = invitation(days_past_expiry=-3, revoked_at=NOW - timedelta(days=31))
    lately = invitation(days_past_expiry=-3, revoked_at=NOW - timedelta(days=2))

    purge_expired(now=NOW)

    assert not Invitation.objects.filter(pk=revoked.pk).exists()
    assert Invitation.objects.filter(pk=lately.pk).exists()


def test_keeps_accepted_invitations_and_their_accounts():
    accepted = invitation(days_past_expiry=400, accepted_at=NOW - timedelta(days=410))

    purge_expired(now=NOW)

    assert Invitation.objects.filter(pk=accepted.pk).exists()


def test_deletes_old_uploads_and_keeps_the_job_and_its_report(run_on_commit):
    old = job_with_upload(age_days=15)
    recent = job_with_upload(age_days=13)
    old_file = old.upload.name

    with run_on_commit():
        counts = purge_expired(now=NOW)

    assert counts["uploads"] == 1
    old.refresh_from_db()
    assert not old.upload
    assert not default_storage.exists(old_file)
    assert old.rows.count() == 1
    recent.refresh_from_db()
    assert default_storage.exists(recent.upload.name)


def test_an_upload_already_gone_is_no_error(run_on_commit):
    job = job_with_upload(age_days=30)
    default_storage.delete(job.upload.name)

    with run_on_commit():
        counts = purge_expired(now=NOW)

    assert counts["uploads"] == 1


def test_deletes_old_export_files(settings):
    root = Path(settings.MEDIA_ROOT)
    old = export_file(root, "2026/old.csv", age_days=8)
    recent = export_file(root, "recent.zip", age_days=6)

    counts = purge_expired(now=NOW)

    assert counts["exports"] == 1
    assert not old.exists()
    assert recent.exists()


def test_runs_without_an_exports_folder():
    assert purge_expired(now=NOW) == {"invitations": 0, "uploads": 0, "exports": 0}


def test_records_each_run_with_its_counts():
    invitation(days_past_expiry=40)

    purge_expired(now=NOW)

    event = AuditEvent.objects.get(kind=AuditKind.RETENTION_RUN)
    assert event.actor is None
    assert event.details == {"invitations": 1, "uploads": 0, "exports": 0}


def test_command_prints_a_summary():
    invitation(days_past_expiry=10_000)
    out = StringIO()

    call_command("purge_expired", stdout=out)

    assert out.getvalue().strip() == (
        "Deleted 1 expired invitation(s), 0 uploaded file(s) and 0 generated export(s)."
    )


def test_command_prints_json():
    out = StringIO()

    call_command("purge_expired", "--json", stdout=out)

    assert json.loads(out.getvalue()) == {"invitations": 0, "uploads": 0, "exports": 0}


def test_scheduled_task_purges(settings):
    invitation(days_past_expiry=10_000)

    assert purge_expired_data.apply().get()["invitations"] == 1
    schedule = settings.CELERY_BEAT_SCHEDULE["privacy-purge-expired"]
    assert schedule["task"] == purge_expired_data.name

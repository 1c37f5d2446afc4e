"""Retention: deleting what Karma no longer needs (SPEC section 9).

Run daily by the scheduled task (karma/privacy/tasks.py) or by
`karma purge-expired`. The periods are settings, in days:

- KARMA_RETENTION_INVITATION_DAYS: invitations that were never accepted go
  this long after they expired or were revoked. The invited account stays
  (an admin can send a new invitation); accepted invitations stay as the
  record of how the account was activated.
- KARMA_RETENTION_UPLOAD_DAYS: the uploaded or pasted input of a bulk
  enrollment goes this long after the job started. The job and its
  per-row report stay.
- KARMA_RETENTION_EXPORT_DAYS: files under MEDIA_ROOT/exports/ go this
  long after they were written. Karma builds its exports on request and
  stores none there today; the folder is where a stored export belongs.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from karma.accounts.models import Invitation
from karma.audit.models import AuditKind
from karma.audit.services import record_event
from karma.enrollments.models import BulkEnrollmentJob

logger = logging.getLogger(__name__)

EXPORTS_FOLDER = "exports"


def purge_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Delete expired invitations, old uploads and old export files.

    Returns how many of each went, also written to the audit log.
    """
    now = now or timezone.now()

    with transaction.atomic():
        invitations = _purge_invitations(
            now - timedelta(days=settings.KARMA_RETENTION_INVITATION_DAYS)
        )
        upload_names = _forget_uploads(
            now - timedelta(days=settings.KARMA_RETENTION_UPLOAD_DAYS)
        )
        # Files go only after the rows stop pointing at them.
        transaction.on_commit(lambda: _delete_files(upload_names), robust=True)
    exports = _purge_exports(now - timedelta(days=settings.KARMA_RETENTION_EXPORT_DAYS))

    counts = {
        "invitations": invitations,
        "uploads": len(upload_names),
        "exports": exports,
    }
    record_event(kind=AuditKind.RETENTION_RUN, actor=None, details=counts)
    logger.info("expired data deleted", extra=counts)
    return counts


def _purge_invitations(cutoff: datetime) -> int:
    expired = Invitation.objects.filter(accepted_at__isnull=True).filter(
        Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    )
    deleted, _ = expired.delete()
    return deleted


def _forget_uploads(cutoff: datetime) -> list[str]:
    """Clear the upload of old jobs and return the files' storage names.

    A job still checking its rows that old is stuck; without its file it
    fails with a message, which is what it should do by then.
    """
    jobs = BulkEnrollmentJob.objects.filter(created_at__lt=cutoff).exclude(upload="")
    names = list(jobs.values_list("upload", flat=True))
    jobs.update(upload="")
    return names


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("uploaded file not deleted", extra={"file": name})


def _purge_exports(cutoff: datetime) -> int:
    folder = Path(settings.MEDIA_ROOT) / EXPORTS_FOLDER
    if not folder.is_dir():
        return 0

    deleted = 0
    limit = cutoff.timestamp()
    for path in folder.rglob("*"):
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted

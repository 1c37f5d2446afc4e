"""Scheduled work of the privacy app (settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from karma.privacy.services import purge_expired


@shared_task(acks_late=True)
def purge_expired_data() -> dict[str, int]:
    """Delete what the retention periods say Karma no longer keeps."""
    return purge_expired()

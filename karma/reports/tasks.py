"""Background work of the reports app: writing export files."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_export_job(*, job_id: int) -> None:
    from karma.reports.services import run_export

    run_export(job_id=job_id)

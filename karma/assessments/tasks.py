"""Background work of assessments: closing attempts whose time ran out."""

from __future__ import annotations

from celery import shared_task

from karma.assessments.services.attempts import submit_overdue_attempts


@shared_task(acks_late=True)
def submit_overdue_attempts_task() -> int:
    """Submit every open attempt past its deadline and grace.

    Meant to run every few minutes. Pages close expired attempts as they
    load them too, so this only keeps scores and progress current for
    learners who never come back.
    """
    return submit_overdue_attempts()

"""Background work of enrollments: emails and bulk jobs."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from karma.enrollments.models import Enrollment
from karma.web.mail import render_email, site_url

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def send_enrollment_emails(*, enrollment_ids: list[int]) -> int:
    """Email each learner of `enrollment_ids` a link to the course, once.

    Claims each enrollment by setting notified_at where it is still empty,
    so a retried or duplicated task never sends the same email twice.
    Learners whose account is still invited are skipped: their invitation
    email is their way in.
    """
    with transaction.atomic():
        # Claim the whole batch in one statement; skip_locked lets a
        # duplicate task running at the same moment claim nothing.
        claimed = list(
            Enrollment.objects.select_for_update(skip_locked=True)
            .filter(pk__in=enrollment_ids, notified_at__isnull=True)
            .values_list("pk", flat=True)
        )
        Enrollment.objects.filter(pk__in=claimed).update(notified_at=timezone.now())

    enrollments = Enrollment.objects.filter(pk__in=claimed).select_related(
        "learner", "course"
    )
    messages = [
        _message(enrollment)
        for enrollment in enrollments
        if enrollment.learner.activated_at is not None
    ]
    # One connection for the batch, not one per email.
    with get_connection() as connection:
        sent = connection.send_messages(messages) or 0

    logger.info("enrollment emails sent", extra={"count": sent})
    return sent


def _message(enrollment: Enrollment) -> EmailMultiAlternatives:
    course = enrollment.course
    message = render_email(
        "enrolled",
        {
            "first_name": enrollment.learner.first_name,
            "course_title": course.title,
            "link": site_url(reverse("courses:course_detail", args=[course.public_id])),
        },
    )
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["text"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[enrollment.learner.email],
    )
    email.attach_alternative(message["html"], "text/html")
    return email


@shared_task(acks_late=True)
def review_bulk_job(*, job_id: int) -> None:
    from karma.enrollments.services.bulk import review_job

    review_job(job_id=job_id)


@shared_task(acks_late=True)
def apply_bulk_job(*, job_id: int) -> None:
    from karma.enrollments.services.bulk import apply_job

    apply_job(job_id=job_id)

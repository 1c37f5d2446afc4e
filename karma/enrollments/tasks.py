"""Background work of enrollments: emails and bulk jobs."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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
    sent = 0
    enrollments = Enrollment.objects.filter(
        pk__in=enrollment_ids, notified_at__isnull=True
    ).select_related("learner", "course")
    for enrollment in enrollments:
        claimed = Enrollment.objects.filter(
            pk=enrollment.pk, notified_at__isnull=True
        ).update(notified_at=timezone.now())
        if not claimed or enrollment.learner.activated_at is None:
            continue
        _send(enrollment)
        sent += 1

    logger.info("enrollment emails sent", extra={"count": sent})
    return sent


def _send(enrollment: Enrollment) -> None:
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
    email.send()


@shared_task(acks_late=True)
def review_bulk_job(*, job_id: int) -> None:
    from karma.enrollments.services.bulk import review_job

    review_job(job_id=job_id)


@shared_task(acks_late=True)
def apply_bulk_job(*, job_id: int) -> None:
    from karma.enrollments.services.bulk import apply_job

    apply_job(job_id=job_id)

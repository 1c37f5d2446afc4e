"""Background work of the web layer."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    acks_late=True,
)
def deliver_email(
    *, to: str, template: str, subject: str, text: str, html: str
) -> None:
    """Send one rendered email; retried while the mail server is unreachable."""
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send()
    # The template name tells an operator what went out; the address is
    # personal data and stays out of the log.
    logger.info("email sent", extra={"template": template})


@shared_task(acks_late=True)
def deliver_email_batch(*, messages: list[dict[str, str]]) -> None:
    """Send many rendered emails over one connection (bulk invitations)."""
    from django.core.mail import get_connection

    batch = []
    for item in messages:
        message = EmailMultiAlternatives(
            subject=item["subject"],
            body=item["text"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[item["to"]],
        )
        message.attach_alternative(item["html"], "text/html")
        batch.append(message)

    with get_connection() as connection:
        connection.send_messages(batch)
    logger.info("email batch sent", extra={"count": len(batch)})

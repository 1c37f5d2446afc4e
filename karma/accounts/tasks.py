"""Background work of accounts."""

from __future__ import annotations

from celery import shared_task

from karma.accounts.invitations import invitation_message
from karma.accounts.models import User
from karma.web.tasks import deliver_email_batch


@shared_task(acks_late=True)
def send_bulk_invitations(
    *, invitations: list[list], inviter_name: str, course_title: str
) -> None:
    """Render and send a batch of bulk invitations: [user id, token] pairs."""
    tokens = {user_id: token for user_id, token in invitations}
    users = User.objects.filter(pk__in=tokens)
    messages = [
        invitation_message(
            user, tokens[user.pk], inviter_name=inviter_name, course_title=course_title
        )
        for user in users
    ]
    deliver_email_batch.apply(kwargs={"messages": messages})

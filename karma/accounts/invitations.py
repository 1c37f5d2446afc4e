"""Inviting many learners at once, for bulk enrollment.

Set-based: one insert for the accounts, one for the invitations, one for the
audit entries, and the emails in batches after commit, whatever the count.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from karma.accounts.models import Invitation, Role, User, hash_token
from karma.audit.models import AuditEvent, AuditKind
from karma.lib.spreadsheets.cells import clean_name
from karma.lib.text import fold_for_search
from karma.web.background import start_after_commit
from karma.web.mail import render_email, site_url

logger = logging.getLogger(__name__)

EMAIL_BATCH_SIZE = 200
NAME_MAX_LENGTH = 150


@dataclass(frozen=True)
class Invitee:
    email: str
    first_name: str = ""
    last_name: str = ""


def invite_learners_in_bulk(
    *, invitees: Sequence[Invitee], invited_by: User | None, course_title: str = ""
) -> dict[str, User]:
    """Create invited learner accounts for `invitees` and email their links.

    Addresses must already be validated and lower-cased. An address that
    gained an account meanwhile is left as it is. Returns every invitee's
    account by address, new or not. Call inside the caller's transaction:
    emails leave only after it commits.
    """
    emails = [invitee.email for invitee in invitees]
    stamp = timezone.now()
    User.objects.bulk_create(
        [_new_learner(invitee, stamp) for invitee in invitees],
        ignore_conflicts=True,
        batch_size=1000,
    )
    accounts = _accounts_by_email(emails)
    created = [
        user
        for user in accounts.values()
        if user.created_at == stamp and user.activated_at is None
    ]

    tokens = _issue_invitations(created, invited_by=invited_by, stamp=stamp)
    _record_invitations(created, invited_by=invited_by, stamp=stamp)
    _email_invitations(
        created, tokens, invited_by=invited_by, course_title=course_title
    )

    logger.info("learners invited in bulk", extra={"count": len(created)})
    return accounts


def _new_learner(invitee: Invitee, stamp) -> User:
    # bulk_create skips User.save(), so the derived fields are set here.
    # Names are stored as written in the file (a leading tab included, which
    # exports neutralise); clean_name only keeps them on one line.
    first_name = clean_name(invitee.first_name)[:NAME_MAX_LENGTH]
    last_name = clean_name(invitee.last_name)[:NAME_MAX_LENGTH]
    return User(
        email=invitee.email,
        first_name=first_name,
        last_name=last_name,
        role=Role.LEARNER,
        password=make_password(None),
        created_at=stamp,
        search_text=fold_for_search(f"{first_name} {last_name} {invitee.email}"),
    )


def _accounts_by_email(emails: Sequence[str]) -> dict[str, User]:
    accounts: dict[str, User] = {}
    for start in range(0, len(emails), 900):
        chunk = emails[start : start + 900]
        accounts.update({u.email: u for u in User.objects.filter(email__in=chunk)})
    return accounts


def _issue_invitations(
    users: list[User], *, invited_by: User | None, stamp
) -> dict[int, str]:
    expires_at = stamp + timedelta(days=settings.KARMA_INVITATION_DAYS)
    tokens = {user.pk: secrets.token_urlsafe(32) for user in users}
    Invitation.objects.bulk_create(
        [
            Invitation(
                user=user,
                token_hash=hash_token(tokens[user.pk]),
                invited_by=invited_by,
                created_at=stamp,
                expires_at=expires_at,
            )
            for user in users
        ],
        batch_size=1000,
    )
    return tokens


def _record_invitations(users: list[User], *, invited_by: User | None, stamp) -> None:
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                kind=AuditKind.ACCOUNT_INVITED,
                actor=invited_by,
                subject=user,
                created_at=stamp,
                details={"role": Role.LEARNER, "bulk": True},
            )
            for user in users
        ],
        batch_size=1000,
    )


def _email_invitations(
    users: list[User],
    tokens: dict[int, str],
    *,
    invited_by: User | None,
    course_title: str,
) -> None:
    # Rendering happens in the task, after commit: ten thousand emails
    # rendered inside the caller's transaction would hold its locks for
    # the whole time (on SQLite, the database's only write lock).
    from karma.accounts.tasks import send_bulk_invitations

    inviter = invited_by.name if invited_by else settings.SITE_NAME
    pairs = [[user.pk, tokens[user.pk]] for user in users]
    for start in range(0, len(pairs), EMAIL_BATCH_SIZE):
        start_after_commit(
            send_bulk_invitations,
            invitations=pairs[start : start + EMAIL_BATCH_SIZE],
            inviter_name=inviter,
            course_title=course_title,
        )


def invitation_message(
    user: User, token: str, *, inviter_name: str, course_title: str
) -> dict[str, str]:
    """Render one invitation email of a bulk run, ready for deliver_email_batch."""
    link = site_url(reverse("accounts:invitation", kwargs={"token": token}))
    rendered = render_email(
        "invitation",
        {
            "first_name": user.first_name,
            "inviter_name": inviter_name,
            "link": link,
            "days": settings.KARMA_INVITATION_DAYS,
            "course_title": course_title,
        },
    )
    return {"to": user.email, "template": "invitation", **rendered}

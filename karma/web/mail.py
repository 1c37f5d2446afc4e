"""Sending Karma's emails: rendered as text and HTML, sent after commit.

Every email is rendered from `templates/email/<name>.{subject,txt,html}` and
handed to a background task only once the transaction that caused it has
committed, so a rolled-back change never mails anybody.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from karma.lib.public_ids import new_public_id
from karma.lib.text import single_line

logger = logging.getLogger(__name__)


def site_url(path: str) -> str:
    """Return an absolute link on the configured site, whatever the Host."""
    return f"{settings.SITE_URL}{path}"


def render_email(name: str, context: dict[str, Any]) -> dict[str, str]:
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        **context,
    }
    subject = render_to_string(f"email/{name}.subject.txt", context)
    return {
        # Names from a spreadsheet may hold line breaks; a header may not.
        "subject": single_line(subject),
        "text": render_to_string(f"email/{name}.txt", context),
        "html": render_to_string(f"email/{name}.html", context),
    }


def send_email_after_commit(*, name: str, to: str, context: dict[str, Any]) -> None:
    """Render email `name` for `to` now and queue it once the transaction commits."""
    from karma.web.tasks import deliver_email

    message = render_email(name, context)
    transaction.on_commit(
        lambda: deliver_email.delay(to=to, template=name, **message), robust=True
    )


class ConsoleAndFolderBackend(BaseEmailBackend):
    """Print each message to standard error and keep a copy in KARMA_MAIL_DIR
    (embedded default).

    The folder lets a person trying Karma without a mail server open the
    invitation they just sent; `/dev/mail/` lists it when DEBUG is on.
    """

    def send_messages(self, email_messages: list[Any]) -> int:
        folder = Path(settings.KARMA_MAIL_DIR)
        folder.mkdir(parents=True, exist_ok=True)

        for message in email_messages:
            raw = message.message().as_bytes()
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            (folder / f"{stamp}-{new_public_id('msg')}.eml").write_bytes(raw)
            # Standard error, not output: `karma bulk-enroll --json` and other
            # commands print their result on standard output for a script.
            sys.stderr.write(raw.decode("utf-8", "replace") + "\n" + "-" * 79 + "\n")
            sys.stderr.flush()
        return len(email_messages)

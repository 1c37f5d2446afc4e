"""A real SMTP server on loopback that keeps every message it receives.

Tests that must see an email leave Karma the way production sends it (SMTP,
after the commit, possibly from a Celery worker) read it here instead of from
Django's in-memory outbox.
"""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://[^\s<>\"']+")


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage
    claimed: bool = field(default=False)


class Mailbox:
    """The aiosmtpd handler: stores messages and lets a test wait for one."""

    def __init__(self) -> None:
        self._received: list[Received] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        recipients = [address.lower() for address in envelope.rcpt_tos]
        with self._arrived:
            self._received.append(Received(recipients=recipients, message=message))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._arrived:
            self._received.clear()

    def recipients(self) -> list[str]:
        """Return every address anything was sent to so far, oldest first."""
        with self._arrived:
            return [to for received in self._received for to in received.recipients]

    def wait_for(self, to: str, *, timeout: float = 15.0) -> EmailMessage:
        """Return the next message for `to` not yet returned, waiting up to `timeout`.

        Raises AssertionError naming what did arrive when nothing came in time.
        """
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for received in self._received:
                    if not received.claimed and to.lower() in received.recipients:
                        received.claimed = True
                        return received.message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [r.recipients for r in self._received]
                    raise AssertionError(
                        f"no email to {to} within {timeout:.0f}s; received: {seen}"
                    )
                self._arrived.wait(remaining)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, f"email {message['Subject']!r} has no text part"
    return body.get_content()


def first_link(message: EmailMessage) -> str:
    """Return the first web address in the text part of `message`."""
    found = LINK.search(text_of(message))
    assert found, f"no link in email {message['Subject']!r}"
    return found.group(0)


def free_port() -> int:
    # The port is free when we ask; the server binds it a moment later,
    # which on a test machine nobody else races for.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoopbackSMTPServer:
    """An aiosmtpd server on 127.0.0.1 in its own thread."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller = Controller(
            self.mailbox, hostname=self.host, port=self.port, ready_timeout=10
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

"""Fixtures shared by the browser and integration tests."""

from __future__ import annotations

import pytest

from tests.mailbox import LoopbackSMTPServer, Mailbox


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on loopback for the whole run."""
    server = LoopbackSMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    """The loopback server's messages, emptied for each test."""
    smtp_server.mailbox.clear()
    return smtp_server.mailbox


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Make Django send mail over SMTP to the loopback server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    return settings

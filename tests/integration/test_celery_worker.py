"""An invitation email travels through a real Celery worker to a real SMTP server.

Needs CELERY_BROKER_URL naming a reachable Redis (CI sets it, together with
KARMA_REQUIRE_BROKER=1 so a missing broker fails instead of skipping), and a
test database another process can open (PostgreSQL, or an SQLite file).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import redis
from django.db import connection

from karma import celery_app
from karma.accounts.models import Role
from karma.accounts.services import find_invitation, invite_user
from tests.mailbox import LoopbackSMTPServer, first_link

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

REPO_ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
# A cold worker on a busy two-core machine imports Django and Celery in a few
# seconds; the bound leaves room for that without hiding a lost message.
DELIVERY_TIMEOUT = 60.0


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("KARMA_REQUIRE_BROKER") == "1":
        pytest.fail(f"KARMA_REQUIRE_BROKER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def broker_url() -> str:
    """The broker named by the environment, emptied of stale messages.

    Test settings force eager tasks, so the URL is read from the
    environment itself, as the worker's own settings will read it.
    """
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        _skip_or_fail("CELERY_BROKER_URL is not set, so there is no broker")
    if urlsplit(url).scheme not in {"redis", "rediss"}:
        _skip_or_fail(f"this test drives Redis, not {urlsplit(url).scheme}")

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        _skip_or_fail(f"the broker at CELERY_BROKER_URL does not answer: {error}")

    # Only a database number chosen for tests is flushed; 0 is everybody's.
    if client.connection_pool.connection_kwargs.get("db", 0) != 0:
        client.flushdb()
    client.close()
    return url


def _database_url_for_worker() -> str:
    """Return a DATABASE_URL that opens the database this test writes to."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.creation.is_in_memory_db(db["NAME"]):
            pytest.skip(
                "the test database is in-memory SQLite, which a worker process "
                "cannot open; run with DATABASE_URL of PostgreSQL"
            )
        return f"sqlite:///{db['NAME']}"
    if connection.vendor != "postgresql":
        pytest.skip(f"no worker DATABASE_URL for {connection.vendor}")

    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def loopback_smtp():
    server = LoopbackSMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker(broker_url, loopback_smtp, tmp_path):
    """Run `celery worker` as its own process with production settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "karma.config.settings",
        "DATABASE_URL": _database_url_for_worker(),
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_HOST": loopback_smtp.host,
        "EMAIL_PORT": str(loopback_smtp.port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_USE_SSL": "false",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # The worker's generated files stay out of the checkout's var/.
        "KARMA_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "INFO",
    }
    env.pop("REDIS_URL", None)
    log_path = tmp_path / "worker.log"
    command = [
        str(CELERY),
        "-A",
        "karma.config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        "celery",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        "--loglevel=INFO",
        f"--hostname=karma-test-{os.getpid()}@%h",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    process.log_path = log_path
    yield process

    _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # SIGTERM is Celery's warm shutdown: finish the task at hand, then exit.
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def queued_tasks(broker_url, settings):
    """Make this process publish tasks to the broker instead of running them.

    Celery read Django's (eager) test settings once, so its own configuration
    is changed too, and put back afterwards for the tests that follow.
    """
    settings.CELERY_BROKER_URL = broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    conf = celery_app.conf
    saved = {"broker_url": conf.broker_url, "task_always_eager": conf.task_always_eager}
    conf.broker_url = broker_url
    conf.task_always_eager = False
    yield
    celery_app.pool.force_close_all()
    for key, value in saved.items():
        setattr(conf, key, value)


def test_invitation_email_goes_out_through_a_real_worker(
    worker, queued_tasks, loopback_smtp, admin, settings
):
    invitation = invite_user(
        first_name="Wanda",
        last_name="Worker",
        email="wanda.worker@example.com",
        role=Role.LEARNER,
        invited_by=admin,
    )

    try:
        message = loopback_smtp.mailbox.wait_for(
            "wanda.worker@example.com", timeout=DELIVERY_TIMEOUT
        )
    except AssertionError:
        _stop(worker)
        log = worker.log_path.read_text(errors="replace")
        pytest.fail(
            f"the worker delivered nothing (exit code {worker.returncode}); "
            f"its log:\n{log[-6000:]}"
        )

    assert "Wanda" in message.get_body(preferencelist=("plain",)).get_content()
    link = first_link(message)
    assert link.startswith(f"{settings.SITE_URL}/invitations/")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert find_invitation(token) == invitation
    assert message.get_body(preferencelist=("html",)) is not None
    assert worker.poll() is None, "the worker stopped while the test ran"

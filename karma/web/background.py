"""Starting background work, with or without a Celery broker.

With CELERY_BROKER_URL set, work goes to the Celery workers. Without one (the
embedded default) long work runs in a thread of the web process, so a page
that starts a large bulk enrollment still answers at once; short tasks such
as emails run inline. Tests run everything inline.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Task
from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)


def start_after_commit(task: Task, **kwargs: Any) -> None:
    """Run `task` in the background once the current transaction commits."""
    transaction.on_commit(lambda: _start(task, kwargs), robust=True)


def _start(task: Task, kwargs: dict[str, Any]) -> None:
    if settings.CELERY_BROKER_URL:
        task.delay(**kwargs)
    elif settings.KARMA_INPROCESS_TASKS == "thread":
        threading.Thread(
            target=_run_in_thread, args=(task, kwargs), daemon=True
        ).start()
    else:
        task.apply(kwargs=kwargs)


def _run_in_thread(task: Task, kwargs: dict[str, Any]) -> None:
    try:
        task.apply(kwargs=kwargs)
    except Exception:
        logger.exception("background task failed", extra={"task": task.name})
    finally:
        # The thread opened its own database connection; close it so the
        # web process does not leak one per job.
        connection.close()

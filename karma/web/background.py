"""Starting background work, with or without a Celery broker.

With CELERY_BROKER_URL set, work goes to the Celery workers. Without one (the
embedded default) long work runs in a thread of the web process, so a page
that starts a large bulk enrollment still answers at once; short tasks such
as emails run inline. Tests run everything inline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Task
from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

_inline = threading.local()


@contextmanager
def tasks_inline() -> Iterator[None]:
    """Run background work in the calling thread for the block's duration.

    For commands: a process that exits right after would kill the threads
    that the embedded default starts, and with them the emails they send.
    With a broker, work still goes to the workers.
    """
    previous = getattr(_inline, "on", False)
    _inline.on = True
    try:
        yield
    finally:
        _inline.on = previous


def start_after_commit(task: Task, **kwargs: Any) -> None:
    """Run `task` in the background once the current transaction commits."""
    # Decided now, not at commit: the commit may come after the block ends.
    inline = getattr(_inline, "on", False)
    transaction.on_commit(lambda: _start(task, kwargs, inline=inline), robust=True)


def _start(task: Task, kwargs: dict[str, Any], *, inline: bool = False) -> None:
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        task.delay(**kwargs)
    elif settings.KARMA_INPROCESS_TASKS == "thread" and not inline:
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

"""Benchmark: requests per second for the learner dashboard under gunicorn
with two workers, from a load generator on loopback.

Sessions for a few dozen learners are written straight into the session
store (no password hashing in the measurement), gunicorn serves the scale
database on 127.0.0.1:8765, and a pool of Python threads asks for `/` as
those learners for a fixed time, each on a fresh connection as a browser
behind a proxy would. Every answer other than a 200 with the page counts as
an error. The raw baseline is the dashboard's own query in plain SQL, so
the ratio is one request's latency over that query's time.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import common

PORT = int(os.environ.get("BENCH_PORT", "8765"))
CLIENTS = 4
SECONDS = float(os.environ.get("BENCH_RPS_SECONDS", "10"))
LEARNERS = 40

RAW = (
    "SELECT e.id, e.public_id, e.status, e.progress_percent, e.enrolled_at, "
    "c.id, c.public_id, c.title, c.description, c.category "
    "FROM enrollments_enrollment e JOIN courses_course c ON c.id = e.course_id "
    "WHERE e.learner_id = %s AND e.status IN ('active', 'completed') "
    "ORDER BY e.status, e.enrolled_at DESC, e.id DESC"
)


def sessions(count: int) -> list[tuple[int, str]]:
    """(learner id, session key) for `count` signed-in learners."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from karma.accounts.models import Role, User

    learners = User.objects.filter(
        role=Role.LEARNER, is_active=True, enrollments__isnull=False
    ).distinct()[:count]
    made = []
    for learner in learners:
        store = SessionStore()
        store[SESSION_KEY] = str(learner.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = learner.get_session_auth_hash()
        store.create()
        made.append((learner.pk, store.session_key))
    return made


def start_gunicorn() -> subprocess.Popen:
    env = dict(os.environ, LOG_LEVEL="WARNING")
    # The command is fixed here: the venv's gunicorn and this project.
    process = subprocess.Popen(  # noqa: S603
        [
            str(common.ROOT / ".venv" / "bin" / "gunicorn"),
            "karma.config.wsgi",
            "--workers=2",
            f"--bind=127.0.0.1:{PORT}",
            "--log-level=warning",
        ],
        cwd=common.ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = fetch("/healthz", "")
            if status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("gunicorn did not answer on /healthz within 30 s")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def fetch(path: str, session_key: str) -> tuple[int, bytes]:
    from django.conf import settings

    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Host": "127.0.0.1"}
    if session_key:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def load(keys: list[str], seconds: float) -> tuple[list[float], int]:
    """Ask for the dashboard from CLIENTS threads; (latencies, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(n: int) -> None:
        i = n
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                status, body = fetch("/", keys[i % len(keys)])
                ok = status == 200 and b"Welcome," in body
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok
            i += CLIENTS

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return latencies, errors[0]


def run(site: common.Site) -> list[dict]:
    from django.db import close_old_connections

    made = sessions(LEARNERS)
    keys = [key for _, key in made]
    queries = _queries_per_request(made[0][0])
    close_old_connections()
    process = start_gunicorn()
    try:
        load(keys, 2.0)  # warm both workers: imports, templates, connections
        latencies, errors = load(keys, SECONDS)
    finally:
        stop(process)

    timing = common.Timing(samples=latencies, queries=queries)
    raw = common.measure(common.raw_sql([(RAW, [made[0][0]])]), repeat=50, memory=False)
    rps = len(latencies) / SECONDS
    result = common.row(
        "learner dashboard under gunicorn, 2 workers (latency)",
        timing,
        raw,
        note=f"{rps:.0f} requests/s, {errors} errors, {CLIENTS} clients, "
        f"{SECONDS:.0f} s",
    )
    result["requests_per_second"] = round(rps, 1)
    result["errors"] = errors
    result["requests"] = len(latencies)
    return [result]


def _queries_per_request(learner_id: int) -> int:
    from karma.accounts.models import User

    client = common.signed_in_client(User.objects.get(pk=learner_id))
    timing = common.measure(lambda _: client.get("/"), repeat=1, warmup=1, memory=False)
    return timing.queries


if __name__ == "__main__":
    rows = run(common.setup_site())
    common.print_rows(rows)
    sys.stdout.write(rows[0]["note"] + "\n")

"""What every scale benchmark shares: Django set-up on the scale database,
the seed, and timing (median, p95, queries, peak Python memory).

The scale database is var/bench/scale.sqlite3, or DATABASE_URL when it is
set. It is seeded once with `karma seed-scale` and kept: later runs find the
same site and go straight to measuring. Benchmarks that write (a lesson
completed, a bulk enrollment) roll their work back, so the site stays as
seeded.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))


class Rollback(Exception):
    """Raised inside a transaction to undo a benchmark's writes."""


def setup_django() -> str:
    """Point Django at the scale database; return the vendor name."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'scale.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "karma.config.settings"
    os.environ["KARMA_INPROCESS_TASKS"] = "sync"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The test client and the load generator speak plain HTTP.
    os.environ["HTTPS"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"

    # Static files are not collected for benchmarks; WhiteNoise says so.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # Benchmarks measure the work, not the console printing each email.
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    return connection.vendor


@dataclass
class Site:
    """The seeded site, as the benchmarks need it."""

    vendor: str
    learners: int
    admin: object
    profile_learner: object
    big_course: object
    seed_seconds: float | None = None


def ensure_seed(*, learners: int, courses: int, say=print) -> Site:
    """Seed the scale database unless it already holds this plan's site."""
    from django.core.management import call_command
    from django.db import connection

    from karma.accounts.models import Role, User
    from karma.web.seed_scale import ADMIN_EMAIL

    create_database_if_missing(say)
    call_command("migrate", verbosity=0)
    seeded = User.objects.filter(email=ADMIN_EMAIL).exists() and (
        User.objects.filter(role=Role.LEARNER).count() == learners
    )
    seconds = None
    if not seeded:
        say(f"Seeding {learners} learners and {courses} courses (once) …")
        started = time.perf_counter()
        call_command("seed_scale", learners=learners, courses=courses, flush=True)
        seconds = time.perf_counter() - started
    return _site(connection.vendor, learners, seconds)


def create_database_if_missing(say) -> None:
    """Create the PostgreSQL database DATABASE_URL names, so the README's
    one command works on a server that has never seen it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg
    from psycopg import sql

    params = connection.get_connection_params()
    name = params.pop("dbname")
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as server:
        found = server.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if found is None:
            say(f"Creating the PostgreSQL database {name} …")
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _site(vendor: str, learners: int, seconds: float | None) -> Site:
    from karma.accounts.models import Role, User
    from karma.courses.models import Course
    from karma.web.seed_scale import ADMIN_EMAIL

    return Site(
        vendor=vendor,
        learners=learners,
        admin=User.objects.get(email=ADMIN_EMAIL),
        profile_learner=User.objects.filter(role=Role.LEARNER).order_by("pk").first(),
        big_course=Course.objects.order_by("pk").first(),
        seed_seconds=seconds,
    )


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)
    queries: int = 0
    peak_bytes: int | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


def measure(
    run: Callable[[int], object],
    *,
    repeat: int,
    warmup: int = 1,
    memory: bool = True,
) -> Timing:
    """Time `run(i)` `repeat` times after `warmup` untimed calls.

    Queries are those of the last timed call. Peak memory comes from one
    more call under tracemalloc, kept apart because tracing slows Python
    several times over.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(warmup):
        run(-1 - i)
    timing = Timing()
    for i in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            run(i)
            timing.samples.append(time.perf_counter() - started)
        timing.queries = len(queries.captured_queries)
    if memory:
        tracemalloc.start()
        tracemalloc.reset_peak()
        run(repeat)
        timing.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return timing


def row(
    operation: str,
    timing: Timing,
    raw: Timing | None,
    *,
    note: str = "",
) -> dict[str, object]:
    """One line of the results table."""
    ratio = None
    if raw is not None and raw.median_ms > 0:
        ratio = round(timing.median_ms / raw.median_ms, 1)
    return {
        "operation": operation,
        "runs": len(timing.samples),
        "median_ms": round(timing.median_ms, 1),
        "p95_ms": round(timing.p95_ms, 1),
        "queries": timing.queries,
        "peak_mib": None
        if timing.peak_bytes is None
        else round(timing.peak_bytes / 2**20, 2),
        "raw_median_ms": None if raw is None else round(raw.median_ms, 2),
        "ratio_vs_raw": ratio,
        "note": note,
    }


def raw_sql(statements: list[tuple[str, list]]) -> Callable[[int], object]:
    """A baseline that runs `statements` and fetches every row."""
    from django.db import connection

    def run(_: int) -> object:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description:
                    cursor.fetchall()

    return run


def signed_in_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def plan_from_env() -> tuple[int, int]:
    """The site size: BENCH_LEARNERS and BENCH_COURSES, or 100,000 and 1,000."""
    return (
        int(os.environ.get("BENCH_LEARNERS", "100000")),
        int(os.environ.get("BENCH_COURSES", "1000")),
    )


def setup_site() -> Site:
    """Set Django up and seed if needed: for running one benchmark alone."""
    setup_django()
    learners, courses = plan_from_env()
    return ensure_seed(learners=learners, courses=courses)


COLUMNS = [
    ("operation", "operation", "<"),
    ("median_ms", "median ms", ">"),
    ("p95_ms", "p95 ms", ">"),
    ("queries", "queries", ">"),
    ("peak_mib", "peak MiB", ">"),
    ("raw_median_ms", "raw ms", ">"),
    ("ratio_vs_raw", "x raw", ">"),
]


def format_rows(rows: list[dict]) -> list[str]:
    """The results as a Markdown table, readable in a terminal too."""
    cells = [[label for _, label, _ in COLUMNS]]
    for result in rows:
        cells.append(
            ["–" if result[key] is None else str(result[key]) for key, _, _ in COLUMNS]
        )
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for n, line in enumerate(cells):
        padded = [
            f"{cell:{align}{width}}"
            for cell, width, (_, _, align) in zip(line, widths, COLUMNS, strict=True)
        ]
        lines.append("| " + " | ".join(padded) + " |")
        if n == 0:
            rule = [
                "-" * (w - 1) + (":" if a == ">" else "-")
                for w, (_, _, a) in zip(widths, COLUMNS, strict=True)
            ]
            lines.append("| " + " | ".join(rule) + " |")
    return lines


def print_rows(rows: list[dict]) -> None:
    sys.stdout.write("\n".join(format_rows(rows)) + "\n")

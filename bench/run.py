"""Run every scale benchmark against the large site and print one table.

    .venv/bin/python bench/run.py                                # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/karma_scale \\
        .venv/bin/python bench/run.py                            # PostgreSQL

The site (BENCH_LEARNERS learners, default 100,000, and BENCH_COURSES
courses, default 1,000) is seeded once with `karma seed-scale` and kept for
the next run. For each operation the table gives the median and p95 time,
the queries of one request, the peak of Python memory while it ran
(tracemalloc, one extra run), and the ratio against raw SQL doing the same
work, measured in the same run on the same database. The results also go to
var/bench/results.json, one entry per database. Figures only: nothing here
fails on speed.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime

import common

BENCHMARKS = [
    "search",
    "learner_profile",
    "progress_tab",
    "lesson_completion",
    "bulk",
    "dashboard_rps",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", help="comma-separated benchmark names", default=",".join(BENCHMARKS)
    )
    args = parser.parse_args()

    started = time.perf_counter()
    vendor = common.setup_django()
    learners, courses = common.plan_from_env()
    site = common.ensure_seed(learners=learners, courses=courses)

    rows: list[dict] = []
    for name in args.only.split(","):
        module = __import__(name)
        sys.stdout.write(f"  … {name}\n")
        sys.stdout.flush()
        rows += module.run(site)

    elapsed = time.perf_counter() - started
    report = _report(vendor, site, rows, elapsed)
    _print(report)
    _save(report)


def _report(vendor: str, site: common.Site, rows: list[dict], elapsed: float) -> dict:
    from django.db import connection

    return {
        "database": vendor,
        "database_version": _database_version(connection),
        "learners": site.learners,
        "seed_seconds": None if site.seed_seconds is None else round(site.seed_seconds),
        "total_seconds": round(elapsed),
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {_cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "results": rows,
    }


def _database_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0


def _print(report: dict) -> None:
    lines = [
        "",
        f"{report['database_version']}, {report['learners']:,} learners, "
        f"{report['machine']}",
        *common.format_rows(report["results"]),
    ]
    lines += [
        f"- {r['operation']}: {r['note']}" for r in report["results"] if r["note"]
    ]
    seeded = report["seed_seconds"]
    lines.append(
        f"Run took {report['total_seconds']} s"
        + (
            f" (of which seeding {seeded} s)."
            if seeded
            else "; the site was seeded before."
        )
    )
    sys.stdout.write("\n".join(lines) + "\n")


def _save(report: dict) -> None:
    path = common.BENCH_DIR / "results.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    saved[report["database"]] = report
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.write(f"Written to {path.relative_to(common.ROOT)}\n")


if __name__ == "__main__":
    main()

"""Benchmark: bulk enrollment of 10,000 and 100,000 addresses into one course.

Prints, for each size, the seconds the whole pipeline took (read, review,
apply), rows per second, the queries it ran, and the ratio against inserting
the same enrollment rows with one raw INSERT ... SELECT in the same run on
the same database. The goal is within 3x of that raw insert.

    .venv/bin/python bench/bulk_enrollment.py                  # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/karma_bench \\
        .venv/bin/python bench/bulk_enrollment.py               # PostgreSQL

It builds its own database (a temporary SQLite file, or the named PostgreSQL
database, emptied first) and never touches var/karma.sqlite3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> str:
    scratch = Path(tempfile.mkdtemp(prefix="karma-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ["KARMA_VAR_DIR"] = str(scratch)
    os.environ["DJANGO_SETTINGS_MODULE"] = "karma.config.settings"
    os.environ["KARMA_INPROCESS_TASKS"] = "sync"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["LOG_LEVEL"] = "WARNING"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # The benchmark measures enrolling, not the console printing each email.
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    import common

    common.create_database_if_missing(print)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def make_learners(count: int, offset: int) -> list[str]:
    from django.utils import timezone

    from karma.accounts.models import User

    emails = [f"bench{offset + n:07d}@example.com" for n in range(count)]
    now = timezone.now()
    User.objects.bulk_create(
        [
            User(
                email=email,
                first_name="Bench",
                last_name=f"{n:07d}",
                activated_at=now,
                search_text=f"bench {n:07d} {email}",
            )
            for n, email in enumerate(emails)
        ],
        batch_size=5000,
    )
    return emails


def make_course(title: str):
    from karma.accounts.models import Role, User
    from karma.courses.models import Course, CourseStatus

    owner, _ = User.objects.get_or_create(
        email="bench-owner@example.com",
        defaults={"first_name": "Bench", "last_name": "Owner", "role": Role.INSTRUCTOR},
    )
    return Course.objects.create(
        title=title, owner=owner, status=CourseStatus.PUBLISHED
    )


def run_pipeline(course, emails: list[str]) -> tuple[float, int, float]:
    """Return the pipeline's seconds and queries, and the email step's seconds.

    Emails go out after the commit (in production, on the Celery workers),
    so they are timed apart from the enrollment itself.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from karma.enrollments.models import BulkSource
    from karma.enrollments.services.bulk import (
        apply_job,
        confirm_job,
        review_job,
        start_job,
    )

    data = ("email\r\n" + "\r\n".join(emails) + "\r\n").encode()
    sent_mail = []
    with (
        CaptureQueriesContext(connection) as queries,
        patch(
            "karma.web.background._start",
            lambda task, kwargs, **_: sent_mail.append((task, kwargs)),
        ),
    ):
        started = time.perf_counter()
        job = start_job(
            course=course,
            started_by=None,
            source=BulkSource.FILE,
            data=data,
            file_name="bench.csv",
            background=False,
        )
        job = review_job(job_id=job.pk)
        confirm_job(job=job, confirmed_by=None, background=False)
        job = apply_job(job_id=job.pk)
        elapsed = time.perf_counter() - started
    job.refresh_from_db()
    assert job.counts["enrolled"] == len(emails), job.counts

    started = time.perf_counter()
    for task, kwargs in sent_mail:
        task.apply(kwargs=kwargs)
    mail_seconds = time.perf_counter() - started
    return elapsed, len(queries.captured_queries), mail_seconds


def raw_insert(course, emails: list[str]) -> float:
    """Insert the same enrollment rows with one INSERT ... SELECT."""
    from django.db import connection, transaction

    first, last = emails[0], emails[-1]
    sql = """
        INSERT INTO enrollments_enrollment
            (public_id, learner_id, course_id, status, progress_percent,
             required_done, required_total, enrolled_at, completion_evidence,
             source)
        SELECT 'enr_raw' || id, id, %s, 'active', 0, 0, 0, %s, '{}', 'bulk'
        FROM accounts_user WHERE email BETWEEN %s AND %s
    """
    from django.utils import timezone

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [course.pk, timezone.now(), first, last])
        inserted = cursor.rowcount
    elapsed = time.perf_counter() - started
    assert inserted == len(emails), inserted
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    engine = setup_django()
    results = []
    offset = 0
    for size in [int(s) for s in args.sizes.split(",")]:
        emails = make_learners(size, offset)
        offset += size
        pipeline_s, queries, mail_s = run_pipeline(make_course(f"Bench {size}"), emails)
        raw_s = raw_insert(make_course(f"Raw {size}"), emails)
        results.append(
            {
                "database": engine,
                "rows": size,
                "pipeline_seconds": round(pipeline_s, 3),
                "rows_per_second": round(size / pipeline_s),
                "queries": queries,
                "raw_insert_seconds": round(raw_s, 3),
                "ratio_vs_raw": round(pipeline_s / raw_s, 1),
                "email_seconds": round(mail_s, 3),
            }
        )

    header = f"{'db':<11}{'rows':>8}{'seconds':>10}{'rows/s':>9}{'queries':>9}"
    header += f"{'raw s':>9}{'x raw':>8}{'mail s':>9}"
    lines = [header]
    for r in results:
        lines.append(
            f"{r['database']:<11}{r['rows']:>8}{r['pipeline_seconds']:>10}"
            f"{r['rows_per_second']:>9}{r['queries']:>9}{r['raw_insert_seconds']:>9}"
            f"{r['ratio_vs_raw']:>8}{r['email_seconds']:>9}"
        )
    lines.append(
        "The pipeline reads and validates every address, reviews every row and "
        "stores a per-row report and audit entries; the raw insert does none of "
        "that. Emails (mail s) go out after the commit, on the workers."
    )
    sys.stdout.write("\n".join(lines) + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

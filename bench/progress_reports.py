"""Benchmark: the Progress tab and the progress CSV of a 10,000-learner course.

Builds one course of three modules (five required lessons and a quiz) with
10,000 enrolled learners, most part-way through, then measures in the same
run on the same database:

- the Progress tab's first page, as the course's instructor opens it
  (through the test client: middleware, templates and all): seconds,
  queries, and the ratio against the raw SQL that computes the same
  figures and the same 25 matrix rows;
- the full progress export as CSV, read to the end: seconds, queries, and
  the ratio against one raw SQL aggregate that returns the same rows,
  fetched whole; then, in a separate pass, the peak of Python memory
  (tracemalloc) while it streams, beside the peak for a class a tenth the
  size.

    .venv/bin/python bench/progress_reports.py                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/karma_bench \\
        .venv/bin/python bench/progress_reports.py              # PostgreSQL

It builds its own database (a temporary SQLite file, or the named PostgreSQL
database, emptied first) and never touches var/karma.sqlite3. Figures
only: nothing here fails on speed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE_SIZE = 25


def setup_django() -> str:
    scratch = Path(tempfile.mkdtemp(prefix="karma-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ["KARMA_VAR_DIR"] = str(scratch)
    os.environ["DJANGO_SETTINGS_MODULE"] = "karma.config.settings"
    os.environ["KARMA_INPROCESS_TASKS"] = "sync"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["LOG_LEVEL"] = "WARNING"
    # The test client speaks plain HTTP to "testserver".
    os.environ["HTTPS"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"

    import django

    django.setup()
    import common
    from django.conf import settings
    from django.core.management import call_command

    common.create_database_if_missing(print)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def build_course(size: int, prefix: str = "bench"):
    """A course with `size` learners at every stage; returns it and its owner."""
    from django.utils import timezone

    from karma.accounts.models import Role, User
    from karma.assessments.models import Attempt, AttemptStatus
    from karma.assessments.services.authoring import assessment_for
    from karma.courses.models import Course, CourseStatus, Lesson, LessonType, Module
    from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus
    from karma.learning.models import LessonProgress

    owner = User.objects.create(
        email=f"{prefix}-owner@example.com",
        first_name="Bench",
        last_name="Owner",
        role=Role.INSTRUCTOR,
        activated_at=timezone.now(),
    )
    course = Course.objects.create(
        title=f"{prefix} progress", owner=owner, status=CourseStatus.PUBLISHED
    )
    lessons = []
    for position, name in enumerate(["Start", "Middle", "End"]):
        module = Module.objects.create(course=course, name=name, position=position)
        for n in range(2):
            lessons.append(
                Lesson.objects.create(
                    course=course,
                    module=module,
                    title=f"{name} {n}",
                    type=LessonType.QUIZ if (position, n) == (2, 1) else "text",
                    position=n,
                )
            )
    quiz = assessment_for(lessons[-1])

    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{n:06d}@example.com",
                first_name="Bench",
                last_name=f"{n:06d}",
                search_text=f"bench {n:06d} {prefix}{n:06d}@example.com",
                activated_at=now,
            )
            for n in range(size)
        ],
        batch_size=5000,
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                course=course,
                learner=user,
                source=EnrollmentSource.BULK,
                status=EnrollmentStatus.COMPLETED
                if n % 7 == 6
                else EnrollmentStatus.ACTIVE,
                enrolled_at=now - timedelta(days=30),
                last_active_at=None if n % 9 == 0 else now - timedelta(days=n % 21),
                progress_percent=100 if n % 7 == 6 else (n % 7) * 100 // 6,
                required_done=n % 7,
                required_total=6,
            )
            for n, user in enumerate(users)
        ],
        batch_size=5000,
    )
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(
                enrollment=enrollment,
                lesson=lesson,
                completed_at=now - timedelta(days=2),
                time_spent_seconds=300,
            )
            for n, enrollment in enumerate(enrollments)
            for lesson in lessons[: n % 7]
        ],
        batch_size=5000,
    )
    Attempt.objects.bulk_create(
        [
            Attempt(
                assessment=quiz,
                enrollment=enrollment,
                learner_id=enrollment.learner_id,
                number=1,
                status=AttemptStatus.FINAL,
                submitted_at=now - timedelta(days=1),
                score_percent=Decimal((n * 13) % 101),
                passed=(n * 13) % 101 >= 70,
            )
            for n, enrollment in enumerate(enrollments)
            if n % 7 >= 5
        ],
        batch_size=5000,
    )
    return course, owner


def analyze() -> None:
    """Give the planner statistics on the rows just inserted, as a running
    database has them (autovacuum on PostgreSQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(run) -> tuple[float, int, object]:
    """Seconds and queries of `run()`, and what it returned."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - started
    return elapsed, len(queries.captured_queries), result


def progress_page(client, course):
    def run():
        response = client.get(f"/manage/courses/{course.public_id}/progress/")
        assert response.status_code == 200, response.status_code
        return response

    return run


def csv_export(client, course):
    """Read the whole progress CSV; return its number of data rows."""

    def run():
        url = f"/manage/courses/{course.public_id}/progress/export/progress.csv"
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        rows = sum(chunk.count(b"\r\n") for chunk in response.streaming_content)
        return rows - 1

    return run


def peak_memory(run) -> int:
    """The peak of Python memory, in bytes, while `run()` works. Timed
    apart: tracemalloc slows Python down several times over."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


RAW_SUMMARY = """
    SELECT COUNT(*) FILTER (WHERE status IN ('active', 'completed')),
           COUNT(*) FILTER (WHERE status = 'completed'),
           AVG(progress_percent)
    FROM enrollments_enrollment WHERE course_id = %s
"""
RAW_SUMMARY_SQLITE = """
    SELECT SUM(status IN ('active', 'completed')), SUM(status = 'completed'),
           AVG(progress_percent)
    FROM enrollments_enrollment WHERE course_id = %s
"""
RAW_ROWS = """
    SELECT u.first_name, u.last_name, u.email, e.status, e.progress_percent,
           l.module_id, COUNT(p.completed_at), COALESCE(SUM(p.time_spent_seconds), 0)
    FROM enrollments_enrollment e
    JOIN accounts_user u ON u.id = e.learner_id
    LEFT JOIN learning_lessonprogress p ON p.enrollment_id = e.id
    LEFT JOIN courses_lesson l ON l.id = p.lesson_id
    WHERE e.course_id = %s {page}
    GROUP BY e.id, u.first_name, u.last_name, u.email, e.status,
             e.progress_percent, l.module_id
    ORDER BY u.last_name, u.first_name, e.id
"""


def raw_page(course, engine: str):
    """The page's figures and its 25 rows of module counts in raw SQL."""
    from django.db import connection

    summary = RAW_SUMMARY_SQLITE if engine == "sqlite3" else RAW_SUMMARY
    # The page size is a parameter too: the SQL text stays a constant.
    first_page = """AND e.id IN (
        SELECT e2.id FROM enrollments_enrollment e2
        JOIN accounts_user u2 ON u2.id = e2.learner_id
        WHERE e2.course_id = %s ORDER BY u2.search_text, e2.id LIMIT %s)"""

    def run():
        with connection.cursor() as cursor:
            cursor.execute(summary, [course.pk])
            cursor.fetchall()
            cursor.execute(
                RAW_ROWS.format(page=first_page), [course.pk, course.pk, PAGE_SIZE]
            )
            return cursor.fetchall()

    return run


def raw_export(course):
    """Every row of the export, aggregated by module, in one raw query."""
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(RAW_ROWS.format(page=""), [course.pk])
            return len(cursor.fetchall())

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    engine = setup_django()
    from django.test import Client

    course, owner = build_course(args.learners)
    analyze()
    client = Client()
    client.force_login(owner)
    # The first request writes last-active and warms caches; time the next.
    progress_page(client, course)()

    page_s, page_queries, _ = measure(progress_page(client, course))
    raw_page_s, _, raw_rows = measure(raw_page(course, engine))
    assert len({row[2] for row in raw_rows}) == PAGE_SIZE
    export_s, export_queries, rows = measure(csv_export(client, course))
    raw_export_s, _, _ = measure(raw_export(course))
    assert rows == args.learners, rows
    peak = peak_memory(csv_export(client, course))

    # The same export of a class a tenth the size: a flat peak means memory
    # does not grow with the rows.
    small, small_owner = build_course(args.learners // 10, prefix="small")
    small_client = Client()
    small_client.force_login(small_owner)
    small_peak = peak_memory(csv_export(small_client, small))

    result = {
        "database": engine,
        "learners": args.learners,
        "page_seconds": round(page_s, 3),
        "page_queries": page_queries,
        "raw_page_seconds": round(raw_page_s, 4),
        "page_ratio_vs_raw": round(page_s / raw_page_s, 1),
        "export_seconds": round(export_s, 3),
        "export_rows": rows,
        "export_queries": export_queries,
        "export_peak_mib": round(peak / 2**20, 2),
        f"export_peak_mib_at_{args.learners // 10}": round(small_peak / 2**20, 2),
        "raw_export_seconds": round(raw_export_s, 3),
        "export_ratio_vs_raw": round(export_s / raw_export_s, 1),
    }
    width = max(len(key) for key in result)
    lines = [f"{key:<{width}}  {value}" for key, value in result.items()]
    lines.append(
        "The page renders the figures, the at-risk rules and 25 matrix rows "
        "with middleware and templates; the raw SQL only fetches the numbers. "
        "The export reads rows in chunks of 500 and writes them as it goes "
        "(peak = Python memory while streaming); the raw query fetches every "
        "row at once and formats nothing."
    )
    sys.stdout.write("\n".join(lines) + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

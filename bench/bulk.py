"""Benchmark: bulk enrollment of 10,000 and 100,000 existing learners into
a new course of the scale site, by file, through the whole pipeline (read,
review, apply) of bulk_enrollment.py.

The raw baseline inserts the same enrollment rows with one INSERT ...
SELECT. Each run happens inside a transaction that is rolled back, so the
site stays as seeded.
"""

from __future__ import annotations

import common


def run(site: common.Site, sizes: tuple[int, ...] = (10_000, 100_000)) -> list[dict]:
    return [_measure_size(size) for size in sizes]


def _measure_size(size: int) -> dict:
    """Measure one size; learners missing for it are added for the run and
    rolled back with it (the seed keeps a few percent invited or
    deactivated, who would not be enrolled)."""
    results: dict = {}
    _rolled_back(lambda: results.update(_timed(size)))
    return results


def _timed(size: int) -> dict:
    import bulk_enrollment

    emails, top_id = _learners(size)
    if len(emails) < size:
        bulk_enrollment.make_learners(size - len(emails), 0)
        emails, top_id = _learners(size)

    def pipeline(_: int) -> None:
        _rolled_back(
            lambda: bulk_enrollment.run_pipeline(
                bulk_enrollment.make_course("Bench bulk"), emails
            )
        )

    def raw(_: int) -> None:
        _rolled_back(lambda: _raw_insert(top_id, size))

    runs = 3 if size <= 10_000 else 1
    timing = common.measure(pipeline, repeat=runs, warmup=0, memory=False)
    baseline = common.measure(raw, repeat=runs, warmup=0, memory=False)
    return common.row(
        f"bulk enrollment of {size:,} addresses (file)",
        timing,
        baseline,
        note="read, validate, review, enroll, report and audit rows",
    )


def _learners(size: int) -> tuple[list[str], int]:
    from karma.accounts.models import Role, User

    found = list(
        User.objects.filter(
            role=Role.LEARNER, is_active=True, activated_at__isnull=False
        )
        .order_by("pk")
        .values_list("email", "pk")[:size]
    )
    return [email for email, _ in found], found[-1][1] if found else 0


def _raw_insert(top_id: int, size: int) -> None:
    import bulk_enrollment
    from django.db import connection
    from django.utils import timezone

    course = bulk_enrollment.make_course("Bench raw")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO enrollments_enrollment (public_id, learner_id, course_id, "
            "status, progress_percent, required_done, required_total, enrolled_at, "
            "completion_evidence, source) "
            "SELECT 'enr_raw' || id, id, %s, 'active', 0, 0, 0, %s, '{}', 'bulk' "
            "FROM accounts_user WHERE role = 'learner' AND is_active "
            "AND activated_at IS NOT NULL AND id <= %s",
            [course.pk, timezone.now(), top_id],
        )
        assert cursor.rowcount == size, cursor.rowcount


def _rolled_back(work) -> None:
    from django.db import transaction

    try:
        with transaction.atomic():
            work()
            raise common.Rollback
    except common.Rollback:
        pass


if __name__ == "__main__":
    common.print_rows(run(common.setup_site()))

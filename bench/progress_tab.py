"""Benchmark: the Progress tab and the streamed CSV export of the seeded
10,000-learner course, on the scale site.

The requests and the raw SQL baselines are the ones of progress_reports.py
(which measures the same on a purpose-built course of its own); here they
run against the large site, among half a million other enrollments.
"""

from __future__ import annotations

import tracemalloc

import common
import progress_reports


def run(site: common.Site, repeat: int = 15, exports: int = 3) -> list[dict]:
    course = site.big_course
    learners = course.enrollments.count()
    owner_client = common.signed_in_client(course.owner)
    engine = "sqlite3" if site.vendor == "sqlite" else site.vendor

    page = progress_reports.progress_page(owner_client, course)
    tab = common.measure(lambda _: page(), repeat=repeat)
    raw_tab = common.measure(
        lambda _: progress_reports.raw_page(course, engine)(),
        repeat=repeat,
        memory=False,
    )

    export = common.measure(
        lambda _: _read_export(owner_client, course), repeat=exports, memory=False
    )
    export.peak_bytes = _export_peak(owner_client, course)
    raw_export = common.measure(
        lambda _: progress_reports.raw_export(course)(),
        repeat=exports,
        memory=False,
    )
    return [
        common.row(f"course Progress tab ({learners:,} learners)", tab, raw_tab),
        common.row(
            f"progress CSV export, streamed ({learners:,} rows)",
            export,
            raw_export,
            note="peak = Python memory while streaming",
        ),
        _smaller_export(site, exports),
    ]


def _smaller_export(site: common.Site, exports: int) -> dict:
    """The export of a course a tenth the size: flat memory shows as the
    same peak for both."""
    from django.db.models import Count

    from karma.courses.models import Course

    target = site.big_course.enrollments.count() // 10
    course = (
        Course.objects.annotate(size=Count("enrollments"))
        .filter(size__gte=target)
        .order_by("size")
        .first()
    )
    client = common.signed_in_client(course.owner)
    export = common.measure(
        lambda _: _read_export(client, course), repeat=exports, memory=False
    )
    export.peak_bytes = _export_peak(client, course)
    raw = common.measure(
        lambda _: progress_reports.raw_export(course)(), repeat=exports, memory=False
    )
    return common.row(
        f"progress CSV export, streamed ({course.size:,} rows)",
        export,
        raw,
        note="a tenth of the rows: the same peak means memory stays flat",
    )


def _read_export(client, course) -> int:
    url = f"/manage/courses/{course.public_id}/progress/export/progress.csv"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return sum(chunk.count(b"\n") for chunk in response.streaming_content)


def _export_peak(client, course) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    _read_export(client, course)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


if __name__ == "__main__":
    common.print_rows(run(common.setup_site()))

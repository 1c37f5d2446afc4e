"""The admins' platform-wide reports: weeks, totals and every course."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from karma.reports.charts import BarChart, grouped_bars
from karma.reports.permissions import can_view_platform_reports
from karma.reports.selectors.platform import (
    WeekFigures,
    course_table,
    finish_course_rows,
    platform_report,
)

COURSES_PER_PAGE = 50


@login_required
@require_GET
def platform(request: HttpRequest) -> HttpResponse:
    if not can_view_platform_reports(request.user):
        raise PermissionDenied

    now = timezone.now()
    report = platform_report(now)
    page = Paginator(course_table(now), COURSES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    courses = list(page.object_list)
    finish_course_rows(courses, now)
    context = {
        "report": report,
        "chart": weekly_chart(report.weeks),
        "page": page,
        "courses": courses,
        "reports_tab": "platform",
        "show_platform": True,
        "nav_section": "reports",
    }
    return render(request, "reports/platform.html", context)


def weekly_chart(weeks: list[WeekFigures]) -> BarChart:
    """Enrollments and completions per week, side by side."""
    labels = [f"{week.start.day} {week.start:%b}" for week in weeks]
    return grouped_bars(
        labels,
        [
            ("enrollments", "Enrollments", [w.enrollments for w in weeks]),
            ("completions", "Completions", [w.completions for w in weeks]),
        ],
    )

"""The teaching dashboard: the courses someone runs, at a glance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from karma.reports.permissions import (
    can_view_platform_reports,
    can_view_teaching_dashboard,
)
from karma.reports.selectors.assessments import band_labels
from karma.reports.selectors.dashboard import teaching_dashboard


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not can_view_teaching_dashboard(request.user):
        raise PermissionDenied

    context = {
        "board": teaching_dashboard(request.user, timezone.now()),
        "bands": band_labels(),
        "reports_tab": "teaching",
        "show_platform": can_view_platform_reports(request.user),
        "nav_section": "reports",
    }
    return render(request, "reports/teaching.html", context)

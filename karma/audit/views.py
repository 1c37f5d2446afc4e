"""The audit log page: who did what to whom, and when. Admins only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from karma.audit.forms import AuditFilterForm
from karma.audit.permissions import can_read_audit_log
from karma.audit.selectors import audit_events_for_log

EVENTS_PER_PAGE = 50


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    if not can_read_audit_log(request.user):
        raise PermissionDenied

    form = AuditFilterForm(request.GET)
    events = audit_events_for_log(**form.filters())
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "nav_section": "audit"},
    )

"""The course's Learners tab: who is enrolled, and drop, reactivate, remove.

For admins and the course's instructors; removing an enrollment (for one
made by mistake) is for admins only. Each action asks first, on its own
page, for an optional reason that the service keeps in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from karma.courses.models import Course
from karma.courses.views.authoring.common import is_htmx, render_tab
from karma.enrollments import selectors
from karma.enrollments.exports import (
    EXPORT_COLUMNS,
    learner_rows,
    record_learner_export,
)
from karma.enrollments.forms import LearnerListFilterForm, ReasonForm
from karma.enrollments.models import Enrollment
from karma.enrollments.permissions import (
    can_change_enrollment,
    can_remove_enrollment,
)
from karma.enrollments.services.enrollments import (
    EnrollmentError,
    drop_enrollment,
    reactivate_enrollment,
    remove_enrollment,
)
from karma.enrollments.views.enroll import safe_next
from karma.lib.spreadsheet_safe import iter_csv, write_xlsx

LEARNERS_PER_PAGE = 50

# The table's sortable columns in order: sort key and header label.
LEARNER_COLUMNS = [
    ("name", "Name"),
    ("email", "Email"),
    ("status", "Status"),
    ("progress", "Progress"),
    ("enrolled", "Enrolled"),
    ("last_active", "Last active"),
]


@login_required
@require_GET
def course_learners(request: HttpRequest, public_id: str) -> HttpResponse:
    course = selectors.get_course_for_enroller_or_404(request.user, public_id)
    filter_form = LearnerListFilterForm(request.GET)
    filters = filter_form.filters()
    enrollments = selectors.course_learners(course, **filters)
    page = Paginator(enrollments, LEARNERS_PER_PAGE).get_page(request.GET.get("page"))

    context = {
        "filter_form": filter_form,
        "page": page,
        "filtered": bool(filters["search"] or filters["status"]),
        "columns": _sort_columns(filters["sort"]),
        "list_path": request.get_full_path(),
        "can_remove": can_remove_enrollment(request.user, None),
    }
    template = "enrollments/learners.html"
    if is_htmx(request):
        template = "enrollments/_learner_results.html"
    response = render_tab(request, template, course, "learners", **context)
    # The same URL answers a page or a fragment; caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def learners_export(
    request: HttpRequest, public_id: str, file_format: str
) -> HttpResponse:
    """Download the course's learners as CSV (streamed) or XLSX."""
    course = selectors.get_course_for_enroller_or_404(request.user, public_id)

    rows = learner_rows(course)
    name = f"{slugify(course.title) or 'course'}-learners.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(
            iter_csv(rows, EXPORT_COLUMNS), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            write_xlsx(rows, EXPORT_COLUMNS),
            content_type="application/vnd.openxmlformats-officedocument"
            ".spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    record_learner_export(
        course=course, exported_by=request.user, file_format=file_format
    )
    return response


def _sort_columns(sort: str) -> list[dict[str, str | None]]:
    """Describe each header: the sort its link asks for and its aria-sort."""
    active_key = sort.removeprefix("-")
    descending = sort.startswith("-")
    columns = []
    for key, label in LEARNER_COLUMNS:
        is_active = key == active_key
        aria_sort = None
        if is_active:
            aria_sort = "descending" if descending else "ascending"
        columns.append(
            {
                "key": key,
                "label": label,
                "next_sort": f"-{key}" if is_active and not descending else key,
                "aria_sort": aria_sort,
            }
        )
    return columns


# --- Row actions --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def enrollment_drop(
    request: HttpRequest, public_id: str, enrollment_id: str
) -> HttpResponse:
    return _row_action(
        request,
        public_id,
        enrollment_id,
        action="drop",
        run=lambda enrollment, reason: drop_enrollment(
            enrollment=enrollment, dropped_by=request.user, reason=reason
        ),
        done="Dropped {who} from this course. Their progress is kept.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrollment_reactivate(
    request: HttpRequest, public_id: str, enrollment_id: str
) -> HttpResponse:
    return _row_action(
        request,
        public_id,
        enrollment_id,
        action="reactivate",
        run=lambda enrollment, reason: reactivate_enrollment(
            enrollment=enrollment, reactivated_by=request.user, reason=reason
        ),
        done="Reactivated the enrollment of {who}.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrollment_remove(
    request: HttpRequest, public_id: str, enrollment_id: str
) -> HttpResponse:
    return _row_action(
        request,
        public_id,
        enrollment_id,
        action="remove",
        run=lambda enrollment, reason: remove_enrollment(
            enrollment=enrollment, removed_by=request.user, reason=reason
        ),
        done="Removed the enrollment of {who}. The audit log keeps a record.",
    )


def _row_action(
    request: HttpRequest,
    public_id: str,
    enrollment_id: str,
    *,
    action: str,
    run: Callable[[Enrollment, str], Any],
    done: str,
) -> HttpResponse:
    """Ask for a reason (GET), then act (POST) and go back to the list."""
    course = selectors.get_course_for_enroller_or_404(request.user, public_id)
    enrollment = selectors.get_enrollment_in_course_or_404(course, enrollment_id)
    _authorize(request.user, enrollment, action)
    back = safe_next(request, default=_learners_url(course))
    form = ReasonForm(request.POST if request.method == "POST" else None)

    if form.is_bound and form.is_valid():
        learner = enrollment.learner
        try:
            run(enrollment, form.cleaned_data["reason"])
        except EnrollmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done.format(who=learner.name or learner.email))
        return redirect(back)

    context = {
        "enrollment": enrollment,
        "action": action,
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "back": _back_for_cancel(request, course),
    }
    return render_tab(
        request, "enrollments/enrollment_action.html", course, "learners", **context
    )


def _authorize(user: object, enrollment: Enrollment, action: str) -> None:
    if action == "remove":
        allowed = can_remove_enrollment(user, enrollment)
    else:
        allowed = can_change_enrollment(user, enrollment)
    if not allowed:
        raise PermissionDenied("You may not change this enrollment.")


def _learners_url(course: Course) -> str:
    return reverse("enrollments:course_learners", args=[course.public_id])


def _back_for_cancel(request: HttpRequest, course: Course) -> str:
    target = request.GET.get("next", "")
    default = _learners_url(course)
    return target if target.startswith(default) else default

"""The course's Progress tab, one learner's detail, and the exports.

For the course's staff and admins (can_manage_course). Someone who may not
know the course exists gets 404; someone who sees it but does not teach it
gets 403, as on the course's other tabs.
"""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from karma.courses.models import Course
from karma.courses.selectors import get_course_for_manager_or_404
from karma.courses.views.authoring.common import is_htmx, render_tab
from karma.lib.spreadsheet_safe import iter_csv, save_xlsx
from karma.reports import services
from karma.reports.exports import (
    CONTENT_TYPES,
    ExportTable,
    export_file_name,
    export_table,
    record_export,
)
from karma.reports.forms import ProgressFilterForm
from karma.reports.models import ExportFormat, ExportJob, ExportKind
from karma.reports.selectors.assessments import band_labels, quiz_results
from karma.reports.selectors.course import (
    course_summary,
    get_enrollment_for_report,
    learner_detail,
    matrix_rows,
    module_columns,
    progress_page,
)

LEARNERS_PER_PAGE = 25

# The matrix's sortable columns: sort key and header label.
SORT_COLUMNS = [
    ("name", "Learner"),
    ("progress", "Progress"),
    ("last_active", "Last active"),
]


@login_required
@require_GET
def course_progress(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    form = ProgressFilterForm(request.GET)
    filters = form.filters()
    now = timezone.now()
    fragment = is_htmx(request)

    # The full page reads its figures first: the matrix takes the class
    # average and, without a search, its row count from them.
    summary = None if fragment else course_summary(course, now)
    page = progress_page(
        course, now, request.GET.get("page"), LEARNERS_PER_PAGE, summary, **filters
    )
    columns = module_columns(course)
    context = {
        "filter_form": form,
        "filtered": bool(filters["search"] or filters["status"]),
        "page": page,
        "columns": columns,
        "rows": matrix_rows(course, list(page.object_list), columns, now),
        "sort_columns": sort_columns(filters["sort"]),
    }
    if fragment:
        response = render_tab(
            request, "reports/_matrix.html", course, "progress", **context
        )
    else:
        context |= _page_extras(request, course)
        context["summary"] = summary
        response = render_tab(
            request, "reports/course_progress.html", course, "progress", **context
        )
    # The same URL answers a page or a fragment; caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _page_extras(request: HttpRequest, course: Course) -> dict[str, object]:
    """What the full page shows around the matrix besides the figures: the
    quiz results and the viewer's recent export jobs for this course."""
    return {
        "quizzes": quiz_results(Course.objects.filter(pk=course.pk)),
        "bands": band_labels(),
        "export_kinds": ExportKind.choices,
        "jobs": list(
            ExportJob.objects.filter(course=course, requested_by=request.user)[:5]
        ),
    }


def sort_columns(sort: str) -> list[dict[str, str | None]]:
    """Describe each sortable header: the sort its link asks for and its
    aria-sort."""
    active_key = sort.removeprefix("-")
    descending = sort.startswith("-")
    columns = []
    for key, label in SORT_COLUMNS:
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


@login_required
@require_GET
@never_cache
def learner_progress(
    request: HttpRequest, public_id: str, enrollment_id: str
) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    now = timezone.now()
    enrollment = get_enrollment_for_report(course, enrollment_id, now)
    if enrollment is None:
        raise Http404("No such enrollment in this course")

    detail = learner_detail(enrollment, now)
    services.record_learner_view(viewer=request.user, enrollment=enrollment)
    return render_tab(
        request,
        "reports/learner_progress.html",
        course,
        "progress",
        detail=detail,
        enrollment=enrollment,
    )


# --- Exports -----------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def course_export(
    request: HttpRequest, public_id: str, kind: str, file_format: str
) -> HttpResponse:
    """Download an export: a CSV streams whatever its size; a workbook is
    written here up to INLINE_XLSX_ROWS rows, and above that the page
    offers to prepare it in the background."""
    course = get_course_for_manager_or_404(request.user, public_id)
    if kind not in ExportKind.values or file_format not in ExportFormat.values:
        raise Http404("No such export")

    table = export_table(course, kind)
    rows = table.count()
    if file_format == ExportFormat.XLSX and rows > services.INLINE_XLSX_ROWS:
        return render_tab(
            request,
            "reports/export_offer.html",
            course,
            "progress",
            kind=kind,
            kind_label=ExportKind(kind).label,
            file_format=file_format,
            rows=rows,
        )
    record_export(
        course=course,
        exported_by=request.user,
        kind=kind,
        file_format=file_format,
        rows=rows,
    )
    return export_response(course, table, file_format)


def export_response(
    course: Course, table: ExportTable, file_format: str
) -> HttpResponse:
    """Answer `table` as a download: a streamed CSV, or a workbook written
    to a temporary file and sent from there. Pages and the API share it."""
    name = export_file_name(course, table.kind, file_format)
    if file_format == ExportFormat.CSV:
        response = StreamingHttpResponse(
            iter_csv(table.rows, table.header),
            content_type=CONTENT_TYPES[ExportFormat.CSV],
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        # Closed, and so deleted, when the response has been sent.
        scratch = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        save_xlsx(scratch, table.rows, table.header)
        scratch.seek(0)
        response = FileResponse(
            scratch,
            as_attachment=True,
            filename=name,
            content_type=CONTENT_TYPES[ExportFormat.XLSX],
        )
    # Personal data: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "no-store"
    return response

"""Bulk Enroll pages: start a job, follow its review, confirm it, download rows.

For admins and the course's instructors (SPEC section 5). The work itself
runs in the background (services/bulk.py); these pages start it, show where
it is and poll while it runs, so no request waits on a long job and leaving
the page loses nothing: the job lives in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karma.accounts.models import Role, User
from karma.courses.models import Course
from karma.courses.selectors import get_course_for_manager_or_404
from karma.enrollments.forms_bulk import MAX_PICKED_USERS, PolicyForm, start_forms
from karma.enrollments.models import (
    BulkEnrollmentJob,
    BulkEnrollmentRow,
    BulkJobStatus,
    Enrollment,
    EnrollmentStatus,
    RowOutcome,
    UnknownEmailPolicy,
)
from karma.enrollments.services.bulk import (
    BulkEnrollmentError,
    cancel_job,
    change_unknown_policy,
    confirm_job,
    job_notes,
    progress_of,
    start_job,
)
from karma.enrollments.services.enrollments import staff_enrollment_problem
from karma.lib.spreadsheet_safe import iter_csv
from karma.lib.text import fold_for_search

ROWS_PER_PAGE = 100
RECENT_JOBS = 10
SEARCH_RESULTS = 10
SEARCH_MAX_CHARS = 200
# Room for the form's other fields and the multipart boundaries around the
# file, so a file right at the limit is still accepted.
REQUEST_SLACK_BYTES = 64 * 1024
# An oversize upload is read and thrown away, so the browser gets the page
# with the reason rather than a reset connection; past this much it is not.
DISCARD_AT_MOST_BYTES = 200 * 1024 * 1024
CSV_COLUMNS = ["line", "email", "first_name", "last_name", "outcome", "message"]

NAV = {"nav_section": "courses"}

# The three ways in: key (the form's source), tab label.
TABS = [
    ("file", "Upload a file"),
    ("paste", "Paste addresses"),
    ("users", "Choose people"),
]

# How each outcome reads before confirming and after, and its badge colour.
REVIEW_LABELS = {
    RowOutcome.ENROLLED: "Will be enrolled",
    RowOutcome.INVITED: "Will be invited and enrolled",
    RowOutcome.ALREADY_ENROLLED: "Already enrolled",
    RowOutcome.UNKNOWN: "Unknown email, will be skipped",
    RowOutcome.INVALID: "Invalid address",
    RowOutcome.DEACTIVATED: "Deactivated account",
    RowOutcome.DUPLICATE: "Duplicate in the file",
}
RESULT_LABELS = {**dict(RowOutcome.choices), RowOutcome.INVITED: "Invited and enrolled"}
BADGES = {
    RowOutcome.ENROLLED: "text-bg-success",
    RowOutcome.INVITED: "text-bg-success",
    RowOutcome.ALREADY_ENROLLED: "text-bg-secondary",
    RowOutcome.UNKNOWN: "text-bg-warning",
    RowOutcome.INVALID: "text-bg-danger",
    RowOutcome.DEACTIVATED: "text-bg-warning",
    RowOutcome.DUPLICATE: "text-bg-light border",
}
# Outcomes that leave a learner enrolled; any other row means the file
# did not fully work, which the result must not hide behind a green alert.
GOOD_OUTCOMES = {RowOutcome.ENROLLED, RowOutcome.INVITED, RowOutcome.ALREADY_ENROLLED}


@dataclass(frozen=True)
class OutcomeCount:
    outcome: str
    label: str
    count: int
    badge: str


@dataclass(frozen=True)
class RowView:
    row: BulkEnrollmentRow
    label: str
    badge: str


# --- Start ------------------------------------------------------------------


# CSRF is checked by _start_checked, after the size check: Django's check
# would first parse the whole body, an oversize upload included.
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def bulk_start(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    if request.method == "POST" and _body_too_large(request):
        return _refuse_oversize(request, course)
    return _start_checked(request, course)


@csrf_protect
def _start_checked(request: HttpRequest, course: Course) -> HttpResponse:
    source = request.POST.get("source", "") if request.method == "POST" else ""
    forms = start_forms(request.POST, request.FILES, source=source)
    form = forms.get(source)
    if form is not None and form.is_valid():
        try:
            job = start_job(course=course, started_by=request.user, **form.job_input())
        except BulkEnrollmentError as error:
            form.add_service_error(error)
        else:
            return redirect(_job_url("enrollments:bulk_job", job))

    return _render_start(request, course, forms, tab=source)


def _body_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > _limit_bytes() + REQUEST_SLACK_BYTES


def _refuse_oversize(request: HttpRequest, course: Course) -> HttpResponse:
    length = int(request.META["CONTENT_LENGTH"])
    if length <= DISCARD_AT_MOST_BYTES:
        # Read in small pieces and drop them: memory stays flat.
        while request.read(64 * 1024):
            pass
    limit_mb = settings.KARMA_BULK_MAX_MB
    error = (
        f"The upload is {length / (1024 * 1024):.0f} MB, over the limit of "
        f"{limit_mb} MB. Split the file into smaller files. Nothing was stored."
    )
    response = _render_start(
        request, course, start_forms(), tab="file", upload_error=error
    )
    response.status_code = 413
    return response


def _render_start(
    request: HttpRequest,
    course: Course,
    forms: dict,
    *,
    tab: str = "",
    upload_error: str = "",
) -> HttpResponse:
    query = request.GET.get("q", "")[:SEARCH_MAX_CHARS]
    # A refused choice of people comes back with the people still ticked.
    chosen = _chosen_people(request.POST.getlist("pick-user_ids"))
    tab = tab or request.GET.get("tab", "")
    context = {
        "course": course,
        "forms": forms,
        "tabs": TABS,
        "tab": tab if tab in dict(TABS) else "file",
        "upload_error": upload_error,
        "problem": staff_enrollment_problem(course),
        "can_invite": request.user.role == Role.ADMIN,
        "limit_mb": settings.KARMA_BULK_MAX_MB,
        "recent_jobs": _recent_jobs(course),
        "search": query,
        "found": _people_matching(course, query, chosen=chosen),
        "chosen": chosen,
        **_breadcrumb_urls(course),
        **NAV,
    }
    return render(request, "enrollments/bulk/start.html", context)


@login_required
@require_GET
def bulk_user_search(request: HttpRequest, public_id: str) -> HttpResponse:
    """The people picker's results and chosen people (htmx partial)."""
    course = get_course_for_manager_or_404(request.user, public_id)
    query = request.GET.get("q", "")[:SEARCH_MAX_CHARS]
    chosen = _chosen_people(request.GET.getlist("pick-user_ids"))

    context = {
        "course": course,
        "search": query,
        "chosen": chosen,
        "found": _people_matching(course, query, chosen=chosen),
    }
    return render(request, "enrollments/bulk/_user_picks.html", context)


# --- The job: review, progress, result ------------------------------------------


@login_required
@require_GET
def bulk_job(request: HttpRequest, public_id: str, job_id: str) -> HttpResponse:
    course, job = _load(request, public_id, job_id)
    context = _job_context(request, course, job, filtered=True)
    return render(request, "enrollments/bulk/job.html", context)


@login_required
@require_GET
def bulk_job_status(request: HttpRequest, public_id: str, job_id: str) -> HttpResponse:
    """The job's body, polled while it runs; without a trigger once it stops."""
    # Polling is the page, not the person: no last-active write, which on
    # SQLite would wait behind the job's long write transaction.
    request.counts_as_activity = False
    course, job = _load(request, public_id, job_id)
    context = _job_context(request, course, job, filtered=False)
    return render(request, "enrollments/bulk/_job_body.html", context)


@login_required
@require_POST
def bulk_confirm(request: HttpRequest, public_id: str, job_id: str) -> HttpResponse:
    _, job = _load(request, public_id, job_id)
    try:
        confirm_job(job=job, confirmed_by=request.user)
    except BulkEnrollmentError as error:
        messages.error(request, error.message)
    return redirect(_job_url("enrollments:bulk_job", job))


@login_required
@require_POST
def bulk_cancel(request: HttpRequest, public_id: str, job_id: str) -> HttpResponse:
    course, job = _load(request, public_id, job_id)
    try:
        cancel_job(job=job)
    except BulkEnrollmentError as error:
        messages.error(request, error.message)
        return redirect(_job_url("enrollments:bulk_job", job))
    messages.info(request, "Bulk enrollment cancelled. Nothing was changed.")
    return redirect("enrollments:bulk_start", public_id=course.public_id)


@login_required
@require_POST
def bulk_policy(request: HttpRequest, public_id: str, job_id: str) -> HttpResponse:
    """Review a waiting job again with unknown emails skipped or invited."""
    _, job = _load(request, public_id, job_id)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            change_unknown_policy(
                job=job,
                unknown_policy=form.cleaned_data["unknown_emails"],
                changed_by=request.user,
            )
        except BulkEnrollmentError as error:
            messages.error(request, error.message)
    return redirect(_job_url("enrollments:bulk_job", job))


@login_required
@require_GET
def bulk_rows_csv(request: HttpRequest, public_id: str, job_id: str) -> HttpResponse:
    """Every row of the job with its outcome, as a spreadsheet-safe CSV."""
    course, job = _load(request, public_id, job_id)
    rows = (
        job.rows.order_by("line", "id")
        .values_list(*CSV_COLUMNS)
        .iterator(chunk_size=2000)
    )
    stage = "result" if _is_result(job) else "review"
    name = f"{slugify(course.title)[:60] or 'course'}-{job.public_id}-{stage}.csv"

    response = StreamingHttpResponse(
        iter_csv(rows, header=CSV_COLUMNS), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Helpers -----------------------------------------------------------------


def _load(
    request: HttpRequest, public_id: str, job_id: str
) -> tuple[Course, BulkEnrollmentJob]:
    """The course (for its staff only) and one of its jobs, or 404."""
    course = get_course_for_manager_or_404(request.user, public_id)
    job = (
        BulkEnrollmentJob.objects.select_related("created_by")
        .filter(course=course, public_id=job_id)
        .first()
    )
    if job is None:
        raise Http404("No such bulk enrollment in this course")
    job.course = course
    return course, job


def _job_url(name: str, job: BulkEnrollmentJob) -> str:
    return reverse(name, args=[job.course.public_id, job.public_id])


def _limit_bytes() -> int:
    return settings.KARMA_BULK_MAX_MB * 1024 * 1024


def _is_result(job: BulkEnrollmentJob) -> bool:
    return job.status == BulkJobStatus.DONE and not job.dry_run


def _job_context(
    request: HttpRequest, course: Course, job: BulkEnrollmentJob, *, filtered: bool
) -> dict[str, Any]:
    running = job.status in (BulkJobStatus.REVIEWING, BulkJobStatus.RUNNING)
    labels = RESULT_LABELS if _is_result(job) else REVIEW_LABELS
    outcome = request.GET.get("outcome", "") if filtered else ""
    if outcome not in RowOutcome.values:
        outcome = ""
    counts = _counts(job, labels)
    problems = sum(c.count for c in counts if c.outcome not in GOOD_OUTCOMES)
    will_add = job.counts.get(RowOutcome.ENROLLED, 0) + job.counts.get(
        RowOutcome.INVITED, 0
    )
    context = {
        "course": course,
        "job": job,
        "running": running,
        "processed": progress_of(job) if running else job.total_rows,
        "is_result": _is_result(job),
        "counts": counts,
        "problems": problems,
        "will_add": will_add,
        "notes": job_notes(job),
        "outcome": outcome,
        "can_change_policy": _can_change_policy(request.user, job),
        "invite": job.unknown_policy == UnknownEmailPolicy.INVITE,
        "policy_form": PolicyForm(initial={"unknown_emails": job.unknown_policy}),
        **_breadcrumb_urls(course),
        **NAV,
    }
    if not running and job.status in (BulkJobStatus.READY, BulkJobStatus.DONE):
        context["page"] = _rows_page(request, job, outcome, labels, filtered)
    return context


def _counts(job: BulkEnrollmentJob, labels: dict) -> list[OutcomeCount]:
    shown = []
    for outcome in RowOutcome.values:
        count = job.counts.get(outcome, 0)
        # "Invited" means nothing under the skip policy; hide it unless used.
        unused = outcome == RowOutcome.INVITED and not count
        if unused and job.unknown_policy != UnknownEmailPolicy.INVITE:
            continue
        shown.append(OutcomeCount(outcome, labels[outcome], count, BADGES[outcome]))
    return shown


def _rows_page(
    request: HttpRequest,
    job: BulkEnrollmentJob,
    outcome: str,
    labels: dict,
    filtered: bool,
) -> Page:
    rows = job.rows.order_by("line", "id")
    if outcome:
        rows = rows.filter(outcome=outcome)
    number = request.GET.get("page") if filtered else 1
    page = Paginator(rows, ROWS_PER_PAGE).get_page(number)
    page.object_list = [
        RowView(row, labels.get(row.outcome, row.outcome), BADGES.get(row.outcome, ""))
        for row in page.object_list
    ]
    return page


def _can_change_policy(user: User, job: BulkEnrollmentJob) -> bool:
    """Admins choose for unknown emails while the job waits for confirmation."""
    if user.role != Role.ADMIN or job.status != BulkJobStatus.READY:
        return False
    counts = job.counts
    return bool(counts.get(RowOutcome.UNKNOWN) or counts.get(RowOutcome.INVITED))


def _recent_jobs(course: Course) -> list[BulkEnrollmentJob]:
    return list(
        course.bulk_jobs.select_related("created_by").order_by("-created_at", "-id")[
            :RECENT_JOBS
        ]
    )


def _people_matching(course: Course, query: str, *, chosen: list[User]) -> list[Any]:
    """Active people matching `query`, minus those chosen; none for no query.

    Each comes with whether they are enrolled already, so the picker can say
    so before the review does.
    """
    if not fold_for_search(query):
        return []
    people = list(
        User.objects.filter(is_active=True)
        .matching(query)
        .exclude(pk__in=[person.pk for person in chosen])
        .order_by("search_text", "pk")[:SEARCH_RESULTS]
    )
    enrolled = set(
        Enrollment.objects.filter(
            course=course,
            learner__in=people,
            status=EnrollmentStatus.ACTIVE,
        ).values_list("learner_id", flat=True)
    )
    for person in people:
        person.already_enrolled = person.pk in enrolled
    return people


def _chosen_people(public_ids: list[str]) -> list[User]:
    """The people ticked so far, in the order they were ticked."""
    ids = list(dict.fromkeys(public_ids))[:MAX_PICKED_USERS]
    found = {user.public_id: user for user in User.objects.filter(public_id__in=ids)}
    return [found[public_id] for public_id in ids if public_id in found]


def _breadcrumb_urls(course: Course) -> dict[str, str]:
    return {
        "learners_url": reverse("enrollments:course_learners", args=[course.public_id])
    }

"""Exports prepared in the background: asking for one, following it, and
downloading the file. Only the person who asked may follow and download
it, and only while they still teach the course."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from karma.courses.selectors import get_course_for_manager_or_404
from karma.lib.public_ids import has_prefix
from karma.reports import services
from karma.reports.exports import CONTENT_TYPES
from karma.reports.forms import ExportJobForm
from karma.reports.models import ExportJob, ExportStatus
from karma.reports.permissions import can_download_export


@login_required
@require_POST
def export_job_start(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    form = ExportJobForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an export and a format.")
        return redirect("reports:course_progress", course.public_id)

    job = services.request_export(
        course=course,
        requested_by=request.user,
        kind=form.cleaned_data["kind"],
        file_format=form.cleaned_data["file_format"],
    )
    return redirect("reports:export_job", job.public_id)


def _job_for_user_or_404(request: HttpRequest, job_id: str) -> ExportJob:
    """The job `job_id` if the viewer asked for it; anyone else's is as
    unknown as a job that does not exist."""
    job = None
    if has_prefix(job_id, "exp"):
        job = (
            ExportJob.objects.select_related("course").filter(public_id=job_id).first()
        )
    if job is None or not can_download_export(request.user, job):
        raise Http404("No such export")
    return job


@login_required
@require_GET
@never_cache
def export_job(request: HttpRequest, job_id: str) -> HttpResponse:
    job = _job_for_user_or_404(request, job_id)
    context = {
        "job": job,
        "course": job.course,
        "expired": _expired(job),
        "nav_section": "courses",
    }
    return render(request, "reports/export_job.html", context)


def _expired(job: ExportJob) -> bool:
    """True once the retention task has deleted a finished job's file."""
    if job.status != ExportStatus.DONE:
        return False
    return not job.file or not job.file.storage.exists(job.file.name)


@login_required
@require_GET
@never_cache
def export_job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's state, polled while it runs; without a trigger once done."""
    # Polling is the page, not the person: no last-active write.
    request.counts_as_activity = False
    job = _job_for_user_or_404(request, job_id)
    context = {"job": job, "expired": _expired(job)}
    return render(request, "reports/_export_job_body.html", context)


@login_required
@require_GET
@never_cache
def export_job_download(request: HttpRequest, job_id: str) -> HttpResponse:
    job = _job_for_user_or_404(request, job_id)
    if job.status != ExportStatus.DONE:
        raise PermissionDenied("This export is not ready.")
    if _expired(job):
        # The retention task deleted it; the job page says so.
        raise Http404("This export has expired")

    services.record_download(job=job, downloaded_by=request.user)
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type=CONTENT_TYPES[job.file_format],
    )
    response["Cache-Control"] = "no-store"
    return response

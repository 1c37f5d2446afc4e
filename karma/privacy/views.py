"""Data rights pages: downloading a person's archive and erasing them.

Admins act from a person's profile; everyone downloads their own archive
from My Profile. Someone who may not see the profile gets 404; staff who
see it but may not act get 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from karma.accounts.models import User
from karma.accounts.permissions import can_view_profile
from karma.accounts.selectors import get_user_by_public_id
from karma.privacy.forms import EraseLearnerForm
from karma.privacy.permissions import can_erase_learner, can_export_data
from karma.privacy.services import (
    ErasureError,
    archive_file_name,
    erase_learner,
    erasure_problem,
    export_learner_data,
)


def _get_subject_for_viewer_or_404(viewer: User, public_id: str) -> User:
    """Return the person `public_id` names, if `viewer` may see their profile."""
    subject = get_user_by_public_id(public_id)
    if subject is None or not can_view_profile(viewer, subject):
        raise Http404
    return subject


def archive_response(*, learner: User, actor: User) -> HttpResponse:
    """Answer with `learner`'s archive as a download (pages and API)."""
    response = HttpResponse(
        export_learner_data(learner=learner, actor=actor),
        content_type="application/zip",
    )
    name = archive_file_name(learner)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Personal data: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
@never_cache
def my_data_download(request: HttpRequest) -> HttpResponse:
    return archive_response(learner=request.user, actor=request.user)


@login_required
@require_GET
@never_cache
def learner_data_download(request: HttpRequest, public_id: str) -> HttpResponse:
    subject = _get_subject_for_viewer_or_404(request.user, public_id)
    if not can_export_data(request.user, subject):
        raise PermissionDenied
    return archive_response(learner=subject, actor=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def learner_erase(request: HttpRequest, public_id: str) -> HttpResponse:
    subject = _get_subject_for_viewer_or_404(request.user, public_id)
    if not can_erase_learner(request.user, subject):
        raise PermissionDenied

    form = EraseLearnerForm(
        request.POST if request.method == "POST" else None,
        subject=subject,
        auto_id="erase_%s",
    )
    if form.is_bound and form.is_valid():
        try:
            erase_learner(
                learner=subject,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ErasureError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                "The learner's personal data was erased. Their enrollments, "
                "progress and scores stay under “Erased learner”.",
            )
            return redirect("accounts:user_profile", public_id=subject.public_id)

    context = {
        "subject": subject,
        "form": form,
        "problem": erasure_problem(learner=subject, actor=request.user),
        "nav_section": "users",
    }
    return render(request, "privacy/erase.html", context)

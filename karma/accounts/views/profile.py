"""Profile pages: Users -> [name] for staff, and My Profile for everyone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from karma.accounts import services
from karma.accounts.forms.users import ProfileNameForm, ReasonForm, RoleForm
from karma.accounts.models import InvitationState, User, UserStatus
from karma.accounts.permissions import can_manage_users, can_view_profile
from karma.accounts.selectors import get_user_by_public_id, latest_invitation
from karma.accounts.services import AccountError
from karma.enrollments.permissions import can_enroll_anyone
from karma.enrollments.selectors import enrollments_on_profile
from karma.learning.selectors_certificates import certificates_on_profile
from karma.learning.selectors_my_learning import attempts_on_profile
from karma.privacy.selectors import is_erased


def _get_profile_for_viewer_or_404(viewer: User, public_id: str) -> User:
    """Return the person `public_id` names, if `viewer` may see them.

    Missing and forbidden look the same, so nobody learns who has an account.
    """
    subject = get_user_by_public_id(public_id)
    if subject is None or not can_view_profile(viewer, subject):
        raise Http404
    return subject


@login_required
def user_profile(request: HttpRequest, public_id: str) -> HttpResponse:
    subject = _get_profile_for_viewer_or_404(request.user, public_id)
    services.record_profile_view(viewer=request.user, subject=subject)
    nav_section = "users" if can_manage_users(request.user) else None
    return _render_profile(request, subject, nav_section=nav_section)


@login_required
def my_profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileNameForm(
        request.POST if request.method == "POST" else None,
        initial={"first_name": user.first_name, "last_name": user.last_name},
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_profile(user=user, **form.cleaned_data, updated_by=user)
        except AccountError as error:
            # The service set the names on the instance before refusing.
            user.refresh_from_db(fields=["first_name", "last_name", "search_text"])
            form.add_account_error(error)
        else:
            messages.success(request, "Your name was saved.")
            return redirect("accounts:my_profile")

    return _render_profile(request, user, name_form=form)


def _render_profile(
    request: HttpRequest,
    subject: User,
    *,
    name_form: ProfileNameForm | None = None,
    nav_section: str | None = None,
) -> HttpResponse:
    viewer = request.user
    is_self = viewer.pk == subject.pk
    manages = can_manage_users(viewer)
    if is_self and name_form is None:
        name_form = ProfileNameForm(
            initial={"first_name": subject.first_name, "last_name": subject.last_name}
        )

    context = {
        "subject": subject,
        "is_self": is_self,
        "can_manage": manages,
        "name_form": name_form if is_self else None,
        "nav_section": nav_section,
        "enrollments": enrollments_on_profile(viewer=viewer, learner=subject),
        "attempts": attempts_on_profile(viewer=viewer, learner=subject),
        "certificates": certificates_on_profile(viewer=viewer, learner=subject),
        "can_enroll_in_course": not is_self
        and subject.is_active
        and can_enroll_anyone(viewer),
    }
    if manages:
        context.update(_management_context(subject, is_self=is_self))
    return render(request, "accounts/profile/profile.html", context)


def _management_context(subject: User, *, is_self: bool) -> dict[str, object]:
    """Return what the admin-only part of a profile needs."""
    invitation = latest_invitation(subject)
    # An erased account keeps its role and stays deactivated for good;
    # the services refuse both changes.
    erased = is_erased(subject)
    return {
        "invitation": invitation,
        "can_resend_invitation": subject.status == UserStatus.INVITED,
        "can_revoke_invitation": invitation is not None
        and invitation.state == InvitationState.PENDING,
        # An admin cannot demote or deactivate themselves (services refuse).
        "role_form": None
        if is_self or erased
        else RoleForm(initial={"role": subject.role}, auto_id="role_%s"),
        "deactivate_form": None
        if is_self or not subject.is_active
        else ReasonForm(auto_id="deactivate_%s"),
        "reactivate_form": None
        if subject.is_active or erased
        else ReasonForm(auto_id="reactivate_%s"),
    }

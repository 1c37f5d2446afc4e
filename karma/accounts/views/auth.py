"""Signing in and out, passwords and invitations.

These pages never reveal whether an address has an account: sign-in fails
with one message, and a reset request gets one answer, for every address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from karma.accounts import services
from karma.accounts.forms.auth import (
    NewPasswordForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    SignInForm,
)
from karma.accounts.models import Invitation, InvitationState, User

DASHBOARD = "web:dashboard"


def _page(
    request: HttpRequest,
    name: str,
    title: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `accounts/auth/<name>.html` inside the page frame.

    The frame puts the same body in the signed-in or the signed-out layout,
    since people reach these pages in either state.
    """
    context = {
        **(context or {}),
        "page_title": title,
        "body_template": f"accounts/auth/{name}.html",
    }
    return render(request, "accounts/auth/page.html", context, status=status)


def _safe_next(request: HttpRequest) -> str:
    """Return the `next` address if it stays on this site, else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _set_new_password(form: NewPasswordForm, user: User) -> bool:
    """Apply the form's password through the service; False if it was refused."""
    try:
        services.change_password(user=user, new_password=form.new_password)
    except ValidationError as error:
        form.add_password_error(error)
        return False
    return True


# --- Signing in and out ------------------------------------------------------


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or DASHBOARD)

    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        login(request, form.user)
        return redirect(next_url or DASHBOARD)

    status = 429 if form.is_bound and form.is_throttled else 200
    return _page(
        request, "login", "Sign in", {"form": form, "next": next_url}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out on POST; a GET only asks, so a link or prefetch cannot."""
    if request.method == "POST":
        logout(request)
        messages.info(request, "You have signed out.")
        return redirect(settings.LOGOUT_REDIRECT_URL)

    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return _page(request, "logout", "Sign out")


# --- Forgotten passwords -----------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link; every valid address gets the very same answer."""
    data = request.POST if request.method == "POST" else None
    form = PasswordResetRequestForm(data=data)
    if form.is_bound and form.is_valid():
        services.send_password_reset(email=form.cleaned_data["email"])
        return redirect("accounts:password_reset_sent")
    return _page(request, "password_reset", "Reset your password", {"form": form})


@never_cache
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    return _page(request, "password_reset_sent", "Check your email", {"hours": hours})


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_reset_confirm(
    request: HttpRequest, uidb64: str, token: str
) -> HttpResponse:
    user = services.user_for_password_reset(uidb64=uidb64, token=token)
    if user is None:
        return _page(request, "password_reset_invalid", "This link is not valid")

    form = NewPasswordForm(data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid() and _set_new_password(form, user):
        login(request, user)
        messages.success(request, "Your password has been changed.")
        return redirect(DASHBOARD)
    return _page(
        request, "password_reset_confirm", "Choose a new password", {"form": form}
    )


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    # Kept for old bookmarks; a reset now signs in and goes to the dashboard.
    return redirect(DASHBOARD if request.user.is_authenticated else "accounts:login")


# --- Invitations -------------------------------------------------------------


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Let an invitee choose a password. Opening the link changes nothing,
    since mail scanners open links too; only the form's POST accepts."""
    found = services.find_invitation(token)
    if found is None:
        return _page(
            request, "invitation_invalid", "This link is not valid", status=404
        )
    if found.state != InvitationState.PENDING:
        return _invitation_problem(request, found)

    form = NewPasswordForm(data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        response = _accept_invitation(request, found, form)
        if response is not None:
            return response
    return _page(
        request,
        "invitation",
        "Welcome",
        {"form": form, "invitation": found, "invitee": found.user},
    )


def _accept_invitation(
    request: HttpRequest, found: Invitation, form: NewPasswordForm
) -> HttpResponse | None:
    """Accept and sign in; None when the password was refused (form errors)."""
    try:
        user = services.accept_invitation(invitation=found, password=form.new_password)
    except ValidationError as error:
        form.add_password_error(error)
        return None
    except services.AccountError:
        # Accepted, revoked or replaced since the page was loaded.
        found.refresh_from_db()
        return _invitation_problem(request, found)

    login(request, user)

    # A bulk invitation from a file without name columns leaves no name.
    greeting = f", {user.first_name}" if user.first_name else ""
    messages.success(request, f"Welcome to {settings.SITE_NAME}{greeting}.")
    return redirect(DASHBOARD)


def _invitation_problem(request: HttpRequest, found: Invitation) -> HttpResponse:
    return _page(
        request,
        "invitation_problem",
        "This invitation cannot be used",
        {
            "problem": services.invitation_problem(found),
            "accepted": found.state == InvitationState.ACCEPTED,
        },
    )


# --- Changing one's password ---------------------------------------------------


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def password_change_required(request: HttpRequest) -> HttpResponse:
    """Replace a temporary password; the middleware sends such users here."""
    user = request.user
    if not user.must_change_password:
        return redirect(DASHBOARD)

    form = NewPasswordForm(data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid() and _set_new_password(form, user):
        update_session_auth_hash(request, user)
        messages.success(request, "Your password has been set. Welcome!")
        return redirect(DASHBOARD)
    return _page(
        request, "password_change_required", "Choose your password", {"form": form}
    )


@never_cache
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    data = request.POST if request.method == "POST" else None
    form = PasswordChangeForm(user, data=data)
    if form.is_bound and form.is_valid() and _set_new_password(form, user):
        # Other sessions end (the service raised the credentials
        # generation); this one is kept alive here.
        update_session_auth_hash(request, user)
        messages.success(request, "Your password has been changed.")
        return redirect("accounts:my_profile")
    return _page(request, "password_change", "Change your password", {"form": form})

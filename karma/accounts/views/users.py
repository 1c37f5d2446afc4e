"""The Users section: the list, inviting and creating people, account actions.

Admins only. Everyone else who is signed in gets 403: the section is in
the product for them to know about, just not to use (docs/decisions.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from karma.accounts import services
from karma.accounts.forms.users import (
    BulkAction,
    BulkActionForm,
    NewUserForm,
    ReasonForm,
    RoleForm,
    UserListFilterForm,
)
from karma.accounts.models import Role, User, UserStatus
from karma.accounts.permissions import can_manage_users
from karma.accounts.selectors import (
    get_user_by_public_id,
    users_by_public_ids,
    users_for_list,
    users_search_sorts_sparse_matches,
)
from karma.accounts.services import AccountError
from karma.lib.pagination import SearchPaginator
from karma.lib.text import fold_for_search

USERS_PER_PAGE = 25

# The list's columns in order: sort key and header label.
USER_COLUMNS = [
    ("name", "Name"),
    ("email", "Email"),
    ("role", "Role"),
    ("status", "Status"),
    ("created", "Created"),
    ("last_login", "Last login"),
    ("last_active", "Last active"),
]


def user_manager_required(view: Callable[..., HttpResponse]) -> Callable:
    """Send strangers to sign in; refuse signed-in non-admins with 403."""

    @wraps(view)
    @login_required
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_manage_users(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def _get_user_or_404(public_id: str) -> User:
    user = get_user_by_public_id(public_id)
    if user is None:
        raise Http404
    return user


def _profile_redirect(user: User) -> HttpResponse:
    return redirect("accounts:user_profile", public_id=user.public_id)


# --- The list -----------------------------------------------------------


@user_manager_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    filter_form = UserListFilterForm(request.GET)
    filters = filter_form.filters()
    users = users_for_list(**filters)
    # Searching counts at most SEARCH_COUNT_CAP matches: a broad term on a
    # large site would otherwise read every row on each keystroke. The full
    # list keeps its exact count.
    if fold_for_search(filters["search"]):
        paginator = SearchPaginator(
            users,
            USERS_PER_PAGE,
            sorts_sparse_matches=users_search_sorts_sparse_matches(
                filters["search"], filters["sort"], using=users.db
            ),
        )
    else:
        paginator = Paginator(users, USERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))

    context = {
        "filter_form": filter_form,
        "page": page,
        "columns": _sort_columns(filters["sort"]),
        "bulk_form": BulkActionForm(),
        "list_path": request.get_full_path(),
        "nav_section": "users",
    }
    template = (
        "accounts/users/_results.html"
        if _wants_results_only(request)
        else "accounts/users/list.html"
    )
    response = render(request, template, context)
    # The same URL answers a page or a fragment; caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _wants_results_only(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    # htmx restoring history after a reload needs the whole page back.
    return bool(htmx) and not htmx.history_restore_request


def _sort_columns(sort: str) -> list[dict[str, str | None]]:
    """Describe each header: the sort its link asks for and its aria-sort."""
    active_key = sort.removeprefix("-")
    descending = sort.startswith("-")
    columns = []
    for key, label in USER_COLUMNS:
        is_active = key == active_key
        columns.append(
            {
                "key": key,
                "label": label,
                "next_sort": f"-{key}" if is_active and not descending else key,
                "aria_sort": (
                    ("descending" if descending else "ascending") if is_active else None
                ),
            }
        )
    return columns


# --- Bulk actions ---------------------------------------------------------


@dataclass
class BulkOutcome:
    done: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def summary(self, done_label: str) -> str:
        parts = [f"{self.done} {done_label}"]
        parts += [
            f"{count} skipped: {reason}" for reason, count in self.skipped.items()
        ]
        return ", ".join(parts) + "."


def _reason_from(error: AccountError) -> str:
    message = error.message.rstrip(".")
    return message[:1].lower() + message[1:]


def _bulk_deactivate(user: User, actor: User) -> str | None:
    if not user.is_active:
        return "already deactivated"
    services.deactivate_user(user=user, deactivated_by=actor)
    return None


def _bulk_reactivate(user: User, actor: User) -> str | None:
    if user.is_active:
        return "already active"
    services.reactivate_user(user=user, reactivated_by=actor)
    return None


def _bulk_resend_invitation(user: User, actor: User) -> str | None:
    if user.status == UserStatus.DEACTIVATED:
        return "deactivated"
    if user.status != UserStatus.INVITED:
        return "already accepted"
    services.resend_invitation(user=user, sent_by=actor)
    return None


# Each action runs the service for one user and returns why it skipped the
# user, or None when it acted; the services still guard their own rules.
BULK_ACTIONS = {
    BulkAction.DEACTIVATE: (_bulk_deactivate, "deactivated"),
    BulkAction.REACTIVATE: (_bulk_reactivate, "reactivated"),
    BulkAction.RESEND_INVITATION: (_bulk_resend_invitation, "re-invited"),
}


def _apply_bulk_action(*, action: str, users: list[User], actor: User) -> str:
    """Run `action` on each user and return the counts in words."""
    run, done_label = BULK_ACTIONS[action]
    outcome = BulkOutcome()
    for user in users:
        try:
            reason = run(user, actor)
        except AccountError as error:
            reason = _reason_from(error)
        if reason is None:
            outcome.done += 1
        else:
            outcome.skip(reason)
    return outcome.summary(done_label)


@user_manager_required
@require_POST
def user_bulk_action(request: HttpRequest) -> HttpResponse:
    back = _safe_list_url(request, request.POST.get("next", ""))
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)

    users = list(users_by_public_ids(form.cleaned_data["users"]))
    summary = _apply_bulk_action(
        action=form.cleaned_data["action"], users=users, actor=request.user
    )
    messages.info(request, summary)
    return redirect(back)


def _safe_list_url(request: HttpRequest, candidate: str) -> str:
    """Return the Users list address to go back to, filters kept."""
    list_url = reverse("accounts:user_list")
    if candidate.startswith(list_url) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}
    ):
        return candidate
    return list_url


# --- New accounts ---------------------------------------------------------


@user_manager_required
def user_invite(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            invitation = services.invite_user(
                **form.cleaned_data, invited_by=request.user
            )
        except AccountError as error:
            form.add_account_error(error)
        else:
            invitee = invitation.user
            messages.success(request, f"Invitation sent to {invitee.email}.")
            return _profile_redirect(invitee)

    return render(
        request,
        "accounts/users/new_user.html",
        {"form": form, "mode": "invite", "nav_section": "users"},
    )


@user_manager_required
@never_cache
@sensitive_variables("account")
def user_create(request: HttpRequest) -> HttpResponse:
    """Create an account and show its temporary password in this response only.

    The password goes into no session, message, URL or log; never_cache
    keeps browsers and proxies from storing the page that shows it.
    """
    form = NewUserForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            account = services.create_user_with_temporary_password(
                **form.cleaned_data, created_by=request.user
            )
        except AccountError as error:
            form.add_account_error(error)
        else:
            return render(
                request,
                "accounts/users/created.html",
                {
                    "account": account.user,
                    "temporary_password": account.temporary_password,
                    "nav_section": "users",
                },
            )

    return render(
        request,
        "accounts/users/new_user.html",
        {"form": form, "mode": "create", "nav_section": "users"},
    )


# --- Actions on one account -------------------------------------------------


def _report_form_errors(request: HttpRequest, form: ReasonForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@user_manager_required
@require_POST
def user_role(request: HttpRequest, public_id: str) -> HttpResponse:
    subject = _get_user_or_404(public_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
        return _profile_redirect(subject)

    new_role = form.cleaned_data["role"]
    old_role = subject.role
    try:
        services.change_role(
            user=subject,
            role=new_role,
            changed_by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except AccountError as error:
        messages.error(request, error.message)
        return _profile_redirect(subject)

    label = Role(new_role).label.lower()
    if new_role == old_role:
        messages.info(request, f"{subject} is already {_article(label)} {label}.")
    else:
        messages.success(request, f"{subject} is now {_article(label)} {label}.")
    return _profile_redirect(subject)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


@user_manager_required
@require_POST
def user_deactivate(request: HttpRequest, public_id: str) -> HttpResponse:
    return _set_active(request, public_id, active=False)


@user_manager_required
@require_POST
def user_reactivate(request: HttpRequest, public_id: str) -> HttpResponse:
    return _set_active(request, public_id, active=True)


def _set_active(request: HttpRequest, public_id: str, *, active: bool) -> HttpResponse:
    """Deactivate or reactivate through the services, then say what happened."""
    subject = _get_user_or_404(public_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
        return _profile_redirect(subject)

    was_active = subject.is_active
    reason = form.cleaned_data["reason"]
    try:
        if active:
            services.reactivate_user(
                user=subject, reactivated_by=request.user, reason=reason
            )
        else:
            services.deactivate_user(
                user=subject, deactivated_by=request.user, reason=reason
            )
    except AccountError as error:
        messages.error(request, error.message)
    else:
        if was_active == active:
            state = "active" if active else "deactivated"
            messages.info(request, f"{subject} is already {state}.")
        elif active:
            messages.success(request, f"{subject} was reactivated.")
        else:
            messages.success(request, f"{subject} was deactivated and signed out.")
    return _profile_redirect(subject)


@user_manager_required
@require_POST
def invitation_resend(request: HttpRequest, public_id: str) -> HttpResponse:
    subject = _get_user_or_404(public_id)
    try:
        services.resend_invitation(user=subject, sent_by=request.user)
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "A new invitation was sent; the previous link no longer works."
        )
    return _profile_redirect(subject)


@user_manager_required
@require_POST
def invitation_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    subject = _get_user_or_404(public_id)
    try:
        services.revoke_invitation(user=subject, revoked_by=request.user)
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "The invitation was revoked; its link no longer works."
        )
    return _profile_redirect(subject)

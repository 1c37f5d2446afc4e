"""Pages that belong to no domain: the dashboard, errors, the dev mailbox."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from karma.accounts.permissions import is_admin
from karma.enrollments.selectors import my_courses


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {"nav_section": "dashboard", "my_courses": my_courses(request.user)}
    return render(request, "web/dashboard.html", context)


def health(request: HttpRequest) -> JsonResponse:
    """Answer a load balancer: 200 while the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _mail_folder(request: HttpRequest) -> Path:
    # Sent mail holds invitation and reset links: only an admin of a site
    # that turned the mailbox on (make run does) may read it.
    if not (settings.KARMA_DEV_MAILBOX and is_admin(request.user)):
        raise Http404
    return Path(settings.KARMA_MAIL_DIR)


@never_cache
def dev_mail(request: HttpRequest) -> HttpResponse:
    """List the messages the embedded mail backend kept (make run only)."""
    folder = _mail_folder(request)
    files = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.exists() else []
    messages = []
    for path in files:
        parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        messages.append(
            {"name": path.stem, "to": parsed["To"], "subject": parsed["Subject"]}
        )
    return render(request, "web/dev_mail.html", {"messages_sent": messages})


@never_cache
def dev_mail_message(request: HttpRequest, name: str) -> HttpResponse:
    folder = _mail_folder(request)
    path = folder / f"{Path(name).name}.eml"
    if not path.is_file():
        raise Http404
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    body = parsed.get_body(preferencelist=("plain",))
    return render(
        request,
        "web/dev_mail_message.html",
        {
            "to": parsed["To"],
            "subject": parsed["Subject"],
            "text": body.get_content() if body else "",
        },
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "web/error.html", {"title": "Bad request"}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "Not allowed", "detail": "You do not have access to this page."},
        status=403,
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "Page not found", "detail": "There is nothing at this address."},
        status=404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {
            "title": "Something went wrong",
            "detail": "Nothing was changed. Please try again in a moment.",
        },
        status=500,
    )

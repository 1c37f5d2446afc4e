"""What the authoring pages share: the guard, the tab bar, htmx detection."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from karma.courses.models import Course
from karma.courses.permissions import can_create_course, can_delete_course

# The editor's tabs: key, label and URL name.
TABS = [
    ("content", "Content", "courses:editor"),
    ("details", "Details", "courses:details"),
    ("settings", "Settings", "courses:settings"),
    ("instructors", "Instructors", "courses:instructors"),
]

# Marks "Courses" as the current section in the sidebar.
NAV = {"nav_section": "courses"}


def course_author_required(view: Callable[..., HttpResponse]) -> Callable:
    """Send strangers to sign in; refuse people who cannot author with 403."""

    @wraps(view)
    @login_required
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_create_course(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_tab(
    request: HttpRequest, template: str, course: Course, tab: str, **extra: Any
) -> HttpResponse:
    """Render one tab of the editor with the header every tab shares."""
    context = {
        "course": course,
        "tab": tab,
        "tabs": TABS,
        "can_delete": can_delete_course(request.user, course),
        **NAV,
        **extra,
    }
    return render(request, template, context)


def posted(request: HttpRequest) -> tuple:
    """The data and files a form binds to: none on GET, so it starts blank."""
    if request.method == "POST":
        return (request.POST, request.FILES)
    return ()

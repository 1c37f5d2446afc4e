"""What learners see: the catalog of published courses and a course's page.

Every signed-in user may browse the catalog. A course page opens for whoever
`can_see_course` allows; everyone else gets 404, so a draft's address tells
a learner nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from karma.accounts.models import User
from karma.courses import selectors
from karma.courses.models import Course, Visibility
from karma.courses.permissions import can_manage_course, can_see_course
from karma.enrollments.selectors import viewer_enrollment, with_viewer_enrollments

CATALOG_PAGE_SIZE = 12
# Longer input is cut, not refused: a search box has nothing to report.
SEARCH_MAX_LENGTH = 200


@login_required
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    categories = selectors.catalog_categories()
    category = _known_category(request.GET.get("category", ""), categories)

    courses = selectors.catalog_courses(search=search, category=category)
    page = Paginator(courses, CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_viewer_enrollments(request.user, page.object_list)

    context = {
        "page": page,
        "search": search,
        "category": category,
        "categories": categories,
        "filtered": bool(search or category),
        "nav_section": "catalog",
    }
    template = (
        "courses/catalog/_results.html"
        if _wants_results_only(request)
        else "courses/catalog/catalog.html"
    )
    response = render(request, template, context)
    # One URL answers a whole page or the cards alone; caches must keep both.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _known_category(raw: str, categories: list[str]) -> str:
    """Return the catalog's own spelling of `raw`, matched case-insensitively.

    A category no catalog course has is kept as typed, so the page says
    that nothing matches instead of quietly showing everything.
    """
    wanted = raw.strip()
    for category in categories:
        if category.casefold() == wanted.casefold():
            return category
    return wanted[:SEARCH_MAX_LENGTH]


def _wants_results_only(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    # Restoring history after a reload needs the whole page back.
    return bool(htmx) and not htmx.history_restore_request


@dataclass(frozen=True)
class Prerequisite:
    course: Course
    visible: bool


@login_required
@require_GET
def course_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    course = selectors.get_course_for_viewer_or_404(request.user, public_id)

    outline = selectors.course_outline(course)
    can_edit = can_manage_course(request.user, course)
    in_catalog = course.is_published and course.visibility == Visibility.PUBLIC
    context = {
        "course": course,
        "outline": outline,
        "lesson_count": sum(len(module.lessons.all()) for module in outline),
        "instructors": _instructors(course),
        "prerequisites": _prerequisites(request.user, course),
        "can_edit": can_edit,
        "viewer_enrollment": viewer_enrollment(request.user, course),
        # Staff reach drafts and hidden courses from their Courses list.
        "nav_section": "courses" if can_edit and not in_catalog else "catalog",
    }
    return render(request, "courses/catalog/course_detail.html", context)


def _instructors(course: Course) -> list[User]:
    """The owner first, then added instructors in the order they joined."""
    links = course.instructor_links.select_related("instructor").order_by(
        "added_at", "id"
    )
    return [course.owner, *(link.instructor for link in links)]


def _prerequisites(user: User, course: Course) -> list[Prerequisite]:
    # A prerequisite the viewer may not open (a draft, say) is still named,
    # since it is part of the course's rules, but never linked.
    required = course.prerequisites.select_related("owner").order_by("title", "id")
    return [Prerequisite(other, can_see_course(user, other)) for other in required]

"""The Courses list, Create Course and the editor's Details, Settings and
Instructors tabs, with Publish, Save as Draft and Delete.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karma.courses import services
from karma.courses.exceptions import CourseError
from karma.courses.forms import (
    CourseDetailsForm,
    CourseListFilterForm,
    CourseSettingsForm,
    InstructorActionForm,
    InstructorSearchForm,
)
from karma.courses.models import Course
from karma.courses.permissions import can_delete_course, can_manage_instructors
from karma.courses.selectors import (
    course_instructor_links,
    courses_for_manage_list,
    get_course_for_manager_or_404,
    get_user_for_instructor_form,
    instructor_candidates,
    managed_categories,
    prerequisite_choices,
)
from karma.courses.views.authoring.common import (
    NAV,
    course_author_required,
    is_htmx,
    posted,
    render_tab,
)

COURSES_PER_PAGE = 50


# --- The list and Create Course ----------------------------------------------


@course_author_required
@require_GET
def course_list(request: HttpRequest) -> HttpResponse:
    categories = managed_categories(request.user)
    filter_form = CourseListFilterForm(request.GET, categories=categories)
    filters = filter_form.filters()
    courses = courses_for_manage_list(request.user, **filters)
    page = Paginator(courses, COURSES_PER_PAGE).get_page(request.GET.get("page"))

    context = {
        "filter_form": filter_form,
        "page": page,
        "filtered": any(filters.values()),
        **NAV,
    }
    template = "courses/manage/list.html"
    if is_htmx(request):
        template = "courses/manage/_list_results.html"
    response = render(request, template, context)
    # The same URL answers a page or a fragment; caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@course_author_required
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    categories = managed_categories(request.user)
    form = CourseDetailsForm(*posted(request), categories=categories)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(
                owner=request.user,
                details=form.details(),
                cover=form.cleaned_data["cover"],
            )
        except CourseError as error:
            form.add_course_error(error)
        else:
            messages.success(request, "Course created. Add its first module below.")
            return redirect("courses:editor", public_id=course.public_id)

    context = {"form": form, **NAV}
    return render(request, "courses/manage/create.html", context)


# --- Details, Settings, Instructors ------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def course_details(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    form = CourseDetailsForm(
        *posted(request),
        categories=managed_categories(request.user),
        initial=CourseDetailsForm.initial_for(course),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_course(
                course=course,
                details=form.details(),
                cover=form.cleaned_data["cover"],
            )
        except CourseError as error:
            form.add_course_error(error)
            # The service may have set some fields before refusing one.
            course.refresh_from_db()
        else:
            messages.success(request, "Details saved.")
            return redirect("courses:details", public_id=course.public_id)

    return render_tab(
        request, "courses/manage/details.html", course, "details", form=form
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_settings(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    form = CourseSettingsForm(
        *posted(request)[:1],
        choices=prerequisite_choices(course, request.user),
        initial=CourseSettingsForm.initial_for(course),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_settings(
                course=course,
                enrollment_type=data["enrollment_type"],
                visibility=data["visibility"],
                prerequisites=list(data["prerequisites"]),
                require_passing_quizzes=data["require_passing_quizzes"],
                certificate_enabled=data["certificate_enabled"],
            )
        except CourseError as error:
            form.add_course_error(error)
            course.refresh_from_db()
        else:
            messages.success(request, "Settings saved.")
            return redirect("courses:settings", public_id=course.public_id)

    return render_tab(
        request, "courses/manage/settings.html", course, "settings", form=form
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_instructors(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    may_change = can_manage_instructors(request.user, course)
    action_form = InstructorActionForm()
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("Only admins and the owner change instructors.")
        action_form = InstructorActionForm(request.POST)
        if _change_instructors(request, course, action_form):
            return redirect("courses:instructors", public_id=course.public_id)

    search_form = InstructorSearchForm(request.GET)
    search = search_form.search() if may_change else ""
    context = {
        "course": course,
        "search_form": search_form,
        "search": search,
        "candidates": instructor_candidates(course, search=search),
    }
    if may_change and is_htmx(request) and request.method == "GET":
        return render(request, "courses/manage/_instructor_candidates.html", context)

    context.pop("course")
    response = render_tab(
        request,
        "courses/manage/instructors.html",
        course,
        "instructors",
        action_form=action_form,
        links=course_instructor_links(course),
        can_manage_instructors=may_change,
        **context,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _change_instructors(
    request: HttpRequest, course: Course, form: InstructorActionForm
) -> bool:
    """Add or remove the person the form names; False when refused."""
    if not form.is_valid():
        form.add_error("instructor", "Choose a person from the list.")
        return False
    person = get_user_for_instructor_form(form.cleaned_data["instructor"])
    if person is None:
        form.add_error("instructor", "That person no longer exists.")
        return False

    label = person.name or person.email
    try:
        if form.cleaned_data["action"] == InstructorActionForm.ADD:
            services.add_instructor(
                course=course, instructor=person, added_by=request.user
            )
            messages.success(request, f"{label} now teaches this course.")
        else:
            services.remove_instructor(course=course, instructor=person)
            messages.success(request, f"{label} no longer teaches this course.")
    except CourseError as error:
        form.add_error("instructor", error.message)
        return False
    return True


# --- Publish, draft, delete --------------------------------------------------


@login_required
@require_POST
def course_publish(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    try:
        services.publish_course(course=course)
    except CourseError as error:
        messages.error(request, f"Not published: {error.message}")
    else:
        messages.success(request, "Published: learners can now find this course.")
    return redirect("courses:editor", public_id=course.public_id)


@login_required
@require_POST
def course_draft(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    services.save_as_draft(course=course)
    messages.success(request, "Saved as draft: learners no longer see this course.")
    return redirect("courses:editor", public_id=course.public_id)


@login_required
@require_POST
def course_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    if not can_delete_course(request.user, course):
        raise PermissionDenied("Only admins and the owner delete a course.")
    title = course.title
    try:
        services.delete_course(course=course)
    except CourseError as error:
        messages.error(request, f"Not deleted: {error.message}")
        return redirect("courses:editor", public_id=course.public_id)
    messages.success(request, f"Deleted the course “{title}”.")
    return redirect("courses:course_list")

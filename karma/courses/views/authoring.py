"""Course authoring: the Courses list, Create Course and the course editor.

For admins and the course's instructors (SPEC sections 1 and 4). Each view
loads the course through `get_course_for_manager_or_404`, then the module or
lesson through the course, so an id of another course answers 404 and
changes nothing. Every form works without JavaScript; with htmx, a change to
the outline answers with the outline alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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
    LessonForm,
    ModuleForm,
    MoveForm,
    OrderForm,
)
from karma.courses.models import Course, LessonType, Module
from karma.courses.permissions import (
    can_create_course,
    can_delete_course,
    can_manage_instructors,
)
from karma.courses.selectors import (
    course_instructor_links,
    course_outline,
    courses_for_manage_list,
    get_course_for_manager_or_404,
    get_lesson_in_course_or_404,
    get_module_in_course_or_404,
    get_user_for_instructor_form,
    instructor_candidates,
    managed_categories,
    prerequisite_choices,
)

COURSES_PER_PAGE = 50

# The editor's tabs: key, label and URL name.
TABS = [
    ("content", "Content", "courses:editor"),
    ("details", "Details", "courses:details"),
    ("settings", "Settings", "courses:settings"),
    ("instructors", "Instructors", "courses:instructors"),
]

# A refused reorder: the request was understood, its ids were not.
UNPROCESSABLE = 422


def course_author_required(view: Callable[..., HttpResponse]) -> Callable:
    """Send strangers to sign in; refuse people who cannot author with 403."""

    @wraps(view)
    @login_required
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_create_course(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _page(request: HttpRequest, template: str, course: Course, tab: str, **extra):
    """Render one tab of the editor with the header every tab shares."""
    context = {
        "course": course,
        "tab": tab,
        "tabs": TABS,
        "can_delete": can_delete_course(request.user, course),
        "nav_section": "courses",
        **extra,
    }
    return render(request, template, context)


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
        "nav_section": "courses",
    }
    template = "courses/manage/list.html"
    if _is_htmx(request):
        template = "courses/manage/_list_results.html"
    response = render(request, template, context)
    # The same URL answers a page or a fragment; caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@course_author_required
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    categories = managed_categories(request.user)
    form = CourseDetailsForm(*_posted(request), categories=categories)
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

    context = {"form": form, "nav_section": "courses"}
    return render(request, "courses/manage/create.html", context)


def _posted(request: HttpRequest) -> tuple:
    """The data and files a form binds to: none on GET, so it starts blank."""
    if request.method == "POST":
        return (request.POST, request.FILES)
    return ()


# --- Details, Settings, Instructors ------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def course_details(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    form = CourseDetailsForm(
        *_posted(request),
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

    return _page(request, "courses/manage/details.html", course, "details", form=form)


@login_required
@require_http_methods(["GET", "POST"])
def course_settings(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    form = CourseSettingsForm(
        *_posted(request)[:1],
        choices=prerequisite_choices(course),
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

    return _page(request, "courses/manage/settings.html", course, "settings", form=form)


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
    if may_change and _is_htmx(request) and request.method == "GET":
        return render(request, "courses/manage/_instructor_candidates.html", context)

    context.pop("course")
    response = _page(
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
    services.delete_course(course=course)
    messages.success(request, f"Deleted the course “{title}”.")
    return redirect("courses:course_list")


# --- The editor and its outline ----------------------------------------------


@login_required
@require_GET
def course_editor(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    return _editor(request, course)


def _editor(
    request: HttpRequest, course: Course, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The Content tab, or only its outline when htmx asked for a change."""
    context = _outline_context(course, **extra)
    if _is_htmx(request):
        context["partial"] = True
        return render(request, "courses/manage/_outline.html", context, status=status)
    context.pop("course")
    return _page(request, "courses/manage/editor.html", course, "content", **context)


def _outline_context(course: Course, **extra: Any) -> dict[str, Any]:
    modules = course_outline(course)
    for index, module in enumerate(modules):
        module.moves = _moves(index, len(modules))
        module.edit_form = ModuleForm(
            initial={"name": module.name, "description": module.description},
            prefix=f"module_{module.public_id}",
        )
        lessons = module.lessons.all()
        for position, lesson in enumerate(lessons):
            lesson.moves = _moves(position, len(lessons))
    return {
        "course": course,
        "modules": modules,
        "module_form": ModuleForm(prefix="new_module"),
        **extra,
    }


def _moves(index: int, count: int) -> list[tuple[int, str, str, bool]]:
    """The up and down buttons of an item: offset, word, arrow, at the end."""
    return [(-1, "up", "↑", index == 0), (1, "down", "↓", index == count - 1)]


def _changed(request: HttpRequest, course: Course, notice: str) -> HttpResponse:
    """Answer a change that worked: the outline for htmx, else the editor."""
    if _is_htmx(request):
        return _editor(request, course, notice=notice)
    messages.success(request, notice)
    return redirect("courses:editor", public_id=course.public_id)


def _refused(
    request: HttpRequest, course: Course, error: str, *, status: int = 200
) -> HttpResponse:
    """Answer a change that was refused, with nothing changed."""
    if _is_htmx(request):
        return _editor(request, course, error=error, status=status)
    messages.error(request, error)
    return redirect("courses:editor", public_id=course.public_id)


# --- Modules -----------------------------------------------------------------


@login_required
@require_POST
def module_create(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    form = ModuleForm(request.POST, prefix="new_module")
    if form.is_valid():
        try:
            module = services.add_module(
                course=course,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except CourseError as error:
            form.add_course_error(error)
        else:
            return _changed(request, course, f"Added the module “{module.name}”.")
    return _editor(request, course, module_form=form, error="The module was not added.")


@login_required
@require_http_methods(["GET", "POST"])
def module_edit(request: HttpRequest, public_id: str, module_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    module = get_module_in_course_or_404(course, module_id)
    initial = {"name": module.name, "description": module.description}
    form = ModuleForm(
        *_posted(request)[:1], initial=initial, prefix=f"module_{module.public_id}"
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_module(
                module=module,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except CourseError as error:
            form.add_course_error(error)
        else:
            return _changed(request, course, f"Saved the module “{module.name}”.")

    if request.method == "POST" and _is_htmx(request):
        return _editor(
            request,
            course,
            module_edit_form=form,
            module_edit_id=module.public_id,
            error="The module was not saved.",
        )
    module.refresh_from_db()
    context = {"course": course, "module": module, "form": form}
    return render(request, "courses/manage/module_form.html", context)


@login_required
@require_POST
def module_delete(request: HttpRequest, public_id: str, module_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    module = get_module_in_course_or_404(course, module_id)
    services.delete_module(module=module)
    return _changed(request, course, f"Deleted the module “{module.name}”.")


@login_required
@require_POST
def module_move(request: HttpRequest, public_id: str, module_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    module = get_module_in_course_or_404(course, module_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, course, "Choose to move up or down.")
    offset = form.cleaned_data["offset"]
    moved = services.move_module(module=module, offset=offset)
    notice = _move_notice("module", module.name, offset, moved)
    return _changed(request, course, notice)


@login_required
@require_POST
def module_reorder(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    form = OrderForm(request.POST)
    if not form.is_valid():
        return _refused(request, course, _order_refusal(), status=UNPROCESSABLE)
    try:
        services.reorder_modules(course=course, module_ids=form.ids)
    except CourseError:
        return _refused(request, course, _order_refusal(), status=UNPROCESSABLE)
    return _changed(request, course, "Saved the new order of modules.")


def _move_notice(noun: str, name: str, offset: int, moved: bool) -> str:
    if not moved:
        return f"The {noun} “{name}” is already {'first' if offset < 0 else 'last'}."
    return f"Moved the {noun} “{name}” {'up' if offset < 0 else 'down'}."


def _order_refusal() -> str:
    # Most often another editor changed the outline meanwhile; the answer
    # shows the order as it now stands.
    return "The new order was not saved: the outline changed. Here it is as saved."


# --- Lessons -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lesson_create(request: HttpRequest, public_id: str, module_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    module = get_module_in_course_or_404(course, module_id)
    initial = {"type": request.GET.get("type", LessonType.TEXT)}
    form = LessonForm(*_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.add_lesson(module=module, data=form.lesson_input())
        except CourseError as error:
            form.add_course_error(error)
        else:
            messages.success(request, f"Added the lesson “{lesson.title}”.")
            return _to_module(course, module)

    context = {"course": course, "module": module, "form": form, "lesson": None}
    return render(request, "courses/manage/lesson_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request: HttpRequest, public_id: str, lesson_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    lesson = get_lesson_in_course_or_404(course, lesson_id)
    form = LessonForm(
        *_posted(request),
        lesson_type=lesson.type,
        initial=LessonForm.initial_for(lesson),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_lesson(lesson=lesson, data=form.lesson_input())
        except CourseError as error:
            form.add_course_error(error)
            lesson.refresh_from_db()
        else:
            messages.success(request, f"Saved the lesson “{lesson.title}”.")
            return _to_module(course, lesson.module)

    context = {"course": course, "module": lesson.module, "form": form}
    return render(
        request, "courses/manage/lesson_form.html", {**context, "lesson": lesson}
    )


def _to_module(course: Course, module: Module) -> HttpResponse:
    url = reverse("courses:editor", kwargs={"public_id": course.public_id})
    return redirect(f"{url}#module-{module.public_id}")


@login_required
@require_POST
def lesson_delete(request: HttpRequest, public_id: str, lesson_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    lesson = get_lesson_in_course_or_404(course, lesson_id)
    services.delete_lesson(lesson=lesson)
    return _changed(request, course, f"Deleted the lesson “{lesson.title}”.")


@login_required
@require_POST
def lesson_move(request: HttpRequest, public_id: str, lesson_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    lesson = get_lesson_in_course_or_404(course, lesson_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, course, "Choose to move up or down.")
    offset = form.cleaned_data["offset"]
    moved = services.move_lesson(lesson=lesson, offset=offset)
    notice = _move_notice("lesson", lesson.title, offset, moved)
    return _changed(request, course, notice)


@login_required
@require_POST
def lesson_reorder(
    request: HttpRequest, public_id: str, module_id: str
) -> HttpResponse:
    """Order a module's lessons; a lesson dragged in from another module of
    the same course moves into this one."""
    course = get_course_for_manager_or_404(request.user, public_id)
    module = get_module_in_course_or_404(course, module_id)
    form = OrderForm(request.POST)
    if not form.is_valid():
        return _refused(request, course, _order_refusal(), status=UNPROCESSABLE)
    try:
        services.reorder_lessons(module=module, lesson_ids=form.ids)
    except CourseError:
        return _refused(request, course, _order_refusal(), status=UNPROCESSABLE)
    return _changed(request, course, f"Saved the order of lessons in “{module.name}”.")

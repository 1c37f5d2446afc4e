"""The editor's Content tab: the outline of modules and lessons.

Each view loads the module or lesson through its course, so an id of another
course answers 404 and changes nothing. With htmx, a change answers with the
outline alone; without JavaScript, with a redirect back to the editor.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karma.courses import services
from karma.courses.exceptions import CourseError
from karma.courses.forms import (
    LessonForm,
    ModuleForm,
    MoveForm,
    NewModuleForm,
    OrderForm,
)
from karma.courses.models import Course, Lesson, LessonType, Module
from karma.courses.selectors import (
    course_outline,
    get_course_for_manager_or_404,
    get_lesson_in_course_or_404,
    get_module_in_course_or_404,
)
from karma.courses.views.authoring.common import NAV, is_htmx, posted, render_tab

# A refused reorder: the request was understood, its ids were not.
UNPROCESSABLE = 422
# Most often another editor changed the outline meanwhile; the answer shows
# the order as it now stands.
ORDER_REFUSED = "The new order was not saved: the outline changed. Here it is as saved."


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
    if is_htmx(request):
        context["partial"] = True
        return render(request, "courses/manage/_outline.html", context, status=status)
    context.pop("course")
    return render_tab(
        request, "courses/manage/editor.html", course, "content", **context
    )


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
        "module_form": NewModuleForm(),
        **extra,
    }


def _moves(index: int, count: int) -> list[tuple[int, str, str, bool]]:
    """The up and down buttons of an item: offset, word, arrow, at the end."""
    return [(-1, "up", "↑", index == 0), (1, "down", "↓", index == count - 1)]


def _changed(request: HttpRequest, course: Course, notice: str) -> HttpResponse:
    """Answer a change that worked: the outline for htmx, else the editor."""
    if is_htmx(request):
        return _editor(request, course, notice=notice)
    messages.success(request, notice)
    return redirect("courses:editor", public_id=course.public_id)


def _refused(
    request: HttpRequest, course: Course, error: str, *, status: int = 200
) -> HttpResponse:
    """Answer a change that was refused, with nothing changed."""
    if is_htmx(request):
        return _editor(request, course, error=error, status=status)
    messages.error(request, error)
    return redirect("courses:editor", public_id=course.public_id)


# --- Modules -----------------------------------------------------------------


@login_required
@require_POST
def module_create(request: HttpRequest, public_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    form = NewModuleForm(request.POST)
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
        *posted(request)[:1], initial=initial, prefix=f"module_{module.public_id}"
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

    if request.method == "POST" and is_htmx(request):
        return _editor(
            request,
            course,
            module_edit_form=form,
            module_edit_id=module.public_id,
            error="The module was not saved.",
        )
    context = {"course": course, "module": module, "form": form, **NAV}
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
        return _refused(request, course, ORDER_REFUSED, status=UNPROCESSABLE)
    try:
        services.reorder_modules(course=course, module_ids=form.ids)
    except CourseError:
        return _refused(request, course, ORDER_REFUSED, status=UNPROCESSABLE)
    return _changed(request, course, "Saved the new order of modules.")


def _move_notice(noun: str, name: str, offset: int, moved: bool) -> str:
    if not moved:
        return f"The {noun} “{name}” is already {'first' if offset < 0 else 'last'}."
    return f"Moved the {noun} “{name}” {'up' if offset < 0 else 'down'}."


# --- Lessons -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lesson_create(request: HttpRequest, public_id: str, module_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    module = get_module_in_course_or_404(course, module_id)
    initial = {"type": request.GET.get("type", LessonType.TEXT)}
    form = LessonForm(*posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.add_lesson(module=module, data=form.lesson_input())
        except CourseError as error:
            form.add_course_error(error)
        else:
            messages.success(request, f"Added the lesson “{lesson.title}”.")
            return _to_module(course, module)

    context = {"course": course, "module": module, "form": form, **NAV}
    return render(
        request, "courses/manage/lesson_form.html", {**context, "lesson": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request: HttpRequest, public_id: str, lesson_id: str) -> HttpResponse:
    course = get_course_for_manager_or_404(request.user, public_id)
    lesson = get_lesson_in_course_or_404(course, lesson_id)
    form = LessonForm(
        *posted(request),
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

    context = {"course": course, "module": lesson.module, "form": form, **NAV}
    other_modules = course.modules.exclude(pk=lesson.module_id).order_by("position")
    return render(
        request,
        "courses/manage/lesson_form.html",
        {**context, "lesson": lesson, "other_modules": other_modules},
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
    if "module" in request.POST:
        return _move_to_module(request, course, lesson)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, course, "Choose to move up or down.")
    offset = form.cleaned_data["offset"]
    moved = services.move_lesson(lesson=lesson, offset=offset)
    notice = _move_notice("lesson", lesson.title, offset, moved)
    return _changed(request, course, notice)


def _move_to_module(
    request: HttpRequest, course: Course, lesson: Lesson
) -> HttpResponse:
    target = get_module_in_course_or_404(course, request.POST.get("module", ""))
    moved = services.move_lesson_to_module(lesson=lesson, module=target)
    if moved:
        notice = f"Moved the lesson “{lesson.title}” to “{target.name}”."
    else:
        notice = f"The lesson “{lesson.title}” is already in “{target.name}”."
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
        return _refused(request, course, ORDER_REFUSED, status=UNPROCESSABLE)
    try:
        services.reorder_lessons(module=module, lesson_ids=form.ids)
    except CourseError:
        return _refused(request, course, ORDER_REFUSED, status=UNPROCESSABLE)
    return _changed(request, course, f"Saved the order of lessons in “{module.name}”.")

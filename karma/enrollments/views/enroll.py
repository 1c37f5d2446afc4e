"""Enrolling one person at a time.

Learners press Enroll in the catalog or on a course page. Staff enroll
someone from two sides: a course picked on the person's profile, or a
person picked on the course's Learners tab. Both end on a confirm step
showing what staff enrollment skips (invite-only, prerequisites) before
anything changes. The rules are the services'; these views only ask.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from karma.accounts.models import User
from karma.accounts.selectors import get_user_by_public_id
from karma.courses.models import Course
from karma.courses.selectors import get_course_for_viewer_or_404
from karma.courses.views.authoring.common import is_htmx, render_tab
from karma.enrollments import selectors
from karma.enrollments.forms import EnrollInCourseForm, EnrollLearnerForm, SearchForm
from karma.enrollments.models import EnrollmentStatus
from karma.enrollments.services.enrollments import (
    EnrollmentError,
    EnrollResult,
    enroll_learner,
    self_enroll,
    staff_enrollment_problem,
    staff_enrollment_warnings,
)

# --- The Enroll button --------------------------------------------------------


@login_required
@require_POST
def course_self_enroll(request: HttpRequest, public_id: str) -> HttpResponse:
    """Enroll the signed-in person; success and "already enrolled" both lead
    to the course page, a refusal back to where they pressed the button."""
    course = get_course_for_viewer_or_404(request.user, public_id)
    course_page = reverse("courses:course_detail", args=[course.public_id])
    # Hidden courses take learners who followed their link, not the catalog's.
    from_catalog = request.POST.get("from") == "catalog"

    try:
        result = self_enroll(
            learner=request.user, course=course, via_direct_link=not from_catalog
        )
    except EnrollmentError as error:
        messages.error(request, error.message)
        return redirect(safe_next(request, default=course_page))

    if result.changed:
        messages.success(request, f"You are enrolled in “{course.title}”.")
    else:
        messages.success(request, f"You are already enrolled in “{course.title}”.")
    return redirect(course_page)


def safe_next(request: HttpRequest, *, default: str) -> str:
    """Return the posted `next` address when it stays on this site."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- Enroll in Course, from a person's profile ----------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def learner_enroll(request: HttpRequest, public_id: str) -> HttpResponse:
    """Search courses (as-you-type with htmx), pick one, confirm, enroll."""
    learner = selectors.get_learner_for_enroller_or_404(request.user, public_id)
    if request.method == "POST":
        return _enroll_from_profile(request, learner)

    query = SearchForm(request.GET).query()
    chosen = request.GET.get("course", "")
    context: dict[str, Any] = {
        "learner": learner,
        "query": query,
        "courses": selectors.courses_for_staff_enrollment(
            request.user, learner, search=query
        ),
        **_profile_nav(request.user),
    }
    if is_htmx(request) and not chosen:
        response = render(request, "enrollments/_course_choices.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    if chosen:
        course = selectors.get_course_for_enroller_or_404(request.user, chosen)
        form = EnrollInCourseForm(initial={"course": course.public_id})
        context.update(_preview(learner, course), course=course, form=form)
    response = render(request, "enrollments/enroll_in_course.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _enroll_from_profile(request: HttpRequest, learner: User) -> HttpResponse:
    form = EnrollInCourseForm(request.POST)
    if not form.is_valid() and "course" in form.errors:
        context = {
            "learner": learner,
            "form": form,
            **_profile_nav(request.user),
        }
        return render(request, "enrollments/enroll_in_course.html", context)
    course = selectors.get_course_for_enroller_or_404(
        request.user, form.cleaned_data["course"]
    )
    if not form.is_valid():
        return _profile_confirm_again(request, learner, course, form)

    try:
        result = enroll_learner(
            course=course,
            learner=learner,
            enrolled_by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except EnrollmentError as error:
        form.add_error(None, error.message)
        return _profile_confirm_again(request, learner, course, form)

    _announce(request, result, learner=learner, course=course)
    return redirect("accounts:user_profile", public_id=learner.public_id)


def _profile_confirm_again(
    request: HttpRequest, learner: User, course: Course, form: EnrollInCourseForm
) -> HttpResponse:
    context = {
        "course": course,
        "form": form,
        **_preview(learner, course),
        **_profile_nav(request.user),
    }
    return render(request, "enrollments/enroll_in_course.html", context)


def _profile_nav(viewer: User) -> dict[str, Any]:
    # Admins reach profiles from Users; instructors from a course's learners.
    return {"nav_section": "users" if viewer.is_admin else "courses"}


# --- Enroll a learner, from the course's Learners tab ------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def course_enroll(request: HttpRequest, public_id: str) -> HttpResponse:
    """Search people (as-you-type with htmx), pick one, confirm, enroll."""
    course = selectors.get_course_for_enroller_or_404(request.user, public_id)
    if request.method == "POST":
        return _enroll_from_course(request, course)

    query = SearchForm(request.GET).query()
    chosen = request.GET.get("learner", "")
    people = selectors.enrollment_candidates(course, search=query)
    context: dict[str, Any] = {"query": query, "people": people}
    if is_htmx(request) and not chosen:
        response = render(
            request, "enrollments/_person_choices.html", {"course": course, **context}
        )
        patch_vary_headers(response, ["HX-Request"])
        return response
    if chosen:
        learner = _person_or_404(chosen)
        form = EnrollLearnerForm(initial={"learner": learner.public_id})
        context.update(_preview(learner, course), form=form)
    response = render_tab(
        request, "enrollments/enroll_learner.html", course, "learners", **context
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _enroll_from_course(request: HttpRequest, course: Course) -> HttpResponse:
    form = EnrollLearnerForm(request.POST)
    if not form.is_valid() and "learner" in form.errors:
        return render_tab(
            request, "enrollments/enroll_learner.html", course, "learners", form=form
        )
    learner = _person_or_404(form.cleaned_data["learner"])
    if not form.is_valid():
        return _course_confirm_again(request, learner, course, form)

    try:
        result = enroll_learner(
            course=course,
            learner=learner,
            enrolled_by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except EnrollmentError as error:
        form.add_error(None, error.message)
        return _course_confirm_again(request, learner, course, form)

    _announce(request, result, learner=learner, course=course)
    return redirect("enrollments:course_learners", public_id=course.public_id)


def _course_confirm_again(
    request: HttpRequest, learner: User, course: Course, form: EnrollLearnerForm
) -> HttpResponse:
    extra = {"form": form, **_preview(learner, course)}
    return render_tab(
        request, "enrollments/enroll_learner.html", course, "learners", **extra
    )


def _person_or_404(public_id: str) -> User:
    person = get_user_by_public_id(public_id)
    if person is None:
        raise Http404("No such person")
    return person


# --- Shared -----------------------------------------------------------------------


def _preview(learner: User, course: Course) -> dict[str, Any]:
    """What the confirm step shows before anything changes."""
    current = selectors.viewer_enrollment(learner, course)
    problem = staff_enrollment_problem(course)
    already = current is not None and current.status == EnrollmentStatus.ACTIVE
    warnings = []
    if problem is None and not already and learner.is_active:
        warnings = staff_enrollment_warnings(learner=learner, course=course)
    return {
        "learner": learner,
        "current": current,
        "already_enrolled": already,
        "problem": problem,
        "warnings": warnings,
        "can_confirm": problem is None and not already and learner.is_active,
    }


def _announce(
    request: HttpRequest, result: EnrollResult, *, learner: User, course: Course
) -> None:
    who = learner.name or learner.email
    if not result.changed:
        messages.info(request, f"{who} is already enrolled in “{course.title}”.")
        return
    messages.success(request, f"Enrolled {who} in “{course.title}”.")
    for warning in result.warnings:
        messages.warning(request, warning)

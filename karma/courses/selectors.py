"""Reading courses, scoped to what the viewer may see or manage."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from karma.accounts.models import Role, User
from karma.courses.models import (
    Course,
    CourseInstructor,
    CourseStatus,
    Lesson,
    Module,
    Visibility,
)
from karma.courses.permissions import can_manage_course, can_see_course
from karma.enrollments.models import EnrollmentStatus
from karma.lib.public_ids import has_prefix
from karma.lib.text import fold_for_search


def courses_managed_by(user: User) -> QuerySet[Course]:
    """All courses for admins; owned or added-to courses for instructors."""
    courses = Course.objects.select_related("owner").annotate(
        module_count=Count("modules", distinct=True),
        lesson_count=Count("lessons", distinct=True),
    )
    if user.role == Role.ADMIN:
        return courses
    if user.role == Role.INSTRUCTOR:
        return courses.filter(
            Q(owner=user) | Q(instructor_links__instructor=user)
        ).distinct()
    return courses.none()


def courses_for_manage_list(
    user: User, *, search: str = "", category: str = "", status: str = ""
) -> QuerySet[Course]:
    """The Courses list: what `user` manages, narrowed by the list's filters.

    Counts of modules and lessons and the owner come in the same query, so
    the page costs the same for three courses or three hundred.
    """
    courses = courses_managed_by(user)
    if search.strip():
        courses = _matching(courses, search)
    if category.strip():
        courses = courses.filter(category__iexact=category.strip())
    if status in CourseStatus.values:
        courses = courses.filter(status=status)
    return courses.order_by("title", "id")


def managed_categories(user: User) -> list[str]:
    """Distinct categories of the courses `user` manages."""
    return _distinct_categories(_managed(user))


def _managed(user: User) -> QuerySet[Course]:
    if user.role == Role.ADMIN:
        return Course.objects.all()
    if user.role == Role.INSTRUCTOR:
        return Course.objects.taught_by(user)
    return Course.objects.none()


def catalog_courses(*, search: str = "", category: str = "") -> QuerySet[Course]:
    """Published public courses, optionally narrowed by text and category."""
    courses = Course.objects.in_catalog()
    if category:
        courses = courses.filter(category__iexact=category.strip())
    if search.strip():
        courses = _matching(courses, search)
    return courses.order_by("title", "id")


def _matching(courses: QuerySet[Course], search: str) -> QuerySet[Course]:
    # Titles are few and short next to users; icontains on title and
    # description is enough here, with accents folded in Python for the
    # common case of a query typed without them.
    query = search.strip()
    folded = fold_for_search(query)
    return courses.filter(
        Q(title__icontains=query)
        | Q(description__icontains=query)
        | Q(category__icontains=query)
        | Q(title__icontains=folded)
    )


def catalog_categories() -> list[str]:
    """Distinct categories of catalog courses, one spelling per category."""
    return _distinct_categories(Course.objects.in_catalog())


def _distinct_categories(courses: QuerySet[Course]) -> list[str]:
    seen: dict[str, str] = {}
    rows = (
        courses.exclude(category="")
        .annotate(key=Lower("category"))
        .order_by("key", "category")
        .values_list("key", "category")
    )
    for key, category in rows:
        seen.setdefault(key, category)
    return list(seen.values())


def course_outline(course: Course) -> list[Module]:
    """Modules of a course with their lessons, in order, in two queries."""
    lessons = Lesson.objects.order_by("position", "id")
    return list(
        course.modules.order_by("position", "id").prefetch_related(
            Prefetch("lessons", queryset=lessons)
        )
    )


def get_course_or_404(public_id: str) -> Course:
    # Ids not shaped like ours never reach the database (PostgreSQL refuses
    # a NUL byte in a query with an error, not an empty result).
    if not has_prefix(public_id, "crs"):
        raise Http404("No such course")
    course = Course.objects.select_related("owner").filter(public_id=public_id).first()
    if course is None:
        raise Http404("No such course")
    return course


def get_course_for_viewer_or_404(user: User, public_id: str) -> Course:
    """Return a course `user` may open; 404 for drafts and strangers alike."""
    course = get_course_or_404(public_id)
    if not can_see_course(user, course):
        raise Http404("No such course")
    return course


def get_course_for_manager_or_404(user: User, public_id: str) -> Course:
    """Return a course `user` may edit.

    Raises Http404 when the user may not even know it exists (a draft of
    someone else), PermissionDenied when they can see it but not change it.
    """
    course = get_course_or_404(public_id)
    if can_manage_course(user, course):
        return course
    if can_see_course(user, course):
        raise PermissionDenied("You do not manage this course.")
    raise Http404("No such course")


def get_module_in_course_or_404(course: Course, public_id: str) -> Module:
    if not has_prefix(public_id, "mod"):
        raise Http404("No such module in this course")
    module = course.modules.filter(public_id=public_id).first()
    if module is None:
        raise Http404("No such module in this course")
    return module


def get_lesson_in_course_or_404(course: Course, public_id: str) -> Lesson:
    if not has_prefix(public_id, "les"):
        raise Http404("No such lesson in this course")
    lesson = (
        Lesson.objects.select_related("module")
        .filter(course=course, public_id=public_id)
        .first()
    )
    if lesson is None:
        raise Http404("No such lesson in this course")
    return lesson


def prerequisite_choices(course: Course, user: User) -> QuerySet[Course]:
    """Courses `user` may name as prerequisites of `course`: published ones,
    ones they manage, and the ones already named; never the course itself.

    Someone else's drafts stay out: the editor may not know they exist.
    """
    named = Course.objects.filter(required_by=course).values("pk")
    return (
        Course.objects.filter(
            Q(status=CourseStatus.PUBLISHED)
            | Q(pk__in=_managed(user).values("pk"))
            | Q(pk__in=named)
        )
        .exclude(pk=course.pk)
        .order_by("title", "id")
    )


def is_draft(course: Course) -> bool:
    return course.status == CourseStatus.DRAFT


def course_instructor_links(course: Course) -> list[CourseInstructor]:
    """The added instructors of `course` (the owner is not among them)."""
    return list(
        course.instructor_links.select_related("instructor").order_by(
            "instructor__search_text", "instructor__pk"
        )
    )


def instructor_candidates(
    course: Course, *, search: str, limit: int = 10
) -> list[User]:
    """Active instructors and admins matching `search` who could be added to
    `course`; nobody for an empty search, so the page never lists everyone.
    """
    if not fold_for_search(search):
        return []
    taken = course.instructor_links.values("instructor_id")
    people = (
        User.objects.filter(
            is_active=True,
            activated_at__isnull=False,
            role__in=[Role.INSTRUCTOR, Role.ADMIN],
        )
        .exclude(pk=course.owner_id)
        .exclude(pk__in=taken)
        .matching(search)
        .order_by("search_text", "pk")
    )
    return list(people[:limit])


def get_user_for_instructor_form(public_id: str) -> User | None:
    """The person an add or remove form names; services check their role."""
    return User.objects.filter(public_id=public_id).first()


# --- Course lists of the API ---------------------------------------------------


def courses_listed_for(user: User) -> QuerySet[Course]:
    """Courses `user` finds in lists: every course for admins; for everyone
    else the catalog and the published courses they are (or were, to the
    end) enrolled in, plus, for instructors, the courses they teach.

    Hidden courses open by their direct link but are listed only to their
    learners and staff; drafts only to their staff.
    """
    if user.role == Role.ADMIN:
        return Course.objects.all()
    enrolled = user.enrollments.filter(
        status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED]
    ).values("course_id")
    seen = Q(status=CourseStatus.PUBLISHED) & (
        Q(visibility=Visibility.PUBLIC) | Q(pk__in=enrolled)
    )
    if user.role == Role.INSTRUCTOR:
        added = CourseInstructor.objects.filter(instructor=user).values("course_id")
        seen |= Q(owner=user) | Q(pk__in=added)
    return Course.objects.filter(seen)


def courses_for_api_list(
    user: User, *, search: str = "", category: str = "", status: str = ""
) -> QuerySet[Course]:
    """The API's course list for `user`, narrowed by its filters, with
    the facts every row shows (see `with_course_facts`)."""
    courses = courses_listed_for(user)
    if search.strip():
        courses = _matching(courses, search)
    if category.strip():
        courses = courses.filter(category__iexact=category.strip())
    if status:
        courses = courses.filter(status=status)
    return with_course_facts(courses).order_by("title", "id")


def with_course_facts(courses: QuerySet[Course]) -> QuerySet[Course]:
    """Add the owner, the added instructors, the prerequisites and the count
    of active enrollments, in a fixed number of queries for any number of
    courses."""
    links = CourseInstructor.objects.select_related("instructor").order_by(
        "added_at", "pk"
    )
    prerequisites = Course.objects.order_by("title", "id").only("pk", "public_id")
    return (
        courses.select_related("owner")
        .annotate(
            enrollment_count=Count(
                "enrollments",
                filter=Q(enrollments__status=EnrollmentStatus.ACTIVE),
                distinct=True,
            )
        )
        .prefetch_related(
            Prefetch("instructor_links", queryset=links),
            Prefetch("prerequisites", queryset=prerequisites),
        )
    )


def course_with_facts(course: Course) -> Course:
    """Read `course` again with the facts of `with_course_facts`."""
    return with_course_facts(Course.objects.filter(pk=course.pk)).get()

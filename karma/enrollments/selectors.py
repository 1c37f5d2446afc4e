"""Reading enrollments and bulk jobs, scoped to what the viewer may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OrderBy, OuterRef, Q, QuerySet
from django.http import Http404

from karma.accounts.models import Role, User, search_filter
from karma.accounts.permissions import can_view_profile
from karma.accounts.selectors import get_user_by_public_id
from karma.courses.models import Course, CourseInstructor, Visibility
from karma.courses.permissions import can_see_course
from karma.enrollments.models import BulkEnrollmentJob, Enrollment, EnrollmentStatus
from karma.enrollments.permissions import can_enroll_anyone, can_enroll_others
from karma.lib.text import fold_for_search

# Searches shorter than this list nobody, so a single letter cannot page
# through every account or course.
MIN_SEARCH_LENGTH = 2


def enrollments_visible_to(user: User) -> QuerySet[Enrollment]:
    """All enrollments for admins; for instructors those of the courses they
    teach and their own; for learners their own."""
    enrollments = Enrollment.objects.select_related("learner", "course")
    if user.role == Role.ADMIN:
        return enrollments
    own = Q(learner=user)
    if user.role == Role.INSTRUCTOR:
        # Subqueries rather than joins: a join on the instructor links
        # would repeat each enrollment once per co-instructor.
        added = CourseInstructor.objects.filter(instructor=user).values("course_id")
        own |= Q(course__owner=user) | Q(course_id__in=added)
    return enrollments.filter(own)


def enrollments_for_list(
    user: User,
    *,
    learner_id: str = "",
    course_id: str = "",
    statuses: list[str] | None = None,
) -> QuerySet[Enrollment]:
    """What `user` may see, narrowed by learner and course public ids and
    statuses, newest first; learner and course come in the same query."""
    enrollments = enrollments_visible_to(user)
    if learner_id:
        enrollments = enrollments.filter(learner__public_id=learner_id)
    if course_id:
        enrollments = enrollments.filter(course__public_id=course_id)
    if statuses:
        enrollments = enrollments.filter(status__in=statuses)
    return enrollments.order_by("-enrolled_at", "-id")


def get_enrollment(public_id: str) -> Enrollment | None:
    return (
        Enrollment.objects.select_related("learner", "course")
        .filter(public_id=public_id)
        .first()
    )


def get_bulk_job(public_id: str) -> BulkEnrollmentJob | None:
    return (
        BulkEnrollmentJob.objects.select_related("course")
        .filter(public_id=public_id)
        .first()
    )


# --- Pages: profiles, the dashboard, the catalog --------------------------------


def enrollments_on_profile(*, viewer: User, learner: User) -> list[Enrollment]:
    """Every enrollment of `learner` that `viewer` may see on the profile:
    all of them for the learner and for admins, the rows of the courses an
    instructor teaches for that instructor (SPEC section 3)."""
    enrollments = Enrollment.objects.filter(learner=learner).select_related("course")
    if viewer.pk != learner.pk and viewer.role != Role.ADMIN:
        enrollments = enrollments.filter(course_id__in=_taught_course_ids(viewer))
    # Only what the rows show (enrollments/_profile_enrollments.html): each
    # course would otherwise bring its description along.
    enrollments = enrollments.only(
        "public_id",
        "status",
        "progress_percent",
        "enrolled_at",
        "completed_at",
        "learner_id",
        "course__public_id",
        "course__title",
        "course__status",
    )
    return list(enrollments.order_by("-enrolled_at", "-id"))


def _taught_course_ids(user: User) -> QuerySet:
    return Course.objects.filter(
        Q(owner=user)
        | Q(pk__in=CourseInstructor.objects.filter(instructor=user).values("course_id"))
    ).values("pk")


def my_courses(user: User) -> list[Enrollment]:
    """The dashboard's "My courses": active enrollments first, then completed,
    newest first within each."""
    enrollments = (
        Enrollment.objects.filter(
            learner=user,
            status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED],
        )
        .select_related("course")
        # "active" sorts before "completed".
        .order_by("status", "-enrolled_at", "-id")
    )
    return list(enrollments)


def viewer_enrollment(user: User, course: Course) -> Enrollment | None:
    """The enrollment that decides what the course page offers `user`: the
    open one (active or dropped) if any, else the latest completed one."""
    return _viewer_enrollments(user, [course.pk]).get(course.pk)


def with_viewer_enrollments(user: User, courses: Iterable[Course]) -> list[Course]:
    """Return `courses` as a list, each with `viewer_enrollment` set (see
    `viewer_enrollment`), in one query for the whole page of cards."""
    courses = list(courses)
    found = _viewer_enrollments(user, [course.pk for course in courses])
    for course in courses:
        course.viewer_enrollment = found.get(course.pk)
    return courses


def _viewer_enrollments(user: User, course_ids: list[int]) -> dict[int, Enrollment]:
    if not getattr(user, "is_authenticated", False) or not course_ids:
        return {}
    # An open record wins; otherwise the newest completion (oldest first, so
    # later rows overwrite earlier ones).
    rows = Enrollment.objects.filter(learner=user, course_id__in=course_ids).order_by(
        "enrolled_at", "id"
    )
    found: dict[int, Enrollment] = {}
    for enrollment in rows:
        current = found.get(enrollment.course_id)
        if current is None or current.status == EnrollmentStatus.COMPLETED:
            found[enrollment.course_id] = enrollment
    return found


# --- The course's Learners tab ---------------------------------------------------

# Sort keys of the Learners tab mapped to their fields; the enrollment's id
# breaks ties so pages never repeat or skip a row.
LEARNER_SORTS = {
    "name": ("learner__search_text", "id"),
    "email": ("learner__email", "id"),
    "status": ("status", "learner__search_text", "id"),
    "progress": ("progress_percent", "learner__search_text", "id"),
    "enrolled": ("enrolled_at", "id"),
    "last_active": ("last_active_at", "id"),
}
DEFAULT_LEARNER_SORT = "name"


def normalize_learner_sort(sort: str) -> str:
    """Return `sort` when it names a LEARNER_SORTS key (optionally with "-")."""
    return sort if sort.removeprefix("-") in LEARNER_SORTS else DEFAULT_LEARNER_SORT


def course_learners(
    course: Course,
    *,
    search: str = "",
    status: str = "",
    sort: str = DEFAULT_LEARNER_SORT,
) -> QuerySet[Enrollment]:
    """The enrollments of `course` with their learners, in one query.

    `search` matches the learner's name or email ignoring case and accents;
    `status` an EnrollmentStatus value (anything else means all); `sort` a
    LEARNER_SORTS key, "-" first for descending, where only the chosen
    column flips and "never active" sorts last either way.
    """
    enrollments = Enrollment.objects.filter(course=course).select_related("learner")
    enrollments = enrollments.filter(search_filter(search, through="learner__"))
    if status in EnrollmentStatus.values:
        enrollments = enrollments.filter(status=status)
    return enrollments.order_by(*_learner_ordering(sort))


def _learner_ordering(sort: str) -> list[OrderBy]:
    sort = normalize_learner_sort(sort)
    descending = sort.startswith("-")
    ordering = []
    for position, field in enumerate(LEARNER_SORTS[sort.removeprefix("-")]):
        nulls_last = True if field == "last_active_at" else None
        if descending and position == 0:
            ordering.append(F(field).desc(nulls_last=nulls_last))
        else:
            ordering.append(F(field).asc(nulls_last=nulls_last))
    return ordering


def enrollment_candidates(
    course: Course, *, search: str, limit: int = 10
) -> list[User]:
    """Active accounts matching `search` that could be enrolled in `course`,
    with `enrolled` set on each (an active enrollment exists); nobody for an
    empty search, so the page never lists everyone."""
    folded = fold_for_search(search)
    if len(folded) < MIN_SEARCH_LENGTH:
        return []
    enrolled = Enrollment.objects.filter(
        course=course, learner=OuterRef("pk"), status=EnrollmentStatus.ACTIVE
    )
    people = (
        User.objects.filter(search_filter(search), is_active=True)
        .annotate(enrolled=Exists(enrolled))
        .order_by("search_text", "pk")
    )
    return list(people[:limit])


def courses_for_staff_enrollment(
    viewer: User, learner: User, *, search: str, limit: int = 10
) -> list[Course]:
    """Courses `viewer` may enroll `learner` in that take enrollments
    (published, not archived) and match `search`, with `enrolled` set on
    each (an active enrollment exists)."""
    query = " ".join(search.split())
    if len(query) < MIN_SEARCH_LENGTH:
        return []
    courses = Course.objects.published().exclude(visibility=Visibility.ARCHIVED)
    if viewer.role != Role.ADMIN:
        courses = courses.filter(pk__in=_taught_course_ids(viewer))
    enrolled = Enrollment.objects.filter(
        course=OuterRef("pk"), learner=learner, status=EnrollmentStatus.ACTIVE
    )
    courses = (
        courses.filter(
            Q(title__icontains=query) | Q(title__icontains=fold_for_search(query))
        )
        .annotate(enrolled=Exists(enrolled))
        .order_by("title", "id")
    )
    return list(courses[:limit])


# --- Loaders that authorize -------------------------------------------------------


def get_course_for_enroller_or_404(user: User, public_id: str) -> Course:
    """Return a course whose learners `user` may manage.

    Raises Http404 when the course is unknown or one `user` may not see,
    PermissionDenied when they see it but may not enroll anyone in it.
    """
    course = Course.objects.select_related("owner").filter(public_id=public_id).first()
    if course is None or not can_see_course(user, course):
        raise Http404("No such course")
    if not can_enroll_others(user, course):
        raise PermissionDenied("You do not teach this course.")
    return course


def get_enrollment_in_course_or_404(course: Course, public_id: str) -> Enrollment:
    """Return the enrollment `public_id` of `course`; one of another course
    is as unknown here as one that does not exist."""
    enrollment = (
        Enrollment.objects.select_related("learner", "course")
        .filter(course=course, public_id=public_id)
        .first()
    )
    if enrollment is None:
        raise Http404("No such enrollment in this course")
    return enrollment


def get_learner_for_enroller_or_404(viewer: User, public_id: str) -> User:
    """Return the person whose profile offers "Enroll in Course".

    Raises Http404 when `viewer` may not see that profile, PermissionDenied
    when they may see it but enroll nobody (a learner on their own profile).
    """
    learner = get_user_by_public_id(public_id)
    if learner is None or not can_view_profile(viewer, learner):
        raise Http404("No such person")
    if not can_enroll_anyone(viewer):
        raise PermissionDenied("You may not enroll people in courses.")
    return learner

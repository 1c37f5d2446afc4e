"""Reading enrollments and bulk jobs, scoped to what the viewer may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from karma.accounts.models import Role, User
from karma.courses.models import CourseInstructor
from karma.enrollments.models import BulkEnrollmentJob, Enrollment


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

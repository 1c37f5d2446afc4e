"""Who may see and change enrollments, written out role by role.

Every check is made against the enrollment's own course (SPEC section 1):
teaching some other course gives nothing here.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from karma.accounts.permissions import can_view_profile
from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.courses.models import CourseInstructor, Visibility
from karma.courses.permissions import can_see_course
from karma.courses.tests.factories import PublishedCourseFactory
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus
from karma.enrollments.permissions import (
    can_change_enrollment,
    can_enroll_anyone,
    can_enroll_others,
    can_remove_enrollment,
    can_see_enrollment,
)

ROLES = [
    "admin",
    "owner",
    "co_instructor",
    "other_instructor",
    "learner",
    "outsider",
    "anonymous",
]


@pytest.fixture
def cast(admin, instructor, learner, outsider):
    co_instructor = InstructorFactory()
    other_instructor = InstructorFactory()
    course = PublishedCourseFactory(owner=instructor)
    CourseInstructor.objects.create(course=course, instructor=co_instructor)
    PublishedCourseFactory(owner=other_instructor)
    enrollment = Enrollment.objects.create(
        learner=learner, course=course, source=EnrollmentSource.SELF
    )
    people = {
        "admin": admin,
        "owner": instructor,
        "co_instructor": co_instructor,
        "other_instructor": other_instructor,
        "learner": learner,
        "outsider": outsider,
        "anonymous": AnonymousUser(),
    }
    return people, course, enrollment


def _allowed(predicate, cast, obj: str) -> list[str]:
    people, course, enrollment = cast
    target = course if obj == "course" else enrollment
    return [role for role in ROLES if predicate(people[role], target)]


def test_course_staff_enroll_others(cast):
    assert _allowed(can_enroll_others, cast, "course") == [
        "admin",
        "owner",
        "co_instructor",
    ]


def test_course_staff_drop_and_reactivate(cast):
    assert _allowed(can_change_enrollment, cast, "enrollment") == [
        "admin",
        "owner",
        "co_instructor",
    ]


def test_only_admins_remove_enrollments(cast):
    assert _allowed(can_remove_enrollment, cast, "enrollment") == ["admin"]


def test_the_learner_and_course_staff_see_an_enrollment(cast):
    assert _allowed(can_see_enrollment, cast, "enrollment") == [
        "admin",
        "owner",
        "co_instructor",
        "learner",
    ]


def test_instructors_who_teach_and_admins_get_enroll_in_course(cast):
    people, _, _ = cast
    idle = InstructorFactory()

    allowed = [role for role in ROLES if can_enroll_anyone(people[role])]

    assert allowed == ["admin", "owner", "co_instructor", "other_instructor"]
    assert not can_enroll_anyone(idle)


def test_a_deactivated_instructor_enrolls_nobody(cast):
    people, course, enrollment = cast
    owner = people["owner"]
    owner.is_active = False
    owner.save()

    assert not can_enroll_others(owner, course)
    assert not can_change_enrollment(owner, enrollment)
    assert not can_enroll_anyone(owner)


# --- Profiles: instructors see the people enrolled in their courses -------------


@pytest.mark.parametrize("status", list(EnrollmentStatus))
def test_instructors_see_profiles_of_their_courses_learners(cast, status):
    people, _, enrollment = cast
    Enrollment.objects.filter(pk=enrollment.pk).update(status=status)

    allowed = [
        role for role in ROLES if can_view_profile(people[role], people["learner"])
    ]

    assert allowed == ["admin", "owner", "co_instructor", "learner"]


def test_instructors_see_no_profile_of_someone_outside_their_courses(cast):
    people, _, _ = cast
    stranger = LearnerFactory()

    for role in ("owner", "co_instructor", "other_instructor", "learner"):
        assert not can_view_profile(people[role], stranger), role


def test_a_learner_sees_no_profile_of_a_classmate(cast):
    people, course, _ = cast
    Enrollment.objects.create(
        learner=people["outsider"], course=course, source=EnrollmentSource.SELF
    )

    assert not can_view_profile(people["learner"], people["outsider"])
    assert not can_view_profile(people["outsider"], people["learner"])


# --- Archived courses stay open to their learners -----------------------------------


@pytest.mark.parametrize(
    ("status", "sees"),
    [
        (EnrollmentStatus.ACTIVE, True),
        (EnrollmentStatus.COMPLETED, True),
        (EnrollmentStatus.DROPPED, False),
    ],
)
def test_enrolled_learners_keep_an_archived_course(cast, status, sees):
    people, course, enrollment = cast
    Enrollment.objects.filter(pk=enrollment.pk).update(status=status)
    course.visibility = Visibility.ARCHIVED
    course.save()

    assert can_see_course(people["learner"], course) is sees
    assert not can_see_course(people["outsider"], course)
    assert not can_see_course(people["other_instructor"], course)
    assert can_see_course(people["co_instructor"], course)

"""The enrollments endpoints of the API (SPEC sections 5 and 8).

The cast: an admin, the course's owner, an added instructor, an instructor
of another course, a learner enrolled in the course and one who is not.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.audit.models import AuditEvent, AuditKind
from karma.courses import services as course_services
from karma.courses.models import EnrollmentType, Visibility
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from karma.enrollments.models import Enrollment, EnrollmentStatus
from karma.enrollments.services.enrollments import enroll_learner

ENROLLMENTS = "/api/v1/enrollments"


@pytest.fixture(autouse=True)
def _fresh_counters():
    # Rate limits count in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def co_instructor(db):
    return InstructorFactory(first_name="Cora", last_name="Co")


@pytest.fixture
def other_instructor(db):
    teacher = InstructorFactory(first_name="Olga", last_name="Other")
    PublishedCourseFactory(owner=teacher, title="Olga's own course")
    return teacher


@pytest.fixture
def course(instructor, co_instructor):
    course = PublishedCourseFactory(owner=instructor, title="Fire safety")
    course_services.add_instructor(
        course=course, instructor=co_instructor, added_by=instructor
    )
    return course


@pytest.fixture
def enrollment(course, learner, instructor):
    result = enroll_learner(course=course, learner=learner, enrolled_by=instructor)
    return result.enrollment


ROLES = [
    "admin",
    "owner",
    "co_instructor",
    "other_instructor",
    "enrolled",
    "outsider",
]
STAFF = {"admin", "owner", "co_instructor"}


def _person(request, role: str):
    fixture = {"owner": "instructor", "enrolled": "learner"}.get(role, role)
    return request.getfixturevalue(fixture)


def _json(client, method: str, path: str, data: dict | None = None):
    return getattr(client, method)(path, data or {}, content_type="application/json")


def _path(enrollment: Enrollment) -> str:
    return f"{ENROLLMENTS}/{enrollment.public_id}"


# --- Who may do what ----------------------------------------------------------


def _call(client, endpoint: str, enrollment: Enrollment, newcomer):
    if endpoint == "list":
        return client.get(ENROLLMENTS)
    if endpoint == "read":
        return client.get(_path(enrollment))
    if endpoint == "enroll_other":
        return _json(
            client,
            "post",
            ENROLLMENTS,
            {"user_id": newcomer.public_id, "course_id": enrollment.course.public_id},
        )
    if endpoint == "drop":
        return _json(client, "patch", _path(enrollment), {"status": "dropped"})
    if endpoint == "delete":
        return client.delete(_path(enrollment))
    raise AssertionError(endpoint)


# role -> expected status; the enrolled learner reads their own enrollment.
ENDPOINTS = {
    "list": dict.fromkeys(ROLES, 200),
    "read": {**dict.fromkeys(ROLES, 404), **dict.fromkeys([*STAFF, "enrolled"], 200)},
    "enroll_other": {**dict.fromkeys(ROLES, 403), **dict.fromkeys(STAFF, 201)},
    "drop": {
        **dict.fromkeys(ROLES, 404),
        **dict.fromkeys(STAFF, 200),
        "enrolled": 403,
    },
    "delete": {
        "admin": 200,
        "owner": 403,
        "co_instructor": 403,
        "enrolled": 403,
        "other_instructor": 404,
        "outsider": 404,
    },
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_table(request, enrollment, role, endpoint):
    newcomer = LearnerFactory()
    client = api_client(_person(request, role))

    response = _call(client, endpoint, enrollment, newcomer)

    expected = ENDPOINTS[endpoint][role]
    assert response.status_code == expected, response.content
    if expected >= 400:
        code = {403: "FORBIDDEN", 404: "NOT_FOUND"}[expected]
        assert error_of(response)["code"] == code


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_anonymous_gets_401_everywhere(enrollment, endpoint):
    response = _call(api_client(), endpoint, enrollment, LearnerFactory())

    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


def test_wrong_role_changes_nothing(enrollment, learner, outsider, other_instructor):
    newcomer = LearnerFactory()
    for person in (learner, outsider, other_instructor):
        client = api_client(person)
        _json(client, "patch", _path(enrollment), {"status": "dropped"})
        client.delete(_path(enrollment))
        _enroll(client, enrollment.course, newcomer)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert not Enrollment.objects.filter(learner=newcomer).exists()


@pytest.mark.parametrize(
    "public_id",
    ["enr_0000000000000000", "crs_0000000000000000", "1", "enr_000000000000000%00"],
)
def test_answers_404_for_unknown_or_malformed_ids(admin, public_id):
    response = api_client(admin).get(f"{ENROLLMENTS}/{public_id}")

    assert response.status_code == 404


# --- Reading and listing ------------------------------------------------------


def test_reads_an_enrollment_with_every_documented_field(enrollment, learner):
    data = api_client(learner).get(_path(enrollment)).json()["data"]

    assert {
        "id",
        "user_id",
        "course_id",
        "status",
        "progress_percent",
        "enrolled_at",
        "completed_at",
        "last_active_at",
    } <= set(data)
    assert data["id"] == enrollment.public_id
    assert data["user_id"] == learner.public_id
    assert data["course_id"] == enrollment.course.public_id
    assert (data["status"], data["progress_percent"]) == ("active", 0)
    assert data["completed_at"] is None


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["data"]}


@pytest.fixture
def ledger(course, learner, outsider, instructor, other_instructor):
    """Enrollments in the course, in another course, and of the instructor."""
    elsewhere = PublishedCourseFactory(owner=other_instructor)
    return {
        "learner_here": enroll_learner(
            course=course, learner=learner, enrolled_by=instructor
        ).enrollment,
        "outsider_elsewhere": enroll_learner(
            course=elsewhere, learner=outsider, enrolled_by=other_instructor
        ).enrollment,
        "learner_elsewhere": enroll_learner(
            course=elsewhere, learner=learner, enrolled_by=other_instructor
        ).enrollment,
        "instructor_elsewhere": enroll_learner(
            course=elsewhere, learner=instructor, enrolled_by=other_instructor
        ).enrollment,
    }


def _public_ids(ledger, *keys) -> set[str]:
    return {ledger[key].public_id for key in keys}


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("admin", []),
        ("owner", ["learner_here", "instructor_elsewhere"]),
        ("co_instructor", ["learner_here"]),
        (
            "other_instructor",
            ["outsider_elsewhere", "learner_elsewhere", "instructor_elsewhere"],
        ),
        ("enrolled", ["learner_here", "learner_elsewhere"]),
        ("outsider", ["outsider_elsewhere"]),
    ],
)
def test_lists_only_what_each_role_may_see(request, ledger, role, seen):
    listed = _ids(api_client(_person(request, role)).get(ENROLLMENTS))

    if role == "admin":
        assert listed == {enrollment.public_id for enrollment in ledger.values()}
    else:
        assert listed == _public_ids(ledger, *seen)


def test_filters_by_user_course_and_status(ledger, admin, learner, course):
    client = api_client(admin)
    ledger["learner_elsewhere"].status = EnrollmentStatus.DROPPED
    ledger["learner_elsewhere"].save()

    by_user = _ids(client.get(ENROLLMENTS, {"user_id": learner.public_id}))
    by_course = _ids(client.get(ENROLLMENTS, {"course_id": course.public_id}))
    dropped = _ids(client.get(ENROLLMENTS, {"status": "dropped"}))
    nobody = _ids(client.get(ENROLLMENTS, {"user_id": "usr_0000000000000000"}))

    assert by_user == _public_ids(ledger, "learner_here", "learner_elsewhere")
    assert by_course == _public_ids(ledger, "learner_here")
    assert dropped == _public_ids(ledger, "learner_elsewhere")
    assert nobody == set()


def test_filters_never_widen_what_a_learner_sees(ledger, outsider, learner):
    response = api_client(outsider).get(ENROLLMENTS, {"user_id": learner.public_id})

    assert _ids(response) == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"user_id": "usr\x00"}, "user_id"),
        ({"page": "0"}, "page"),
    ],
)
def test_refuses_bad_list_filters_with_422(admin, query, field):
    response = api_client(admin).get(ENROLLMENTS, query)

    assert response.status_code == 422
    assert field in issues_of(response)


def _enroll_many(count: int, course) -> None:
    for _ in range(count):
        enroll_learner(course=course, learner=LearnerFactory(), enrolled_by=None)


def _queries_to_list(user) -> int:
    client = api_client(user)
    client.get(ENROLLMENTS)  # the first request of a token writes last active
    with CaptureQueriesContext(connection) as captured:
        response = client.get(ENROLLMENTS, {"per_page": 100})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["admin", "owner", "co_instructor"])
def test_lists_in_the_same_number_of_queries_for_3_or_30_rows(request, course, role):
    person = _person(request, role)

    _enroll_many(3, course)
    few = _queries_to_list(person)
    _enroll_many(27, course)
    many = _queries_to_list(person)

    assert api_client(person).get(ENROLLMENTS).json()["meta"]["total"] == 30
    assert many == few


# --- Enrolling ----------------------------------------------------------------


def _enroll(client, course, user=None):
    data = {"course_id": course.public_id}
    if user is not None:
        data["user_id"] = user.public_id
    return _json(client, "post", ENROLLMENTS, data)


def test_learner_enrolls_in_an_open_course_once(course, outsider):
    client = api_client(outsider)

    first = _enroll(client, course, outsider)
    again = _enroll(client, course)

    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert first.json()["data"]["id"] == again.json()["data"]["id"]
    assert first.json()["data"]["warnings"] == []
    assert Enrollment.objects.filter(learner=outsider, course=course).count() == 1


def test_learner_enrolls_in_a_hidden_course_by_its_id(instructor, outsider):
    hidden = PublishedCourseFactory(owner=instructor, visibility=Visibility.HIDDEN)

    response = _enroll(api_client(outsider), hidden)

    assert response.status_code == 201


def test_refuses_self_enrollment_with_the_reason(instructor, outsider):
    closed = PublishedCourseFactory(
        owner=instructor, enrollment_type=EnrollmentType.INVITE_ONLY
    )

    response = _enroll(api_client(outsider), closed)

    assert response.status_code == 422
    assert "invite-only" in issues_of(response)["course_id"]
    assert "invite-only" in error_of(response)["message"]
    assert not Enrollment.objects.filter(learner=outsider).exists()


def test_refuses_self_enrollment_in_an_archived_course(instructor, learner, outsider):
    archived = PublishedCourseFactory(owner=instructor)
    enroll_learner(course=archived, learner=learner, enrolled_by=instructor)
    archived.visibility = Visibility.ARCHIVED
    archived.save()

    # Like the pages: archived courses are gone for learners not in them...
    stranger = _enroll(api_client(outsider), archived)
    # ...and stay open to those who are, who remain enrolled.
    member = _enroll(api_client(learner), archived)

    assert stranger.status_code == 422
    assert issues_of(stranger) == {"course_id": "There is no course with this id."}
    assert member.status_code == 200
    assert not Enrollment.objects.filter(learner=outsider).exists()


def test_refuses_self_enrollment_naming_missing_prerequisites(instructor, outsider):
    basics = PublishedCourseFactory(owner=instructor, title="Basics of safety")
    advanced = PublishedCourseFactory(owner=instructor, title="Advanced")
    advanced.prerequisites.add(basics)

    response = _enroll(api_client(outsider), advanced)

    assert response.status_code == 422
    assert "Basics of safety" in issues_of(response)["course_id"]


def test_answers_a_draft_like_an_unknown_course(instructor, outsider):
    draft = CourseFactory(owner=instructor)

    response = _enroll(api_client(outsider), draft)
    unknown = _json(
        api_client(outsider),
        "post",
        ENROLLMENTS,
        {"course_id": "crs_0000000000000000"},
    )

    assert response.status_code == 422
    assert issues_of(response) == issues_of(unknown)
    assert not Enrollment.objects.exists()


def test_learner_cannot_enroll_someone_else(course, learner, outsider):
    response = _enroll(api_client(learner), course, outsider)

    assert response.status_code == 403
    assert "only yourself" in error_of(response)["message"]
    assert not Enrollment.objects.filter(learner=outsider).exists()


def test_staff_enrollment_skips_invite_only_with_a_warning(instructor, outsider):
    closed = PublishedCourseFactory(
        owner=instructor, enrollment_type=EnrollmentType.INVITE_ONLY
    )

    response = _enroll(api_client(instructor), closed, outsider)

    assert response.status_code == 201, response.content
    assert "invite-only" in response.json()["data"]["warnings"][0]
    assert response.json()["data"]["source"] == "staff"
    event = AuditEvent.objects.get(kind=AuditKind.ENROLLMENT_CREATED)
    assert (event.actor, event.subject) == (instructor, outsider)


@pytest.mark.parametrize(
    ("course_kind", "field"),
    [("draft", "course_id"), ("archived", "course_id")],
)
def test_staff_cannot_enroll_into_drafts_or_archived_courses(
    instructor, outsider, course_kind, field
):
    target = (
        CourseFactory(owner=instructor)
        if course_kind == "draft"
        else PublishedCourseFactory(owner=instructor, visibility=Visibility.ARCHIVED)
    )

    response = _enroll(api_client(instructor), target, outsider)

    assert response.status_code == 422
    assert field in issues_of(response)
    assert not Enrollment.objects.exists()


def test_refuses_unknown_and_deactivated_people(course, instructor):
    gone = LearnerFactory(is_active=False)
    client = api_client(instructor)

    unknown = _json(
        client,
        "post",
        ENROLLMENTS,
        {"user_id": "usr_0000000000000000", "course_id": course.public_id},
    )
    deactivated = _enroll(client, course, gone)

    assert unknown.status_code == 422
    assert "user_id" in issues_of(unknown)
    assert deactivated.status_code == 422
    assert "deactivated" in issues_of(deactivated)["user_id"]


@pytest.mark.parametrize(
    "data",
    [{}, {"course_id": "c" * 40}, {"course_id": ["crs_x"]}, {"course_id": "a\x00"}],
)
def test_refuses_bad_enrollment_input_with_422(learner, data):
    response = _json(api_client(learner), "post", ENROLLMENTS, data)

    assert response.status_code == 422
    assert "course_id" in issues_of(response)


# --- Dropping, reactivating, deleting -----------------------------------------


def test_drops_and_reactivates_keeping_the_record(enrollment, co_instructor):
    client = api_client(co_instructor)

    dropped = _json(
        client, "patch", _path(enrollment), {"status": "dropped", "reason": "Left"}
    )
    again = _json(client, "patch", _path(enrollment), {"status": "dropped"})
    back = _json(client, "patch", _path(enrollment), {"status": "active"})

    assert dropped.json()["data"]["status"] == "dropped"
    assert again.status_code == 200
    assert back.json()["data"]["status"] == "active"
    assert back.json()["data"]["id"] == enrollment.public_id
    kinds = list(
        AuditEvent.objects.filter(target=enrollment.public_id)
        .order_by("created_at", "pk")
        .values_list("kind", "reason")
    )
    assert kinds[1:] == [
        (AuditKind.ENROLLMENT_DROPPED, "Left"),
        (AuditKind.ENROLLMENT_REACTIVATED, ""),
    ]


@pytest.mark.parametrize("status", ["completed", "gone", ""])
def test_refuses_statuses_a_client_cannot_set(enrollment, instructor, status):
    response = _json(
        api_client(instructor), "patch", _path(enrollment), {"status": status}
    )

    assert response.status_code == 422
    assert "status" in issues_of(response)


def test_refuses_to_drop_a_completed_enrollment(enrollment, instructor):
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = timezone.now()
    enrollment.save()

    response = _json(
        api_client(instructor), "patch", _path(enrollment), {"status": "dropped"}
    )

    enrollment.refresh_from_db()
    assert response.status_code == 422
    assert "status" in issues_of(response)
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_admin_deletes_an_enrollment_with_a_reason(enrollment, admin):
    response = _json(
        api_client(admin), "delete", _path(enrollment), {"reason": "Wrong person"}
    )

    assert response.json()["data"] == {"id": enrollment.public_id, "deleted": True}
    assert not Enrollment.objects.filter(pk=enrollment.pk).exists()
    event = AuditEvent.objects.get(kind=AuditKind.ENROLLMENT_REMOVED)
    assert (event.actor, event.reason) == (admin, "Wrong person")

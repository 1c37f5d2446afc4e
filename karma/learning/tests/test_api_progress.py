"""The progress endpoints of the API (SPEC sections 6 and 8).

The cast: an admin, the course's owner, an added instructor, an instructor
of another course, a learner enrolled in the course and one who is not.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test.client import MULTIPART_CONTENT

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.courses import services as course_services
from karma.courses.models import LessonType
from karma.courses.tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.enrollments.models import EnrollmentStatus
from karma.enrollments.services.enrollments import drop_enrollment, enroll_learner
from karma.learning.models import LessonProgress
from karma.learning.services.lessons import record_heartbeat, record_reached_end


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
def lessons(course):
    first = ModuleFactory(course=course, name="Basics", position=0)
    second = ModuleFactory(course=course, name="Practice", position=1)
    return [
        LessonFactory(module=first, title="Welcome", position=0),
        LessonFactory(module=second, title="Drill", position=0),
        LessonFactory(module=second, title="Extra", position=1, required=False),
    ]


@pytest.fixture
def enrollment(course, lessons, learner, instructor):
    return enroll_learner(
        course=course, learner=learner, enrolled_by=instructor
    ).enrollment


ROLES = ["admin", "owner", "co_instructor", "other_instructor", "enrolled", "outsider"]
STAFF = {"admin", "owner", "co_instructor"}


def _person(request, role: str):
    fixture = {"owner": "instructor", "enrolled": "learner"}.get(role, role)
    return request.getfixturevalue(fixture)


def _report(client, lesson, body: dict):
    return client.post(
        f"/api/v1/lessons/{lesson.public_id}/progress",
        body,
        content_type="application/json",
    )


# --- Reporting progress ------------------------------------------------------


def test_completes_a_lesson_read_to_the_end(learner, lessons, enrollment):
    response = _report(api_client(learner), lessons[0], {"event": "reached_end"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["lesson_id"] == lessons[0].public_id
    assert (data["completed"], data["just_completed"]) == (True, True)
    assert data["completion_reason"] == "read_to_end"
    assert data["enrollment"] == {
        "id": enrollment.public_id,
        "status": "active",
        "progress_percent": 50,
        "required_done": 1,
        "required_total": 2,
        "completed_at": None,
    }


def test_completes_the_course_with_its_last_lesson(learner, lessons, enrollment):
    record_reached_end(enrollment=enrollment, lesson=lessons[0])

    response = _report(api_client(learner), lessons[1], {"event": "reached_end"})

    figures = response.json()["data"]["enrollment"]
    assert (figures["status"], figures["progress_percent"]) == ("completed", 100)
    assert figures["completed_at"] is not None


def test_takes_a_heartbeat(learner, lessons, enrollment):
    response = _report(api_client(learner), lessons[0], {"event": "heartbeat"})

    assert response.status_code == 200
    assert response.json()["data"]["completed"] is False
    assert LessonProgress.objects.get().last_heartbeat_at is not None


def test_takes_the_ranges_of_a_video(learner, course, enrollment):
    video = LessonFactory(
        module=ModuleFactory(course=course),
        type=LessonType.VIDEO,
        body="",
        file="courses/lessons/talk.mp4",
    )

    response = _report(
        api_client(learner),
        video,
        {"event": "video", "ranges": [[0, 30], [20, 45.5]], "duration": 600},
    )

    assert response.status_code == 200
    assert response.json()["data"]["video_watched"] == [[0.0, 45.5]]
    assert response.json()["data"]["completed"] is False


def test_marks_a_manual_lesson_complete(learner, course, enrollment):
    manual = LessonFactory(module=ModuleFactory(course=course), manual_completion=True)

    response = _report(api_client(learner), manual, {"event": "mark_complete"})

    assert response.json()["data"]["completion_reason"] == "marked_complete"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "event"),
        ({"event": "skip"}, "event"),
        ({"event": "mark_complete"}, None),
        ({"event": "video", "ranges": [[0, 10]], "duration": 60}, None),
    ],
)
def test_refuses_an_event_that_does_not_apply_with_422(
    learner, lessons, enrollment, body, field
):
    response = _report(api_client(learner), lessons[0], body)

    assert response.status_code == 422
    assert error_of(response)["code"] == "VALIDATION_ERROR"
    if field:
        assert field in issues_of(response)
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "video", "ranges": [[0, 10]]}, "duration"),
        ({"event": "video", "ranges": [[0, 10]], "duration": 0}, "duration"),
        ({"event": "video", "ranges": [[10, 0]], "duration": 60}, "ranges"),
        ({"event": "video", "ranges": [[0]], "duration": 60}, "ranges"),
        ({"event": "video", "ranges": "all", "duration": 60}, "ranges"),
    ],
)
def test_refuses_a_video_report_that_is_not_seconds(
    learner, course, enrollment, body, field
):
    video = LessonFactory(
        module=ModuleFactory(course=course),
        type=LessonType.VIDEO,
        body="",
        file="courses/lessons/talk.mp4",
    )

    response = _report(api_client(learner), video, body)

    assert response.status_code == 422
    assert any(name.startswith(field) for name in issues_of(response))


def test_refuses_unparsable_json_with_400(learner, lessons, enrollment):
    response = api_client(learner).post(
        f"/api/v1/lessons/{lessons[0].public_id}/progress",
        '{"event": "video", "duration": NaN',
        content_type="application/json",
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("event=reached_end", "application/x-www-form-urlencoded"),
        ({"event": "reached_end"}, MULTIPART_CONTENT),
    ],
)
def test_refuses_a_form_with_400_and_records_nothing(
    learner, lessons, enrollment, body, content_type
):
    response = api_client(learner).post(
        f"/api/v1/lessons/{lessons[0].public_id}/progress", body, content_type
    )

    assert response.status_code == 400
    assert error_of(response)["message"].endswith("Send application/json.")
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


@pytest.mark.parametrize("role", ROLES)
def test_lets_only_enrolled_learners_report(request, role, course, lessons, enrollment):
    person = _person(request, role)

    response = _report(api_client(person), lessons[0], {"event": "heartbeat"})

    if role == "enrolled":
        assert response.status_code == 200
    else:
        # Everyone else can see this published course but records nothing.
        assert response.status_code == 403
        assert LessonProgress.objects.count() == 0


def test_refuses_a_dropped_learner(learner, lessons, enrollment, instructor):
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)

    response = _report(api_client(learner), lessons[0], {"event": "heartbeat"})

    assert response.status_code == 403


def test_hides_lessons_of_a_draft_from_learners(learner, instructor):
    draft = CourseFactory(owner=instructor)
    lesson = LessonFactory(module=ModuleFactory(course=draft))

    response = _report(api_client(learner), lesson, {"event": "heartbeat"})

    assert response.status_code == 404


def test_answers_404_for_an_unknown_lesson(learner):
    response = api_client(learner).post(
        "/api/v1/lessons/les_0000000000000000/progress",
        {"event": "heartbeat"},
        content_type="application/json",
    )

    assert response.status_code == 404


def test_needs_a_token(lessons):
    response = _report(api_client(), lessons[0], {"event": "heartbeat"})

    assert response.status_code == 401


# --- An enrollment's progress ------------------------------------------------


def _enrollment_progress(client, enrollment):
    return client.get(f"/api/v1/enrollments/{enrollment.public_id}/progress")


def test_lists_each_lesson_of_the_enrollment_in_course_order(
    learner, lessons, enrollment
):
    record_reached_end(enrollment=enrollment, lesson=lessons[1])
    record_heartbeat(enrollment=enrollment, lesson=lessons[1])

    response = _enrollment_progress(api_client(learner), enrollment)

    data = response.json()["data"]
    assert (data["id"], data["progress_percent"]) == (enrollment.public_id, 50)
    assert (data["required_done"], data["required_total"]) == (1, 2)
    assert data["time_spent_seconds"] == 0
    assert [row["title"] for row in data["lessons"]] == ["Welcome", "Drill", "Extra"]
    welcome, drill, extra = data["lessons"]
    assert welcome["completed_at"] is None
    assert welcome["completion_reason"] == ""
    assert welcome["time_spent_seconds"] == 0
    assert drill["completion_reason"] == "read_to_end"
    assert drill["module_name"] == "Practice"
    assert (drill["required"], extra["required"]) == (True, False)


def test_keeps_the_evidence_of_a_completed_enrollment(learner, lessons, enrollment):
    for lesson in lessons[:2]:
        record_reached_end(enrollment=enrollment, lesson=lesson)

    data = _enrollment_progress(api_client(learner), enrollment).json()["data"]

    assert data["status"] == EnrollmentStatus.COMPLETED
    assert data["completion_evidence"]["rule"] == "all_required_lessons"


@pytest.mark.parametrize("role", ROLES)
def test_shows_an_enrollment_to_its_learner_and_the_course_staff(
    request, role, enrollment
):
    person = _person(request, role)

    response = _enrollment_progress(api_client(person), enrollment)

    if role in STAFF | {"enrolled"}:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


# --- A course's progress -----------------------------------------------------


def _course_progress(client, course, query: str = ""):
    return client.get(f"/api/v1/courses/{course.public_id}/progress{query}")


def test_lists_every_enrollment_of_the_course_with_its_figures(
    instructor, course, lessons, enrollment
):
    record_reached_end(enrollment=enrollment, lesson=lessons[0])
    other = LearnerFactory()
    enroll_learner(course=course, learner=other, enrolled_by=instructor)

    response = _course_progress(api_client(instructor), course)

    body = response.json()
    assert body["meta"] == {"total": 2, "page": 1, "per_page": 20}
    first, second = body["data"]
    assert first["id"] == enrollment.public_id
    assert first["user_id"] == enrollment.learner.public_id
    assert (first["progress_percent"], first["required_done"]) == (50, 1)
    assert first["required_total"] == 2
    assert first["last_active_at"] is not None
    assert second["user_id"] == other.public_id
    assert (second["progress_percent"], second["time_spent_seconds"]) == (0, 0)


def test_filters_the_course_list_by_status(instructor, course, lessons, enrollment):
    drop_enrollment(enrollment=enrollment, dropped_by=instructor)
    enroll_learner(course=course, learner=LearnerFactory(), enrolled_by=instructor)

    dropped = _course_progress(api_client(instructor), course, "?status=dropped")
    bad = _course_progress(api_client(instructor), course, "?status=lost")

    assert [row["status"] for row in dropped.json()["data"]] == ["dropped"]
    assert bad.status_code == 422


def test_pages_the_course_list_in_a_fixed_number_of_queries(
    instructor, course, lessons, django_assert_max_num_queries
):
    for _ in range(30):
        enrollment = enroll_learner(
            course=course, learner=LearnerFactory(), enrolled_by=instructor
        ).enrollment
        record_heartbeat(enrollment=enrollment, lesson=lessons[0])
    client = api_client(instructor)

    with django_assert_max_num_queries(12):
        response = _course_progress(client, course, "?per_page=100")

    assert len(response.json()["data"]) == 30


@pytest.mark.parametrize("role", ROLES)
def test_shows_the_course_list_to_its_staff_only(request, role, course, enrollment):
    person = _person(request, role)

    response = _course_progress(api_client(person), course)

    if role in STAFF:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_hides_a_draft_course_list_from_other_instructors(other_instructor, instructor):
    draft = CourseFactory(owner=instructor)

    response = _course_progress(api_client(other_instructor), draft)

    assert response.status_code == 404

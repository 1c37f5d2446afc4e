"""The courses, modules and lessons endpoints of the API (SPEC sections 4, 8).

The cast: an admin, the course's owner, an added instructor, an instructor
of another course, a learner enrolled in the course and one who is not.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.courses import services
from karma.courses.models import (
    Course,
    CourseStatus,
    Lesson,
    LessonType,
    Module,
    Visibility,
)
from karma.courses.tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.courses.tests.sample_files import EXE_BYTES, mp4, pdf, png, upload
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus

API = "/api/v1"
COURSES = f"{API}/courses"


@pytest.fixture(autouse=True)
def _fresh_counters_and_media(settings, tmp_path):
    # Rate limits count in the cache; uploads land in a folder of the test.
    cache.clear()
    settings.MEDIA_ROOT = tmp_path
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


def _build(course: Course, *, co_instructor, learner) -> Course:
    """Give `course` an added instructor, a module with a text lesson and
    `learner` as an active enrollment."""
    services.add_instructor(
        course=course, instructor=co_instructor, added_by=course.owner
    )
    module = ModuleFactory(course=course, name="Basics", position=0)
    LessonFactory(module=module, title="Welcome", position=0)
    # Made directly: a draft takes no enrollments, but a course taken back
    # to draft keeps those it had.
    Enrollment.objects.create(
        learner=learner, course=course, source=EnrollmentSource.STAFF
    )
    return course


@pytest.fixture
def published(instructor, co_instructor, learner):
    course = PublishedCourseFactory(owner=instructor, title="Published course")
    return _build(course, co_instructor=co_instructor, learner=learner)


@pytest.fixture
def draft(instructor, co_instructor, learner):
    course = CourseFactory(owner=instructor, title="Draft course")
    return _build(course, co_instructor=co_instructor, learner=learner)


ROLES = [
    "admin",
    "owner",
    "co_instructor",
    "other_instructor",
    "enrolled",
    "outsider",
]


def _person(request, role: str):
    fixture = {"owner": "instructor", "enrolled": "learner"}.get(role, role)
    return request.getfixturevalue(fixture)


def _json(client, method: str, path: str, data: dict | None = None):
    return getattr(client, method)(path, data or {}, content_type="application/json")


def _module(course: Course) -> Module:
    return course.modules.get()


def _lesson(course: Course) -> Lesson:
    return course.lessons.get()


# --- Who may do what ----------------------------------------------------------

# Who gets through; everyone else gets 403 when they can see the course and
# 404 when they may not know it exists.
STAFF = {"admin", "owner", "co_instructor"}
OWNERS = {"admin", "owner"}
READERS = set(ROLES)
AUTHORS = {"admin", "owner", "co_instructor", "other_instructor"}
# A lesson's content: the course's staff and its enrolled learners.
LESSON_READERS = STAFF | {"enrolled"}


def _call(client, endpoint: str, course: Course):
    course_path = f"{COURSES}/{course.public_id}"
    module_path = f"{API}/modules/{_module(course).public_id}"
    lesson_path = f"{API}/lessons/{_lesson(course).public_id}"
    calls = {
        "read_course": lambda: client.get(course_path),
        "update_course": lambda: _json(client, "patch", course_path, {"title": "New"}),
        "delete_course": lambda: _delete_course(client, course),
        "add_instructor": lambda: _json(
            client,
            "post",
            f"{course_path}/instructors",
            {"user_id": InstructorFactory().public_id},
        ),
        "remove_instructor": lambda: client.delete(
            f"{course_path}/instructors/"
            f"{course.instructor_links.get().instructor.public_id}"
        ),
        "list_modules": lambda: client.get(f"{course_path}/modules"),
        "create_module": lambda: _json(
            client, "post", f"{course_path}/modules", {"name": "Next steps"}
        ),
        "order_modules": lambda: _json(
            client,
            "post",
            f"{course_path}/modules/order",
            {"module_ids": [_module(course).public_id]},
        ),
        "read_module": lambda: client.get(module_path),
        "update_module": lambda: _json(client, "patch", module_path, {"name": "B"}),
        "delete_module": lambda: client.delete(module_path),
        "list_lessons": lambda: client.get(f"{module_path}/lessons"),
        "create_lesson": lambda: _json(
            client,
            "post",
            f"{module_path}/lessons",
            {"title": "Quiz", "type": "quiz"},
        ),
        "order_lessons": lambda: _json(
            client,
            "post",
            f"{module_path}/lessons/order",
            {"lesson_ids": [_lesson(course).public_id]},
        ),
        "read_lesson": lambda: client.get(lesson_path),
        "update_lesson": lambda: _json(client, "patch", lesson_path, {"title": "L"}),
        "delete_lesson": lambda: client.delete(lesson_path),
    }
    return calls[endpoint]()


def _delete_course(client, course: Course):
    # A course anyone enrolled in is never deleted (see its own test).
    Enrollment.objects.filter(course=course).delete()
    return client.delete(f"{COURSES}/{course.public_id}")


ENDPOINTS = [
    ("read_course", READERS, 200),
    ("update_course", STAFF, 200),
    ("delete_course", OWNERS, 200),
    ("add_instructor", OWNERS, 201),
    ("remove_instructor", OWNERS, 200),
    ("list_modules", READERS, 200),
    ("create_module", STAFF, 201),
    ("order_modules", STAFF, 200),
    ("read_module", READERS, 200),
    ("update_module", STAFF, 200),
    ("delete_module", STAFF, 200),
    ("list_lessons", READERS, 200),
    ("create_lesson", STAFF, 201),
    ("order_lessons", STAFF, 200),
    ("read_lesson", LESSON_READERS, 200),
    ("update_lesson", STAFF, 200),
    ("delete_lesson", STAFF, 200),
]


def _expected(role: str, allowed: set[str], success: int, is_draft: bool) -> int:
    sees = role in STAFF or not is_draft
    if role in allowed and sees:
        return success
    return 403 if sees else 404


@pytest.mark.parametrize("kind", ["published", "draft"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "allowed", "success"), ENDPOINTS)
def test_role_table(request, kind, role, endpoint, allowed, success):
    course = request.getfixturevalue(kind)
    client = api_client(_person(request, role))

    response = _call(client, endpoint, course)

    expected = _expected(role, allowed, success, kind == "draft")
    assert response.status_code == expected, response.content
    if expected >= 400:
        code = {403: "FORBIDDEN", 404: "NOT_FOUND"}[expected]
        assert error_of(response)["code"] == code
    else:
        assert response.json()["error"] is None


@pytest.mark.parametrize(("endpoint", "allowed", "success"), ENDPOINTS)
def test_anonymous_gets_401_everywhere(published, endpoint, allowed, success):
    response = _call(api_client(), endpoint, published)

    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", 201),
        ("owner", 201),
        ("other_instructor", 201),
        ("enrolled", 403),
        ("outsider", 403),
    ],
)
def test_only_instructors_and_admins_create_courses(request, role, expected):
    client = api_client(_person(request, role))

    response = _json(client, "post", COURSES, {"title": "Fresh"})

    assert response.status_code == expected
    assert Course.objects.filter(title="Fresh").exists() == (expected == 201)


def test_anonymous_cannot_list_or_create(db):
    assert api_client().get(COURSES).status_code == 401
    assert _json(api_client(), "post", COURSES, {"title": "X"}).status_code == 401


def test_wrong_role_changes_nothing(published, other_instructor, learner):
    module, lesson = _module(published), _lesson(published)

    for person in (other_instructor, learner):
        client = api_client(person)
        _json(client, "patch", f"{COURSES}/{published.public_id}", {"title": "Hijack"})
        _json(client, "patch", f"{API}/modules/{module.public_id}", {"name": "X"})
        client.delete(f"{API}/lessons/{lesson.public_id}")
        client.delete(f"{COURSES}/{published.public_id}")

    published.refresh_from_db()
    module.refresh_from_db()
    assert published.title == "Published course"
    assert module.name == "Basics"
    assert Lesson.objects.filter(pk=lesson.pk).exists()


# --- Ids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "courses/crs_0000000000000000",
        "courses/mod_0000000000000000",
        "courses/1",
        "courses/crs_000000000000000%00",
        "modules/mod_0000000000000000",
        "modules/mod_000000000000000%00",
        "lessons/les_0000000000000000",
        "lessons/crs_0000000000000000",
    ],
)
def test_answers_404_for_unknown_or_malformed_ids(admin, path):
    response = api_client(admin).get(f"{API}/{path}")

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


@pytest.fixture
def course_b(other_instructor):
    course = PublishedCourseFactory(owner=other_instructor, title="Course B")
    module = ModuleFactory(course=course, name="B module")
    LessonFactory(module=module, title="B lesson")
    return course


def _positions(items) -> list[str]:
    return [item.public_id for item in items.order_by("position", "id")]


def test_module_order_refuses_a_module_of_another_course(published, course_b, admin):
    ModuleFactory(course=published, name="Second", position=1)
    before = _positions(published.modules)
    foreign = _module(course_b).public_id

    response = _json(
        api_client(admin),
        "post",
        f"{COURSES}/{published.public_id}/modules/order",
        {"module_ids": [foreign, *reversed(before)]},
    )

    assert response.status_code == 404
    assert foreign in error_of(response)["message"]
    assert _positions(published.modules) == before
    assert course_b.modules.get().course == course_b


def test_lesson_order_refuses_a_lesson_of_another_course(published, course_b, admin):
    module = _module(published)
    LessonFactory(module=module, title="Second", position=1)
    before = _positions(module.lessons)
    foreign = _lesson(course_b)

    response = _json(
        api_client(admin),
        "post",
        f"{API}/modules/{module.public_id}/lessons/order",
        {"lesson_ids": [*reversed(before), foreign.public_id]},
    )

    foreign.refresh_from_db()
    assert response.status_code == 404
    assert _positions(module.lessons) == before
    assert foreign.module.course == course_b


def test_removing_an_instructor_of_another_course_answers_404(
    published, course_b, admin, co_instructor
):
    stranger = InstructorFactory()
    services.add_instructor(course=course_b, instructor=stranger, added_by=admin)

    response = api_client(admin).delete(
        f"{COURSES}/{published.public_id}/instructors/{stranger.public_id}"
    )

    assert response.status_code == 404
    assert course_b.instructor_links.filter(instructor=stranger).exists()


def test_instructor_of_another_course_cannot_reach_its_modules(
    published, draft, other_instructor
):
    client = api_client(other_instructor)

    hidden = client.get(f"{API}/modules/{_module(draft).public_id}/lessons")
    refused = _json(
        client,
        "post",
        f"{API}/modules/{_module(published).public_id}/lessons",
        {"title": "Sneaky", "type": "quiz"},
    )

    assert hidden.status_code == 404
    assert refused.status_code == 403
    assert not Lesson.objects.filter(title="Sneaky").exists()


# --- Reading ----------------------------------------------------------------------


def test_reads_a_course_with_every_documented_field(published, admin, co_instructor):
    dropped = LearnerFactory()
    Enrollment.objects.create(
        learner=dropped,
        course=published,
        source=EnrollmentSource.STAFF,
        status=EnrollmentStatus.DROPPED,
    )
    required = PublishedCourseFactory(title="Before this one")
    published.prerequisites.add(required)

    data = api_client(admin).get(f"{COURSES}/{published.public_id}").json()["data"]

    assert {
        "id",
        "title",
        "description",
        "category",
        "status",
        "visibility",
        "enrollment_type",
        "instructor_id",
        "instructor_ids",
        "prerequisite_ids",
        "estimated_minutes",
        "enrollment_count",
        "created_at",
        "updated_at",
        "cover_url",
    } <= set(data)
    assert data["id"] == published.public_id
    assert data["instructor_id"] == published.owner.public_id
    assert data["instructor_ids"] == [
        published.owner.public_id,
        co_instructor.public_id,
    ]
    assert data["prerequisite_ids"] == [required.public_id]
    assert data["enrollment_count"] == 1  # the dropped one does not count
    assert data["cover_url"] is None
    assert (data["status"], data["visibility"], data["enrollment_type"]) == (
        "published",
        "public",
        "open",
    )


def test_returns_markup_in_titles_as_plain_data(instructor):
    client = api_client(instructor)

    created = _json(client, "post", COURSES, {"title": "<script>x()</script>"})

    assert created["Content-Type"] == "application/json"
    assert created.json()["data"]["title"] == "<script>x()</script>"


# --- Listing ----------------------------------------------------------------------


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {course["id"] for course in response.json()["data"]}


@pytest.fixture
def shelf(instructor, co_instructor, learner):
    """Courses in every state, and the learner enrolled in some of them."""
    someone = InstructorFactory()
    courses = {
        "catalog": PublishedCourseFactory(owner=someone),
        "hidden": PublishedCourseFactory(owner=someone, visibility=Visibility.HIDDEN),
        "hidden_enrolled": PublishedCourseFactory(
            owner=someone, visibility=Visibility.HIDDEN
        ),
        "archived": PublishedCourseFactory(
            owner=someone, visibility=Visibility.ARCHIVED
        ),
        "archived_enrolled": PublishedCourseFactory(
            owner=someone, visibility=Visibility.ARCHIVED
        ),
        "dropped_hidden": PublishedCourseFactory(
            owner=someone, visibility=Visibility.HIDDEN
        ),
        "someone_elses_draft": CourseFactory(owner=someone),
        "own_draft": CourseFactory(owner=instructor),
        "added_draft": CourseFactory(owner=someone),
        "enrolled_draft": CourseFactory(owner=someone),
    }
    services.add_instructor(
        course=courses["added_draft"], instructor=instructor, added_by=someone
    )
    for key in ("hidden_enrolled", "archived_enrolled", "enrolled_draft"):
        Enrollment.objects.create(
            learner=learner, course=courses[key], source=EnrollmentSource.STAFF
        )
    Enrollment.objects.create(
        learner=learner,
        course=courses["dropped_hidden"],
        source=EnrollmentSource.STAFF,
        status=EnrollmentStatus.DROPPED,
    )
    return {key: course.public_id for key, course in courses.items()}


def test_learner_lists_the_catalog_and_their_own_courses(shelf, learner):
    listed = _ids(api_client(learner).get(COURSES))

    assert listed == {
        shelf["catalog"],
        shelf["hidden_enrolled"],
        shelf["archived_enrolled"],
    }


def test_learner_opens_an_archived_course_they_are_enrolled_in(shelf, learner):
    client = api_client(learner)

    kept = client.get(f"{COURSES}/{shelf['archived_enrolled']}")
    closed = client.get(f"{COURSES}/{shelf['archived']}")
    draft = client.get(f"{COURSES}/{shelf['enrolled_draft']}")

    assert kept.status_code == 200
    assert closed.status_code == 404
    assert draft.status_code == 404


def test_instructor_lists_the_catalog_and_what_they_teach(shelf, instructor):
    listed = _ids(api_client(instructor).get(COURSES))

    assert listed == {shelf["catalog"], shelf["own_draft"], shelf["added_draft"]}


def test_admin_lists_every_course(shelf, admin):
    listed = _ids(api_client(admin).get(COURSES))

    assert listed == set(shelf.values())


def test_filters_by_status_category_and_search(admin, instructor):
    PublishedCourseFactory(owner=instructor, title="Fire drills", category="Safety")
    PublishedCourseFactory(owner=instructor, title="Ladders", category="SAFETY")
    CourseFactory(owner=instructor, title="Fire wardens", category="safety")
    PublishedCourseFactory(owner=instructor, title="Budgets", category="Finance")
    client = api_client(admin)

    def titles(**query):
        response = client.get(COURSES, query)
        return sorted(course["title"] for course in response.json()["data"])

    assert titles(category="safety") == ["Fire drills", "Fire wardens", "Ladders"]
    assert titles(category="safety", status="published") == ["Fire drills", "Ladders"]
    assert titles(search="fire") == ["Fire drills", "Fire wardens"]
    assert titles(status="draft") == ["Fire wardens"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"search": "a\x00b"}, "search"),
        ({"per_page": "500"}, "per_page"),
    ],
)
def test_refuses_bad_list_filters_with_422(admin, query, field):
    response = api_client(admin).get(COURSES, query)

    assert response.status_code == 422
    assert field in issues_of(response)


def test_pages_the_list(admin, instructor):
    for number in range(5):
        PublishedCourseFactory(owner=instructor, title=f"Course {number}")

    body = api_client(admin).get(COURSES, {"page": 2, "per_page": 2}).json()

    assert body["meta"] == {"total": 5, "page": 2, "per_page": 2}
    assert [course["title"] for course in body["data"]] == ["Course 2", "Course 3"]


def _courses_with_everything(count: int, owner) -> None:
    prerequisite = PublishedCourseFactory(owner=owner)
    for _ in range(count):
        course = PublishedCourseFactory(owner=owner)
        services.add_instructor(
            course=course, instructor=InstructorFactory(), added_by=owner
        )
        course.prerequisites.add(prerequisite)
        Enrollment.objects.create(
            learner=LearnerFactory(), course=course, source=EnrollmentSource.STAFF
        )


def _queries_to_list(user) -> int:
    client = api_client(user)
    client.get(COURSES)  # the first request of a token writes last active
    with CaptureQueriesContext(connection) as captured:
        response = client.get(COURSES, {"per_page": 100})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["admin", "owner", "enrolled"])
def test_lists_in_the_same_number_of_queries_for_3_or_30_courses(request, role):
    person = _person(request, role)
    owner = InstructorFactory() if role != "owner" else person

    _courses_with_everything(3, owner)
    few = _queries_to_list(person)
    _courses_with_everything(27, owner)
    many = _queries_to_list(person)

    assert len(api_client(person).get(COURSES, {"per_page": 100}).json()["data"]) > 3
    assert many == few


# --- Creating and changing courses ------------------------------------------------


def test_creates_a_draft_owned_by_the_caller(instructor):
    response = _json(
        api_client(instructor),
        "post",
        COURSES,
        {
            "title": "  Data   basics ",
            "description": "What to keep.",
            "category": "Privacy",
            "estimated_minutes": 45,
        },
    )

    data = response.json()["data"]
    assert response.status_code == 201
    assert data["title"] == "Data basics"
    assert data["status"] == "draft"
    assert data["instructor_id"] == instructor.public_id
    assert data["estimated_minutes"] == 45
    assert Course.objects.get(public_id=data["id"]).owner == instructor


def test_creates_a_course_with_a_cover_served_through_the_permission_check(
    instructor, client
):
    response = api_client(instructor).post(
        COURSES, {"title": "With cover", "cover": png()}
    )

    data = response.json()["data"]
    assert response.status_code == 201, response.content
    path = reverse("courses:course_cover", args=[data["id"]])
    assert data["cover_url"] == f"https://karma.example.test{path}"
    client.force_login(instructor)
    assert client.get(path)["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "x" * 201}, "title"),
        ({"title": ""}, "title"),
        ({"title": "Ok", "estimated_minutes": -5}, "estimated_minutes"),
        ({"title": "Ok", "estimated_minutes": "soon"}, "estimated_minutes"),
        ({"title": "Ok", "category": "c" * 101}, "category"),
        ({"title": "Nu\x00l"}, "title"),
    ],
)
def test_refuses_bad_course_input_with_422(instructor, data, field):
    response = _json(api_client(instructor), "post", COURSES, data)

    assert response.status_code == 422
    assert error_of(response)["code"] == "VALIDATION_ERROR"
    assert field in issues_of(response)
    assert not Course.objects.filter(owner=instructor).exists()


def test_refuses_a_cover_that_is_not_an_image(instructor):
    response = api_client(instructor).post(
        COURSES, {"title": "Bad cover", "cover": upload("cover.png", EXE_BYTES)}
    )

    assert response.status_code == 422
    assert "cover" in issues_of(response)
    assert not Course.objects.filter(title="Bad cover").exists()


def test_updates_details_and_settings_together(published, instructor):
    response = _json(
        api_client(instructor),
        "patch",
        f"{COURSES}/{published.public_id}",
        {
            "title": "Renamed",
            "visibility": "hidden",
            "enrollment_type": "invite_only",
            "certificate_enabled": True,
            "require_passing_quizzes": True,
        },
    )

    data = response.json()["data"]
    assert response.status_code == 200, response.content
    assert data["title"] == "Renamed"
    assert (data["visibility"], data["enrollment_type"]) == ("hidden", "invite_only")
    published.refresh_from_db()
    assert published.certificate_enabled and published.require_passing_quizzes
    assert published.category == "Safety"  # untouched fields stay


def test_publishes_and_takes_back_to_draft(draft, instructor):
    client = api_client(instructor)
    path = f"{COURSES}/{draft.public_id}"

    published = _json(client, "patch", path, {"status": "published"})
    drafted = _json(client, "patch", path, {"status": "draft"})

    assert published.json()["data"]["status"] == "published"
    assert drafted.json()["data"]["status"] == "draft"


def test_refuses_to_publish_an_empty_course_and_changes_nothing(instructor):
    empty = CourseFactory(owner=instructor)

    response = _json(
        api_client(instructor),
        "patch",
        f"{COURSES}/{empty.public_id}",
        {"visibility": "hidden", "status": "published"},
    )

    empty.refresh_from_db()
    assert response.status_code == 422
    assert "module" in error_of(response)["message"]
    assert (empty.status, empty.visibility) == (CourseStatus.DRAFT, Visibility.PUBLIC)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"visibility": "secret"}, "visibility"),
        ({"enrollment_type": "lottery"}, "enrollment_type"),
        ({"title": "t" * 201}, "title"),
        ({"estimated_minutes": 0}, "estimated_minutes"),
        ({"prerequisite_ids": "crs_x"}, "prerequisite_ids"),
    ],
)
def test_refuses_bad_updates_with_422(published, instructor, data, field):
    response = _json(
        api_client(instructor), "patch", f"{COURSES}/{published.public_id}", data
    )

    assert response.status_code == 422
    assert field in issues_of(response)


def test_refuses_a_prerequisite_cycle_naming_it(instructor):
    first = PublishedCourseFactory(owner=instructor, title="Alpha")
    second = PublishedCourseFactory(owner=instructor, title="Beta")
    client = api_client(instructor)
    _json(
        client,
        "patch",
        f"{COURSES}/{first.public_id}",
        {"prerequisite_ids": [second.public_id]},
    )

    response = _json(
        client,
        "patch",
        f"{COURSES}/{second.public_id}",
        {"prerequisite_ids": [first.public_id], "visibility": "hidden"},
    )

    issue = issues_of(response)["prerequisite_ids"]
    assert response.status_code == 422
    assert "Alpha" in issue and "Beta" in issue
    second.refresh_from_db()
    assert list(second.prerequisites.all()) == []
    assert second.visibility == Visibility.PUBLIC


@pytest.mark.parametrize("which", ["itself", "unknown", "someone_elses_draft"])
def test_refuses_prerequisites_that_cannot_be_chosen(published, instructor, which):
    public_id = {
        "itself": published.public_id,
        "unknown": "crs_0000000000000000",
        "someone_elses_draft": CourseFactory().public_id,
    }[which]

    response = _json(
        api_client(instructor),
        "patch",
        f"{COURSES}/{published.public_id}",
        {"prerequisite_ids": [public_id]},
    )

    assert response.status_code == 422
    assert "prerequisite_ids" in issues_of(response)
    assert not published.prerequisites.exists()


def test_refuses_to_delete_a_course_with_enrollments(published, instructor):
    response = api_client(instructor).delete(f"{COURSES}/{published.public_id}")

    assert response.status_code == 422
    assert "Archive" in error_of(response)["message"]
    assert Course.objects.filter(pk=published.pk).exists()


def test_deletes_a_course_and_answers_in_the_envelope(instructor):
    course = CourseFactory(owner=instructor)

    response = api_client(instructor).delete(f"{COURSES}/{course.public_id}")

    assert response.json() == {
        "data": {"id": course.public_id, "deleted": True},
        "meta": None,
        "error": None,
    }
    assert not Course.objects.filter(pk=course.pk).exists()


# --- Instructors --------------------------------------------------------------------


def test_adds_and_removes_an_instructor(published, instructor):
    newcomer = InstructorFactory()
    client = api_client(instructor)
    path = f"{COURSES}/{published.public_id}/instructors"

    added = _json(client, "post", path, {"user_id": newcomer.public_id})
    removed = client.delete(f"{path}/{newcomer.public_id}")

    assert added.status_code == 201
    assert newcomer.public_id in added.json()["data"]["instructor_ids"]
    assert removed.status_code == 200
    assert newcomer.public_id not in removed.json()["data"]["instructor_ids"]


@pytest.mark.parametrize("who", ["learner", "owner", "unknown", "co_instructor"])
def test_refuses_people_who_cannot_be_added(published, instructor, who, request):
    public_id = {
        "learner": LearnerFactory().public_id,
        "owner": instructor.public_id,
        "unknown": "usr_0000000000000000",
        "co_instructor": request.getfixturevalue("co_instructor").public_id,
    }[who]

    response = _json(
        api_client(instructor),
        "post",
        f"{COURSES}/{published.public_id}/instructors",
        {"user_id": public_id},
    )

    assert response.status_code == 422
    assert "user_id" in issues_of(response)
    assert published.instructor_links.count() == 1


def test_the_owner_cannot_be_removed(published, admin, instructor):
    response = api_client(admin).delete(
        f"{COURSES}/{published.public_id}/instructors/{instructor.public_id}"
    )

    assert response.status_code == 404
    assert Course.objects.get(pk=published.pk).owner == instructor


# --- Modules -------------------------------------------------------------------------


def test_adds_renames_reorders_and_deletes_modules(draft, co_instructor):
    client = api_client(co_instructor)
    path = f"{COURSES}/{draft.public_id}/modules"
    first = _module(draft)

    created = _json(client, "post", path, {"name": "Later", "description": "More"})
    second = created.json()["data"]
    renamed = _json(
        client, "patch", f"{API}/modules/{second['id']}", {"name": "Finally"}
    )
    ordered = _json(
        client, "post", f"{path}/order", {"module_ids": [second["id"], first.public_id]}
    )
    deleted = client.delete(f"{API}/modules/{first.public_id}")
    listed = client.get(path).json()

    assert created.status_code == 201
    assert (second["position"], second["description"]) == (1, "More")
    assert renamed.json()["data"]["name"] == "Finally"
    assert renamed.json()["data"]["description"] == "More"
    assert [m["id"] for m in ordered.json()["data"]] == [second["id"], first.public_id]
    assert deleted.status_code == 200
    assert listed["meta"]["total"] == 1
    assert listed["data"][0] == {
        "id": second["id"],
        "course_id": draft.public_id,
        "name": "Finally",
        "description": "More",
        "position": 0,
    }


@pytest.mark.parametrize(
    "data", [{"name": ""}, {"name": "n" * 201}, {"description": "d", "name": " "}]
)
def test_refuses_bad_module_input_with_422(draft, instructor, data):
    response = _json(
        api_client(instructor), "post", f"{COURSES}/{draft.public_id}/modules", data
    )

    assert response.status_code == 422
    assert "name" in issues_of(response)
    assert draft.modules.count() == 1


def test_refuses_an_order_naming_a_module_twice(draft, instructor):
    module_id = _module(draft).public_id

    response = _json(
        api_client(instructor),
        "post",
        f"{COURSES}/{draft.public_id}/modules/order",
        {"module_ids": [module_id, module_id]},
    )

    assert response.status_code == 422
    assert "module_ids" in issues_of(response)


# --- Lessons -------------------------------------------------------------------------


def _lessons_path(course: Course) -> str:
    return f"{API}/modules/{_module(course).public_id}/lessons"


def test_sanitises_text_lesson_content(draft, instructor):
    hostile = (
        '<p onclick="steal()">Hello</p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">link</a><img src=x onerror="alert(3)">'
    )

    response = _json(
        api_client(instructor),
        "post",
        _lessons_path(draft),
        {"title": "Hostile", "type": "text", "content": hostile},
    )

    content = response.json()["data"]["content"]
    assert response.status_code == 201
    assert "Hello" in content
    for bad in ("<script", "onclick", "javascript:", "onerror", "alert(1)"):
        assert bad not in content
    read = api_client(instructor).get(f"{API}/lessons/{response.json()['data']['id']}")
    assert read.json()["data"]["content"] == content


def test_lesson_fields_for_each_type(draft, instructor):
    client = api_client(instructor)
    path = _lessons_path(draft)

    video = _json(
        client,
        "post",
        path,
        {"title": "Talk", "type": "video", "content": "https://videos.example/1"},
    ).json()["data"]
    document = client.post(
        path, {"title": "Notes", "type": "document", "file": pdf(), "required": "false"}
    ).json()["data"]
    quiz = _json(
        client,
        "post",
        path,
        {"title": "Check", "type": "quiz", "estimated_minutes": 5},
    ).json()["data"]

    assert (video["content"], video["file"]) == ("https://videos.example/1", None)
    file_path = reverse("courses:lesson_file", args=[draft.public_id, document["id"]])
    assert document["file"] == f"https://karma.example.test{file_path}"
    assert (document["content"], document["required"]) == (None, False)
    assert document["file_name"] == "notes.pdf"
    assert (quiz["content"], quiz["file"], quiz["estimated_minutes"]) == (
        None,
        None,
        5,
    )
    assert quiz["required"] is True
    assert [video["position"], document["position"], quiz["position"]] == [1, 2, 3]
    assert set(quiz) >= {
        "id",
        "title",
        "type",
        "content",
        "file",
        "required",
        "position",
        "estimated_minutes",
        "manual_completion",
    }


def test_the_outline_withholds_lesson_content_from_those_not_enrolled(
    published, instructor, learner, outsider, other_instructor
):
    _json(
        api_client(instructor),
        "post",
        _lessons_path(published),
        {"title": "Talk", "type": "video", "content": "https://videos.example/1"},
    )
    api_client(instructor).post(
        _lessons_path(published), {"title": "Notes", "type": "document", "file": pdf()}
    )

    def outline(person) -> list[tuple]:
        response = api_client(person).get(_lessons_path(published))
        assert response.status_code == 200
        lessons = response.json()["data"]
        return [(one["title"], one["content"], one["file"]) for one in lessons]

    talk_link = "https://videos.example/1"
    withheld = [("Welcome", None, None), ("Talk", None, None), ("Notes", None, None)]
    assert outline(outsider) == withheld
    assert outline(other_instructor) == withheld
    for person in (learner, instructor):
        welcome, talk, notes = outline(person)
        assert (welcome[1], talk[1]) == ("<p>Read this.</p>", talk_link)
        assert notes[2].startswith("https://karma.example.test/")


def test_reading_a_lesson_says_to_enroll_first(published, outsider):
    lesson_path = f"{API}/lessons/{_lesson(published).public_id}"

    response = api_client(outsider).get(lesson_path)

    assert response.status_code == 403
    assert error_of(response)["message"] == "Enroll in this course to open its lessons."
    assert "Welcome" not in response.content.decode()


def test_lesson_file_url_is_refused_to_learners_of_a_draft(draft, instructor, learner):
    document = api_client(instructor).post(
        _lessons_path(draft), {"title": "Notes", "type": "document", "file": pdf()}
    )
    path = reverse(
        "courses:lesson_file", args=[draft.public_id, document.json()["data"]["id"]]
    )
    staff, learner_client = Client(), Client()
    staff.force_login(instructor)
    learner_client.force_login(learner)

    assert staff.get(path).status_code == 200
    assert learner_client.get(path).status_code == 404


def test_patching_a_lesson_keeps_what_was_not_sent(draft, instructor):
    lesson = _lesson(draft)
    lesson.estimated_minutes = 7
    lesson.save()

    response = _json(
        api_client(instructor),
        "patch",
        f"{API}/lessons/{lesson.public_id}",
        {"title": "Renamed", "manual_completion": True},
    )

    data = response.json()["data"]
    assert response.status_code == 200, response.content
    assert data["title"] == "Renamed"
    assert data["content"] == "<p>Read this.</p>"
    assert (data["estimated_minutes"], data["required"]) == (7, True)
    assert data["manual_completion"] is True


def test_switches_a_video_from_a_file_to_a_link(draft, instructor):
    client = api_client(instructor)
    created = client.post(
        _lessons_path(draft), {"title": "Talk", "type": "video", "file": mp4()}
    ).json()["data"]

    switched = _json(
        client,
        "patch",
        f"{API}/lessons/{created['id']}",
        {"content": "https://videos.example/2"},
    ).json()["data"]

    assert created["file"] is not None
    assert (switched["content"], switched["file"]) == ("https://videos.example/2", None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "x" * 201, "type": "quiz"}, "title"),
        ({"title": "Pod", "type": "podcast"}, "type"),
        ({"title": "Q", "type": "quiz", "estimated_minutes": -1}, "estimated_minutes"),
        ({"title": "V", "type": "video"}, "file"),
        ({"title": "V", "type": "video", "content": "ftp://x.example"}, "content"),
        ({"title": "D", "type": "document"}, "file"),
    ],
)
def test_refuses_bad_lesson_input_with_422(draft, instructor, data, field):
    response = _json(api_client(instructor), "post", _lessons_path(draft), data)

    assert response.status_code == 422
    assert field in issues_of(response)
    assert draft.lessons.count() == 1


def test_refuses_a_document_that_is_not_a_pdf(draft, instructor):
    response = api_client(instructor).post(
        _lessons_path(draft),
        {"title": "Doc", "type": "document", "file": upload("notes.pdf", EXE_BYTES)},
    )

    assert response.status_code == 422
    assert "file" in issues_of(response)
    assert not draft.lessons.filter(title="Doc").exists()


def test_refuses_to_change_a_lessons_type(draft, instructor):
    lesson = _lesson(draft)

    response = _json(
        api_client(instructor),
        "patch",
        f"{API}/lessons/{lesson.public_id}",
        {"type": "quiz"},
    )

    lesson.refresh_from_db()
    assert response.status_code == 422
    assert "type" in issues_of(response)
    assert lesson.type == LessonType.TEXT


def test_reorder_moves_a_lesson_from_another_module_of_the_course(draft, instructor):
    first = _module(draft)
    second = ModuleFactory(course=draft, name="Second", position=1)
    staying = first.lessons.get().public_id
    moved = LessonFactory(module=second, title="Moving")

    response = _json(
        api_client(instructor),
        "post",
        f"{API}/modules/{first.public_id}/lessons/order",
        {"lesson_ids": [moved.public_id, staying]},
    )

    moved.refresh_from_db()
    assert response.status_code == 200, response.content
    assert [lesson["id"] for lesson in response.json()["data"]] == [
        moved.public_id,
        staying,
    ]
    assert moved.module == first

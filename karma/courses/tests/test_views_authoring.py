"""The authoring pages: the Courses list, Create Course and the editor tabs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from karma.accounts.tests.factories import (
    AdminFactory,
    InstructorFactory,
    LearnerFactory,
)
from karma.courses import services
from karma.courses.models import Course, CourseStatus, Lesson, LessonType, Module
from karma.courses.services import LessonInput
from karma.courses.tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.courses.tests.sample_files import EXE_BYTES, mp4, pdf, png, upload
from karma.enrollments.services.enrollments import enroll_learner

HOSTILE = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def course(instructor):
    return CourseFactory(owner=instructor, title="Safety at work", category="Safety")


@pytest.fixture
def module(course):
    return services.add_module(course=course, name="Safety basics")


@pytest.fixture
def lesson(module):
    return services.add_lesson(
        module=module, data=LessonInput(title="Read the rules", type="text")
    )


@pytest.fixture
def co_instructor(course, admin):
    person = InstructorFactory(first_name="Cora", last_name="Colleague")
    services.add_instructor(course=course, instructor=person, added_by=admin)
    return person


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, course: Course, **ids: str) -> str:
    return reverse(f"courses:{name}", kwargs={"public_id": course.public_id, **ids})


def _htmx(client: Client, url: str, data: dict | None = None, **extra):
    return client.post(url, data or {}, HTTP_HX_REQUEST="true", **extra)


def _module_names(course: Course) -> list[str]:
    return list(course.modules.order_by("position").values_list("name", flat=True))


def _lesson_titles(module: Module) -> list[str]:
    return list(module.lessons.order_by("position").values_list("title", flat=True))


# --- Who may do what: every authoring URL, every role ------------------------


@dataclass
class Call:
    method: str
    url: str
    data: dict


def _calls(course: Course, module: Module, lesson: Lesson, co: object) -> dict:
    """One working request per authoring URL, keyed by a short name.

    In the order a test may send them all: the deleting calls come last.
    """
    m, les = {"module_id": module.public_id}, {"lesson_id": lesson.public_id}
    newcomer = InstructorFactory()
    return {
        "editor": Call("get", _url("editor", course), {}),
        "details": Call("get", _url("details", course), {}),
        "details_save": Call("post", _url("details", course), {"title": "Renamed"}),
        "settings": Call("get", _url("settings", course), {}),
        "settings_save": Call(
            "post",
            _url("settings", course),
            {"enrollment_type": "open", "visibility": "public"},
        ),
        "instructors": Call("get", _url("instructors", course), {}),
        "instructors_add": Call(
            "post",
            _url("instructors", course),
            {"action": "add", "instructor": newcomer.public_id},
        ),
        "instructors_remove": Call(
            "post",
            _url("instructors", course),
            {"action": "remove", "instructor": newcomer.public_id},
        ),
        "publish": Call("post", _url("publish", course), {}),
        "draft": Call("post", _url("draft", course), {}),
        "module_create": Call("post", _url("module_create", course), {"name": "New"}),
        "module_reorder": Call(
            "post", _url("module_reorder", course), {"ids": [module.public_id]}
        ),
        "module_page": Call("get", _url("module_edit", course, **m), {}),
        "module_edit": Call("post", _url("module_edit", course, **m), {"name": "R"}),
        "module_move": Call("post", _url("module_move", course, **m), {"offset": 1}),
        "lesson_page": Call("get", _url("lesson_create", course, **m), {}),
        "lesson_create": Call(
            "post",
            _url("lesson_create", course, **m),
            {"title": "New", "type": "quiz", "required": "on"},
        ),
        "lesson_reorder": Call(
            "post", _url("lesson_reorder", course, **m), {"ids": [lesson.public_id]}
        ),
        "lesson_edit_page": Call("get", _url("lesson_edit", course, **les), {}),
        "lesson_edit": Call(
            "post", _url("lesson_edit", course, **les), {"title": "Renamed"}
        ),
        "lesson_move": Call("post", _url("lesson_move", course, **les), {"offset": 1}),
        "lesson_delete": Call("post", _url("lesson_delete", course, **les), {}),
        "module_delete": Call("post", _url("module_delete", course, **m), {}),
        "delete": Call("post", _url("delete", course), {}),
    }


OWNER_AND_ADMIN_ONLY = {"instructors_add", "instructors_remove", "delete"}
ROLES = ["admin", "owner", "co_instructor", "other_instructor", "learner"]


def _person(role: str, course: Course, admin, co_instructor):
    return {
        "admin": admin,
        "owner": course.owner,
        "co_instructor": co_instructor,
        "other_instructor": CourseFactory().owner,
        "learner": LearnerFactory(),
    }[role]


def _expected(role: str, name: str, call: Call, published: bool) -> int:
    """The status a role gets: a page (200) or a done action (302) when it
    may act; 403 when it may see the course but not act; 404 otherwise."""
    allowed = role in ("admin", "owner") or (
        role == "co_instructor" and name not in OWNER_AND_ADMIN_ONLY
    )
    if allowed:
        return 200 if call.method == "get" else 302
    if role == "co_instructor":
        return 403
    return 403 if published else 404


def _send(client: Client, call: Call):
    return getattr(client, call.method)(call.url, call.data)


@pytest.mark.parametrize("published", [False, True], ids=["draft", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_role_table_for_every_course_action(
    course, module, lesson, co_instructor, admin, role, published
):
    if published:
        services.publish_course(course=course)
    client = _client(_person(role, course, admin, co_instructor))
    calls = _calls(course, module, lesson, co_instructor)

    # Collected so a failure shows the whole row of the table at once.
    wrong = {}
    for name, call in calls.items():
        expected = _expected(role, name, call, published)
        got = _send(client, call).status_code
        if got != expected:
            wrong[name] = f"got {got}, expected {expected}"

    assert wrong == {}


@pytest.mark.parametrize("role", ["other_instructor", "learner"])
def test_refused_calls_change_nothing(course, module, lesson, co_instructor, role):
    client = _client(_person(role, course, None, co_instructor))
    before = _snapshot(course)

    for call in _calls(course, module, lesson, co_instructor).values():
        _send(client, call)

    assert _snapshot(course) == before


def test_added_instructors_cannot_change_instructors_or_delete(
    course, module, lesson, co_instructor
):
    client = _client(co_instructor)
    calls = _calls(course, module, lesson, co_instructor)
    before = _snapshot(course)

    for name in sorted(OWNER_AND_ADMIN_ONLY):
        _send(client, calls[name])

    assert _snapshot(course) == before


def _snapshot(course: Course) -> tuple:
    fresh = Course.objects.get(pk=course.pk)
    return (
        fresh.title,
        fresh.status,
        fresh.visibility,
        list(fresh.modules.values_list("public_id", "name", "position")),
        list(fresh.lessons.values_list("public_id", "title", "position", "module")),
        sorted(fresh.instructor_links.values_list("instructor_id", flat=True)),
    )


def test_sends_anonymous_visitors_to_sign_in(client, course, module, lesson, admin):
    co = InstructorFactory()
    wrong = {}

    for name, call in _calls(course, module, lesson, co).items():
        response = _send(client, call)
        location = response.get("Location", "")
        if not location.startswith(reverse("accounts:login")):
            wrong[name] = f"{response.status_code} {location}"

    assert wrong == {}
    assert Course.objects.filter(pk=course.pk).exists()


@pytest.mark.parametrize("url_name", ["course_list", "course_create"])
def test_refuses_learners_the_courses_section(learner_client, url_name):
    assert learner_client.get(reverse(f"courses:{url_name}")).status_code == 403
    assert learner_client.post(reverse("courses:course_create")).status_code == 403
    assert not Course.objects.exists()


@pytest.mark.parametrize("url_name", ["course_list", "course_create"])
def test_sends_anonymous_visitors_from_the_courses_section(client, url_name):
    response = client.get(reverse(f"courses:{url_name}"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Objects of another course -----------------------------------------------


@pytest.fixture
def foreign(db):
    other = CourseFactory(title="Someone else's")
    other_module = ModuleFactory(course=other, name="Theirs")
    return other_module, LessonFactory(module=other_module, title="Their lesson")


@pytest.mark.parametrize(
    ("url_name", "kind", "data"),
    [
        ("module_edit", "module", {"name": "Hijacked"}),
        ("module_delete", "module", {}),
        ("module_move", "module", {"offset": -1}),
        ("lesson_create", "module", {"title": "Planted", "type": "quiz"}),
        ("lesson_reorder", "module", {"ids": []}),
        ("lesson_edit", "lesson", {"title": "Hijacked"}),
        ("lesson_delete", "lesson", {}),
        ("lesson_move", "lesson", {"offset": -1}),
    ],
)
def test_an_id_of_another_course_in_the_url_is_not_found(
    instructor_client, course, module, foreign, url_name, kind, data
):
    other_module, other_lesson = foreign
    ids = (
        {"module_id": other_module.public_id}
        if kind == "module"
        else {"lesson_id": other_lesson.public_id}
    )

    response = instructor_client.post(_url(url_name, course, **ids), data)

    assert response.status_code == 404
    other_module.refresh_from_db()
    assert other_module.name == "Theirs"
    assert Lesson.objects.filter(pk=other_lesson.pk, title="Their lesson").exists()
    assert not Lesson.objects.filter(title="Planted").exists()


def test_refuses_a_module_of_another_course_in_a_reorder(
    instructor_client, course, foreign
):
    first, second = (services.add_module(course=course, name=n) for n in "AB")
    other_module, _ = foreign
    ids = [second.public_id, other_module.public_id, first.public_id]

    response = _htmx(instructor_client, _url("module_reorder", course), {"ids": ids})

    assert response.status_code == 422
    assert "was not saved" in response.content.decode()
    assert _module_names(course) == ["A", "B"]
    assert Module.objects.get(pk=other_module.pk).course_id != course.pk


def test_refuses_a_lesson_of_another_course_in_a_reorder(
    instructor_client, course, module, lesson, foreign
):
    _, other_lesson = foreign
    ids = [other_lesson.public_id, lesson.public_id]
    url = _url("lesson_reorder", course, module_id=module.public_id)

    response = instructor_client.post(url, {"ids": ids}, follow=True)

    assert "was not saved" in response.content.decode()
    assert Lesson.objects.get(pk=other_lesson.pk).course_id != course.pk
    assert _lesson_titles(module) == ["Read the rules"]


# --- The Courses list --------------------------------------------------------


def test_lists_every_course_for_admins(admin_client, course):
    other = CourseFactory(title="Fire drills")

    page = admin_client.get(reverse("courses:course_list")).content.decode()

    assert course.title in page and other.title in page


def test_lists_owned_and_added_courses_for_instructors(instructor_client, instructor):
    owned = CourseFactory(owner=instructor, title="Owned course")
    added = CourseFactory(title="Added course")
    services.add_instructor(course=added, instructor=instructor, added_by=added.owner)
    CourseFactory(title="Somebody else's course")

    page = instructor_client.get(reverse("courses:course_list")).content.decode()

    assert owned.title in page and added.title in page
    assert "Somebody else" not in page


def test_list_shows_counts_status_visibility_and_owner(instructor_client, course):
    first, second = (services.add_module(course=course, name=n) for n in "AB")
    for title in ("x", "y", "z"):
        services.add_lesson(module=second, data=LessonInput(title=title, type="quiz"))

    response = instructor_client.get(reverse("courses:course_list"))

    row = response.context["page"].object_list[0]
    assert (row.module_count, row.lesson_count) == (2, 3)
    page = response.content.decode()
    assert "Draft" in page and "Public" in page
    assert "Ivan Instructor" in page


def test_searches_filters_by_category_and_status(admin_client):
    CourseFactory(title="Fire safety", category="Safety")
    PublishedCourseFactory(title="Ladder safety", category="safety")
    CourseFactory(title="Budgeting", category="Finance")
    url = reverse("courses:course_list")

    def titles(**query) -> set[str]:
        response = admin_client.get(url, query)
        return {course.title for course in response.context["page"].object_list}

    assert titles(q="safety") == {"Fire safety", "Ladder safety"}
    assert titles(category="Safety") == {"Fire safety", "Ladder safety"}
    assert titles(status="published") == {"Ladder safety"}
    assert titles(q="fire", status="draft") == {"Fire safety"}
    assert titles(status="nonsense") == {"Fire safety", "Ladder safety", "Budgeting"}


def test_answers_htmx_search_with_the_results_only(admin_client, course):
    response = admin_client.get(
        reverse("courses:course_list"), {"q": "safety"}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert course.title in page
    assert "<html" not in page
    assert "HX-Request" in response["Vary"]


def test_list_costs_the_same_queries_for_3_or_30_courses(admin_client, admin):
    # The first request of a session also records "last active"; warm up.
    admin_client.get(reverse("courses:course_list"))

    def queries_for(count: int) -> int:
        Course.objects.all().delete()
        for index in range(count):
            course = CourseFactory(owner=InstructorFactory())
            LessonFactory(module=ModuleFactory(course=course))
            if index % 2:
                services.add_instructor(
                    course=course, instructor=InstructorFactory(), added_by=admin
                )
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(reverse("courses:course_list"))
        assert response.status_code == 200
        return len(captured)

    assert queries_for(3) == queries_for(30)


def test_list_costs_the_same_queries_for_an_instructor(instructor_client, instructor):
    instructor_client.get(reverse("courses:course_list"))

    def queries_for(count: int) -> int:
        Course.objects.all().delete()
        for _ in range(count):
            LessonFactory(module=ModuleFactory(course=CourseFactory(owner=instructor)))
        with CaptureQueriesContext(connection) as captured:
            instructor_client.get(reverse("courses:course_list"))
        return len(captured)

    assert queries_for(3) == queries_for(30)


# --- Create Course -----------------------------------------------------------


def test_creates_a_draft_and_opens_the_editor(instructor_client, instructor, media):
    response = instructor_client.post(
        reverse("courses:course_create"),
        {
            "title": "Working at height",
            "description": "Ladders and harnesses.",
            "category": "Safety",
            "estimated_minutes": "45",
            "cover": png(size=(2000, 1000)),
        },
    )

    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("editor", course)
    assert (course.owner, course.status) == (instructor, CourseStatus.DRAFT)
    assert course.estimated_minutes == 45
    assert course.cover.name.endswith(".jpg")
    assert (media / course.cover.name).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", "required"),
        ({"title": "   "}, "title", "required"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"title": "Ok", "estimated_minutes": "soon"}, "estimated_minutes", "whole"),
        ({"title": "Ok", "estimated_minutes": "0"}, "estimated_minutes", "1"),
        ({"title": "Ok", "category": "c" * 101}, "category", "at most 100"),
    ],
)
def test_refuses_bad_details_on_their_field(instructor_client, data, field, message):
    response = instructor_client.post(reverse("courses:course_create"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert not Course.objects.exists()


def test_refuses_a_cover_that_is_not_an_image_and_keeps_the_input(
    instructor_client,
):
    response = instructor_client.post(
        reverse("courses:course_create"),
        {
            "title": "Keep me",
            "description": "And me",
            "cover": upload("cover.jpg", EXE_BYTES),
        },
    )

    assert response.status_code == 200
    assert "JPEG, PNG, GIF or WebP" in " ".join(
        response.context["form"].errors["cover"]
    )
    page = response.content.decode()
    assert 'value="Keep me"' in page and "And me" in page
    assert 'aria-invalid="true"' in page
    assert not Course.objects.exists()


def test_refuses_an_oversize_cover_naming_the_limit(instructor_client, settings):
    settings.KARMA_COVER_MAX_MB = 1
    big = upload("big.png", b"\x89PNG" + b"\x00" * (1024 * 1024 + 1))

    response = instructor_client.post(
        reverse("courses:course_create"), {"title": "Big", "cover": big}
    )

    assert "larger than 1 MB" in " ".join(response.context["form"].errors["cover"])
    assert not Course.objects.exists()


# --- The editor: outline -----------------------------------------------------


def test_editor_shows_modules_and_lessons_in_order(instructor_client, course, module):
    services.add_lesson(
        module=module,
        data=LessonInput(title="Hazard clip", type="video", file=mp4()),
    )
    services.add_lesson(
        module=module,
        data=LessonInput(
            title="Optional notes", type="text", required=False, estimated_minutes=7
        ),
    )
    services.add_module(course=course, name="Second module")

    page = instructor_client.get(_url("editor", course)).content.decode()

    assert page.index("Safety basics") < page.index("Second module")
    assert page.index("Hazard clip") < page.index("Optional notes")
    assert "Video" in page and "Required" in page and "Optional" in page
    assert "7 min" in page
    assert 'aria-label="Move module Safety basics down"' in page
    assert 'aria-label="Move lesson Hazard clip down"' in page
    assert "Sortable.min.js" in page and "editor.js" in page


def test_adds_a_module_with_htmx_answering_the_outline(instructor_client, course):
    response = _htmx(
        instructor_client,
        _url("module_create", course),
        {"name": "Ladders", "description": "Up and down."},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="outline"' in page and "<html" not in page
    assert 'hx-swap-oob="true"' in page and "Added the module" in page
    assert _module_names(course) == ["Ladders"]
    assert course.modules.get().description == "Up and down."


def test_adds_a_module_without_javascript(instructor_client, course):
    response = instructor_client.post(
        _url("module_create", course), {"name": "Ladders"}, follow=True
    )

    assert response.redirect_chain[-1][0] == _url("editor", course)
    assert "Added the module “Ladders”." in response.content.decode()


@pytest.mark.parametrize("htmx", [True, False])
def test_refuses_a_module_without_a_name(instructor_client, course, htmx):
    url = _url("module_create", course)
    data = {"name": "  ", "description": "Kept"}

    if htmx:
        response = _htmx(instructor_client, url, data)
    else:
        response = instructor_client.post(url, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page
    assert "Kept" in page
    assert not course.modules.exists()


def test_renames_and_describes_a_module(instructor_client, course, module):
    response = _htmx(
        instructor_client,
        _url("module_edit", course, module_id=module.public_id),
        {"name": "Basics of safety", "description": "Start here."},
    )

    assert response.status_code == 200
    module.refresh_from_db()
    assert (module.name, module.description) == ("Basics of safety", "Start here.")


def test_module_page_refuses_a_blank_name_and_keeps_the_old_one(
    instructor_client, course, module
):
    url = _url("module_edit", course, module_id=module.public_id)

    response = instructor_client.post(url, {"name": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Module.objects.get(pk=module.pk).name == "Safety basics"


def test_deletes_a_module_and_renumbers(instructor_client, course):
    first, second, third = (services.add_module(course=course, name=n) for n in "ABC")

    instructor_client.post(
        _url("module_delete", course, module_id=second.public_id), follow=True
    )

    assert _module_names(course) == ["A", "C"]
    assert list(course.modules.values_list("position", flat=True)) == [0, 1]


def test_module_delete_asks_for_confirmation(instructor_client, course, module):
    page = instructor_client.get(_url("editor", course)).content.decode()

    action = _url("module_delete", course, module_id=module.public_id)
    form_start = page.index(f'action="{action}"')
    assert "data-confirm=" in page[form_start : form_start + 300]


@pytest.mark.parametrize("htmx", [True, False])
def test_moves_a_module_down_with_the_keyboard_button(instructor_client, course, htmx):
    first, second = (services.add_module(course=course, name=n) for n in "AB")
    url = _url("module_move", course, module_id=first.public_id)

    if htmx:
        response = _htmx(instructor_client, url, {"offset": "1"})
        assert "Moved the module “A” down." in response.content.decode()
    else:
        response = instructor_client.post(url, {"offset": "1"})
        assert response.status_code == 302

    assert _module_names(course) == ["B", "A"]


def test_moving_the_first_module_up_says_so_and_changes_nothing(
    instructor_client, course, module
):
    services.add_module(course=course, name="Second")

    response = _htmx(
        instructor_client,
        _url("module_move", course, module_id=module.public_id),
        {"offset": "-1"},
    )

    assert "is already first" in response.content.decode()
    assert _module_names(course) == ["Safety basics", "Second"]


def test_refuses_a_move_that_is_not_up_or_down(instructor_client, course, module):
    response = _htmx(
        instructor_client,
        _url("module_move", course, module_id=module.public_id),
        {"offset": "5"},
    )

    assert "Choose to move up or down." in response.content.decode()


def test_reorders_modules_by_drag_and_drop(instructor_client, course):
    a, b, c = (services.add_module(course=course, name=n) for n in "ABC")

    response = _htmx(
        instructor_client,
        _url("module_reorder", course),
        {"ids": [c.public_id, a.public_id, b.public_id]},
    )

    assert response.status_code == 200
    assert "Saved the new order of modules." in response.content.decode()
    assert _module_names(course) == ["C", "A", "B"]


def test_refuses_an_empty_reorder(instructor_client, course, module):
    response = _htmx(instructor_client, _url("module_reorder", course), {})

    assert response.status_code == 422


def test_drags_a_lesson_into_another_module(instructor_client, course, module):
    a, b = (
        services.add_lesson(module=module, data=LessonInput(title=t, type="quiz"))
        for t in "ab"
    )
    target = services.add_module(course=course, name="Target")
    x = services.add_lesson(module=target, data=LessonInput(title="x", type="quiz"))

    response = _htmx(
        instructor_client,
        _url("lesson_reorder", course, module_id=target.public_id),
        {"ids": [a.public_id, x.public_id]},
    )

    assert response.status_code == 200
    assert _lesson_titles(module) == ["b"]
    assert _lesson_titles(target) == ["a", "x"]
    assert Lesson.objects.get(pk=b.pk).position == 0


def test_moves_a_lesson_up_with_the_keyboard_button(instructor_client, course, module):
    a, b = (
        services.add_lesson(module=module, data=LessonInput(title=t, type="quiz"))
        for t in "ab"
    )

    instructor_client.post(
        _url("lesson_move", course, lesson_id=b.public_id), {"offset": "-1"}
    )

    assert _lesson_titles(module) == ["b", "a"]


# --- The editor: lessons -----------------------------------------------------


def _add_lesson(client: Client, course: Course, module: Module, **data):
    url = _url("lesson_create", course, module_id=module.public_id)
    return client.post(url, {"required": "on", **data})


def test_adds_a_text_lesson_with_its_html_sanitised(instructor_client, course, module):
    response = _add_lesson(
        instructor_client,
        course,
        module,
        title="The rules",
        type="text",
        estimated_minutes="12",
        body='<h2>Rules</h2><p onclick="x()">Be safe</p><script>bad()</script>',
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#module-{module.public_id}")
    lesson = module.lessons.get()
    assert lesson.body.startswith("<h2>Rules</h2>")
    assert "onclick" not in lesson.body and "<script" not in lesson.body
    assert (lesson.estimated_minutes, lesson.required) == (12, True)


def test_adds_an_optional_lesson_with_manual_completion(
    instructor_client, course, module
):
    url = _url("lesson_create", course, module_id=module.public_id)

    instructor_client.post(
        url, {"title": "Extra", "type": "quiz", "manual_completion": "on"}
    )

    lesson = module.lessons.get()
    assert (lesson.required, lesson.manual_completion) == (False, True)


def test_adds_a_video_lesson_by_upload(instructor_client, course, module, media):
    _add_lesson(
        instructor_client,
        course,
        module,
        title="Talk",
        type="video",
        video_file=mp4("Site tour.mp4"),
    )

    lesson = module.lessons.get()
    assert lesson.type == LessonType.VIDEO
    assert lesson.file_name == "Site tour.mp4"
    assert (media / lesson.file.name).exists()


def test_adds_a_video_lesson_by_link(instructor_client, course, module):
    _add_lesson(
        instructor_client,
        course,
        module,
        title="Clip",
        type="video",
        video_url="https://video.example/watch/1",
    )

    assert module.lessons.get().video_url == "https://video.example/watch/1"


def test_adds_a_document_lesson(instructor_client, course, module):
    _add_lesson(
        instructor_client,
        course,
        module,
        title="Checklist",
        type="document",
        document_file=pdf("Checklist.pdf"),
    )

    lesson = module.lessons.get()
    assert (lesson.type, lesson.file_name) == (LessonType.DOCUMENT, "Checklist.pdf")


def test_adds_a_quiz_placeholder(instructor_client, course, module):
    page = instructor_client.get(
        _url("lesson_create", course, module_id=module.public_id)
    ).content.decode()
    assert "then its questions and settings from its Questions link" in page

    _add_lesson(instructor_client, course, module, title="Check", type="quiz")

    assert module.lessons.get().type == LessonType.QUIZ


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"type": "document"}, "document_file", "Upload a PDF document"),
        (
            {"type": "document", "document_file": upload("x.pdf", EXE_BYTES)},
            "document_file",
            "not a PDF",
        ),
        ({"type": "video"}, "video_file", "video file or give a link"),
        (
            {"type": "video", "video_file": upload("video.mp4", EXE_BYTES)},
            "video_file",
            "MP4, WebM or Ogg",
        ),
        ({"type": "video", "video_url": "javascript:alert(1)"}, "video_url", "https"),
        ({"type": "podcast"}, "type", "valid choice"),
    ],
)
def test_refuses_an_incomplete_lesson_on_its_field(
    instructor_client, course, module, data, field, message
):
    response = _add_lesson(instructor_client, course, module, title="Kept", **data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="Kept"' in response.content.decode()
    assert not module.lessons.exists()


def test_refuses_an_oversize_document_naming_the_limit(
    instructor_client, course, module, settings
):
    settings.KARMA_DOCUMENT_MAX_MB = 1
    big = pdf(content=b"%PDF-1.4" + b"\x00" * (1024 * 1024))

    response = _add_lesson(
        instructor_client,
        course,
        module,
        title="Big",
        type="document",
        document_file=big,
    )

    errors = response.context["form"].errors["document_file"]
    assert "larger than 1 MB" in " ".join(errors)


def test_edits_a_lesson_keeping_its_type(instructor_client, course, module, lesson):
    url = _url("lesson_edit", course, lesson_id=lesson.public_id)
    page = instructor_client.get(url).content.decode()
    assert 'name="type"' not in page

    response = instructor_client.post(
        url, {"title": "Rules, revised", "body": "<p>New</p>", "type": "quiz"}
    )

    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.title, lesson.type, lesson.body) == (
        "Rules, revised",
        LessonType.TEXT,
        "<p>New</p>",
    )
    assert lesson.required is False


def test_edit_page_shows_only_the_lessons_own_inputs(instructor_client, course, module):
    document = services.add_lesson(
        module=module, data=LessonInput(title="Doc", type="document", file=pdf())
    )

    page = instructor_client.get(
        _url("lesson_edit", course, lesson_id=document.public_id)
    ).content.decode()

    assert 'name="document_file"' in page
    assert 'name="video_file"' not in page and 'name="body"' not in page
    assert _url("lesson_file", course, lesson_id=document.public_id) in page


def test_replaces_a_document_and_deletes_the_old_file(
    instructor_client, course, module, media
):
    document = services.add_lesson(
        module=module, data=LessonInput(title="Doc", type="document", file=pdf())
    )
    old = media / document.file.name

    instructor_client.post(
        _url("lesson_edit", course, lesson_id=document.public_id),
        {"title": "Doc", "document_file": pdf("v2.pdf")},
    )

    document.refresh_from_db()
    assert document.file_name == "v2.pdf"
    assert not old.exists()


def test_deletes_a_lesson(instructor_client, course, module, lesson):
    response = instructor_client.post(
        _url("lesson_delete", course, lesson_id=lesson.public_id)
    )

    assert response.status_code == 302
    assert not Lesson.objects.filter(pk=lesson.pk).exists()


# --- Titles that try to run --------------------------------------------------


def test_hostile_titles_render_escaped_on_every_page(instructor_client, instructor):
    course = CourseFactory(owner=instructor, title=HOSTILE, category=HOSTILE)
    module = services.add_module(course=course, name=HOSTILE, description=HOSTILE)
    lesson = services.add_lesson(module=module, data=LessonInput(HOSTILE, "quiz"))
    services.add_instructor(
        course=course,
        instructor=InstructorFactory(first_name=HOSTILE),
        added_by=instructor,
    )
    urls = [
        reverse("courses:course_list"),
        _url("editor", course),
        _url("details", course),
        _url("settings", course),
        _url("instructors", course),
        _url("module_edit", course, module_id=module.public_id),
        _url("lesson_create", course, module_id=module.public_id),
        _url("lesson_edit", course, lesson_id=lesson.public_id),
    ]
    CourseFactory(owner=instructor, title="Another")

    for url in urls:
        page = instructor_client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert" in page, url

    outline = _htmx(
        instructor_client, _url("module_create", course), {"name": HOSTILE}
    ).content.decode()
    assert "<script>alert" not in outline


# --- Details, settings, publishing -------------------------------------------


def test_saves_details_and_replaces_the_cover(instructor_client, course, media):
    response = instructor_client.post(
        _url("details", course),
        {"title": "Safety first", "category": "Health", "cover": png()},
    )

    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.title, course.category) == ("Safety first", "Health")
    assert (media / course.cover.name).exists()
    page = instructor_client.get(_url("details", course)).content.decode()
    assert _url("course_cover", course) in page


def test_refused_details_keep_the_saved_title_in_the_header(instructor_client, course):
    response = instructor_client.post(
        _url("details", course),
        {"title": "Renamed", "cover": upload("c.png", b"not an image")},
    )

    assert response.status_code == 200
    assert response.context["course"].title == "Safety at work"
    assert Course.objects.get(pk=course.pk).title == "Safety at work"


def test_saves_settings(instructor_client, course):
    basics = PublishedCourseFactory(title="Basics")

    response = instructor_client.post(
        _url("settings", course),
        {
            "enrollment_type": "invite_only",
            "visibility": "archived",
            "prerequisites": [basics.public_id],
            "require_passing_quizzes": "on",
            "certificate_enabled": "on",
        },
    )

    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.enrollment_type, course.visibility) == ("invite_only", "archived")
    assert list(course.prerequisites.all()) == [basics]
    assert course.require_passing_quizzes and course.certificate_enabled


def test_shows_a_prerequisite_cycle_on_its_field(instructor_client, course):
    basics = PublishedCourseFactory(title="Basics")
    basics.prerequisites.add(course)

    response = instructor_client.post(
        _url("settings", course),
        {
            "enrollment_type": "open",
            "visibility": "public",
            "prerequisites": [basics.public_id],
        },
    )

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["prerequisites"])
    assert "Safety at work → Basics → Safety at work" in errors
    assert not course.prerequisites.exists()


def test_settings_offer_published_and_own_courses_but_not_itself(
    instructor_client, instructor, course
):
    published = PublishedCourseFactory(title="Basics")
    own_draft = CourseFactory(owner=instructor, title="My draft")
    CourseFactory(title="Someone else's draft")

    form = instructor_client.get(_url("settings", course)).context["form"]

    assert list(form.fields["prerequisites"].queryset) == [published, own_draft]


def test_settings_keep_a_prerequisite_the_editor_could_not_choose(
    course, co_instructor
):
    hidden_draft = CourseFactory(title="Someone else's draft")
    course.prerequisites.add(hidden_draft)
    client = _client(co_instructor)

    client.post(
        _url("settings", course),
        {
            "enrollment_type": "open",
            "visibility": "public",
            "prerequisites": [hidden_draft.public_id],
        },
    )

    assert list(course.prerequisites.all()) == [hidden_draft]


def test_refuses_someone_elses_draft_as_a_prerequisite(instructor_client, course):
    draft = CourseFactory(title="Someone else's draft")

    response = instructor_client.post(
        _url("settings", course),
        {
            "enrollment_type": "open",
            "visibility": "public",
            "prerequisites": [draft.public_id],
        },
    )

    errors = response.context["form"].errors["prerequisites"]
    assert errors == ["Choose courses from the list."]
    assert not course.prerequisites.exists()


def test_refuses_to_publish_an_empty_course(instructor_client, course, module):
    response = instructor_client.post(_url("publish", course), follow=True)

    assert "Not published: Add at least one module with a lesson" in (
        response.content.decode()
    )
    assert Course.objects.get(pk=course.pk).status == CourseStatus.DRAFT


def test_publishes_and_saves_as_draft(instructor_client, course, lesson):
    instructor_client.post(_url("publish", course))
    assert Course.objects.get(pk=course.pk).status == CourseStatus.PUBLISHED
    page = instructor_client.get(_url("editor", course)).content.decode()
    assert "Save as Draft" in page

    instructor_client.post(_url("draft", course))
    assert Course.objects.get(pk=course.pk).status == CourseStatus.DRAFT


def test_deletes_a_course_after_confirmation(instructor_client, course, lesson):
    page = instructor_client.get(_url("editor", course)).content.decode()
    assert "data-confirm=" in page[page.index(_url("delete", course)) - 200 :][:400]

    response = instructor_client.post(_url("delete", course))

    assert response["Location"] == reverse("courses:course_list")
    assert not Course.objects.filter(pk=course.pk).exists()


def test_refuses_to_delete_a_course_with_enrollments(
    instructor_client, instructor, course, lesson, learner
):
    services.publish_course(course=course)
    enroll_learner(course=course, learner=learner, enrolled_by=instructor)

    response = instructor_client.post(_url("delete", course), follow=True)

    assert response.redirect_chain[-1][0] == _url("editor", course)
    assert "Not deleted: Learners have enrolled" in response.content.decode()
    assert Course.objects.filter(pk=course.pk).exists()


def test_hides_the_delete_button_from_added_instructors(course, co_instructor):
    page = _client(co_instructor).get(_url("editor", course)).content.decode()

    assert _url("delete", course) not in page


# --- Instructors -------------------------------------------------------------


def test_lists_the_owner_and_added_instructors(
    instructor_client, course, co_instructor
):
    page = instructor_client.get(_url("instructors", course)).content.decode()

    assert "Ivan Instructor" in page and "Owner" in page
    assert "Cora Colleague" in page
    assert "Add an instructor" in page


def test_added_instructors_see_the_list_without_controls(course, co_instructor):
    page = _client(co_instructor).get(_url("instructors", course)).content.decode()

    assert "Cora Colleague" in page
    assert "Add an instructor" not in page
    assert 'value="remove"' not in page


def test_finds_active_instructors_and_admins_to_add(
    instructor_client, course, co_instructor
):
    wanted = InstructorFactory(first_name="Nadia", last_name="Nadal")
    admin = AdminFactory(first_name="Nadine", last_name="Admin")
    LearnerFactory(first_name="Nadir")
    InstructorFactory(first_name="Nadja", is_active=False)

    response = instructor_client.get(
        _url("instructors", course), {"q": "nad"}, HTTP_HX_REQUEST="true"
    )

    assert set(response.context["candidates"]) == {wanted, admin}
    assert "<html" not in response.content.decode()


def test_search_leaves_out_people_already_teaching(
    instructor_client, course, co_instructor
):
    response = instructor_client.get(_url("instructors", course), {"q": "Cora"})

    assert response.context["candidates"] == []
    assert "No active instructor or admin matches" in response.content.decode()


def test_adds_and_removes_an_instructor(instructor_client, course):
    newcomer = InstructorFactory(first_name="Nadia")
    url = _url("instructors", course)

    instructor_client.post(url, {"action": "add", "instructor": newcomer.public_id})
    assert course.instructor_links.filter(instructor=newcomer).exists()

    instructor_client.post(url, {"action": "remove", "instructor": newcomer.public_id})
    assert not course.instructor_links.exists()


def test_refuses_to_add_a_learner_as_instructor(instructor_client, course, learner):
    response = instructor_client.post(
        _url("instructors", course), {"action": "add", "instructor": learner.public_id}
    )

    assert response.status_code == 200
    assert "Only active instructors or admins" in response.content.decode()
    assert not course.instructor_links.exists()


def test_refuses_an_unknown_person_or_action(instructor_client, course):
    url = _url("instructors", course)

    unknown = instructor_client.post(url, {"action": "add", "instructor": "usr_nobody"})
    bad = instructor_client.post(url, {"action": "promote", "instructor": "x"})

    assert "no longer exists" in unknown.content.decode()
    assert "Choose a person" in bad.content.decode()
    assert not course.instructor_links.exists()


def test_added_instructor_can_edit_the_course(course, co_instructor):
    response = _client(co_instructor).post(
        _url("module_create", course), {"name": "From Cora"}
    )

    assert response.status_code == 302
    assert _module_names(course) == ["From Cora"]


def test_moves_a_lesson_to_another_module_without_dragging(db, instructor):
    from django.test import Client

    from karma.courses import services
    from karma.courses.services import CourseDetails, LessonInput

    course = services.create_course(owner=instructor, details=CourseDetails(title="M"))
    first = services.add_module(course=course, name="First")
    second = services.add_module(course=course, name="Second")
    services.add_lesson(module=second, data=LessonInput(title="Stays", type="text"))
    lesson = services.add_lesson(
        module=first, data=LessonInput(title="Go", type="text")
    )
    other_course = services.create_course(
        owner=instructor, details=CourseDetails(title="Other")
    )
    foreign = services.add_module(course=other_course, name="Foreign")
    client = Client()
    client.force_login(instructor)
    url = reverse("courses:lesson_move", args=[course.public_id, lesson.public_id])

    page = client.get(
        reverse("courses:lesson_edit", args=[course.public_id, lesson.public_id])
    )
    refused = client.post(url, {"module": foreign.public_id})
    client.post(url, {"module": second.public_id})

    lesson.refresh_from_db()
    assert "Move this lesson to another module" in page.content.decode()
    assert refused.status_code == 404
    assert lesson.module == second
    assert list(second.lessons.values_list("title", flat=True)) == ["Stays", "Go"]

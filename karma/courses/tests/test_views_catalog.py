"""The catalog and the course page, for every role and course state."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from karma.accounts.tests.factories import InstructorFactory
from karma.courses import services
from karma.courses.models import CourseInstructor, CourseStatus, Visibility
from karma.courses.services import LessonInput
from karma.courses.templatetags.course_format import duration
from karma.courses.tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)

CATALOG = reverse("courses:catalog")
XSS = '<script>alert("x")</script>'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _detail_url(course) -> str:
    return reverse("courses:course_detail", args=[course.public_id])


def _catalog_titles(client, **params) -> list[str]:
    response = client.get(CATALOG, params)
    assert response.status_code == 200
    return [course.title for course in response.context["page"].object_list]


def _queries(client, url: str, **params) -> int:
    # A first request records the viewer's last activity; count the next.
    client.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


# --- The catalog ----------------------------------------------------------


def test_catalog_needs_sign_in(client, db):
    response = client.get(CATALOG)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("fixture", ["admin", "instructor", "learner"])
def test_catalog_opens_for_every_role(request, client, fixture):
    client.force_login(request.getfixturevalue(fixture))
    PublishedCourseFactory(title="Fire drills")

    response = client.get(CATALOG)

    assert response.status_code == 200
    assert "Fire drills" in response.content.decode()
    assert 'aria-current="page" href="/catalog/"' in response.content.decode()


def test_catalog_lists_only_published_public_courses(learner_client, instructor):
    PublishedCourseFactory(title="Public one", owner=instructor)
    CourseFactory(title="Draft one", owner=instructor)
    CourseFactory(title="Draft hidden", owner=instructor, visibility=Visibility.HIDDEN)
    PublishedCourseFactory(title="Hidden one", visibility=Visibility.HIDDEN)
    PublishedCourseFactory(title="Archived one", visibility=Visibility.ARCHIVED)

    titles = _catalog_titles(learner_client)

    assert titles == ["Public one"]


def test_catalog_hides_drafts_even_from_their_owner(instructor_client, instructor):
    CourseFactory(title="My draft", owner=instructor)

    assert _catalog_titles(instructor_client) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fire", ["Fire drills"]),
        ("EVACUATION", ["Fire drills"]),
        ("spreadsheets", ["Budgeting"]),
        ("financ", ["Budgeting"]),
        ("nothing like this", []),
    ],
)
def test_catalog_searches_title_description_and_category(
    learner_client, query, expected
):
    PublishedCourseFactory(
        title="Fire drills", description="Evacuation routes", category="Safety"
    )
    PublishedCourseFactory(
        title="Budgeting", description="Spreadsheets for teams", category="Finance"
    )

    assert _catalog_titles(learner_client, q=query) == expected


def test_catalog_filters_category_case_insensitively(learner_client):
    PublishedCourseFactory(title="A", category="Safety")
    PublishedCourseFactory(title="B", category="safety")
    PublishedCourseFactory(title="C", category="Finance")

    response = learner_client.get(CATALOG, {"category": "SAFETY"})

    titles = [course.title for course in response.context["page"].object_list]
    assert titles == ["A", "B"]
    assert [c.lower() for c in response.context["categories"]] == [
        "finance",
        "safety",
    ]
    # The select shows the catalog's own spelling as chosen.
    chosen = response.context["category"]
    assert chosen.lower() == "safety"
    assert f'<option value="{chosen}" selected>' in response.content.decode()


def test_catalog_combines_search_and_category(learner_client):
    PublishedCourseFactory(title="Fire drills", category="Safety")
    PublishedCourseFactory(title="Fire budget", category="Finance")

    assert _catalog_titles(learner_client, q="fire", category="finance") == [
        "Fire budget"
    ]


def test_catalog_says_so_when_a_category_has_no_courses(learner_client):
    PublishedCourseFactory(title="Fire drills", category="Safety")

    response = learner_client.get(CATALOG, {"category": "Cooking"})

    assert list(response.context["page"].object_list) == []
    assert "No courses match" in response.content.decode()


def test_catalog_answers_htmx_with_the_cards_only(learner_client):
    PublishedCourseFactory(title="Fire drills")

    partial = learner_client.get(CATALOG, {"q": "fire"}, headers={"HX-Request": "true"})
    full = learner_client.get(CATALOG, {"q": "fire"})

    assert "<html" not in partial.content.decode()
    assert "Fire drills" in partial.content.decode()
    assert 'id="catalog-results"' not in partial.content.decode()
    assert "<html" in full.content.decode()
    assert 'id="catalog-results"' in full.content.decode()
    assert "HX-Request" in partial["Vary"]
    assert "HX-Request" in full["Vary"]


def test_catalog_search_box_pushes_its_url(learner_client):
    content = learner_client.get(CATALOG).content.decode()

    assert 'hx-get="/catalog/"' in content
    assert 'hx-push-url="true"' in content
    assert 'hx-target="#catalog-results"' in content
    assert '<label class="form-label" for="catalog-search">' in content
    assert '<label class="form-label" for="catalog-category">' in content


def test_catalog_gives_full_page_when_htmx_restores_history(learner_client):
    response = learner_client.get(
        CATALOG,
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.content.decode()


def test_catalog_paginates_twelve_to_a_page(learner_client):
    for number in range(13):
        PublishedCourseFactory(title=f"Course {number:02}")

    first = learner_client.get(CATALOG)
    second = learner_client.get(CATALOG, {"page": 2})

    assert len(first.context["page"].object_list) == 12
    assert [c.title for c in second.context["page"].object_list] == ["Course 12"]
    assert "page 1 of 2" in first.content.decode()
    assert "?page=2" in first.content.decode()


def test_catalog_pagination_keeps_the_search(learner_client):
    for number in range(13):
        PublishedCourseFactory(title=f"Fire {number:02}")

    content = learner_client.get(CATALOG, {"q": "fire"}).content.decode()

    assert "?q=fire&amp;page=2" in content


def test_catalog_survives_a_page_number_out_of_range(learner_client):
    PublishedCourseFactory(title="Only one")

    assert _catalog_titles(learner_client, page="999") == ["Only one"]
    assert _catalog_titles(learner_client, page="abc") == ["Only one"]


def test_catalog_queries_do_not_grow_with_courses(learner_client, instructor):
    for number in range(3):
        PublishedCourseFactory(owner=instructor, category=f"Cat {number}")
    few = _queries(learner_client, CATALOG)

    for number in range(37):
        PublishedCourseFactory(owner=instructor, category=f"Cat {number % 7}")
    many = _queries(learner_client, CATALOG)

    assert many == few


def test_catalog_shows_an_empty_state(learner_client):
    CourseFactory(title="Still a draft")

    content = learner_client.get(CATALOG).content.decode()

    assert "No courses yet" in content
    assert "Still a draft" not in content


def test_catalog_card_shows_facts_and_links_to_the_course(learner_client):
    course = PublishedCourseFactory(
        title="Fire drills",
        description="Where to go when the alarm rings. " * 20,
        category="Safety",
        estimated_minutes=90,
    )

    content = learner_client.get(CATALOG).content.decode()

    assert _detail_url(course) in content
    assert "1 h 30 min" in content
    assert ">Safety</span>" in content
    assert "Where to go when the alarm rings." in content
    assert "…" in content  # the long description is truncated


def test_catalog_uses_cover_view_only_for_courses_with_a_cover(learner_client):
    with_cover = PublishedCourseFactory(title="With cover")
    with_cover.cover.name = "courses/covers/img_test.jpg"
    with_cover.save()
    without = PublishedCourseFactory(title="Without cover")

    content = learner_client.get(CATALOG).content.decode()

    assert reverse("courses:course_cover", args=[with_cover.public_id]) in content
    assert reverse("courses:course_cover", args=[without.public_id]) not in content
    assert content.count("<img") == 1
    assert "http://" not in content.split("<main", 1)[1]


def test_catalog_offers_enroll_on_open_courses(learner_client):
    course = PublishedCourseFactory(title="Fire drills")

    content = learner_client.get(CATALOG).content.decode()

    assert reverse("enrollments:self_enroll", args=[course.public_id]) in content


def test_catalog_escapes_markup_in_course_fields(learner_client):
    PublishedCourseFactory(title=XSS, description=XSS, category=XSS)

    content = learner_client.get(CATALOG).content.decode()

    assert XSS not in content
    assert XSS_ESCAPED in content


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (None, ""),
        (0, ""),
        (5, "5 min"),
        (60, "1 h"),
        (90, "1 h 30 min"),
        (605, "10 h 5 min"),
    ],
)
def test_durations_read_in_hours_and_minutes(minutes, shown):
    assert duration(minutes) == shown


# --- The course page --------------------------------------------------------


@pytest.fixture
def co_instructor(db, instructor):
    return InstructorFactory(first_name="Cora", last_name="Coteacher")


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(first_name="Olaf", last_name="Otherclass")


COURSE_STATES = {
    "draft": {"status": CourseStatus.DRAFT, "visibility": Visibility.PUBLIC},
    "published": {"status": CourseStatus.PUBLISHED, "visibility": Visibility.PUBLIC},
    "hidden": {"status": CourseStatus.PUBLISHED, "visibility": Visibility.HIDDEN},
    "archived": {
        "status": CourseStatus.PUBLISHED,
        "visibility": Visibility.ARCHIVED,
    },
}

# Who may open a course page in each state (SPEC section 4). Drafts and
# archived courses are 404 to everyone who does not teach them; learners
# enrolled in an archived course keep it (karma/enrollments/tests).
COURSE_PAGE_ACCESS = [
    ("admin", "draft", 200),
    ("admin", "published", 200),
    ("admin", "hidden", 200),
    ("admin", "archived", 200),
    ("instructor", "draft", 200),
    ("instructor", "published", 200),
    ("instructor", "hidden", 200),
    ("instructor", "archived", 200),
    ("co_instructor", "draft", 200),
    ("co_instructor", "published", 200),
    ("co_instructor", "hidden", 200),
    ("co_instructor", "archived", 200),
    ("other_instructor", "draft", 404),
    ("other_instructor", "published", 200),
    ("other_instructor", "hidden", 200),
    ("other_instructor", "archived", 404),
    ("learner", "draft", 404),
    ("learner", "published", 200),
    ("learner", "hidden", 200),
    ("learner", "archived", 404),
]


def _course_in_state(state: str, *, owner, co_instructor):
    course = CourseFactory(title="Fire drills", owner=owner, **COURSE_STATES[state])
    CourseInstructor.objects.create(course=course, instructor=co_instructor)
    return course


@pytest.mark.parametrize(("role", "state", "expected"), COURSE_PAGE_ACCESS)
def test_course_page_access_by_role_and_state(
    request, client, instructor, co_instructor, role, state, expected
):
    course = _course_in_state(state, owner=instructor, co_instructor=co_instructor)
    client.force_login(request.getfixturevalue(role))

    response = client.get(_detail_url(course))

    assert response.status_code == expected
    if expected == 200:
        assert "Fire drills" in response.content.decode()
    else:
        assert "Fire drills" not in response.content.decode()


@pytest.mark.parametrize("state", list(COURSE_STATES))
def test_course_page_sends_strangers_to_sign_in(
    client, instructor, co_instructor, state
):
    course = _course_in_state(state, owner=instructor, co_instructor=co_instructor)

    response = client.get(_detail_url(course))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_course_page_of_unknown_id_is_404(learner_client):
    assert learner_client.get("/courses/crs_nothing_here/").status_code == 404


@pytest.mark.parametrize(
    ("role", "sees_link"),
    [
        ("admin", True),
        ("instructor", True),
        ("co_instructor", True),
        ("other_instructor", False),
        ("learner", False),
    ],
)
def test_course_page_links_the_editor_for_its_staff_only(
    request, client, instructor, co_instructor, role, sees_link
):
    course = _course_in_state(
        "published", owner=instructor, co_instructor=co_instructor
    )
    client.force_login(request.getfixturevalue(role))

    content = client.get(_detail_url(course)).content.decode()

    assert (reverse("courses:editor", args=[course.public_id]) in content) is sees_link


def test_course_page_marks_a_draft_for_its_staff(instructor_client, instructor):
    course = CourseFactory(owner=instructor)

    response = instructor_client.get(_detail_url(course))

    assert ">Draft</span>" in response.content.decode()
    # A draft is not in the catalog: its staff came from their Courses list.
    assert response.context["nav_section"] == "courses"


def test_course_page_of_a_catalog_course_belongs_to_the_catalog(
    instructor_client, instructor
):
    course = PublishedCourseFactory(owner=instructor)

    response = instructor_client.get(_detail_url(course))

    assert ">Draft</span>" not in response.content.decode()
    assert response.context["nav_section"] == "catalog"


def _build_course(owner):
    """A course built through the services, with modules reordered after."""
    course = services.create_course(
        owner=owner,
        details=services.CourseDetails("Fire safety", "Stay safe.", "Safety", 95),
    )
    first = services.add_module(course=course, name="Before a fire")
    second = services.add_module(course=course, name="During a fire")
    services.add_lesson(
        module=first,
        data=LessonInput(
            title="Know your exits",
            type="text",
            body="<p>Exits</p>",
            estimated_minutes=5,
        ),
    )
    services.add_lesson(
        module=first,
        data=LessonInput(
            title="Extra reading",
            type="text",
            body="<p>More</p>",
            estimated_minutes=75,
            required=False,
        ),
    )
    services.add_lesson(
        module=second,
        data=LessonInput(
            title="Raise the alarm",
            type="video",
            video_url="https://video.example.com/alarm.mp4",
            estimated_minutes=3,
        ),
    )
    services.add_lesson(module=second, data=LessonInput(title="Check", type="quiz"))
    services.reorder_modules(
        course=course, module_ids=[second.public_id, first.public_id]
    )
    services.publish_course(course=course)
    return course


def test_course_page_shows_the_outline_in_order(learner_client, instructor):
    course = _build_course(instructor)

    response = learner_client.get(_detail_url(course))

    content = response.content.decode()
    order = [
        "Module 1: During a fire",
        "Raise the alarm",
        "Check",
        "Module 2: Before a fire",
        "Know your exits",
        "Extra reading",
    ]
    positions = [content.index(text) for text in order]
    assert positions == sorted(positions)
    assert [m.name for m in response.context["outline"]] == [
        "During a fire",
        "Before a fire",
    ]
    assert response.context["lesson_count"] == 4


def test_course_page_shows_lesson_types_durations_and_optional_marks(
    learner_client, instructor
):
    course = _build_course(instructor)

    content = learner_client.get(_detail_url(course)).content.decode()

    for label in (">Video</span>", ">Text</span>", ">Quiz</span>"):
        assert label in content
    assert "1 h 15 min" in content  # the optional lesson's 75 minutes
    assert "1 h 35 min" in content  # the course's estimate
    assert content.count(">Optional</span>") == 1
    assert "2 modules, 4 lessons" in content


def test_course_page_names_owner_and_added_instructors(
    learner_client, instructor, co_instructor
):
    course = _course_in_state(
        "published", owner=instructor, co_instructor=co_instructor
    )

    response = learner_client.get(_detail_url(course))

    assert [person.name for person in response.context["instructors"]] == [
        "Ivan Instructor",
        "Cora Coteacher",
    ]
    assert "ivan@example.com" not in response.content.decode()


def test_course_page_links_only_the_prerequisites_the_viewer_may_open(
    learner_client, instructor
):
    course = PublishedCourseFactory(title="Advanced", owner=instructor)
    basics = PublishedCourseFactory(title="Basics", owner=instructor)
    secret = CourseFactory(title="Unpublished basics", owner=instructor)
    services.update_settings(
        course=course,
        enrollment_type="open",
        visibility="public",
        prerequisites=[basics, secret],
        require_passing_quizzes=False,
        certificate_enabled=False,
    )

    content = learner_client.get(_detail_url(course)).content.decode()

    assert f'<a href="{_detail_url(basics)}">Basics</a>' in content
    assert "Unpublished basics" in content
    assert _detail_url(secret) not in content


def test_course_page_queries_do_not_grow_with_the_outline(
    learner_client, instructor, co_instructor
):
    small = PublishedCourseFactory(owner=instructor)
    LessonFactory(module=ModuleFactory(course=small))
    big = PublishedCourseFactory(owner=instructor)
    for _ in range(4):
        module = ModuleFactory(course=big)
        for _ in range(5):
            LessonFactory(module=module)
    for person in (co_instructor, InstructorFactory(), InstructorFactory()):
        CourseInstructor.objects.create(course=big, instructor=person)

    assert _queries(learner_client, _detail_url(big)) == _queries(
        learner_client, _detail_url(small)
    )


def test_course_page_offers_enroll_on_open_courses(learner_client):
    course = PublishedCourseFactory()

    content = learner_client.get(_detail_url(course)).content.decode()

    assert reverse("enrollments:self_enroll", args=[course.public_id]) in content


def test_course_page_escapes_markup(learner_client, instructor):
    course = PublishedCourseFactory(
        title=XSS, description=XSS, category=XSS, owner=instructor
    )
    module = ModuleFactory(course=course, name=XSS, description=XSS)
    LessonFactory(module=module, title=XSS)

    content = learner_client.get(_detail_url(course)).content.decode()

    assert XSS not in content
    assert content.count(XSS_ESCAPED) >= 5

"""The course's Learners tab: the list, its search, filter, sort and pages,
and the drop, reactivate and remove actions, role by role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.models import CourseInstructor
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus

XSS = '<script>alert("x")</script>'


@pytest.fixture
def course(instructor):
    return PublishedCourseFactory(title="Fire safety", owner=instructor)


@pytest.fixture
def co_instructor(course):
    person = InstructorFactory(first_name="Cora", last_name="Coteacher")
    CourseInstructor.objects.create(course=course, instructor=person)
    return person


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(first_name="Olga", last_name="Other")


@pytest.fixture
def enrollment(course, learner):
    return _enroll(learner, course)


def _enroll(learner, course, **fields) -> Enrollment:
    return Enrollment.objects.create(
        learner=learner, course=course, source=EnrollmentSource.STAFF, **fields
    )


def _list_url(course) -> str:
    return reverse("enrollments:course_learners", args=[course.public_id])


def _action_url(action: str, course, enrollment) -> str:
    return reverse(
        f"enrollments:enrollment_{action}",
        args=[course.public_id, enrollment.public_id],
    )


def _names(response) -> list[str]:
    return [row.learner.first_name for row in response.context["page"].object_list]


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Who may use the tab --------------------------------------------------------


def _who(request, role: str, client):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


# role -> status for a published course, and for a draft.
ROLE_TABLE = [
    ("admin", 200, 200),
    ("instructor", 200, 200),
    ("co_instructor", 200, 200),
    ("other_instructor", 403, 404),
    ("learner", 403, 404),
    ("anonymous", "login", "login"),
]


def _expect(response, expected) -> None:
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(("role", "published", "draft"), ROLE_TABLE)
def test_learners_tab_by_role(
    request, client, instructor, co_instructor, role, published, draft
):
    live = PublishedCourseFactory(owner=instructor)
    unfinished = CourseFactory(owner=instructor)
    for course in (live, unfinished):
        CourseInstructor.objects.get_or_create(course=course, instructor=co_instructor)
    client = _who(request, role, client)

    _expect(client.get(_list_url(live)), published)
    _expect(client.get(_list_url(unfinished)), draft)


@pytest.mark.parametrize("action", ["drop", "reactivate"])
@pytest.mark.parametrize(("role", "published", "draft"), ROLE_TABLE)
def test_drop_and_reactivate_by_role(
    request, client, instructor, co_instructor, outsider, action, role, published, draft
):
    status = EnrollmentStatus.ACTIVE if action == "drop" else EnrollmentStatus.DROPPED
    live = PublishedCourseFactory(owner=instructor)
    CourseInstructor.objects.create(course=live, instructor=co_instructor)
    enrollment = _enroll(outsider, live, status=status)
    client = _who(request, role, client)

    _expect(client.get(_action_url(action, live, enrollment)), published)
    response = client.post(_action_url(action, live, enrollment), {"reason": "x"})

    if published == 200:
        assert response.status_code == 302
        assert Enrollment.objects.get().status != status
    else:
        _expect(response, published)
        assert Enrollment.objects.get().status == status


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", 200),
        ("instructor", 403),
        ("co_instructor", 403),
        ("other_instructor", 403),
        ("learner", 403),
        ("anonymous", "login"),
    ],
)
def test_only_admins_remove(
    request, client, course, co_instructor, enrollment, role, expected
):
    client = _who(request, role, client)

    _expect(client.get(_action_url("remove", course, enrollment)), expected)
    response = client.post(_action_url("remove", course, enrollment))

    if expected == 200:
        assert response.status_code == 302
        assert not Enrollment.objects.exists()
    else:
        _expect(response, expected)
        assert Enrollment.objects.filter(pk=enrollment.pk).exists()


@pytest.mark.parametrize("action", ["drop", "reactivate", "remove"])
def test_an_enrollment_of_another_course_is_not_found(
    admin_client, course, other_instructor, action
):
    elsewhere = PublishedCourseFactory(owner=other_instructor)
    foreign = _enroll(LearnerFactory(), elsewhere)

    url = _action_url(action, course, foreign)

    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url).status_code == 404
    assert Enrollment.objects.get(pk=foreign.pk).status == EnrollmentStatus.ACTIVE


def test_an_unknown_course_is_not_found(admin_client):
    assert admin_client.get("/manage/courses/crs_nothing/learners/").status_code == 404


def test_the_editor_has_a_learners_tab(instructor_client, course):
    editor = reverse("courses:editor", args=[course.public_id])

    content = instructor_client.get(editor).content.decode()
    tab = instructor_client.get(_list_url(course))

    assert f'href="{_list_url(course)}">Learners</a>' in content
    assert 'aria-current="page" href="' + _list_url(course) in tab.content.decode()


# --- What the list shows --------------------------------------------------------------


def test_lists_learners_with_every_column(instructor_client, learner, course):
    enrolled_at = timezone.now() - timedelta(days=3)
    _enroll(learner, course, progress_percent=35, enrolled_at=enrolled_at)

    response = instructor_client.get(_list_url(course))

    content = response.content.decode()
    for text in (
        "Lea Learner",
        "lea@example.com",
        "Active",
        'aria-valuenow="35"',
        'aria-label="Progress of Lea Learner"',
        enrolled_at.strftime("%-d %b %Y"),
        "Never",
        reverse("accounts:user_profile", args=[learner.public_id]),
    ):
        assert text in content
    for label in ("Name", "Email", "Status", "Progress", "Enrolled", "Last active"):
        assert f"{label}</a>" in content or f"{label} <span" in content


def test_offers_the_row_actions_that_apply(admin_client, instructor_client, course):
    active = _enroll(LearnerFactory(), course)
    dropped = _enroll(LearnerFactory(), course, status=EnrollmentStatus.DROPPED)

    as_admin = admin_client.get(_list_url(course)).content.decode()
    as_instructor = instructor_client.get(_list_url(course)).content.decode()

    assert _action_url("drop", course, active) in as_admin
    assert _action_url("reactivate", course, active) not in as_admin
    assert _action_url("reactivate", course, dropped) in as_admin
    assert _action_url("remove", course, active) in as_admin
    assert _action_url("drop", course, active) in as_instructor
    assert _action_url("remove", course, active) not in as_instructor


def test_links_to_bulk_enroll_once_it_exists(instructor_client, course):
    content = instructor_client.get(_list_url(course)).content.decode()

    try:
        bulk = reverse("enrollments:bulk_start", args=[course.public_id])
    except NoReverseMatch:
        assert "Bulk Enroll" not in content
    else:
        assert f'href="{bulk}">Bulk Enroll' in content
    assert reverse("enrollments:course_enroll", args=[course.public_id]) in content


def test_searches_names_ignoring_case_and_accents(instructor_client, course):
    _enroll(LearnerFactory(first_name="Zoë", last_name="Núñez"), course)
    _enroll(LearnerFactory(first_name="Adam", last_name="Smith"), course)

    response = instructor_client.get(_list_url(course), {"q": "NUNEZ"})

    assert _names(response) == ["Zoë"]


def test_searches_name_words_in_any_order(instructor_client, course):
    _enroll(LearnerFactory(first_name="Amara", last_name="Okoye"), course)
    _enroll(LearnerFactory(first_name="Amara", last_name="Smith"), course)

    response = instructor_client.get(_list_url(course), {"q": "okoye amara"})

    assert _names(response) == ["Amara"]
    assert "Okoye" in response.content.decode()


def test_searches_email(instructor_client, course):
    _enroll(LearnerFactory(first_name="Mail", email="findme@example.org"), course)
    _enroll(LearnerFactory(first_name="Other"), course)

    response = instructor_client.get(_list_url(course), {"q": "FINDME@"})

    assert _names(response) == ["Mail"]


def test_filters_by_status(instructor_client, course):
    _enroll(LearnerFactory(first_name="Anna"), course)
    _enroll(LearnerFactory(first_name="Carl"), course, status="completed")
    _enroll(LearnerFactory(first_name="Dora"), course, status="dropped")

    by_status = {
        status: _names(instructor_client.get(_list_url(course), {"status": status}))
        for status in ("active", "completed", "dropped", "", "nonsense")
    }

    assert by_status == {
        "active": ["Anna"],
        "completed": ["Carl"],
        "dropped": ["Dora"],
        "": ["Anna", "Carl", "Dora"],
        "nonsense": ["Anna", "Carl", "Dora"],
    }


def test_answers_htmx_with_the_results_only(instructor_client, course, enrollment):
    response = instructor_client.get(
        _list_url(course), {"q": "lea"}, headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert "<html" not in content
    assert "Lea Learner" in content
    assert "HX-Request" in response["Vary"]


@pytest.fixture
def three_learners(course):
    now = timezone.now()
    rows = [
        # first name, email, status, progress, enrolled days ago, active days ago
        ("Bea", "c@example.com", "completed", 100, 1, None),
        ("Ann", "b@example.com", "active", 50, 3, 1),
        ("Cid", "a@example.com", "dropped", 10, 2, 5),
    ]
    for name, email, status, progress, enrolled, active in rows:
        _enroll(
            LearnerFactory(first_name=name, last_name="X", email=email),
            course,
            status=status,
            progress_percent=progress,
            enrolled_at=now - timedelta(days=enrolled),
            last_active_at=None if active is None else now - timedelta(days=active),
        )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Ann", "Bea", "Cid"]),
        ("-name", ["Cid", "Bea", "Ann"]),
        ("email", ["Cid", "Ann", "Bea"]),
        ("-email", ["Bea", "Ann", "Cid"]),
        ("status", ["Ann", "Bea", "Cid"]),
        ("-status", ["Cid", "Bea", "Ann"]),
        ("progress", ["Cid", "Ann", "Bea"]),
        ("-progress", ["Bea", "Ann", "Cid"]),
        ("enrolled", ["Ann", "Cid", "Bea"]),
        ("-enrolled", ["Bea", "Cid", "Ann"]),
        # Never active sorts last either way.
        ("last_active", ["Cid", "Ann", "Bea"]),
        ("-last_active", ["Ann", "Cid", "Bea"]),
        ("unknown", ["Ann", "Bea", "Cid"]),
    ],
)
def test_sorts_by_every_column(
    instructor_client, course, three_learners, sort, expected
):
    response = instructor_client.get(_list_url(course), {"sort": sort})

    assert _names(response) == expected


def test_header_links_flip_the_sort_and_say_so(instructor_client, course):
    response = instructor_client.get(_list_url(course), {"sort": "progress"})

    content = response.content.decode()
    assert 'aria-sort="ascending"' in content
    assert "sort=-progress" in content


def test_pages_hold_fifty_learners(instructor_client, course):
    for _ in range(51):
        _enroll(LearnerFactory(), course)

    first = instructor_client.get(_list_url(course))
    second = instructor_client.get(_list_url(course), {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1
    assert "page 1 of 2" in first.content.decode()


def test_costs_the_same_for_few_or_many_learners(
    instructor_client, course, django_assert_max_num_queries
):
    def count_queries(extra: int) -> int:
        for _ in range(extra):
            _enroll(LearnerFactory(), course, last_active_at=timezone.now())
        with django_assert_max_num_queries(100) as captured:
            instructor_client.get(_list_url(course))
        return len(captured.captured_queries)

    # The first request of a session also stores "last active".
    instructor_client.get(_list_url(course))
    few = count_queries(1)
    many = count_queries(30)

    assert many == few


def test_escapes_course_titles_and_learner_names(admin_client, instructor):
    course = PublishedCourseFactory(title=XSS, owner=instructor)
    _enroll(LearnerFactory(first_name=XSS, last_name=XSS), course)

    content = admin_client.get(_list_url(course)).content.decode()

    assert XSS not in content
    assert "&lt;script&gt;" in content


# --- Row actions ------------------------------------------------------------------


def test_asks_for_a_reason_before_dropping(instructor_client, course, enrollment):
    response = instructor_client.get(_action_url("drop", course, enrollment))

    content = response.content.decode()
    assert "Drop Lea Learner from this course?" in content
    assert 'name="reason"' in content
    assert Enrollment.objects.get().status == EnrollmentStatus.ACTIVE


def test_drops_with_the_reason_and_returns_to_the_list(
    instructor_client, instructor, course, enrollment
):
    back = f"{_list_url(course)}?status=active&sort=-progress"

    response = instructor_client.post(
        _action_url("drop", course, enrollment),
        {"reason": "Left the team", "next": back},
    )

    assert response.status_code == 302
    assert response["Location"] == back
    assert _messages(response) == [
        "Dropped Lea Learner from this course. Their progress is kept."
    ]
    assert Enrollment.objects.get().status == EnrollmentStatus.DROPPED
    event = AuditEvent.objects.get(kind=AuditKind.ENROLLMENT_DROPPED)
    assert (event.actor, event.reason) == (instructor, "Left the team")


def test_reactivates_a_dropped_enrollment(co_instructor, client, course, enrollment):
    enrollment.status = EnrollmentStatus.DROPPED
    enrollment.save()
    client.force_login(co_instructor)

    response = client.post(_action_url("reactivate", course, enrollment))

    assert response["Location"] == _list_url(course)
    assert Enrollment.objects.get().status == EnrollmentStatus.ACTIVE
    event = AuditEvent.objects.get(kind=AuditKind.ENROLLMENT_REACTIVATED)
    assert (event.actor, event.reason) == (co_instructor, "")


def test_removes_with_the_reason(admin_client, admin, course, enrollment):
    response = admin_client.post(
        _action_url("remove", course, enrollment), {"reason": "Wrong person"}
    )

    assert response.status_code == 302
    assert not Enrollment.objects.exists()
    event = AuditEvent.objects.get(kind=AuditKind.ENROLLMENT_REMOVED)
    assert (event.actor, event.reason, event.target) == (
        admin,
        "Wrong person",
        enrollment.public_id,
    )


def test_refusing_a_transition_says_why(instructor_client, course, enrollment):
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.save()

    response = instructor_client.post(_action_url("drop", course, enrollment))

    assert _messages(response) == ["Only an active enrollment can be dropped."]
    assert Enrollment.objects.get().status == EnrollmentStatus.COMPLETED


def test_keeps_a_too_long_reason_with_an_error(instructor_client, course, enrollment):
    reason = "r" * 501

    response = instructor_client.post(
        _action_url("drop", course, enrollment), {"reason": reason}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "at most 500 characters" in content
    assert f'value="{reason}"' in content
    assert Enrollment.objects.get().status == EnrollmentStatus.ACTIVE


def test_ignores_a_next_address_off_the_site(instructor_client, course, enrollment):
    response = instructor_client.post(
        _action_url("drop", course, enrollment), {"next": "https://evil.example/"}
    )

    assert response["Location"] == _list_url(course)


def test_action_pages_escape_learner_names(admin_client, course):
    person = LearnerFactory(first_name=XSS, last_name="X")
    enrollment = _enroll(person, course)

    for action in ("drop", "remove"):
        content = admin_client.get(_action_url(action, course, enrollment)).content
        assert XSS not in content.decode()

"""Enrolling one person from the pages: the Enroll button of the catalog and
the course page, Enroll in Course on a profile, Enroll a learner on the
Learners tab, and what the dashboard and the profile show afterwards."""

from __future__ import annotations

import threading

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.audit.models import AuditEvent
from karma.courses.models import CourseInstructor, EnrollmentType, Visibility
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus
from karma.enrollments.services.enrollments import drop_enrollment, self_enroll

XSS = '<script>alert("x")</script>'
CATALOG = reverse("courses:catalog")
DASHBOARD = reverse("web:dashboard")


@pytest.fixture
def course(instructor):
    return PublishedCourseFactory(title="Fire safety", owner=instructor)


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(first_name="Olga", last_name="Other")


def _enroll_url(course) -> str:
    return reverse("enrollments:self_enroll", args=[course.public_id])


def _course_page(course) -> str:
    return reverse("courses:course_detail", args=[course.public_id])


def _profile(user) -> str:
    return reverse("accounts:user_profile", args=[user.public_id])


def _learner_enroll(user) -> str:
    return reverse("enrollments:learner_enroll", args=[user.public_id])


def _course_enroll(course) -> str:
    return reverse("enrollments:course_enroll", args=[course.public_id])


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _enroll(learner, course, **fields) -> Enrollment:
    return Enrollment.objects.create(
        learner=learner, course=course, source=EnrollmentSource.STAFF, **fields
    )


# --- The Enroll button ------------------------------------------------------------


def test_enrolls_from_the_catalog_and_shows_the_course(learner_client, learner, course):
    response = learner_client.post(
        _enroll_url(course), {"from": "catalog", "next": f"{CATALOG}?q=fire"}
    )

    assert response.status_code == 302
    assert response["Location"] == _course_page(course)
    assert _messages(response) == ["You are enrolled in “Fire safety”."]
    enrollment = Enrollment.objects.get(learner=learner, course=course)
    assert enrollment.source == EnrollmentSource.SELF


def test_enrolled_learner_sees_you_are_enrolled_and_a_way_on(
    learner_client, learner, course
):
    self_enroll(learner=learner, course=course)

    catalog = learner_client.get(CATALOG).content.decode()
    page = learner_client.get(_course_page(course)).content.decode()

    assert "You are enrolled" in catalog
    assert f'href="{_course_page(course)}">Continue' in catalog
    assert _enroll_url(course) not in catalog
    assert "You are enrolled" in page
    assert _enroll_url(course) not in page
    assert 'aria-label="Your progress in this course"' in page


def test_double_click_makes_one_enrollment_and_both_succeed(
    learner_client, learner, course
):
    first = learner_client.post(_enroll_url(course), {"from": "course"})
    second = learner_client.post(_enroll_url(course), {"from": "course"})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == _course_page(course)
    # Neither redirect was followed, so the second page would show both.
    assert _messages(second) == [
        "You are enrolled in “Fire safety”.",
        "You are already enrolled in “Fire safety”.",
    ]
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 1


# Course set-up -> the reason shown when the learner presses Enroll.
REFUSALS = [
    ({"enrollment_type": EnrollmentType.INVITE_ONLY}, "course", "invite-only"),
    ({"visibility": Visibility.HIDDEN}, "catalog", "not open for enrollment"),
]


@pytest.mark.parametrize(("fields", "origin", "reason"), REFUSALS)
def test_refuses_with_the_reason_and_goes_back(
    learner_client, learner, instructor, fields, origin, reason
):
    course = PublishedCourseFactory(owner=instructor, **fields)
    back = f"{CATALOG}?q=x" if origin == "catalog" else _course_page(course)

    response = learner_client.post(_enroll_url(course), {"from": origin, "next": back})

    assert response.status_code == 302
    assert response["Location"] == back
    (message,) = _messages(response)
    assert reason in message
    assert not Enrollment.objects.filter(learner=learner).exists()


def test_hidden_course_enrolls_from_its_own_page(learner_client, learner, instructor):
    course = PublishedCourseFactory(owner=instructor, visibility=Visibility.HIDDEN)

    learner_client.post(_enroll_url(course), {"from": "course"})

    assert Enrollment.objects.filter(learner=learner, course=course).exists()


def test_refusal_names_the_missing_prerequisites(learner_client, learner, course):
    for title in ("Ladders", "First aid"):
        course.prerequisites.add(
            PublishedCourseFactory(title=title, owner=course.owner)
        )

    response = learner_client.post(_enroll_url(course), {"from": "course"})

    assert _messages(response) == [
        "Complete these courses first: “First aid”, “Ladders”."
    ]
    assert response["Location"] == _course_page(course)
    assert not Enrollment.objects.exists()


def test_refuses_an_archived_course_with_the_reason(learner_client, learner, course):
    # A learner who completed it keeps the page, but may not start again.
    _enroll(learner, course, status=EnrollmentStatus.COMPLETED, progress_percent=100)
    course.visibility = Visibility.ARCHIVED
    course.save()

    page = learner_client.get(_course_page(course)).content.decode()
    response = learner_client.post(_enroll_url(course), {"from": "course"})

    assert "archived and takes no new enrollments" in page
    assert _enroll_url(course) not in page
    assert _messages(response) == [
        "This course is archived and takes no new enrollments."
    ]
    assert Enrollment.objects.count() == 1


def test_invite_only_courses_show_a_note_instead_of_enroll(learner_client, instructor):
    course = PublishedCourseFactory(
        owner=instructor, enrollment_type=EnrollmentType.INVITE_ONLY
    )

    for url in (CATALOG, _course_page(course)):
        content = learner_client.get(url).content.decode()
        assert "Invite-only: ask an instructor" in content
        assert _enroll_url(course) not in content


def test_completed_learners_may_enroll_again(learner_client, learner, course):
    done = _enroll(learner, course, status=EnrollmentStatus.COMPLETED)

    page = learner_client.get(_course_page(course)).content.decode()
    learner_client.post(_enroll_url(course), {"from": "course"})

    assert "Enroll again" in page
    assert "starts a new enrollment from 0%" in page
    assert Enrollment.objects.exclude(pk=done.pk).get().status == "active"


def test_ignores_a_next_address_off_the_site(learner_client, course):
    course.enrollment_type = EnrollmentType.INVITE_ONLY
    course.save()

    response = learner_client.post(
        _enroll_url(course), {"from": "catalog", "next": "https://evil.example/"}
    )

    assert response["Location"] == _course_page(course)


def test_draft_course_is_not_found_for_enroll(learner_client, instructor):
    draft = CourseFactory(owner=instructor)

    response = learner_client.post(_enroll_url(draft), {"from": "course"})

    assert response.status_code == 404
    assert not Enrollment.objects.exists()


def test_enroll_wants_a_post_and_a_signed_in_person(client, learner_client, course):
    assert learner_client.get(_enroll_url(course)).status_code == 405
    response = client.post(_enroll_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Enrollment.objects.exists()


def _post_together(clients, url: str) -> list:
    barrier = threading.Barrier(len(clients))
    responses: list = []
    errors: list[BaseException] = []

    def press(client: Client) -> None:
        try:
            barrier.wait(timeout=10)
            responses.append(client.post(url, {"from": "course"}))
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return responses


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_clicks_make_one_enrollment_and_ten_successes():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "SQLite's in-memory test database is shared between threads in "
            "shared-cache mode, where a second writer fails at once with "
            "'table is locked' instead of waiting; run on PostgreSQL"
        )
    learner = LearnerFactory()
    course = PublishedCourseFactory()
    clients = [_client(learner) for _ in range(10)]

    responses = _post_together(clients, _enroll_url(course))

    assert [response.status_code for response in responses] == [302] * 10
    assert {response["Location"] for response in responses} == {_course_page(course)}
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 1
    assert AuditEvent.objects.filter(kind="enrollment.created").count() == 1


# --- Enroll in Course, on a profile -------------------------------------------------


def test_admin_sees_enroll_in_course_on_a_profile(admin_client, learner):
    content = admin_client.get(_profile(learner)).content.decode()

    assert "Enroll in Course" in content
    assert f'hx-get="{_learner_enroll(learner)}"' in content


def test_learners_see_no_enroll_in_course_on_their_profile(learner_client):
    content = learner_client.get(reverse("accounts:my_profile")).content.decode()

    assert "Enroll in Course" not in content


def test_search_lists_only_courses_the_viewer_may_enroll_into(
    instructor_client, instructor, learner, course, other_instructor
):
    _enroll(learner, course)
    mine = PublishedCourseFactory(title="Fire wardens", owner=instructor)
    PublishedCourseFactory(title="Fire drills", owner=other_instructor)
    CourseFactory(title="Fire draft", owner=instructor)
    PublishedCourseFactory(
        title="Fire archive", owner=instructor, visibility=Visibility.ARCHIVED
    )

    response = instructor_client.get(
        _learner_enroll(learner), {"q": "fire"}, headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert "<html" not in content
    assert "Fire wardens" in content and f"course={mine.public_id}" in content
    # Already in "Fire safety": listed, but not offered again.
    assert "Fire safety" in content and f"course={course.public_id}" not in content
    for hidden in ("Fire drills", "Fire draft", "Fire archive"):
        assert hidden not in content


def test_admin_search_reaches_every_course_in_any_case(
    admin_client, learner, other_instructor
):
    PublishedCourseFactory(title="Ladder safety", owner=other_instructor)

    response = admin_client.get(
        _learner_enroll(learner), {"q": "LADDER"}, headers={"HX-Request": "true"}
    )

    assert "Ladder safety" in response.content.decode()


def test_search_needs_two_letters(admin_client, learner, course):
    response = admin_client.get(
        _learner_enroll(learner), {"q": "f"}, headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert "Type at least two letters." in content
    assert "Fire safety" not in content


def test_confirm_step_names_what_staff_enrollment_skips(
    admin_client, learner, instructor
):
    course = PublishedCourseFactory(
        title="Advanced rescue",
        owner=instructor,
        enrollment_type=EnrollmentType.INVITE_ONLY,
    )
    course.prerequisites.add(PublishedCourseFactory(title="Ladders 101"))

    response = admin_client.get(_learner_enroll(learner), {"course": course.public_id})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Enroll Lea Learner in “Advanced rescue”?" in content
    assert "invite-only; staff enrollment skips that" in content
    assert "Enrolled without the prerequisites “Ladders 101”" in content
    assert not Enrollment.objects.exists()


def test_enrolls_from_the_profile_and_shows_it_at_once(
    admin_client, admin, learner, course, run_on_commit
):
    with run_on_commit():
        response = admin_client.post(
            _learner_enroll(learner), {"course": course.public_id, "reason": "Onboard"}
        )

    assert response.status_code == 302
    assert response["Location"] == _profile(learner)
    assert _messages(response) == ["Enrolled Lea Learner in “Fire safety”."]
    enrollment = Enrollment.objects.get(learner=learner, course=course)
    assert (enrollment.source, enrollment.enrolled_by) == ("staff", admin)
    assert AuditEvent.objects.get(kind="enrollment.created").reason == "Onboard"
    assert [message.to for message in mail.outbox] == [[learner.email]]

    profile = admin_client.get(_profile(learner)).content.decode()
    assert "Fire safety" in profile and "Not started" in profile
    assert 'aria-valuenow="0"' in profile
    dashboard = _client(learner).get(DASHBOARD).content.decode()
    assert "Fire safety" in dashboard and _course_page(course) in dashboard


def test_enrolling_shows_the_skipped_rules_as_warnings(admin_client, learner, course):
    course.enrollment_type = EnrollmentType.INVITE_ONLY
    course.save()

    response = admin_client.post(_learner_enroll(learner), {"course": course.public_id})

    assert _messages(response) == [
        "Enrolled Lea Learner in “Fire safety”.",
        "The course is invite-only; staff enrollment skips that.",
    ]


def test_already_enrolled_changes_nothing(admin_client, learner, course):
    enrollment = self_enroll(learner=learner, course=course).enrollment
    events = AuditEvent.objects.count()

    response = admin_client.post(_learner_enroll(learner), {"course": course.public_id})

    assert _messages(response) == ["Lea Learner is already enrolled in “Fire safety”."]
    assert list(Enrollment.objects.all()) == [enrollment]
    assert AuditEvent.objects.count() == events


def test_shows_the_services_refusal(admin_client, learner, instructor):
    draft = CourseFactory(title="Unfinished", owner=instructor)

    response = admin_client.post(
        _learner_enroll(learner), {"course": draft.public_id, "reason": "Keep me"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "This course is a draft. Publish it before enrolling learners." in content
    assert not Enrollment.objects.exists()


def test_keeps_the_input_when_the_reason_is_too_long(admin_client, learner, course):
    reason = "x" * 501

    response = admin_client.post(
        _learner_enroll(learner), {"course": course.public_id, "reason": reason}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 500 characters" in content
    assert f'value="{reason}"' in content
    assert 'aria-invalid="true"' in content
    assert not Enrollment.objects.exists()


def test_asks_for_a_course_when_none_was_posted(admin_client, learner):
    response = admin_client.post(_learner_enroll(learner), {"course": ""})

    assert response.status_code == 200
    assert "Choose a course from the search results." in response.content.decode()
    assert not Enrollment.objects.exists()


def test_refuses_enrolling_a_deactivated_account_from_the_profile(admin_client, course):
    gone = LearnerFactory(is_active=False)

    page = admin_client.get(_learner_enroll(gone), {"course": course.public_id})
    response = admin_client.post(_learner_enroll(gone), {"course": course.public_id})

    assert "This account is deactivated" in page.content.decode()
    assert "This account is deactivated." in response.content.decode()
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("who", "whose", "course_of", "expected"),
    [
        # A learner on their own profile: may see it, may not enroll.
        ("learner", "learner", "instructor", 403),
        # A learner about somebody else: that profile does not exist for them.
        ("learner", "outsider", "instructor", 404),
        # An instructor into a course someone else teaches.
        ("instructor", "learner", "other_instructor", 403),
        # An instructor about a person in none of their courses.
        ("other_instructor", "learner", "other_instructor", 404),
        ("anonymous", "learner", "instructor", "login"),
    ],
)
def test_enroll_in_course_refuses_the_wrong_people(
    request, client, learner, course, who, whose, course_of, expected
):
    _enroll(learner, course)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    target = PublishedCourseFactory(owner=request.getfixturevalue(course_of))
    url = _learner_enroll(request.getfixturevalue(whose))

    responses = [
        client.get(url, {"course": target.public_id}),
        client.post(url, {"course": target.public_id}),
    ]
    if who != "instructor":
        # The instructor may search their own courses for this person.
        responses.append(client.get(url, {"q": "course"}))
    for response in responses:
        if expected == "login":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))
        else:
            assert response.status_code == expected
    assert Enrollment.objects.filter(course=target).count() == 0


def test_an_unknown_course_in_the_form_is_not_found(admin_client, learner):
    response = admin_client.post(_learner_enroll(learner), {"course": "crs_nothing"})

    assert response.status_code == 404


# --- Enroll a learner, on the Learners tab ------------------------------------------


def test_finds_people_ignoring_case_and_accents(instructor_client, course):
    LearnerFactory(first_name="Zoë", last_name="Núñez", email="zoe@example.com")

    response = instructor_client.get(
        _course_enroll(course), {"q": "NUNEZ"}, headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert "Zoë Núñez" in content and "zoe@example.com" in content


def test_search_leaves_out_deactivated_accounts(instructor_client, course):
    LearnerFactory(first_name="Gone", last_name="Away", is_active=False)

    response = instructor_client.get(
        _course_enroll(course), {"q": "gone"}, headers={"HX-Request": "true"}
    )

    assert "Gone Away" not in response.content.decode()


def test_enrolls_a_picked_person_from_the_learners_tab(
    instructor_client, instructor, learner, course
):
    confirm = instructor_client.get(
        _course_enroll(course), {"learner": learner.public_id}
    )
    response = instructor_client.post(
        _course_enroll(course), {"learner": learner.public_id}
    )

    assert "Enroll Lea Learner in “Fire safety”?" in confirm.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "enrollments:course_learners", args=[course.public_id]
    )
    assert Enrollment.objects.get(course=course).enrolled_by == instructor


@pytest.mark.parametrize(
    ("who", "published", "expected"),
    [
        ("learner", True, 403),
        ("learner", False, 404),
        ("other_instructor", True, 403),
        ("other_instructor", False, 404),
        ("anonymous", True, "login"),
    ],
)
def test_enroll_a_learner_refuses_the_wrong_people(
    request, client, instructor, outsider, who, published, expected
):
    factory = PublishedCourseFactory if published else CourseFactory
    course = factory(owner=instructor)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    url = _course_enroll(course)

    for response in (
        client.get(url),
        client.get(url, {"learner": outsider.public_id}),
        client.post(url, {"learner": outsider.public_id}),
    ):
        if expected == "login":
            assert response.status_code == 302
        else:
            assert response.status_code == expected
    assert not Enrollment.objects.exists()


def test_co_instructors_enroll_too(client, learner, course):
    co = InstructorFactory()
    CourseInstructor.objects.create(course=course, instructor=co)
    client.force_login(co)

    client.post(_course_enroll(course), {"learner": learner.public_id})

    assert Enrollment.objects.filter(course=course, learner=learner).exists()


# --- The profile's Enrolled courses ---------------------------------------------


def test_profile_lists_every_enrollment_with_its_state(learner_client, learner):
    done = PublishedCourseFactory(title="Done course")
    going = PublishedCourseFactory(title="Going course")
    fresh = PublishedCourseFactory(title="Fresh course")
    _enroll(learner, done, status=EnrollmentStatus.COMPLETED, progress_percent=100)
    _enroll(learner, going, progress_percent=45)
    _enroll(learner, fresh)

    content = learner_client.get(reverse("accounts:my_profile")).content.decode()

    for text in (
        "Done course",
        "Going course",
        "Fresh course",
        "Complete",
        "In progress",
        "Not started",
        'aria-label="Progress in Going course"',
        'aria-valuenow="45"',
        "karma-progress-45",
    ):
        assert text in content


def test_instructors_see_only_their_courses_rows(
    instructor_client, instructor, learner, course, other_instructor
):
    _enroll(learner, course)
    _enroll(learner, PublishedCourseFactory(title="Not yours", owner=other_instructor))

    content = instructor_client.get(_profile(learner)).content.decode()

    assert "Fire safety" in content
    assert "Not yours" not in content
    assert "Only the courses you teach are shown." in content


def test_profile_costs_the_same_for_many_enrollments(
    admin_client, learner, django_assert_max_num_queries
):
    def count_queries(count: int) -> int:
        for _ in range(count):
            _enroll(learner, PublishedCourseFactory())
        with django_assert_max_num_queries(100) as captured:
            admin_client.get(_profile(learner))
        return len(captured.captured_queries)

    # The first request of a session also stores "last active".
    admin_client.get(_profile(learner))
    few = count_queries(1)
    many = count_queries(15)

    assert many == few


def test_profile_escapes_course_titles_and_names(admin_client, instructor):
    person = LearnerFactory(first_name=XSS, last_name=XSS)
    course = PublishedCourseFactory(title=XSS, owner=instructor)
    _enroll(person, course)

    content = admin_client.get(_profile(person)).content.decode()

    assert XSS not in content
    assert "&lt;script&gt;" in content


# --- The dashboard's My courses --------------------------------------------------


def test_dashboard_shows_active_and_completed_courses(learner_client, learner):
    active = PublishedCourseFactory(title="Active one")
    done = PublishedCourseFactory(title="Finished one")
    dropped = PublishedCourseFactory(title="Dropped one")
    _enroll(learner, active, progress_percent=30)
    _enroll(learner, done, status=EnrollmentStatus.COMPLETED, progress_percent=100)
    drop_enrollment(enrollment=_enroll(learner, dropped), dropped_by=None)

    content = learner_client.get(DASHBOARD).content.decode()

    assert "My courses" in content
    assert f'href="{_course_page(active)}"' in content
    assert f'href="{_course_page(done)}"' in content
    assert "Dropped one" not in content
    assert 'aria-label="Progress in Active one"' in content
    assert "Completed" in content and "Active" in content


def test_dashboard_points_to_the_catalog_when_nothing_is_enrolled(learner_client):
    content = learner_client.get(DASHBOARD).content.decode()

    assert "You are not enrolled in any course yet." in content
    assert f'href="{CATALOG}"' in content


def test_dashboard_escapes_course_titles(learner_client, learner):
    _enroll(learner, PublishedCourseFactory(title=XSS))

    content = learner_client.get(DASHBOARD).content.decode()

    assert XSS not in content

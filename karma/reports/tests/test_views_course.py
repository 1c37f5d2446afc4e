"""The course's Progress tab and one learner's detail, role by role.

The cast: the admin, the owner (the cast's instructor), an added
instructor (Cora), an instructor of another course, a learner enrolled in
the course, a learner who is not, and a stranger.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from karma.accounts.tests.factories import InstructorFactory
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.models import CourseStatus
from karma.courses.tests.factories import PublishedCourseFactory


def _progress_url(known) -> str:
    return reverse("reports:course_progress", args=[known.course.public_id])


def _detail_url(known, name: str = "Ben") -> str:
    return reverse(
        "reports:learner_progress",
        args=[known.course.public_id, known.enrollments[name].public_id],
    )


def _client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _as(role: str, known, request) -> Client:
    people = {
        "admin": lambda: request.getfixturevalue("admin"),
        "owner": lambda: request.getfixturevalue("instructor"),
        "co_instructor": lambda: known.co_instructor,
        "other_instructor": lambda: _other_instructor(),
        "enrolled_learner": lambda: known.enrollment("Ben").learner,
        "outsider": lambda: request.getfixturevalue("outsider"),
    }
    return _client_as(people[role]())


def _other_instructor():
    teacher = InstructorFactory(first_name="Olga", last_name="Other")
    PublishedCourseFactory(owner=teacher, title="Olga's course")
    return teacher


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", 200),
        ("owner", 200),
        ("co_instructor", 200),
        ("other_instructor", 403),
        ("enrolled_learner", 403),
        ("outsider", 403),
    ],
)
@pytest.mark.parametrize("page", ["progress", "detail"])
def test_pages_are_for_the_course_staff_only(known, request, role, expected, page):
    url = _progress_url(known) if page == "progress" else _detail_url(known)

    response = _as(role, known, request).get(url)

    assert response.status_code == expected


@pytest.mark.parametrize("page", ["progress", "detail"])
def test_outsiders_get_404_for_a_draft_course(known, outsider_client, page):
    known.course.status = CourseStatus.DRAFT
    known.course.save()
    url = _progress_url(known) if page == "progress" else _detail_url(known)

    assert outsider_client.get(url).status_code == 404


@pytest.mark.parametrize("page", ["progress", "detail"])
def test_strangers_are_sent_to_sign_in(known, client, page):
    url = _progress_url(known) if page == "progress" else _detail_url(known)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_progress_tab_shows_the_figures_and_the_matrix(known, instructor_client):
    html = instructor_client.get(_progress_url(known)).content.decode()

    assert 'aria-current="page" href="' + _progress_url(known) in html
    assert "16.7%" in html
    assert "41.7%" in html
    assert "7 learners in this course." in html
    for module in ("Basics", "Practice", "Extras"):
        assert f">{module}</th>" in html
    assert ">Not started</span>" in html
    assert ">Behind the class</span>" in html
    assert 'title="Best score below passing: 60% in “Check” (passing 70%)"' in html
    assert _detail_url(known) in html


def test_matrix_cells_draw_a_named_bar_or_a_dash(known, instructor_client):
    html = instructor_client.get(_progress_url(known)).content.decode()

    ben = known.enrollment("Ben").learner.name
    assert (
        f'role="progressbar" aria-label="Progress of {ben}"\n'
        '       aria-valuenow="75" aria-valuemin="0" aria-valuemax="100">\n'
        '    <div class="progress-bar karma-progress-75"></div>'
    ) in html
    assert f'aria-label="Basics, {ben}"' in html
    assert '<div class="progress-bar karma-progress-100 bg-success"></div>' in html
    # Extras has nothing required.
    assert 'title="Nothing required in this module">—</span>' in html


def test_progress_tab_answers_htmx_with_the_matrix_only(known, instructor_client):
    response = instructor_client.get(
        _progress_url(known) + "?status=completed", headers={"HX-Request": "true"}
    )
    html = response.content.decode()

    assert "<html" not in html
    assert "1 learner found." in html
    assert "Ana Known" in html
    assert "Ben Known" not in html
    assert "HX-Request" in response["Vary"]


def test_progress_tab_pages_twenty_five_learners(known, instructor_client):
    from karma.reports.tests.test_queries import add_learners

    add_learners(known.course, known.lessons, 0, 30)

    html = instructor_client.get(_progress_url(known) + "?page=2").content.decode()

    assert "37 learners in this course, page 2 of 2." in html


def test_pages_carry_no_inline_style_or_script(known, instructor_client):
    for url in (_progress_url(known), _detail_url(known)):
        html = instructor_client.get(url).content.decode()

        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert " onclick=" not in html


def test_bad_filters_fall_back_to_the_whole_class(known, instructor_client):
    url = _progress_url(known) + "?status=%3Cx%3E&sort=drop+table&page=banana"

    html = instructor_client.get(url).content.decode()

    assert "7 learners in this course." in html


def test_learner_detail_shows_lessons_attempts_and_time(known, instructor_client):
    html = instructor_client.get(_detail_url(known, "Ana")).content.decode()

    assert "Ana Known" in html
    assert "4 of 4 required lessons done" in html
    assert "17 min" in html
    assert "10 min" in html
    assert "Passed" in html


def test_learner_detail_of_another_course_is_404(known, instructor, instructor_client):
    from karma.reports.tests.known import build_course_structure

    other, _ = build_course_structure(instructor, title="Other")
    url = reverse(
        "reports:learner_progress",
        args=[other.public_id, known.enrollments["Ben"].public_id],
    )

    assert instructor_client.get(url).status_code == 404


def test_learner_detail_is_audited_as_a_profile_view(
    known, instructor, instructor_client
):
    ben = known.enrollment("Ben")

    instructor_client.get(_detail_url(known))

    event = AuditEvent.objects.get(kind=AuditKind.PROFILE_VIEWED)
    assert event.actor == instructor
    assert event.subject == ben.learner
    assert event.target == ben.public_id
    assert event.details == {
        "view": "course_progress",
        "course": known.course.public_id,
    }


def test_course_tabs_offer_progress(known, instructor_client):
    url = reverse("enrollments:course_learners", args=[known.course.public_id])

    html = instructor_client.get(url).content.decode()

    assert f'href="{_progress_url(known)}">Progress</a>' in html

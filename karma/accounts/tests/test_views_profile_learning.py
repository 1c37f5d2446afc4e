"""The learning sections of a profile: enrolled courses, assessment history
and certificates (SPEC section 3).

Lea takes two courses: "Fire safety", taught by Ivan (the instructor), and
"First aid", taught by Olga. Each has a quiz Lea tried and a certificate
she earned. Ivan sees only the Fire safety rows; admins and Lea see all.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from karma.accounts.tests.factories import InstructorFactory
from karma.assessments.models import Assessment, AttemptStatus
from karma.courses.models import LessonType
from karma.courses.tests.factories import (
    LessonFactory,
    ModuleFactory,
    PublishedCourseFactory,
)
from karma.learning.tests.records import attempt, complete, enroll

MY_PROFILE_URL = reverse("accounts:my_profile")


def _profile_url(user) -> str:
    return reverse("accounts:user_profile", args=[user.public_id])


def _course(owner, title: str, quiz_title: str):
    """A certificate course with one quiz, its only lesson."""
    course = PublishedCourseFactory(owner=owner, title=title, certificate_enabled=True)
    quiz = LessonFactory(
        module=ModuleFactory(course=course), title=quiz_title, type=LessonType.QUIZ
    )
    return course, quiz


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(first_name="Olga", last_name="Other")


@pytest.fixture
def history(instructor, other_instructor, learner) -> dict:
    """Both courses taken: Fire safety with a failed, a passed and a pending
    attempt, First aid with one passed attempt; both completed."""
    fire, fire_quiz = _course(instructor, "Fire safety", "Fire quiz")
    aid, aid_quiz = _course(other_instructor, "First aid", "Aid quiz")

    in_fire = enroll(fire, learner)
    attempt(in_fire, fire_quiz, number=1, score="40", passed=False, days_ago=3)
    attempt(in_fire, fire_quiz, number=2, score="85.5", passed=True, days_ago=2)
    attempt(
        in_fire,
        fire_quiz,
        number=3,
        score=None,
        status=AttemptStatus.PENDING_REVIEW,
        days_ago=1,
    )
    attempt(in_fire, fire_quiz, number=4, score=None, status=AttemptStatus.IN_PROGRESS)
    complete(in_fire, fire_quiz, passed=True)

    in_aid = enroll(aid, learner)
    attempt(in_aid, aid_quiz, number=1, score="100", passed=True, days_ago=5)
    complete(in_aid, aid_quiz, passed=True)
    return {
        "fire": learner.certificates.get(course=fire),
        "aid": learner.certificates.get(course=aid),
    }


def _section(html: str, heading_id: str) -> str:
    found = re.search(
        rf'<section aria-labelledby="{heading_id}".*?</section>', html, re.S
    )
    assert found, heading_id
    return found[0]


def _rows(section: str) -> list[list[str]]:
    """The text of each body row's cells."""
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S)
    if body is None:
        return []
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body[1], re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells])
    return rows


def _attempt_rows(response) -> list[list[str]]:
    # The date is left out: it is today's date minus a few days.
    section = _section(response.content.decode(), "assessments-heading")
    return [row[:5] for row in _rows(section)]


def _certificate_section(response) -> str:
    return _section(response.content.decode(), "certificates-heading")


# --- Assessment history -------------------------------------------------------


def test_lists_every_submitted_attempt_newest_first_for_admins(
    admin_client, learner, history
):
    response = admin_client.get(_profile_url(learner))

    assert response.status_code == 200
    assert _attempt_rows(response) == [
        ["Fire safety", "Fire quiz", "3", "—", "Pending review"],
        ["Fire safety", "Fire quiz", "2", "85.5%", "Passed"],
        ["Fire safety", "Fire quiz", "1", "40%", "Failed"],
        ["First aid", "Aid quiz", "1", "100%", "Passed"],
    ]


def test_dates_each_attempt(admin_client, learner, history):
    section = _section(
        admin_client.get(_profile_url(learner)).content.decode(),
        "assessments-heading",
    )

    assert len(re.findall(r"<time datetime=", section)) == 4


def test_shows_an_instructor_only_the_attempts_in_their_courses(
    instructor_client, learner, history
):
    response = instructor_client.get(_profile_url(learner))

    assert response.status_code == 200
    assert {row[0] for row in _attempt_rows(response)} == {"Fire safety"}
    assert "Aid quiz" not in response.content.decode()


def test_shows_the_other_instructor_only_their_course(
    other_instructor, learner, history
):
    client = Client()
    client.force_login(other_instructor)

    response = client.get(_profile_url(learner))

    assert _attempt_rows(response) == [["First aid", "Aid quiz", "1", "100%", "Passed"]]


def test_shows_a_learner_their_own_history_on_my_profile(learner_client, history):
    response = learner_client.get(MY_PROFILE_URL)

    assert len(_attempt_rows(response)) == 4


def test_keeps_hidden_results_from_the_learner_but_not_from_staff(
    learner_client, admin_client, learner, history
):
    Assessment.objects.filter(lesson__title="Fire quiz").update(show_results=False)

    own = _attempt_rows(learner_client.get(MY_PROFILE_URL))
    staff = _attempt_rows(admin_client.get(_profile_url(learner)))

    assert own[:3] == [
        ["Fire safety", "Fire quiz", str(number), "—", "Submitted; results not shown"]
        for number in (3, 2, 1)
    ]
    assert own[3] == ["First aid", "Aid quiz", "1", "100%", "Passed"]
    assert staff[1] == ["Fire safety", "Fire quiz", "2", "85.5%", "Passed"]


def test_says_so_when_there_are_no_attempts(learner_client, db):
    response = learner_client.get(MY_PROFILE_URL)

    section = _section(response.content.decode(), "assessments-heading")
    assert "No assessment attempts yet." in section


def test_hides_the_profile_from_another_learner(outsider_client, learner, history):
    response = outsider_client.get(_profile_url(learner))

    assert response.status_code == 404


# --- Certificates -------------------------------------------------------------


def test_lists_certificates_with_codes_and_downloads_for_admins(
    admin_client, learner, history
):
    section = _certificate_section(admin_client.get(_profile_url(learner)))

    for certificate in history.values():
        assert certificate.code in section
        assert f"/certificates/{certificate.public_id}/pdf/" in section


def test_shows_an_instructor_only_the_certificates_of_their_courses(
    instructor_client, learner, history
):
    section = _certificate_section(instructor_client.get(_profile_url(learner)))

    assert history["fire"].code in section
    assert history["aid"].code not in section
    assert history["aid"].public_id not in section


def test_links_only_to_pdfs_the_viewer_may_download(
    instructor_client, learner, history
):
    section = _certificate_section(instructor_client.get(_profile_url(learner)))

    for link in re.findall(r'href="(/certificates/[^"]+/pdf/)"', section):
        assert instructor_client.get(link).status_code == 200


def test_shows_a_learner_their_own_certificates_on_my_profile(learner_client, history):
    section = _certificate_section(learner_client.get(MY_PROFILE_URL))

    assert history["fire"].code in section
    assert history["aid"].code in section


# --- Enrolled courses ---------------------------------------------------------


def test_shows_progress_status_and_dates_of_each_enrollment(
    admin_client, admin, learner, history
):
    started = PublishedCourseFactory(owner=admin, title="Working at height")
    LessonFactory(module=ModuleFactory(course=started))
    LessonFactory(module=ModuleFactory(course=started))
    enrollment = enroll(started, learner)
    complete(enrollment, started.lessons.first())
    enroll(PublishedCourseFactory(owner=admin, title="Ladders"), learner)

    section = _section(
        admin_client.get(_profile_url(learner)).content.decode(), "courses-heading"
    )
    rows = {row[0]: row for row in _rows(section)}

    assert rows["Working at height"][1:4] == ["Active", "50%", "In progress"]
    assert rows["Ladders"][1:4] == ["Active", "0%", "Not started"]
    assert rows["Fire safety"][1:4] == ["Completed", "100%", "Complete"]
    assert rows["Fire safety"][5] != "—"
    assert rows["Ladders"][5] == "—"
    assert all(row[4] for row in rows.values())


# --- Cost ---------------------------------------------------------------------


def _more_history(learner, owner, count: int) -> None:
    for index in range(count):
        course, quiz = _course(owner, f"Course {index}", f"Quiz {index}")
        enrollment = enroll(course, learner)
        attempt(enrollment, quiz, number=1, score="90", passed=True)
        complete(enrollment, quiz, passed=True)


@pytest.mark.parametrize("who", ["admin", "instructor", "learner"])
def test_costs_the_same_queries_however_long_the_history(
    request, learner, instructor, django_assert_max_num_queries, who
):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    url = MY_PROFILE_URL if who == "learner" else _profile_url(learner)
    _more_history(learner, instructor, 2)
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(url).status_code == 200

    _more_history(learner, instructor, 10)
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        response = client.get(url)

    html = response.content.decode()
    assert len(_attempt_rows(response)) == 12
    assert len(_rows(_section(html, "courses-heading"))) == 12
    assert len(_rows(_certificate_section(response))) == 12

"""The Data card on profiles, the downloads and the erase page."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from karma.accounts.models import User
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from karma.enrollments.services.enrollments import enroll_learner


def profile_url(user: User) -> str:
    return f"/users/{user.public_id}/"


def download_url(user: User) -> str:
    return f"/users/{user.public_id}/data/"


def erase_url(user: User) -> str:
    return f"/users/{user.public_id}/erase/"


@pytest.fixture
def taught_learner(learner, instructor, admin):
    """`learner`, enrolled in a course `instructor` owns."""
    course = PublishedCourseFactory(owner=instructor)
    enroll_learner(course=course, learner=learner, enrolled_by=admin)
    return learner


def is_zip(response) -> bool:
    data = b"".join(response.streaming_content) if response.streaming else None
    data = data or response.content
    return zipfile.is_zipfile(io.BytesIO(data))


# --- The Data card ---------------------------------------------------------


def test_admin_sees_download_and_erase_on_a_profile(admin_client, learner):
    html = admin_client.get(profile_url(learner)).content.decode()

    assert 'id="data-heading"' in html
    assert download_url(learner) in html
    assert erase_url(learner) in html
    assert "Erase learner…" in html


def test_my_profile_offers_my_own_download(learner_client):
    html = learner_client.get("/me/").content.decode()

    assert "Download my data" in html
    assert "/me/data/" in html
    assert "Erase learner" not in html


def test_admin_own_profile_offers_no_erase(admin_client, admin):
    html = admin_client.get(profile_url(admin)).content.decode()

    assert "Download my data" in html
    assert erase_url(admin) not in html


def test_instructor_sees_no_data_card(instructor_client, taught_learner):
    response = instructor_client.get(profile_url(taught_learner))

    assert response.status_code == 200
    assert 'id="data-heading"' not in response.content.decode()


# --- Downloads -------------------------------------------------------------


def test_admin_downloads_a_learners_archive(admin_client, admin, learner):
    response = admin_client.get(download_url(learner))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response["Cache-Control"]
    assert is_zip(response)
    event = AuditEvent.objects.get(kind=AuditKind.DATA_EXPORTED)
    assert (event.actor, event.subject) == (admin, learner)


def test_learner_downloads_their_own_archive(learner_client, learner):
    response = learner_client.get("/me/data/")

    assert response.status_code == 200
    assert is_zip(response)
    assert AuditEvent.objects.get(kind=AuditKind.DATA_EXPORTED).actor == learner


def test_instructor_of_the_course_may_not_download(instructor_client, taught_learner):
    assert instructor_client.get(download_url(taught_learner)).status_code == 403


def test_other_instructor_gets_404(learner):
    stranger = Client()
    stranger.force_login(CourseFactory().owner)

    assert stranger.get(download_url(learner)).status_code == 404


def test_other_learner_gets_404(outsider_client, learner):
    assert outsider_client.get(download_url(learner)).status_code == 404
    assert outsider_client.get(erase_url(learner)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, learner):
    for url in ("/me/data/", download_url(learner), erase_url(learner)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_download_refuses_post(admin_client, learner):
    assert admin_client.post(download_url(learner)).status_code == 405


# --- Erasing ---------------------------------------------------------------


def test_erase_page_asks_for_confirmation(admin_client, learner):
    response = admin_client.get(erase_url(learner))

    html = response.content.decode()
    assert response.status_code == 200
    assert "lea@example.com" in html
    assert 'name="confirm"' in html and 'name="reason"' in html
    learner.refresh_from_db()
    assert learner.is_active


def test_erases_with_the_email_and_shows_the_erased_profile(admin_client, learner):
    response = admin_client.post(
        erase_url(learner), {"confirm": "LEA@example.com", "reason": "Request 7"}
    )

    assert response.status_code == 302
    assert response["Location"] == profile_url(learner)
    page = admin_client.get(profile_url(learner)).content.decode()
    assert "Erased learner" in page
    assert "personal data was erased" in page
    assert "Erase learner…" not in page
    assert "lea@example.com" not in page


def test_refuses_the_word_erase_as_the_api_does(admin_client, learner):
    response = admin_client.post(
        erase_url(learner), {"confirm": "ERASE", "reason": "Request 8"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "This is not the email address of the person to erase." in page
    assert "the word" not in page
    learner.refresh_from_db()
    assert learner.is_active and learner.first_name == "Lea"


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"confirm": "someone@example.com", "reason": "x"}, "not the email address"),
        ({"confirm": "lea@example", "reason": "x"}, "not the email address"),
        ({"confirm": "lea@example.com", "reason": ""}, "This field is required"),
        ({}, "This field is required"),
    ],
)
def test_refuses_a_wrong_confirmation(admin_client, learner, form, problem):
    response = admin_client.post(erase_url(learner), form)

    assert response.status_code == 200
    assert problem in response.content.decode()
    learner.refresh_from_db()
    assert learner.is_active and learner.first_name == "Lea"


def test_shows_why_a_course_owner_cannot_be_erased(admin_client, instructor):
    CourseFactory(owner=instructor)

    page = admin_client.get(erase_url(instructor)).content.decode()
    posted = admin_client.post(
        erase_url(instructor), {"confirm": instructor.email, "reason": "Left"}
    )

    assert "Give the courses to another owner" in page
    assert 'name="confirm"' not in page
    assert "Give the courses to another owner" in posted.content.decode()
    instructor.refresh_from_db()
    assert instructor.is_active


def test_instructor_of_the_course_may_not_erase(instructor_client, taught_learner):
    assert instructor_client.get(erase_url(taught_learner)).status_code == 403
    response = instructor_client.post(
        erase_url(taught_learner), {"confirm": taught_learner.email, "reason": "x"}
    )
    assert response.status_code == 403
    taught_learner.refresh_from_db()
    assert taught_learner.is_active


def test_admin_may_not_erase_themselves(admin_client, admin):
    assert admin_client.get(erase_url(admin)).status_code == 403
    response = admin_client.post(
        erase_url(admin), {"confirm": admin.email, "reason": "x"}
    )
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.is_active

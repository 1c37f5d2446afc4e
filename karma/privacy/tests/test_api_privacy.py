"""GET /users/{id}/data-export and POST /users/{id}/erase."""

from __future__ import annotations

import io
import zipfile

import pytest

from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.audit.models import AuditEvent, AuditKind
from karma.courses.tests.factories import CourseFactory, PublishedCourseFactory
from karma.enrollments.services.enrollments import enroll_learner


def export_url(public_id: str) -> str:
    return f"/api/v1/users/{public_id}/data-export"


def erase_url(public_id: str) -> str:
    return f"/api/v1/users/{public_id}/erase"


def post_erase(client, user, **body):
    body.setdefault("reason", "Request 12")
    body.setdefault("confirm", user.email)
    return client.post(erase_url(user.public_id), body, content_type="application/json")


@pytest.fixture
def taught_learner(learner, instructor, admin):
    course = PublishedCourseFactory(owner=instructor)
    enroll_learner(course=course, learner=learner, enrolled_by=admin)
    return learner


# --- Export ------------------------------------------------------------------


def test_admin_downloads_a_learners_archive(admin, learner):
    response = api_client(admin).get(export_url(learner.public_id))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert zipfile.is_zipfile(io.BytesIO(response.content))
    assert "X-RateLimit-Remaining" in response
    assert AuditEvent.objects.get(kind=AuditKind.DATA_EXPORTED).subject == learner


@pytest.mark.parametrize("which", ["own id", "me"])
def test_learner_downloads_their_own_archive(learner, which):
    public_id = learner.public_id if which == "own id" else "me"

    response = api_client(learner).get(export_url(public_id))

    assert response.status_code == 200
    assert zipfile.is_zipfile(io.BytesIO(response.content))


def test_answers_a_client_that_asks_for_zip(learner):
    client = api_client(learner)

    response = client.get(export_url("me"), headers={"Accept": "application/zip"})

    assert response.status_code == 200


def test_errors_come_in_the_envelope_even_when_zip_was_asked(learner, outsider):
    response = api_client(outsider).get(
        export_url(learner.public_id), headers={"Accept": "application/zip"}
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_other_learner_gets_404(outsider, learner):
    response = api_client(outsider).get(export_url(learner.public_id))

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_instructor_of_the_course_gets_403(instructor, taught_learner):
    response = api_client(instructor).get(export_url(taught_learner.public_id))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditKind.DATA_EXPORTED).exists()


def test_other_instructor_gets_404(learner):
    stranger = CourseFactory().owner

    assert api_client(stranger).get(export_url(learner.public_id)).status_code == 404


@pytest.mark.parametrize("public_id", ["usr_0000000000000000", "nobody", "%00"])
def test_unknown_ids_are_404(admin, public_id):
    assert api_client(admin).get(export_url(public_id)).status_code == 404


def test_anonymous_gets_401(learner):
    response = api_client().get(export_url(learner.public_id))

    assert response.status_code == 401


# --- Erase ----------------------------------------------------------------------


def test_admin_erases_a_learner(admin, learner):
    response = post_erase(api_client(admin), learner, confirm="LEA@Example.com")

    data = response.json()["data"]
    assert response.status_code == 200
    assert data["id"] == learner.public_id
    assert (data["name"], data["status"]) == ("Erased learner", "deactivated")
    assert data["changed"]["accounts_anonymised"] == 1
    event = AuditEvent.objects.get(kind=AuditKind.LEARNER_ERASED)
    assert (event.actor, event.subject, event.reason) == (admin, learner, "Request 12")


def test_erased_learners_tokens_stop_working(admin, learner):
    learners_client = api_client(learner)
    assert learners_client.get("/api/v1/users/me").status_code == 200

    post_erase(api_client(admin), learner)

    assert learners_client.get("/api/v1/users/me").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"confirm": "someone@example.com"}, "confirm"),
        ({"confirm": "ERASE"}, "confirm"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
    ],
)
def test_refuses_bad_input_with_422(admin, learner, body, field):
    response = post_erase(api_client(admin), learner, **body)

    assert response.status_code == 422
    assert field in issues_of(response)
    learner.refresh_from_db()
    assert learner.is_active


@pytest.mark.parametrize("confirm", ["ERASE", "erase", "lea@example"])
def test_takes_only_the_persons_address_as_the_page_does(admin, learner, confirm):
    response = post_erase(api_client(admin), learner, confirm=confirm)

    assert response.status_code == 422
    assert issues_of(response) == {
        "confirm": "This is not the email address of the person to erase."
    }
    learner.refresh_from_db()
    assert learner.is_active


def test_refuses_a_form_body_with_400(admin, learner):
    response = api_client(admin).post(
        erase_url(learner.public_id),
        {"confirm": learner.email, "reason": "Request 12"},
    )

    assert response.status_code == 400
    assert error_of(response)["message"].endswith("Send application/json.")
    learner.refresh_from_db()
    assert learner.is_active


def test_refuses_a_missing_body_with_422(admin, learner):
    response = api_client(admin).post(
        erase_url(learner.public_id), {}, content_type="application/json"
    )

    assert response.status_code == 422
    assert set(issues_of(response)) == {"confirm", "reason"}


def test_refuses_erasing_yourself(admin):
    response = post_erase(api_client(admin), admin)

    assert response.status_code == 422
    assert "your own account" in error_of(response)["message"]


def test_refuses_erasing_a_course_owner(admin, instructor):
    CourseFactory(owner=instructor)

    response = post_erase(api_client(admin), instructor)

    assert response.status_code == 422
    assert "another owner" in error_of(response)["message"]


def test_refuses_erasing_twice(admin, learner):
    post_erase(api_client(admin), learner)
    learner.refresh_from_db()

    response = post_erase(api_client(admin), learner)

    assert response.status_code == 422
    assert "already been erased" in error_of(response)["message"]


def test_says_already_erased_to_the_old_address_too(admin, learner):
    # The address is gone with the erasure; "not the address" would send
    # the admin checking their typing instead of telling them why.
    old_address = learner.email
    post_erase(api_client(admin), learner)
    learner.refresh_from_db()

    response = post_erase(api_client(admin), learner, confirm=old_address)

    assert response.status_code == 422
    assert "already been erased" in error_of(response)["message"]


@pytest.mark.parametrize("role", ["instructor", "outsider"])
def test_non_admins_get_403(request, role, taught_learner):
    caller = request.getfixturevalue(role)

    response = post_erase(api_client(caller), taught_learner)

    assert response.status_code == 403
    taught_learner.refresh_from_db()
    assert taught_learner.is_active


def test_learner_may_not_erase_themselves(learner):
    assert post_erase(api_client(learner), learner).status_code == 403


def test_unknown_user_is_404(admin):
    response = api_client(admin).post(
        erase_url("usr_0000000000000000"),
        {"reason": "x", "confirm": "x@example.com"},
        content_type="application/json",
    )

    assert response.status_code == 404


def test_anonymous_erase_gets_401(learner):
    assert post_erase(api_client(), learner).status_code == 401

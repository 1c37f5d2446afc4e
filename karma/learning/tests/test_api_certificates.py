"""The certificates endpoints of the API (SPEC sections 6 and 8).

The cast: the learner who earned the certificate, the course's owner and an
added instructor, an admin, another learner (the outsider, with a
certificate of their own elsewhere) and an instructor of another course.
"""

from __future__ import annotations

import pytest
from django.test import Client

from karma.accounts.tests.factories import InstructorFactory
from karma.api.tests.helpers import api_client, bearer, error_of, issues_of
from karma.courses import services as course_services
from karma.courses.tests.factories import PublishedCourseFactory
from karma.learning.tests.records import certify, enroll

CERTIFICATES = "/api/v1/certificates"


@pytest.fixture
def co_instructor(db):
    return InstructorFactory(first_name="Cora", last_name="Co")


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(first_name="Olga", last_name="Other")


@pytest.fixture
def course(instructor, co_instructor):
    course = PublishedCourseFactory(
        owner=instructor, title="Fire safety", certificate_enabled=True
    )
    course_services.add_instructor(
        course=course, instructor=co_instructor, added_by=instructor
    )
    return course


@pytest.fixture
def other_course(other_instructor):
    return PublishedCourseFactory(
        owner=other_instructor, title="Olga's course", certificate_enabled=True
    )


@pytest.fixture
def certificate(course, learner):
    return certify(enroll(course, learner))


@pytest.fixture
def outsiders_certificate(other_course, outsider):
    return certify(enroll(other_course, outsider))


def _ids(response) -> set[str]:
    return {row["id"] for row in response.json()["data"]}


# --- Listing -------------------------------------------------------------------


def test_lists_only_a_learners_own_certificates(
    learner, certificate, outsiders_certificate
):
    response = api_client(learner).get(CERTIFICATES)

    assert response.status_code == 200
    assert _ids(response) == {certificate.public_id}
    assert response.json()["meta"] == {"total": 1, "page": 1, "per_page": 20}


def test_lists_the_certificates_of_an_instructors_courses(
    request, certificate, outsiders_certificate
):
    for who in ("instructor", "co_instructor"):
        response = api_client(request.getfixturevalue(who)).get(CERTIFICATES)

        assert _ids(response) == {certificate.public_id}, who


def test_lists_nothing_of_other_courses_to_an_instructor(other_instructor, certificate):
    response = api_client(other_instructor).get(CERTIFICATES)

    assert response.status_code == 200
    assert _ids(response) == set()


def test_lists_every_certificate_to_admins_and_filters_by_user(
    admin, learner, certificate, outsiders_certificate
):
    everything = api_client(admin).get(CERTIFICATES)
    one = api_client(admin).get(CERTIFICATES, {"user_id": learner.public_id})

    assert _ids(everything) == {
        certificate.public_id,
        outsiders_certificate.public_id,
    }
    assert _ids(one) == {certificate.public_id}


def test_filters_by_course(admin, course, certificate, outsiders_certificate):
    response = api_client(admin).get(CERTIFICATES, {"course_id": course.public_id})

    assert _ids(response) == {certificate.public_id}


def test_filtering_by_another_user_shows_a_learner_nothing(
    learner, outsider, certificate, outsiders_certificate
):
    response = api_client(learner).get(CERTIFICATES, {"user_id": outsider.public_id})

    assert _ids(response) == set()


def test_refuses_an_overlong_filter_with_422(admin, db):
    response = api_client(admin).get(CERTIFICATES, {"user_id": "usr_" + "x" * 100})

    assert response.status_code == 422
    assert "user_id" in issues_of(response)


def test_asks_for_a_token_to_list(db):
    response = api_client().get(CERTIFICATES)

    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


# --- One certificate -----------------------------------------------------------


@pytest.mark.parametrize("who", ["learner", "instructor", "co_instructor", "admin"])
def test_reads_a_certificate_for_the_learner_staff_and_admins(
    request, certificate, learner, course, who
):
    response = api_client(request.getfixturevalue(who)).get(
        f"{CERTIFICATES}/{certificate.public_id}"
    )

    data = response.json()["data"]
    assert response.status_code == 200
    assert data == {
        "id": certificate.public_id,
        "user_id": learner.public_id,
        "course_id": course.public_id,
        "enrollment_id": certificate.enrollment.public_id,
        "learner_name": "Lea Learner",
        "course_title": "Fire safety",
        "code": certificate.code,
        "issued_at": data["issued_at"],
        "verification_url": f"https://karma.example.test/verify/{certificate.code}/",
    }


@pytest.mark.parametrize("who", ["outsider", "other_instructor"])
def test_hides_a_certificate_from_another_learner_and_another_instructor(
    request, certificate, who
):
    response = api_client(request.getfixturevalue(who)).get(
        f"{CERTIFICATES}/{certificate.public_id}"
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


@pytest.mark.parametrize("certificate_id", ["crt_0000000000000000", "nonsense"])
def test_answers_404_for_an_unknown_certificate(admin, certificate_id):
    response = api_client(admin).get(f"{CERTIFICATES}/{certificate_id}")

    assert response.status_code == 404


# --- The PDF -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["learner", "instructor", "co_instructor", "admin"])
def test_downloads_the_pdf_outside_the_envelope(request, certificate, who):
    response = api_client(request.getfixturevalue(who)).get(
        f"{CERTIFICATES}/{certificate.public_id}/pdf"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "X-RateLimit-Remaining" in response


def test_downloads_the_pdf_when_asked_for_application_pdf(learner, certificate):
    response = api_client(learner).get(
        f"{CERTIFICATES}/{certificate.public_id}/pdf", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("who", ["outsider", "other_instructor"])
def test_refuses_the_pdf_in_a_json_envelope(request, certificate, who):
    response = api_client(request.getfixturevalue(who)).get(
        f"{CERTIFICATES}/{certificate.public_id}/pdf", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "NOT_FOUND"


def test_asks_for_a_token_for_the_pdf(certificate):
    response = api_client().get(f"{CERTIFICATES}/{certificate.public_id}/pdf")

    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


# --- Public verification -------------------------------------------------------


def _verify(code: str, client: Client | None = None):
    return (client or Client()).get(f"{CERTIFICATES}/verify/{code}")


def test_verifies_a_code_without_a_token(certificate):
    response = _verify(certificate.code)

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"learner_name", "course_title", "issued_at"}
    assert data["learner_name"] == "Lea Learner"
    assert data["course_title"] == "Fire safety"


def test_verifies_a_code_typed_loosely(certificate):
    response = _verify(certificate.code.replace("-", "").lower())

    assert response.status_code == 200


def test_ignores_a_bad_token_on_the_public_check(certificate):
    client = Client(headers=bearer("not-a-token"))

    response = _verify(certificate.code, client)

    assert response.status_code == 200


def test_answers_404_for_a_code_no_certificate_has(db):
    response = _verify("7KQ3-M9X2-P4W8-V6TJ")

    assert response.status_code == 404
    assert error_of(response)["message"] == "No certificate has this code."


@pytest.mark.parametrize("code", ["hello", "7KQ3-M9X2-P4W8", "A" * 300])
def test_refuses_a_malformed_code_with_422(db, code):
    response = _verify(code)

    assert response.status_code == 422
    assert "code" in issues_of(response)


def test_limits_lookups_together_with_the_page(settings, certificate):
    settings.KARMA_VERIFY_PER_MINUTE = 2
    Client().get(f"/verify/{certificate.code}/")
    allowed = _verify(certificate.code)

    refused = _verify(certificate.code)

    assert allowed.status_code == 200
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "RATE_LIMITED"
    assert int(refused["Retry-After"]) >= 1

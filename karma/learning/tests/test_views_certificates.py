"""The certificate pages: the PDF download by role, and the public check of
a verification code.

The cast: the learner who earned the certificate, the course's owner and an
added instructor, an admin, another learner (the outsider) and an
instructor of another course.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from karma.accounts.tests.factories import InstructorFactory
from karma.courses import services as course_services
from karma.courses.tests.factories import PublishedCourseFactory
from karma.learning.pdf import issue_date
from karma.learning.tests.records import certify, enroll
from karma.learning.views.certificates import NO_CERTIFICATE, NOT_A_CODE


@pytest.fixture
def co_instructor(db):
    return InstructorFactory(first_name="Cora", last_name="Co")


@pytest.fixture
def other_instructor(db):
    teacher = InstructorFactory(first_name="Olga", last_name="Other")
    PublishedCourseFactory(owner=teacher, title="Olga's own course")
    return teacher


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
def certificate(course, learner):
    return certify(enroll(course, learner))


def _pdf_url(certificate) -> str:
    return f"/certificates/{certificate.public_id}/pdf/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Download -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["learner", "instructor", "co_instructor", "admin"])
def test_downloads_the_pdf_for_the_learner_the_course_staff_and_admins(
    request, certificate, who
):
    response = _client(request.getfixturevalue(who)).get(_pdf_url(certificate))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    assert certificate.code in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["outsider", "other_instructor"])
def test_refuses_the_pdf_to_another_learner_and_another_courses_instructor(
    request, certificate, who
):
    response = _client(request.getfixturevalue(who)).get(_pdf_url(certificate))

    assert response.status_code == 404


def test_sends_anonymous_visitors_to_sign_in_for_the_pdf(client, certificate):
    response = client.get(_pdf_url(certificate))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("certificate_id", ["crt_0000000000000000", "nonsense"])
def test_answers_404_for_an_unknown_certificate(admin_client, db, certificate_id):
    response = admin_client.get(f"/certificates/{certificate_id}/pdf/")

    assert response.status_code == 404


def test_refuses_to_change_a_certificate_by_post(learner_client, certificate):
    response = learner_client.post(_pdf_url(certificate))

    assert response.status_code == 405


# --- Verification ---------------------------------------------------------------


def _result(response) -> list[tuple[str, str]]:
    """The label and value pairs of the verification result."""
    html = response.content.decode()
    found = re.search(r'<dl class="row mb-0">(.*?)</dl>', html, re.S)
    if found is None:
        return []
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?)</dd>", found[1], re.S)
    return [(label, re.sub(r"<[^>]+>", "", value)) for label, value in pairs]


def test_shows_the_verification_form_to_anyone(client, db):
    response = client.get("/verify/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="code"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex"


def test_verifies_a_code_without_signing_in(client, certificate, learner, course):
    response = client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 200
    assert _result(response) == [
        ("Learner", "Lea Learner"),
        ("Course", "Fire safety"),
        ("Issued", issue_date(certificate)),
    ]


def test_shows_no_email_or_id_on_the_verification_page(client, certificate, learner):
    response = client.get(f"/verify/{certificate.code}/")

    html = response.content.decode()
    assert learner.email not in html
    assert learner.public_id not in html
    assert certificate.public_id not in html
    assert certificate.enrollment.public_id not in html
    assert '<meta name="robots" content="noindex">' in html


def test_verifies_a_code_typed_in_lower_case_without_dashes(client, certificate):
    typed = certificate.code.replace("-", "").lower()

    response = client.get("/verify/", {"code": f"  {typed} "})

    assert response.status_code == 200
    assert ("Learner", "Lea Learner") in _result(response)


def test_verifies_for_a_signed_in_person_too(outsider_client, certificate):
    response = outsider_client.get(f"/verify/{certificate.code}/")

    assert response.status_code == 200
    assert ("Course", "Fire safety") in _result(response)


def test_says_no_certificate_has_an_unknown_code(client, certificate):
    response = client.get("/verify/7KQ3-M9X2-P4W8-V6TJ/")

    assert response.status_code == 404
    assert NO_CERTIFICATE in response.content.decode()
    assert _result(response) == []


def test_says_no_certificate_has_an_unknown_code_typed_in_the_form(client, db):
    response = client.get("/verify/", {"code": "7KQ3-M9X2-P4W8-V6TJ"})

    assert response.status_code == 200
    assert NO_CERTIFICATE in response.content.decode()


@pytest.mark.parametrize(
    "typed", ["hello", "7KQ3-M9X2-P4W8", "7KQ3-M9X2-P4W8-V6TU", "7KQ3.M9X2.P4W8.V6TJ"]
)
def test_explains_what_a_code_looks_like_for_a_malformed_one(client, db, typed):
    form = client.get("/verify/", {"code": typed})
    page = client.get(f"/verify/{typed}/")

    assert form.status_code == 200
    assert NOT_A_CODE in form.content.decode()
    assert page.status_code == 404
    assert NOT_A_CODE in page.content.decode()


def test_refuses_an_overlong_code_with_a_form_error(client, db):
    response = client.get("/verify/", {"code": "A" * 5000})

    assert response.status_code == 200
    assert "at most 40 characters" in response.content.decode()


def test_asks_for_a_code_when_the_form_is_sent_empty(client, db):
    response = client.get("/verify/", {"code": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_limits_lookups_per_client_address(client, settings, certificate):
    settings.KARMA_VERIFY_PER_MINUTE = 3
    earlier = [
        client.get("/verify/", {"code": "7KQ3-M9X2-P4W8-V6TJ"}) for _ in range(3)
    ]

    before = client.get(f"/verify/{certificate.code}/")

    elsewhere = Client(REMOTE_ADDR="203.0.113.9").get(f"/verify/{certificate.code}/")

    assert [response.status_code for response in earlier] == [200, 200, 200]
    assert before.status_code == 429
    assert int(before["Retry-After"]) >= 1
    assert "Too many lookups" in before.content.decode()
    assert _result(before) == []
    assert elsewhere.status_code == 200


def test_builds_the_pdf_link_from_the_site_address_not_the_host(
    learner_client, certificate
):
    response = learner_client.get(_pdf_url(certificate), HTTP_HOST="evil.example")

    expected = f"https://karma.example.test/verify/{certificate.code}/"
    assert expected.encode() in response.content
    assert b"evil.example" not in response.content

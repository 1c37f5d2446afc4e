"""Every API answer, good or bad, comes in the envelope (SPEC section 8)."""

from __future__ import annotations

import pytest

from karma.api.envelope import field_issues
from karma.api.tests.helpers import api_client, error_of


@pytest.fixture
def admin_api(admin):
    return api_client(admin)


def test_wraps_success_in_data_with_null_meta_and_error(admin_api, admin):
    response = admin_api.get("/api/v1/users/me")

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"data", "meta", "error"}
    assert body["data"]["id"] == admin.public_id
    assert body["meta"] is None
    assert body["error"] is None


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing", "/api/v1/users/usr_x/unknown", "/api/v1/v2/users"]
)
def test_answers_unknown_routes_with_404_envelope(admin_api, path):
    response = admin_api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response) == {
        "code": "NOT_FOUND",
        "message": "There is nothing at this address.",
        "details": [],
    }


def test_answers_unknown_routes_with_404_for_every_method(admin_api):
    for method in ("post", "put", "patch", "delete", "options"):
        response = getattr(admin_api, method)("/api/v1/nothing")
        assert response.status_code == 404, method
        assert error_of(response)["code"] == "NOT_FOUND"


def test_points_out_a_trailing_slash(admin_api):
    response = admin_api.get("/api/v1/users/")

    assert response.status_code == 404
    assert "Did you mean /api/v1/users?" in error_of(response)["message"]


def test_refuses_unknown_method_on_known_route(admin_api):
    response = admin_api.delete("/api/v1/users")

    assert response.status_code == 405
    assert error_of(response)["code"] == "METHOD_NOT_ALLOWED"
    assert "DELETE" not in response["Allow"]


def test_answers_broken_json_with_400(admin_api):
    response = admin_api.post(
        "/api/v1/users", '{"first_name": ', content_type="application/json"
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert "JSON parse error" in error["message"]


def test_answers_wrong_content_type_with_400(admin_api):
    response = admin_api.post(
        "/api/v1/users", "first_name=Ann", content_type="text/plain"
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_ERROR"
    assert "text/plain" in error_of(response)["message"]


def test_answers_unacceptable_format_with_400(admin_api):
    response = admin_api.get("/api/v1/users/me", headers={"Accept": "text/csv"})

    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_ERROR"


def test_answers_missing_token_with_401_and_challenge():
    response = api_client().get("/api/v1/users/me")

    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_flattens_nested_errors_into_field_paths():
    detail = {
        "email": ["Enter a valid email address."],
        "non_field_errors": ["Something about the whole request."],
        "rows": [{}, {"email": ["Unknown."]}],
        "role": {0: ['"god" is not a valid choice.']},
    }

    assert field_issues(detail) == [
        {"field": "email", "issue": "Enter a valid email address."},
        {"field": None, "issue": "Something about the whole request."},
        {"field": "rows.1.email", "issue": "Unknown."},
        {"field": "role.0", "issue": '"god" is not a valid choice.'},
    ]


def test_deeply_nested_json_is_a_bad_request_not_a_crash(admin):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin)

    response = client.post(
        "/api/v1/users", "[" * 5000 + "]" * 5000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "body",
    [
        '{"email": "a@example.com", "role": "\\ud800"}',
        '{"email": "a@example.com", "first_name": "Ana \\udfff"}',
        '{"\\ud83d": 1}',
        '[["\\ud800"]]',
    ],
)
def test_answers_a_lone_surrogate_escape_with_400(admin_api, body):
    # JSON's \u escapes allow half a UTF-16 pair; quoting it back in a
    # "not a valid choice" message, or storing it, failed with a 500.
    response = admin_api.post("/api/v1/users", body, content_type="application/json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert "lone surrogate" in error["message"]


def test_answers_a_lone_surrogate_in_bulk_emails_with_400(admin_api, admin):
    from karma.courses.tests.factories import PublishedCourseFactory

    course = PublishedCourseFactory(owner=admin)

    response = admin_api.post(
        f"/api/v1/courses/{course.public_id}/bulk-enrollments",
        '{"emails": "\\ud800"}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "lone surrogate" in error_of(response)["message"]


def test_still_reads_escaped_characters_outside_the_basic_plane(admin_api):
    # A whole pair is a character (here an emoji) and is kept.
    response = admin_api.post(
        "/api/v1/users",
        '{"email": "smile@example.com", "first_name": "Ana \\ud83d\\ude00",'
        ' "last_name": "Silva", "role": "learner", "mode": "invite"}',
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["data"]["first_name"] == "Ana \U0001f600"

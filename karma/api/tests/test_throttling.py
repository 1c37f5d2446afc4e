"""100 requests a minute per token, with headers on every answer (SPEC 8)."""

from __future__ import annotations

import pytest
from django.test import Client

from karma.api.tests.helpers import api_client, error_of

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@pytest.fixture
def small_limit(settings):
    settings.KARMA_API_RATE_PER_MINUTE = 3
    return 3


def test_sends_rate_limit_headers_on_success(learner):
    response = api_client(learner).get("/api/v1/users/me")

    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "100"
    assert response["X-RateLimit-Remaining"] == "99"
    assert 0 < int(response["X-RateLimit-Reset"]) <= 60


@pytest.mark.parametrize(
    ("method", "path", "expected_status"),
    [
        ("get", "/api/v1/users", 403),
        ("get", "/api/v1/users/usr_0000000000000000", 403),
        ("get", "/api/v1/nothing", 404),
        # The test client posts an empty multipart body: not JSON, so 400.
        ("post", "/api/v1/auth/login", 400),
        ("get", "/api/v1/schema/", 200),
        ("get", "/api/v1/docs/", 200),
    ],
)
def test_sends_rate_limit_headers_on_every_answer(
    learner, method, path, expected_status
):
    response = getattr(api_client(learner), method)(path)

    assert response.status_code == expected_status
    for header in RATE_HEADERS:
        assert response.has_header(header), header


def test_sends_rate_limit_headers_when_the_token_is_refused():
    client = Client(headers={"Authorization": "Bearer not-a-token"})

    response = client.get("/api/v1/users/me")

    assert response.status_code == 401
    for header in RATE_HEADERS:
        assert response.has_header(header), header


def test_counts_down_remaining(learner):
    client = api_client(learner)

    remaining = [
        int(client.get("/api/v1/users/me")["X-RateLimit-Remaining"]) for _ in range(3)
    ]

    assert remaining == [99, 98, 97]


def test_refuses_the_request_after_the_limit_with_429(learner, small_limit):
    client = api_client(learner)
    for _ in range(small_limit):
        assert client.get("/api/v1/users/me").status_code == 200

    response = client.get("/api/v1/users/me")

    assert response.status_code == 429
    assert error_of(response)["code"] == "RATE_LIMITED"
    assert response["X-RateLimit-Remaining"] == "0"
    assert 0 < int(response["Retry-After"]) <= 60
    assert response["Retry-After"] == response["X-RateLimit-Reset"]


def test_allows_one_hundred_requests_a_minute_by_default(learner):
    client = api_client(learner)
    statuses = [client.get("/api/v1/users/me").status_code for _ in range(100)]

    assert set(statuses) == {200}
    assert client.get("/api/v1/users/me").status_code == 429


def test_counts_each_token_apart(learner, small_limit):
    first, second = api_client(learner), api_client(learner)
    for _ in range(small_limit):
        first.get("/api/v1/users/me")

    assert first.get("/api/v1/users/me").status_code == 429
    assert second.get("/api/v1/users/me").status_code == 200


def test_counts_anonymous_requests_per_address(small_limit):
    here = Client(REMOTE_ADDR="192.0.2.1")
    elsewhere = Client(REMOTE_ADDR="192.0.2.2")
    for _ in range(small_limit):
        assert here.get("/api/v1/users/me").status_code == 401

    assert here.get("/api/v1/users/me").status_code == 429
    assert elsewhere.get("/api/v1/users/me").status_code == 401


def test_ignores_forwarded_for_header_a_client_can_forge(small_limit):
    for number in range(small_limit):
        Client(headers={"X-Forwarded-For": f"198.51.100.{number}"}).get(
            "/api/v1/users/me"
        )

    response = Client(headers={"X-Forwarded-For": "198.51.100.99"}).get(
        "/api/v1/users/me"
    )

    assert response.status_code == 429

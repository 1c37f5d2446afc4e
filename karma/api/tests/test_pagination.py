"""`page` and `per_page` on lists, with their meta (SPEC section 8)."""

from __future__ import annotations

import pytest
from rest_framework.request import Request

from karma.accounts.tests.factories import LearnerFactory
from karma.api.pagination import PagePagination
from karma.api.tests.helpers import api_client, issues_of


@pytest.fixture
def admin_api(admin):
    # The admin and 24 learners: 25 accounts, named so they sort in order.
    for number in range(24):
        LearnerFactory(first_name=f"Learner{number:02d}", last_name="Test")
    return api_client(admin)


def test_pages_by_twenty_by_default(admin_api):
    body = admin_api.get("/api/v1/users").json()

    assert body["meta"] == {"total": 25, "page": 1, "per_page": 20}
    assert len(body["data"]) == 20


def test_returns_the_rest_on_the_last_page(admin_api):
    body = admin_api.get("/api/v1/users?page=2").json()

    assert body["meta"] == {"total": 25, "page": 2, "per_page": 20}
    assert len(body["data"]) == 5


def test_pages_never_repeat_or_skip_a_row(admin_api):
    ids = []
    for page in range(1, 6):
        body = admin_api.get(f"/api/v1/users?page={page}&per_page=6").json()
        ids += [user["id"] for user in body["data"]]

    assert len(ids) == 25
    assert len(set(ids)) == 25


def test_answers_a_page_past_the_end_with_no_rows(admin_api):
    body = admin_api.get("/api/v1/users?page=99").json()

    assert body["data"] == []
    assert body["meta"] == {"total": 25, "page": 99, "per_page": 20}


def test_accepts_per_page_up_to_one_hundred(admin_api):
    body = admin_api.get("/api/v1/users?per_page=100").json()

    assert body["meta"]["per_page"] == 100
    assert len(body["data"]) == 25


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("page=1.5", "page"),
        ("page=99999999999999999999", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=ten", "per_page"),
    ],
)
def test_refuses_bad_page_values_with_422(admin_api, query, field):
    response = admin_api.get(f"/api/v1/users?{query}")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in issues_of(response)


def test_names_every_bad_page_value_at_once(admin_api):
    response = admin_api.get("/api/v1/users?page=0&per_page=500")

    assert response.status_code == 422
    assert set(issues_of(response)) == {"page", "per_page"}


def test_pages_a_plain_list_too(rf):
    request = Request(rf.get("/api/v1/anything", {"page": "2", "per_page": "3"}))
    paginator = PagePagination()

    page = paginator.paginate_queryset(list(range(8)), request)

    assert page == [3, 4, 5]
    assert paginator.get_paginated_response(page).data["meta"] == {
        "total": 8,
        "page": 2,
        "per_page": 3,
    }

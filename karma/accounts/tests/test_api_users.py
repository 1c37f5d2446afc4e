"""The users endpoints of the API (SPEC sections 1, 2 and 8)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache

from karma.accounts import api as accounts_api
from karma.accounts import services
from karma.accounts.models import Role, User, UserStatus
from karma.accounts.tests.factories import LearnerFactory
from karma.api.tests.helpers import api_client, error_of, issues_of
from karma.audit.models import AuditEvent, AuditKind
from karma.privacy.services import erase_learner

USERS = "/api/v1/users"
ME = "/api/v1/users/me"
NEW_PERSON = {
    "first_name": "Nadia",
    "last_name": "New",
    "email": "nadia@example.com",
    "role": "learner",
    "mode": "invite",
}


@pytest.fixture(autouse=True)
def _fresh_counters():
    # Rate limits count in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_api(admin):
    return api_client(admin)


def _user_path(user: User, action: str = "") -> str:
    return f"{USERS}/{user.public_id}" + (f"/{action}" if action else "")


def _create(client, **overrides):
    return client.post(
        USERS, {**NEW_PERSON, **overrides}, content_type="application/json"
    )


def _patch(client, path: str, data: dict):
    return client.patch(path, data, content_type="application/json")


# --- Who may do what ------------------------------------------------------------

ADMIN_ONLY = {"admin": True, "instructor": False, "learner": False}
EVERYONE = {"admin": True, "instructor": True, "learner": True}


def _call(client, endpoint: str, subject: User):
    if endpoint == "list":
        return client.get(USERS)
    if endpoint == "create":
        return _create(client)
    if endpoint == "read":
        return client.get(_user_path(subject))
    if endpoint == "update":
        return _patch(client, _user_path(subject), {"first_name": "Renamed"})
    if endpoint in ("deactivate", "reactivate"):
        return client.post(
            _user_path(subject, endpoint), content_type="application/json"
        )
    if endpoint == "me":
        return client.get(ME)
    if endpoint == "update_me":
        return _patch(client, ME, {"first_name": "Renamed"})
    raise AssertionError(endpoint)


ENDPOINTS = [
    ("list", ADMIN_ONLY, 200),
    ("create", ADMIN_ONLY, 201),
    ("read", ADMIN_ONLY, 200),
    ("update", ADMIN_ONLY, 200),
    ("deactivate", ADMIN_ONLY, 200),
    ("reactivate", ADMIN_ONLY, 200),
    ("me", EVERYONE, 200),
    ("update_me", EVERYONE, 200),
]


@pytest.mark.parametrize("role", ["admin", "instructor", "learner"])
@pytest.mark.parametrize(("endpoint", "allowed", "success"), ENDPOINTS)
def test_role_table(request, outsider, role, endpoint, allowed, success):
    client = api_client(request.getfixturevalue(role))

    response = _call(client, endpoint, outsider)

    if allowed[role]:
        assert response.status_code == success, response.content
        assert response.json()["error"] is None
    else:
        assert response.status_code == 403
        assert error_of(response)["code"] == "FORBIDDEN"


@pytest.mark.parametrize(("endpoint", "allowed", "success"), ENDPOINTS)
def test_anonymous_gets_401_everywhere(outsider, endpoint, allowed, success):
    response = _call(api_client(), endpoint, outsider)

    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


def test_wrong_role_changes_nothing(learner, outsider):
    client = api_client(learner)

    client.post(_user_path(outsider, "deactivate"))
    _patch(client, _user_path(outsider), {"role": "admin"})
    _create(client)

    outsider.refresh_from_db()
    assert outsider.is_active
    assert outsider.role == Role.LEARNER
    assert not User.objects.filter(email="nadia@example.com").exists()


def test_role_change_applies_to_the_next_api_request(admin_api, instructor):
    client = api_client(instructor)
    assert client.get(USERS).status_code == 403

    _patch(admin_api, _user_path(instructor), {"role": "admin"})

    assert client.get(USERS).status_code == 200


# --- Ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "public_id",
    [
        "usr_0000000000000000",  # well formed, nobody has it
        "crs_0000000000000000",  # another resource's prefix
        "usr_short",
        "1",  # a database key, never an id of the API
        "%3Cscript%3E",
    ],
)
def test_answers_404_for_an_unknown_or_malformed_id(admin_api, public_id):
    for response in (
        admin_api.get(f"{USERS}/{public_id}"),
        _patch(admin_api, f"{USERS}/{public_id}", {"first_name": "X"}),
        admin_api.post(
            f"{USERS}/{public_id}/deactivate", content_type="application/json"
        ),
        admin_api.post(
            f"{USERS}/{public_id}/reactivate", content_type="application/json"
        ),
    ):
        assert response.status_code == 404
        assert error_of(response)["code"] == "NOT_FOUND"


def test_answers_404_for_an_id_holding_a_nul_byte(admin_api):
    response = admin_api.get(f"{USERS}/usr_000000000000000%00")

    assert response.status_code == 404


def test_refuses_nul_bytes_in_input_with_422(admin_api):
    searched = admin_api.get(USERS, {"search": "a\x00b"})
    created = _create(admin_api, first_name="Nu\x00l")

    assert searched.status_code == 422
    assert "search" in issues_of(searched)
    assert created.status_code == 422
    assert "first_name" in issues_of(created)


def test_answers_404_for_another_users_id_with_another_prefix(admin_api, learner):
    other_kind = learner.public_id.replace("usr_", "enr_", 1)

    response = admin_api.get(f"{USERS}/{other_kind}")

    assert response.status_code == 404


def test_never_exposes_database_keys(admin_api, learner):
    data = admin_api.get(_user_path(learner)).json()["data"]

    assert data["id"] == learner.public_id
    assert data["id"].startswith("usr_")
    assert str(learner.pk) not in data.values()


# --- Reading -----------------------------------------------------------------------


def test_reads_a_user_with_every_documented_field(admin_api, learner):
    response = admin_api.get(_user_path(learner))

    data = response.json()["data"]
    assert response.status_code == 200
    assert set(data) == {
        "id",
        "first_name",
        "last_name",
        "name",
        "email",
        "role",
        "status",
        "created_at",
        "last_login",
        "last_active_at",
    }
    assert data["name"] == "Lea Learner"
    assert data["email"] == "lea@example.com"
    assert data["role"] == "learner"
    assert data["status"] == "active"


def test_reading_someone_is_audited_as_a_profile_view(admin_api, admin, learner):
    admin_api.get(_user_path(learner))

    event = AuditEvent.objects.get(kind=AuditKind.PROFILE_VIEWED)
    assert event.actor == admin
    assert event.subject == learner


def test_me_returns_the_caller(learner):
    data = api_client(learner).get(ME).json()["data"]

    assert data["id"] == learner.public_id
    assert data["role"] == "learner"


def test_returns_markup_in_names_as_plain_data(admin_api):
    response = _create(
        admin_api, first_name="<script>alert(1)</script>", last_name="<b>x</b>"
    )

    assert response["Content-Type"] == "application/json"
    assert response.json()["data"]["first_name"] == "<script>alert(1)</script>"
    user = User.objects.get(email="nadia@example.com")
    data = admin_api.get(_user_path(user)).json()["data"]
    assert data["name"] == "<script>alert(1)</script> <b>x</b>"


# --- Listing ---------------------------------------------------------------------


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [user["id"] for user in response.json()["data"]]


@pytest.fixture
def people(admin, instructor, learner):
    jose = LearnerFactory(first_name="José", last_name="Núñez", email="jn@example.com")
    gone = LearnerFactory(first_name="Gone", last_name="Away", email="ga@example.com")
    services.deactivate_user(user=gone, deactivated_by=admin)
    return {"jose": jose, "gone": gone}


@pytest.mark.parametrize("query", ["jose nunez", "JOSÉ", "núñez", "JN@EXAMPLE"])
def test_search_ignores_case_and_accents(admin_api, people, query):
    response = admin_api.get(USERS, {"search": query})

    assert _ids(response) == [people["jose"].public_id]


def test_filters_by_role(admin_api, people, instructor):
    response = admin_api.get(USERS, {"role": "instructor"})

    assert _ids(response) == [instructor.public_id]


def test_filters_by_several_roles_repeated_or_comma_separated(
    admin_api, people, admin, instructor
):
    repeated = admin_api.get(f"{USERS}?role=admin&role=instructor")
    commas = admin_api.get(f"{USERS}?role=admin,instructor")

    expected = {admin.public_id, instructor.public_id}
    assert set(_ids(repeated)) == expected
    assert set(_ids(commas)) == expected


def test_filters_by_status(admin_api, people):
    response = admin_api.get(USERS, {"status": "deactivated"})

    assert _ids(response) == [people["gone"].public_id]
    assert response.json()["data"][0]["status"] == UserStatus.DEACTIVATED


def test_sorts_by_email_both_ways(admin_api, people):
    ascending = admin_api.get(USERS, {"sort": "email"}).json()["data"]
    descending = admin_api.get(USERS, {"sort": "-email"}).json()["data"]

    emails = [user["email"] for user in ascending]
    assert emails == sorted(emails)
    assert [user["email"] for user in descending] == emails[::-1]


@pytest.mark.parametrize(
    "sort",
    ["name", "-role", "status", "created_at", "-last_login", "last_active_at"],
)
def test_sorts_by_every_column(admin_api, people, sort):
    response = admin_api.get(USERS, {"sort": sort})

    assert response.status_code == 200
    assert response.json()["meta"]["total"] == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"role": "wizard"}, "role.0"),
        ({"status": "sleeping"}, "status.0"),
        ({"sort": "password"}, "sort"),
        ({"last_active": "yesterday"}, "last_active"),
    ],
)
def test_refuses_unknown_filter_values_with_422(admin_api, query, field):
    response = admin_api.get(USERS, query)

    assert response.status_code == 422
    assert field in issues_of(response)


# --- Creating ----------------------------------------------------------------------


def test_invites_a_user_and_emails_the_link(
    admin_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(admin_api)

    data = response.json()["data"]
    assert response.status_code == 201
    assert data["status"] == "invited"
    assert data["temporary_password"] is None
    assert data["invitation"]["state"] == "pending"
    assert data["invitation"]["id"].startswith("inv_")
    assert [message.to for message in mail.outbox] == [["nadia@example.com"]]


def test_creates_a_user_with_a_temporary_password_shown_once(
    admin_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(admin_api, mode="temporary_password")

    data = response.json()["data"]
    user = User.objects.get(email="nadia@example.com")
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    assert data["status"] == "must_change_password"
    assert user.check_password(data["temporary_password"])
    assert data["invitation"] is None
    assert mail.outbox == []
    again = admin_api.get(_user_path(user)).json()["data"]
    assert "temporary_password" not in again


def test_creates_with_the_given_role(admin_api):
    response = _create(admin_api, role="instructor", mode="temporary_password")

    assert response.json()["data"]["role"] == "instructor"
    assert User.objects.get(email="nadia@example.com").role == Role.INSTRUCTOR


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"first_name": "A" * 151}, "first_name"),
        ({"last_name": "B" * 151}, "last_name"),
        ({"first_name": "   "}, "first_name"),
        ({"role": "superuser"}, "role"),
        ({"mode": "carrier_pigeon"}, "mode"),
    ],
)
def test_refuses_bad_input_with_422_naming_the_field(admin_api, overrides, field):
    response = _create(admin_api, **overrides)

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in issues_of(response)
    assert not User.objects.filter(first_name="Nadia").exists()


def test_refuses_missing_fields_naming_each(admin_api):
    response = admin_api.post(USERS, {}, content_type="application/json")

    assert response.status_code == 422
    assert set(issues_of(response)) == {
        "first_name",
        "last_name",
        "email",
        "role",
        "mode",
    }


@pytest.mark.parametrize("mode", ["invite", "temporary_password"])
def test_refuses_an_email_taken_in_another_case(admin_api, learner, mode):
    response = _create(admin_api, email="LEA@Example.COM", mode=mode)

    assert response.status_code == 422
    assert issues_of(response) == {
        "email": "An account with this email address already exists."
    }
    assert User.objects.filter(email__iexact="lea@example.com").count() == 1


def test_accepts_a_name_of_exactly_150_characters(admin_api):
    response = _create(admin_api, first_name="A" * 150)

    assert response.status_code == 201


# --- Changing -------------------------------------------------------------------------


def test_renames_a_user(admin_api, learner):
    response = _patch(admin_api, _user_path(learner), {"last_name": "Lovelace"})

    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Lea Lovelace"
    learner.refresh_from_db()
    assert learner.last_name == "Lovelace"


def test_changes_a_role_with_a_reason_in_the_audit_log(admin_api, admin, learner):
    response = _patch(
        admin_api, _user_path(learner), {"role": "instructor", "reason": "New hire"}
    )

    assert response.json()["data"]["role"] == "instructor"
    event = AuditEvent.objects.get(kind=AuditKind.ROLE_CHANGED)
    assert (event.actor, event.subject, event.reason) == (admin, learner, "New hire")


def test_refuses_an_over_long_name_on_update(admin_api, learner):
    response = _patch(admin_api, _user_path(learner), {"first_name": "A" * 151})

    assert response.status_code == 422
    assert "first_name" in issues_of(response)


def test_refuses_a_bad_role_on_update(admin_api, learner):
    response = _patch(admin_api, _user_path(learner), {"role": "owner"})

    assert response.status_code == 422
    assert "role" in issues_of(response)


def test_admin_cannot_remove_own_admin_role_and_nothing_changes(admin_api, admin):
    response = _patch(
        admin_api, _user_path(admin), {"first_name": "Changed", "role": "learner"}
    )

    assert response.status_code == 422
    assert issues_of(response) == {"role": "You cannot remove your own admin role."}
    admin.refresh_from_db()
    assert (admin.first_name, admin.role) == ("Ada", Role.ADMIN)


def test_renames_yourself(learner):
    response = _patch(api_client(learner), ME, {"first_name": "Leah"})

    assert response.json()["data"]["name"] == "Leah Learner"
    learner.refresh_from_db()
    assert learner.first_name == "Leah"


def test_cannot_change_own_role_through_me(learner):
    _patch(api_client(learner), ME, {"role": "admin"})

    learner.refresh_from_db()
    assert learner.role == Role.LEARNER


# --- Deactivating ---------------------------------------------------------------------


def test_deactivates_and_reactivates(admin_api, learner):
    deactivated = admin_api.post(
        _user_path(learner, "deactivate"),
        {"reason": "Left the company"},
        content_type="application/json",
    )
    assert deactivated.status_code == 200
    assert deactivated.json()["data"]["status"] == "deactivated"

    reactivated = admin_api.post(
        _user_path(learner, "reactivate"), content_type="application/json"
    )
    assert reactivated.status_code == 200
    assert reactivated.json()["data"]["status"] == "active"
    event = AuditEvent.objects.get(kind=AuditKind.ACCOUNT_DEACTIVATED)
    assert event.reason == "Left the company"


def test_deactivation_through_the_api_ends_the_users_token(admin_api, learner):
    learner_api = api_client(learner)
    assert learner_api.get(ME).status_code == 200

    admin_api.post(_user_path(learner, "deactivate"), content_type="application/json")

    assert learner_api.get(ME).status_code == 401


def test_admin_cannot_deactivate_themselves(admin_api, admin):
    response = admin_api.post(
        _user_path(admin, "deactivate"), content_type="application/json"
    )

    assert response.status_code == 422
    assert issues_of(response) == {None: "You cannot deactivate your own account."}
    admin.refresh_from_db()
    assert admin.is_active


# --- Erased accounts ---------------------------------------------------------------


def test_refuses_reactivating_an_erased_account_with_422(admin_api, admin, learner):
    erase_learner(learner=learner, actor=admin, reason="Asked by mail")

    response = admin_api.post(
        _user_path(learner, "reactivate"), content_type="application/json"
    )

    assert response.status_code == 422
    assert error_of(response)["code"] == "VALIDATION_ERROR"
    assert issues_of(response) == {
        None: "This person's data was erased, so their account cannot be reactivated."
    }
    learner.refresh_from_db()
    assert not learner.is_active


def test_refuses_changing_the_role_of_an_erased_account_with_422(
    admin_api, admin, learner
):
    erase_learner(learner=learner, actor=admin, reason="Asked by mail")

    response = _patch(admin_api, _user_path(learner), {"role": "admin"})

    assert response.status_code == 422
    assert issues_of(response) == {
        "role": "This person's data was erased, so their role cannot be changed."
    }
    learner.refresh_from_db()
    assert learner.role == Role.LEARNER


def test_refuses_renaming_an_erased_account_with_422(admin_api, admin, learner):
    erase_learner(learner=learner, actor=admin, reason="Asked by mail")

    response = _patch(admin_api, _user_path(learner), {"first_name": "Lea"})

    assert response.status_code == 422
    assert issues_of(response) == {
        None: "This person's data was erased, so their name cannot be changed."
    }
    learner.refresh_from_db()
    assert learner.name == "Erased learner"


# --- Failures ----------------------------------------------------------------


def test_answers_an_unexpected_error_with_500_envelope(admin_api, monkeypatch, caplog):
    def broken(**filters):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(accounts_api.selectors, "users_for_list", broken)

    response = admin_api.get(USERS)

    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "INTERNAL_ERROR"
    assert "database on fire" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert any(record.exc_info for record in caplog.records)

"""The Users section: list, search, filters, sorting, bulk actions, new accounts
and the account actions on a profile."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from karma.accounts import services
from karma.accounts.models import Invitation, Role, User, UserStatus
from karma.accounts.tests.factories import (
    AdminFactory,
    InstructorFactory,
    LearnerFactory,
    UserFactory,
)
from karma.audit.models import AuditEvent, AuditKind
from karma.privacy.services import erase_learner

LIST_URL = reverse("accounts:user_list")
BULK_URL = reverse("accounts:user_bulk_action")
INVITE_URL = reverse("accounts:user_invite")
CREATE_URL = reverse("accounts:user_create")

XSS_NAMES = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def _names_in_order(response) -> list[str]:
    """Return the row names of the list, top to bottom."""
    html = response.content.decode()
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]*)</a></th>', html)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _invite(admin, email="ivy@example.com", **fields) -> User:
    invitation = services.invite_user(
        first_name=fields.get("first_name", "Ivy"),
        last_name=fields.get("last_name", "Invitee"),
        email=email,
        role=fields.get("role", Role.LEARNER),
        invited_by=admin,
    )
    return invitation.user


# --- Who may see the list ---------------------------------------------------


def test_list_shows_every_account_with_its_facts(admin_client, admin, learner):
    invitee = _invite(admin)
    gone = LearnerFactory(first_name="Gone", last_name="Person", is_active=False)
    fresh = services.create_user_with_temporary_password(
        first_name="Fresh",
        last_name="Start",
        email="fresh@example.com",
        role=Role.INSTRUCTOR,
        created_by=admin,
    ).user

    response = admin_client.get(LIST_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav_section"] == "users"
    for person in (admin, learner, invitee, gone, fresh):
        assert person.email in html
        assert reverse("accounts:user_profile", args=[person.public_id]) in html
    for label in ("Invited", "Active", "Must change password", "Deactivated"):
        assert label in html
    assert "Invite User" in html
    assert "Create User" in html


@pytest.mark.parametrize("fixture", ["instructor_client", "learner_client"])
def test_list_refuses_non_admins(request, fixture):
    client = request.getfixturevalue(fixture)

    assert client.get(LIST_URL).status_code == 403


def test_list_sends_strangers_to_sign_in(client, db):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_list_shows_times_in_viewer_time_zone(admin_client, admin):
    LearnerFactory(
        first_name="Tokyo",
        created_at=datetime(2026, 1, 1, 23, 30, tzinfo=UTC),
        last_active_at=datetime(2026, 1, 2, 1, 5, tzinfo=UTC),
    )
    admin_client.cookies["karma_tz"] = "Asia/Tokyo"

    html = admin_client.get(LIST_URL).content.decode()

    assert "2 Jan 2026, 08:30" in html
    assert "2 Jan 2026, 10:05" in html
    assert "Asia/Tokyo" in html


@pytest.mark.parametrize("name", XSS_NAMES)
def test_list_escapes_names(admin_client, name):
    LearnerFactory(first_name=name, last_name=name)

    html = admin_client.get(LIST_URL).content.decode()

    assert name not in html
    assert "&lt;" in html


# --- Search as you type -------------------------------------------------------


def test_search_answers_htmx_with_results_only(admin_client, learner):
    response = admin_client.get(LIST_URL, {"q": "lea"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<table" in html
    assert _names_in_order(response) == ["Lea Learner"]
    assert "HX-Request" in response["Vary"]


def test_search_without_htmx_renders_whole_page(admin_client, learner):
    response = admin_client.get(LIST_URL, {"q": "lea"})

    html = response.content.decode()
    assert "<html" in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-target="#user-results"' in html
    assert 'hx-push-url="true"' in html
    assert _names_in_order(response) == ["Lea Learner"]


def test_history_restore_gets_the_whole_page(admin_client, learner):
    response = admin_client.get(
        LIST_URL,
        {"q": "lea"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )

    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["jose nunez", "JOSÉ", "núñez", "NUNEZ@EXAMPLE", "nunez jose", "Núñez  JOS"],
)
def test_search_ignores_case_and_accents(admin_client, query):
    LearnerFactory(first_name="José", last_name="Núñez", email="nunez@example.com")
    LearnerFactory(first_name="Joanna", last_name="Smith")

    response = admin_client.get(LIST_URL, {"q": query}, HTTP_HX_REQUEST="true")

    assert _names_in_order(response) == ["José Núñez"]


@pytest.mark.parametrize("stored", ["O'Brien", "O’Brien", "Oʼbrien"])
@pytest.mark.parametrize("query", ["o'brien", "O’Brien", "‘brien"])
def test_search_finds_names_whatever_the_apostrophe(admin_client, stored, query):
    LearnerFactory(first_name="Seán", last_name=stored)
    LearnerFactory(first_name="Brien", last_name="Obi")

    response = admin_client.get(LIST_URL, {"q": query}, HTTP_HX_REQUEST="true")

    assert [unescape(name) for name in _names_in_order(response)] == [f"Seán {stored}"]


def test_search_needs_every_word(admin_client):
    LearnerFactory(first_name="Amara", last_name="Okoye")
    LearnerFactory(first_name="Amara", last_name="Smith")

    response = admin_client.get(LIST_URL, {"q": "okoye amara"})

    assert _names_in_order(response) == ["Amara Okoye"]


def test_search_finds_by_email(admin_client, learner, outsider):
    response = admin_client.get(LIST_URL, {"q": "otto@"})

    assert _names_in_order(response) == ["Otto Outsider"]


# --- Filters ------------------------------------------------------------------


@pytest.fixture
def statuses(admin):
    """One person in each status, besides the signed-in admin."""
    invited = _invite(admin, email="inv@example.com", first_name="Invited")
    must_change = services.create_user_with_temporary_password(
        first_name="Temporary",
        last_name="Password",
        email="temp@example.com",
        role=Role.LEARNER,
        created_by=admin,
    ).user
    active = LearnerFactory(first_name="Active", last_name="Person")
    deactivated = LearnerFactory(first_name="Deactivated", last_name="Person")
    services.deactivate_user(user=deactivated, deactivated_by=admin)
    return {
        UserStatus.INVITED: invited,
        UserStatus.MUST_CHANGE_PASSWORD: must_change,
        UserStatus.ACTIVE: active,
        UserStatus.DEACTIVATED: deactivated,
    }


@pytest.mark.parametrize("status", UserStatus.values)
def test_filters_by_status(admin_client, statuses, status):
    response = admin_client.get(LIST_URL, {"status": status})

    names = _names_in_order(response)
    assert statuses[status].name in names
    for other_status, person in statuses.items():
        if other_status != status:
            assert person.name not in names


@pytest.mark.parametrize("role", Role.values)
def test_filters_by_role(admin_client, admin, instructor, learner, role):
    response = admin_client.get(LIST_URL, {"role": role})

    expected = {Role.ADMIN: admin, Role.INSTRUCTOR: instructor, Role.LEARNER: learner}
    assert _names_in_order(response) == [expected[role].name]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("7d", ["Recent"]),
        ("30d", ["Fortnight", "Recent"]),
        ("inactive_30d", ["Ada Admin", "Long Ago", "Never Seen"]),
        ("never", ["Ada Admin", "Never Seen"]),
    ],
)
def test_filters_by_last_active(admin_client, key, expected):
    now = timezone.now()
    LearnerFactory(first_name="Recent", last_name="", last_active_at=now)
    LearnerFactory(
        first_name="Fortnight", last_name="", last_active_at=now - timedelta(days=14)
    )
    LearnerFactory(
        first_name="Long", last_name="Ago", last_active_at=now - timedelta(days=90)
    )
    LearnerFactory(first_name="Never", last_name="Seen", last_active_at=None)

    response = admin_client.get(LIST_URL, {"active": key})

    # The admin's own last active is written after the response.
    assert _names_in_order(response) == expected


@pytest.mark.parametrize("query", ["lea\x00", "lea" + " " * 300 + "x"])
def test_survives_odd_search_text(admin_client, learner, query):
    response = admin_client.get(LIST_URL, {"q": query})

    assert response.status_code == 200


def test_ignores_unknown_filter_values(admin_client, learner):
    response = admin_client.get(
        LIST_URL, {"role": "wizard", "status": "x", "active": "1y", "page": "zz"}
    )

    assert response.status_code == 200
    assert "Lea Learner" in _names_in_order(response)


# --- Sorting ------------------------------------------------------------------


@pytest.fixture
def sortable(db):
    """Three people whose order differs by each column."""
    day = datetime(2026, 3, 1, tzinfo=UTC)
    return [
        AdminFactory(
            first_name="Ana",
            last_name="Zed",
            email="zz@sort.example",
            created_at=day + timedelta(days=2),
            last_login=day,
            last_active_at=None,
        ),
        LearnerFactory(
            first_name="élodie",
            last_name="Young",
            email="mm@sort.example",
            created_at=day,
            last_login=None,
            last_active_at=day + timedelta(days=5),
        ),
        InstructorFactory(
            first_name="Zoé",
            last_name="Xu",
            email="aa@sort.example",
            created_at=day + timedelta(days=1),
            last_login=day + timedelta(days=3),
            last_active_at=day + timedelta(days=1),
            is_active=False,
        ),
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Ana Zed", "élodie Young", "Zoé Xu"]),
        ("-name", ["Zoé Xu", "élodie Young", "Ana Zed"]),
        ("email", ["Zoé Xu", "élodie Young", "Ana Zed"]),
        ("-email", ["Ana Zed", "élodie Young", "Zoé Xu"]),
        ("role", ["Ana Zed", "Zoé Xu", "élodie Young"]),
        ("-role", ["élodie Young", "Zoé Xu", "Ana Zed"]),
        ("status", ["Ana Zed", "élodie Young", "Zoé Xu"]),
        ("-status", ["Zoé Xu", "Ana Zed", "élodie Young"]),
        ("created", ["élodie Young", "Zoé Xu", "Ana Zed"]),
        ("-created", ["Ana Zed", "Zoé Xu", "élodie Young"]),
        ("last_login", ["Ana Zed", "Zoé Xu", "élodie Young"]),
        ("-last_login", ["Zoé Xu", "Ana Zed", "élodie Young"]),
        ("last_active", ["Zoé Xu", "élodie Young", "Ana Zed"]),
        ("-last_active", ["élodie Young", "Zoé Xu", "Ana Zed"]),
    ],
)
def test_sorts_by_every_column(admin_client, sortable, sort, expected):
    response = admin_client.get(LIST_URL, {"sort": sort, "q": "@sort.example"})

    assert _names_in_order(response) == expected


@pytest.mark.parametrize("sort", ["password", "-", "", "name; drop table", "--name"])
def test_unknown_sort_falls_back_to_name(admin_client, learner, sort):
    response = admin_client.get(LIST_URL, {"sort": sort})

    assert response.status_code == 200
    assert _names_in_order(response) == ["Ada Admin", "Lea Learner"]


def test_marks_sorted_header_and_links_reverse(admin_client):
    html = admin_client.get(LIST_URL, {"sort": "email", "role": "admin"}).content
    html = html.decode()

    assert html.count("aria-sort=") == 1
    assert re.search(r'aria-sort="ascending">\s*<a[^>]+href="\?[^"]*sort=-email', html)
    assert "role=admin" in html

    html = admin_client.get(LIST_URL, {"sort": "-email"}).content.decode()
    assert 'aria-sort="descending"' in html


# --- Pagination and queries -----------------------------------------------------


def test_paginates_and_keeps_filters_in_links(admin_client):
    for number in range(30):
        LearnerFactory(first_name=f"Learner{number:02d}", last_name="Paged")

    first = admin_client.get(LIST_URL, {"role": "learner", "sort": "name"})
    second = admin_client.get(LIST_URL, {"role": "learner", "sort": "name", "page": 2})

    assert len(_names_in_order(first)) == 25
    assert len(_names_in_order(second)) == 5
    assert "?role=learner&amp;sort=name&amp;page=2" in first.content.decode()
    assert _names_in_order(second)[0] == "Learner25 Paged"


def test_search_with_more_matches_than_it_counts_says_so(admin_client, monkeypatch):
    monkeypatch.setattr("karma.lib.pagination.SEARCH_COUNT_CAP", 3)
    for number in range(5):
        LearnerFactory(first_name=f"Anna{number}", last_name="Capped")

    response = admin_client.get(LIST_URL, {"q": "capped"})

    html = response.content.decode()
    assert "More than 3 users found; these are the first 3" in html
    assert _names_in_order(response) == [f"Anna{n} Capped" for n in range(3)]


def test_search_under_the_cap_counts_exactly(admin_client, monkeypatch):
    monkeypatch.setattr("karma.lib.pagination.SEARCH_COUNT_CAP", 3)
    for number in range(3):
        LearnerFactory(first_name=f"Anna{number}", last_name="Capped")

    response = admin_client.get(LIST_URL, {"q": "capped"})

    assert "3 users found." in response.content.decode()


def test_the_full_list_counts_everyone_past_the_search_cap(admin_client, monkeypatch):
    monkeypatch.setattr("karma.lib.pagination.SEARCH_COUNT_CAP", 3)
    LearnerFactory.create_batch(5)

    response = admin_client.get(LIST_URL)

    # Five learners and the signed-in admin.
    assert "6 users found." in response.content.decode()


@pytest.mark.parametrize("count", [5, 60])
def test_search_queries_do_not_grow_with_matches(
    admin_client, django_assert_max_num_queries, count, monkeypatch
):
    monkeypatch.setattr("karma.lib.pagination.SEARCH_COUNT_CAP", 30)
    for _ in range(count):
        LearnerFactory(last_name="Many")
    admin_client.get(LIST_URL)  # settle the once-a-minute last-active write

    # The session, the viewer, the first matches, on PostgreSQL the row that
    # ends the list's first rows (none on a site this small), the page.
    with django_assert_max_num_queries(5):
        response = admin_client.get(LIST_URL, {"q": "many"})

    assert response.status_code == 200


@pytest.mark.parametrize("sort", ["name", "-name", "email", "role"])
def test_search_with_more_matches_than_it_counts_finds_ones_that_sort_late(
    admin_client, monkeypatch, sort
):
    # Past the list's first rows, as Cyrillic names are past every Latin one.
    monkeypatch.setattr("karma.lib.pagination.SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr("karma.lib.pagination.EARLY_ROWS", 2)
    for number in range(4):
        LearnerFactory(
            first_name=f"Aaron{number}",
            last_name="Early",
            email=f"a{number}@example.com",
        )
    for number in range(5):
        LearnerFactory(
            first_name=f"Иван{number}",
            last_name="Петров",
            email=f"z{number}@example.com",
        )

    response = admin_client.get(LIST_URL, {"q": "иван", "sort": sort})

    html = response.content.decode()
    assert "More than 3 users found; these are the first 3" in html
    numbers = range(4, 1, -1) if sort == "-name" else range(3)
    assert _names_in_order(response) == [f"Иван{n} Петров" for n in numbers]


@pytest.mark.parametrize("count", [5, 60])
def test_list_queries_do_not_grow_with_rows(
    admin_client, admin, django_assert_max_num_queries, count
):
    for _ in range(count):
        LearnerFactory(last_active_at=timezone.now())
    _invite(admin)
    admin_client.get(LIST_URL)  # settle the once-a-minute last-active write

    with django_assert_max_num_queries(4):
        response = admin_client.get(LIST_URL, {"sort": "-last_active"})

    assert response.status_code == 200


# --- Bulk actions -----------------------------------------------------------------


def test_bulk_deactivate_reports_counts(admin_client, admin):
    targets = LearnerFactory.create_batch(3)
    already = LearnerFactory(is_active=False)

    response = admin_client.post(
        BULK_URL,
        {
            "action": "deactivate",
            "users": [user.public_id for user in [*targets, already]],
        },
    )

    assert response.status_code == 302
    assert _messages(response) == ["3 deactivated, 1 skipped: already deactivated."]
    assert not User.objects.filter(pk__in=[u.pk for u in targets], is_active=True)
    assert AuditEvent.objects.filter(kind=AuditKind.ACCOUNT_DEACTIVATED).count() == 3


def test_bulk_deactivate_never_touches_acting_admin(admin_client, admin, learner):
    response = admin_client.post(
        BULK_URL,
        {"action": "deactivate", "users": [admin.public_id, learner.public_id]},
    )

    admin.refresh_from_db()
    assert admin.is_active
    assert _messages(response) == [
        "1 deactivated, 1 skipped: you cannot deactivate your own account."
    ]


def test_bulk_reactivate_skips_active(admin_client, learner):
    gone = LearnerFactory.create_batch(2, is_active=False)

    response = admin_client.post(
        BULK_URL,
        {
            "action": "reactivate",
            "users": [learner.public_id, *[u.public_id for u in gone]],
        },
    )

    assert _messages(response) == ["2 reactivated, 1 skipped: already active."]
    assert User.objects.filter(is_active=False).count() == 0


def test_bulk_reactivate_skips_erased_accounts(admin_client, admin, learner):
    erase_learner(learner=learner, actor=admin, reason="Asked by mail")

    response = admin_client.post(
        BULK_URL, {"action": "reactivate", "users": [learner.public_id]}
    )

    learner.refresh_from_db()
    assert not learner.is_active
    assert _messages(response) == [
        "0 reactivated, 1 skipped: this person's data was erased, "
        "so their account cannot be reactivated."
    ]


def test_bulk_resend_invitation_mails_invitees_only(
    admin_client, admin, learner, mailoutbox, django_capture_on_commit_callbacks
):
    invitees = [_invite(admin, email=f"inv{n}@example.com") for n in range(2)]
    old_links = set(Invitation.objects.values_list("token_hash", flat=True))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            BULK_URL,
            {
                "action": "resend_invitation",
                "users": [learner.public_id, *[u.public_id for u in invitees]],
            },
        )

    assert _messages(response) == ["2 re-invited, 1 skipped: already accepted."]
    assert sorted(message.to[0] for message in mailoutbox) == [
        "inv0@example.com",
        "inv1@example.com",
    ]
    pending = Invitation.objects.filter(accepted_at=None, revoked_at=None)
    assert not set(pending.values_list("token_hash", flat=True)) & old_links


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "deactivate"}, "Select at least one user."),
        ({"action": "explode", "users": ["usr_x"]}, "Select a valid choice."),
        ({"users": ["usr_x"]}, "Choose an action."),
    ],
)
def test_bulk_refuses_incomplete_requests(admin_client, learner, data, message):
    response = admin_client.post(BULK_URL, data)

    assert response.status_code == 302
    assert any(text.startswith(message) for text in _messages(response))
    learner.refresh_from_db()
    assert learner.is_active


def test_bulk_ignores_malformed_ids(admin_client, learner):
    response = admin_client.post(
        BULK_URL,
        {"action": "deactivate", "users": ["usr_\x00", "1 OR 1=1", learner.public_id]},
    )

    learner.refresh_from_db()
    assert not learner.is_active
    assert _messages(response) == ["1 deactivated."]


def test_bulk_returns_to_filtered_list(admin_client, learner):
    back = f"{LIST_URL}?role=learner&page=1"

    response = admin_client.post(
        BULK_URL,
        {"action": "reactivate", "users": [learner.public_id], "next": back},
    )

    assert response["Location"] == back


@pytest.mark.parametrize("evil", ["https://evil.example/users/", "//evil.example/"])
def test_bulk_ignores_foreign_return_address(admin_client, learner, evil):
    response = admin_client.post(
        BULK_URL,
        {"action": "reactivate", "users": [learner.public_id], "next": evil},
    )

    assert response["Location"] == LIST_URL


@pytest.mark.parametrize("fixture", ["instructor_client", "learner_client"])
def test_bulk_refuses_non_admins(request, fixture, outsider):
    client = request.getfixturevalue(fixture)

    response = client.post(
        BULK_URL, {"action": "deactivate", "users": [outsider.public_id]}
    )

    assert response.status_code == 403
    outsider.refresh_from_db()
    assert outsider.is_active


# --- Invite User -------------------------------------------------------------------


def _new_user_data(**overrides) -> dict[str, str]:
    return {
        "first_name": "Priya",
        "last_name": "Shah",
        "email": "priya.shah@example.com",
        "role": Role.LEARNER,
        **overrides,
    }


def test_invite_creates_invited_account_and_sends_email(
    admin_client, admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(INVITE_URL, _new_user_data(role="instructor"))

    invitee = User.objects.get(email="priya.shah@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "accounts:user_profile", args=[invitee.public_id]
    )
    assert invitee.status == UserStatus.INVITED
    assert invitee.role == Role.INSTRUCTOR
    assert invitee.invitations.get().invited_by == admin
    assert [message.to for message in mailoutbox] == [["priya.shah@example.com"]]
    assert _messages(response) == ["Invitation sent to priya.shah@example.com."]


def test_invite_page_shows_form(admin_client):
    response = admin_client.get(INVITE_URL)

    html = response.content.decode()
    assert response.status_code == 200
    for field in ("first_name", "last_name", "email", "role"):
        assert f'for="id_{field}"' in html


@pytest.mark.parametrize("url", [INVITE_URL, CREATE_URL])
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"email": ""}, "email", "required"),
        ({"first_name": "x" * 151}, "first_name", "at most 150 characters"),
        ({"last_name": "y" * 151}, "last_name", "at most 150 characters"),
        ({"last_name": "   "}, "last_name", "required"),
        ({"role": "wizard"}, "role", "valid choice"),
        ({"email": "LEA@Example.COM"}, "email", "already exists"),
    ],
)
def test_new_user_refuses_bad_input_on_its_field(
    admin_client, learner, url, overrides, field, message
):
    before = User.objects.count()

    response = admin_client.post(url, _new_user_data(**overrides))

    form = response.context["form"]
    assert response.status_code == 200
    assert message in " ".join(form.errors[field])
    assert f'aria-describedby="id_{field}_error"' in response.content.decode()
    assert User.objects.count() == before
    assert not AuditEvent.objects.exists()


def test_new_user_form_keeps_what_was_typed(admin_client, learner):
    response = admin_client.post(
        INVITE_URL, _new_user_data(email="lea@example.com", first_name="Kept")
    )

    assert 'value="Kept"' in response.content.decode()


def test_invite_reports_service_refusal_on_field(admin_client, monkeypatch):
    def refuse(**kwargs):
        raise services.AccountError(
            "Addresses at this domain are blocked.", field="email"
        )

    monkeypatch.setattr(services, "invite_user", refuse)

    response = admin_client.post(INVITE_URL, _new_user_data())

    assert response.context["form"].errors["email"] == [
        "Addresses at this domain are blocked."
    ]


# --- Create User ------------------------------------------------------------------


def test_create_shows_temporary_password_once(admin_client, admin):
    response = admin_client.post(CREATE_URL, _new_user_data())

    password = response.context["temporary_password"]
    user = User.objects.get(email="priya.shah@example.com")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{password}"' in html
    assert "must change it" in html
    assert "no-store" in response["Cache-Control"]
    assert user.check_password(password)
    assert user.must_change_password
    assert user.status == UserStatus.MUST_CHANGE_PASSWORD

    later_pages = [
        admin_client.get(LIST_URL),
        admin_client.get(reverse("accounts:user_profile", args=[user.public_id])),
        admin_client.get(reverse("audit:log")),
        admin_client.get(CREATE_URL),
    ]
    for page in later_pages:
        assert password not in page.content.decode()
    assert password not in str(dict(admin_client.session))
    assert not _messages(response)


def test_create_stores_no_clear_password(admin_client):
    response = admin_client.post(CREATE_URL, _new_user_data())
    password = response.context["temporary_password"]

    row = User.objects.filter(email="priya.shah@example.com").values().get()
    assert all(password not in str(value) for value in row.values())
    for event in AuditEvent.objects.values():
        assert all(password not in str(value) for value in event.values())


def test_create_logs_no_password(admin_client, caplog):
    with caplog.at_level("DEBUG"):
        response = admin_client.post(CREATE_URL, _new_user_data())

    password = response.context["temporary_password"]
    assert password not in caplog.text
    assert "priya.shah@example.com" not in caplog.text


@pytest.mark.parametrize("fixture", ["instructor_client", "learner_client"])
@pytest.mark.parametrize("url", [INVITE_URL, CREATE_URL])
def test_new_user_pages_refuse_non_admins(request, fixture, url):
    client = request.getfixturevalue(fixture)

    assert client.get(url).status_code == 403
    assert client.post(url, _new_user_data()).status_code == 403
    assert not User.objects.filter(email="priya.shah@example.com").exists()


# --- Actions on one account -----------------------------------------------------


def _url(name: str, user: User) -> str:
    return reverse(f"accounts:{name}", args=[user.public_id])


def test_changes_role_with_reason(admin_client, admin, learner):
    response = admin_client.post(
        _url("user_role", learner), {"role": "instructor", "reason": "Runs onboarding"}
    )

    learner.refresh_from_db()
    event = AuditEvent.objects.get(kind=AuditKind.ROLE_CHANGED)
    assert response["Location"] == _url("user_profile", learner)
    assert learner.role == Role.INSTRUCTOR
    assert event.actor == admin
    assert event.reason == "Runs onboarding"
    assert event.details == {"from": "learner", "to": "instructor"}
    assert _messages(response) == ["Lea Learner is now an instructor."]


def test_refuses_unknown_role(admin_client, learner):
    response = admin_client.post(_url("user_role", learner), {"role": "wizard"})

    learner.refresh_from_db()
    assert response.status_code == 302
    assert learner.role == Role.LEARNER
    assert "valid choice" in _messages(response)[0]


def test_refuses_dropping_own_admin_role(admin_client, admin):
    response = admin_client.post(_url("user_role", admin), {"role": "learner"})

    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert _messages(response) == ["You cannot remove your own admin role."]


def test_deactivates_and_reactivates_with_reason(admin_client, learner):
    deactivated = admin_client.post(
        _url("user_deactivate", learner), {"reason": "Left the company"}
    )
    learner.refresh_from_db()
    assert not learner.is_active
    assert "deactivated" in _messages(deactivated)[0]
    assert (
        AuditEvent.objects.get(kind=AuditKind.ACCOUNT_DEACTIVATED).reason
        == "Left the company"
    )

    reactivated = admin_client.post(_url("user_reactivate", learner), {"reason": ""})
    learner.refresh_from_db()
    assert learner.is_active
    assert _messages(reactivated)[-1] == "Lea Learner was reactivated."


def test_refuses_reactivating_an_erased_account(admin_client, admin, learner):
    erase_learner(learner=learner, actor=admin, reason="Asked by mail")

    response = admin_client.post(_url("user_reactivate", learner), {"reason": "Back"})

    learner.refresh_from_db()
    assert response["Location"] == _url("user_profile", learner)
    assert not learner.is_active
    assert _messages(response) == [
        "This person's data was erased, so their account cannot be reactivated."
    ]
    assert not AuditEvent.objects.filter(kind=AuditKind.ACCOUNT_REACTIVATED).exists()


def test_refuses_changing_the_role_of_an_erased_account(admin_client, admin, learner):
    erase_learner(learner=learner, actor=admin, reason="Asked by mail")

    response = admin_client.post(
        _url("user_role", learner), {"role": "admin", "reason": "Promote"}
    )

    learner.refresh_from_db()
    assert response["Location"] == _url("user_profile", learner)
    assert learner.role == Role.LEARNER
    assert _messages(response) == [
        "This person's data was erased, so their role cannot be changed."
    ]
    assert not AuditEvent.objects.filter(kind=AuditKind.ROLE_CHANGED).exists()


def test_deactivation_ends_sessions_at_once(admin_client, learner_client, learner):
    assert learner_client.get(reverse("accounts:my_profile")).status_code == 200

    admin_client.post(_url("user_deactivate", learner))

    response = learner_client.get(reverse("accounts:my_profile"))
    assert response.status_code == 302


def test_refuses_deactivating_self(admin_client, admin):
    response = admin_client.post(_url("user_deactivate", admin))

    admin.refresh_from_db()
    assert admin.is_active
    assert _messages(response) == ["You cannot deactivate your own account."]


def test_refuses_over_long_reason(admin_client, learner):
    response = admin_client.post(
        _url("user_deactivate", learner), {"reason": "r" * 501}
    )

    learner.refresh_from_db()
    assert learner.is_active
    assert "at most 500 characters" in _messages(response)[0]


def test_resends_and_revokes_invitation(
    admin_client, admin, mailoutbox, django_capture_on_commit_callbacks
):
    invitee = _invite(admin)
    first = invitee.invitations.get()

    with django_capture_on_commit_callbacks(execute=True):
        resent = admin_client.post(_url("invitation_resend", invitee))
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert len(mailoutbox) == 1
    assert "previous link no longer works" in _messages(resent)[0]

    revoked = admin_client.post(_url("invitation_revoke", invitee))
    assert not invitee.invitations.filter(revoked_at=None).exists()
    assert "revoked" in _messages(revoked)[-1]


def test_reports_resend_for_active_account_as_error(admin_client, learner):
    response = admin_client.post(_url("invitation_resend", learner))

    assert response["Location"] == _url("user_profile", learner)
    assert _messages(response) == [
        "Only people who have not yet accepted can be re-invited."
    ]


def test_reports_revoke_without_open_invitation(admin_client, learner):
    response = admin_client.post(_url("invitation_revoke", learner))

    assert _messages(response) == ["There is no open invitation to revoke."]


@pytest.mark.parametrize(
    "name",
    [
        "user_role",
        "user_deactivate",
        "user_reactivate",
        "invitation_resend",
        "invitation_revoke",
    ],
)
def test_actions_answer_404_for_unknown_user(admin_client, name):
    url = reverse(f"accounts:{name}", args=["usr_0000000000000000"])

    assert admin_client.post(url, {"role": "learner"}).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "user_role",
        "user_deactivate",
        "user_reactivate",
        "invitation_resend",
        "invitation_revoke",
    ],
)
@pytest.mark.parametrize("fixture", ["instructor_client", "learner_client"])
def test_actions_refuse_non_admins(request, name, fixture, outsider):
    client = request.getfixturevalue(fixture)

    response = client.post(_url(name, outsider), {"role": "admin"})

    outsider.refresh_from_db()
    assert response.status_code == 403
    assert outsider.role == Role.LEARNER
    assert outsider.is_active


@pytest.mark.parametrize("name", ["user_role", "user_deactivate", "invitation_revoke"])
def test_actions_refuse_get(admin_client, learner, name):
    assert admin_client.get(_url(name, learner)).status_code == 405


@pytest.mark.parametrize("name", XSS_NAMES)
def test_action_messages_escape_names(admin_client, name):
    person = UserFactory(first_name=name, last_name="")

    response = admin_client.post(_url("user_deactivate", person), follow=True)

    html = response.content.decode()
    assert name not in html
    assert "was deactivated" in html

"""Profile pages: Users -> [name] and My Profile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from karma.accounts import services
from karma.accounts.models import Role, User
from karma.accounts.tests.factories import LearnerFactory
from karma.audit.models import AuditEvent, AuditKind
from karma.privacy.services import erase_learner

MY_PROFILE_URL = reverse("accounts:my_profile")


def _profile_url(user: User) -> str:
    return reverse("accounts:user_profile", args=[user.public_id])


def _views_recorded() -> list[tuple[int, int]]:
    return list(
        AuditEvent.objects.filter(kind=AuditKind.PROFILE_VIEWED).values_list(
            "actor_id", "subject_id"
        )
    )


def _invite(admin) -> User:
    return services.invite_user(
        first_name="Ivy",
        last_name="Invitee",
        email="ivy@example.com",
        role=Role.LEARNER,
        invited_by=admin,
    ).user


# --- Who may see a profile --------------------------------------------------


def test_admin_sees_someone_elses_profile(admin_client, admin, learner):
    learner.last_login = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    learner.save(update_fields=["last_login"])

    response = admin_client.get(_profile_url(learner))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav_section"] == "users"
    for text in ("Lea Learner", "lea@example.com", "Learner", "Active", "1 Feb 2026"):
        assert text in html
    for section in ("Enrolled courses", "Assessment history", "Certificates"):
        assert section in html
    assert "No enrolled courses yet." in html


def test_records_staff_viewing_someone_else(admin_client, admin, learner):
    admin_client.get(_profile_url(learner))
    admin_client.get(_profile_url(learner))

    assert _views_recorded() == [(admin.pk, learner.pk), (admin.pk, learner.pk)]


@pytest.mark.parametrize("fixture", ["admin", "instructor", "learner"])
def test_records_nothing_for_own_profile(client, request, fixture):
    user = request.getfixturevalue(fixture)
    client.force_login(user)

    assert client.get(_profile_url(user)).status_code == 200
    assert client.get(MY_PROFILE_URL).status_code == 200
    assert _views_recorded() == []


def test_record_profile_view_skips_learners(learner, outsider):
    services.record_profile_view(viewer=learner, subject=outsider)

    assert _views_recorded() == []


def test_record_profile_view_counts_instructors(instructor, learner):
    services.record_profile_view(viewer=instructor, subject=learner)

    assert _views_recorded() == [(instructor.pk, learner.pk)]


@pytest.mark.parametrize("fixture", ["instructor_client", "learner_client"])
def test_hides_other_profiles_from_non_admins(request, fixture, outsider):
    client = request.getfixturevalue(fixture)

    response = client.get(_profile_url(outsider))

    assert response.status_code == 404
    assert "Otto" not in response.content.decode()
    assert _views_recorded() == []


@pytest.mark.parametrize(
    "public_id", ["usr_0000000000000000", "usr_short", "usr_\x00000000000000000"]
)
def test_answers_404_for_unknown_profile(admin_client, public_id):
    url = reverse("accounts:user_profile", args=[public_id])

    assert admin_client.get(url).status_code == 404


def test_profile_sends_strangers_to_sign_in(client, learner):
    for url in (_profile_url(learner), MY_PROFILE_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# --- What admins see and do -----------------------------------------------------


def test_admin_sees_role_and_deactivate_forms(admin_client, learner):
    html = admin_client.get(_profile_url(learner)).content.decode()

    assert reverse("accounts:user_role", args=[learner.public_id]) in html
    assert reverse("accounts:user_deactivate", args=[learner.public_id]) in html
    assert reverse("accounts:user_reactivate", args=[learner.public_id]) not in html
    assert "data-confirm=" in html


def test_admin_sees_reactivate_for_deactivated(admin_client, admin, learner):
    services.deactivate_user(user=learner, deactivated_by=admin)

    html = admin_client.get(_profile_url(learner)).content.decode()

    assert reverse("accounts:user_reactivate", args=[learner.public_id]) in html
    assert reverse("accounts:user_deactivate", args=[learner.public_id]) not in html
    assert "Deactivated" in html


def test_admin_sees_no_reactivate_or_role_change_for_an_erased_account(
    admin_client, admin, learner
):
    erase_learner(learner=learner, actor=admin, reason="Asked by mail")

    html = admin_client.get(_profile_url(learner)).content.decode()

    assert reverse("accounts:user_reactivate", args=[learner.public_id]) not in html
    assert reverse("accounts:user_role", args=[learner.public_id]) not in html
    assert "Manage account" not in html


def test_admin_cannot_demote_or_deactivate_self_from_profile(admin_client, admin):
    html = admin_client.get(_profile_url(admin)).content.decode()

    assert reverse("accounts:user_role", args=[admin.public_id]) not in html
    assert reverse("accounts:user_deactivate", args=[admin.public_id]) not in html


def test_non_admins_see_no_admin_actions_on_own_profile(learner_client, learner):
    html = learner_client.get(MY_PROFILE_URL).content.decode()

    assert reverse("accounts:user_role", args=[learner.public_id]) not in html
    assert reverse("accounts:user_deactivate", args=[learner.public_id]) not in html
    assert "Invitation" not in html


def test_shows_pending_invitation_with_actions(admin_client, admin):
    invitee = _invite(admin)

    html = admin_client.get(_profile_url(invitee)).content.decode()

    assert "Pending: sent" in html
    assert reverse("accounts:invitation_resend", args=[invitee.public_id]) in html
    assert reverse("accounts:invitation_revoke", args=[invitee.public_id]) in html
    assert "Invited" in html


def test_shows_revoked_invitation_with_resend_only(admin_client, admin):
    invitee = _invite(admin)
    services.revoke_invitation(user=invitee, revoked_by=admin)

    html = admin_client.get(_profile_url(invitee)).content.decode()

    assert "Revoked" in html
    assert reverse("accounts:invitation_resend", args=[invitee.public_id]) in html
    assert reverse("accounts:invitation_revoke", args=[invitee.public_id]) not in html


def test_shows_expired_invitation(admin_client, admin):
    invitee = _invite(admin)
    invitee.invitations.update(expires_at=timezone.now() - timedelta(days=1))

    html = admin_client.get(_profile_url(invitee)).content.decode()

    assert "Expired" in html
    assert reverse("accounts:invitation_revoke", args=[invitee.public_id]) not in html


def test_shows_accepted_invitation_without_actions(admin_client, admin):
    invitee = _invite(admin)
    services.accept_invitation(
        invitation=invitee.invitations.get(), password="a-long-new-secret-9"
    )

    html = admin_client.get(_profile_url(invitee)).content.decode()

    assert "Accepted" in html
    assert reverse("accounts:invitation_resend", args=[invitee.public_id]) not in html
    assert reverse("accounts:invitation_revoke", args=[invitee.public_id]) not in html


def test_shows_times_in_viewer_time_zone(admin_client):
    person = LearnerFactory(
        created_at=datetime(2026, 6, 30, 22, 15, tzinfo=UTC),
        last_active_at=datetime(2026, 7, 1, 3, 0, tzinfo=UTC),
    )
    admin_client.cookies["karma_tz"] = "America/Sao_Paulo"

    html = admin_client.get(_profile_url(person)).content.decode()

    assert "30 Jun 2026, 19:15" in html
    assert "1 Jul 2026, 00:00" in html
    assert "America/Sao_Paulo" in html


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
)
def test_profile_escapes_names(admin_client, name):
    person = LearnerFactory(first_name=name, last_name=name)

    html = admin_client.get(_profile_url(person)).content.decode()

    assert name not in html
    assert "&lt;" in html


# --- My Profile -------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["admin", "instructor", "learner"])
def test_my_profile_works_for_every_role(client, request, fixture):
    user = request.getfixturevalue(fixture)
    client.force_login(user)

    response = client.get(MY_PROFILE_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert user.email in html
    assert reverse("accounts:password_change") in html
    assert 'name="first_name"' in html
    assert "No certificates yet." in html


def test_edits_own_name(learner_client, learner):
    response = learner_client.post(
        MY_PROFILE_URL, {"first_name": "  Léa  ", "last_name": "Martin"}
    )

    learner.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == MY_PROFILE_URL
    assert (learner.first_name, learner.last_name) == ("Léa", "Martin")
    assert AuditEvent.objects.filter(kind=AuditKind.PROFILE_UPDATED).count() == 1
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["Your name was saved."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"first_name": "x" * 151, "last_name": "Ok"}, "first_name", "at most 150"),
        ({"first_name": "Ok", "last_name": ""}, "last_name", "required"),
        ({"first_name": "   ", "last_name": "Ok"}, "first_name", "required"),
    ],
)
def test_refuses_bad_name_on_its_field(learner_client, learner, data, field, message):
    response = learner_client.post(MY_PROFILE_URL, data)

    learner.refresh_from_db()
    assert response.status_code == 200
    assert message in " ".join(response.context["name_form"].errors[field])
    assert (learner.first_name, learner.last_name) == ("Lea", "Learner")
    assert not AuditEvent.objects.exists()


def test_name_refused_by_service_leaves_page_unchanged(
    learner_client, learner, monkeypatch
):
    def refuse(*, user, first_name, last_name, updated_by):
        user.first_name = first_name
        raise services.AccountError("Names may not look like that.", field="last_name")

    monkeypatch.setattr(services, "update_profile", refuse)

    response = learner_client.post(
        MY_PROFILE_URL, {"first_name": "Changed", "last_name": "Odd"}
    )

    assert response.context["name_form"].errors["last_name"] == [
        "Names may not look like that."
    ]
    assert response.context["subject"].first_name == "Lea"


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
)
def test_own_name_renders_as_text(learner_client, learner, name):
    learner_client.post(MY_PROFILE_URL, {"first_name": name, "last_name": "X"})

    html = learner_client.get(MY_PROFILE_URL).content.decode()

    assert name not in html
    assert "&lt;" in html

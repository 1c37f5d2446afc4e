"""Account services: the rules every page, API call and command goes through."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import pre_save
from django.test import Client
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)
from rest_framework_simplejwt.tokens import RefreshToken

from karma.accounts import services
from karma.accounts.models import (
    Invitation,
    InvitationState,
    Role,
    User,
    UserStatus,
    hash_token,
)
from karma.accounts.tests.factories import DEFAULT_PASSWORD
from karma.audit.models import AuditEvent, AuditKind

NEW_PASSWORD = "plum-orchard-lantern-42"


def _invite(invited_by, *, email="priya.shah@example.com", **overrides):
    fields = {
        "first_name": "Priya",
        "last_name": "Shah",
        "email": email,
        "role": Role.LEARNER,
        **overrides,
    }
    return services.invite_user(invited_by=invited_by, **fields)


def _create(created_by, *, email="tom.temp@example.com", **overrides):
    fields = {
        "first_name": "Tom",
        "last_name": "Temp",
        "email": email,
        "role": Role.LEARNER,
        **overrides,
    }
    return services.create_user_with_temporary_password(created_by=created_by, **fields)


def _events(kind: str, subject: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind, subject=subject))


def _token_in(message) -> str:
    return re.search(r"/invitations/([^/\s]+)/", message.body).group(1)


@pytest.fixture
def invited(admin, django_capture_on_commit_callbacks):
    """A pending invitation and the token from its email."""
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(admin)
    return invitation, _token_in(mail.outbox[-1])


# --- Inviting ----------------------------------------------------------------


def test_invites_an_account_that_cannot_sign_in_yet(admin, invited):
    invitation, _ = invited
    user = invitation.user

    assert user.status == UserStatus.INVITED
    assert user.email == "priya.shah@example.com"
    assert not user.has_usable_password()
    assert invitation.state == InvitationState.PENDING
    assert invitation.invited_by == admin
    assert invitation.expires_at == pytest.approx(
        timezone.now() + timedelta(days=settings.KARMA_INVITATION_DAYS),
        abs=timedelta(minutes=1),
    )
    (event,) = _events(AuditKind.ACCOUNT_INVITED, user)
    assert event.actor == admin


def test_invitation_email_links_to_the_site_and_stores_only_a_hash(invited):
    invitation, token = invited

    (message,) = mail.outbox
    assert message.to == ["priya.shah@example.com"]
    assert f"{settings.SITE_URL}/invitations/{token}/" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert services.find_invitation(token) == invitation


def test_invitation_email_waits_for_the_commit(
    admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        _invite(admin)

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_rolled_back_invitation_mails_nobody(admin, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _invite(admin)
        raise RuntimeError("the surrounding change failed")

    assert mail.outbox == []
    assert not User.objects.filter(email="priya.shah@example.com").exists()


def test_invite_refuses_an_address_that_has_an_account(admin, learner):
    with pytest.raises(services.EmailAlreadyRegistered) as refused:
        _invite(admin, email="  LEA@Example.COM ")

    assert refused.value.field == "email"
    assert User.objects.filter(email="lea@example.com").count() == 1


def test_racing_invite_of_the_same_address_is_refused_cleanly(admin):
    # Another request inserts the other spelling between the duplicate check
    # and this insert, as two admins clicking at once would; the database
    # constraint stops the second, and the service reports a taken address.
    def competing_insert(sender, instance, **kwargs):
        if instance.pk is None and not User.objects.filter(email=instance.email):
            User.objects.bulk_create(
                [User(email="priya.shah@example.com", first_name="P", last_name="S")]
            )

    pre_save.connect(competing_insert, sender=User)
    try:
        with pytest.raises(services.EmailAlreadyRegistered):
            _invite(admin, email="Priya.Shah@example.com")
    finally:
        pre_save.disconnect(competing_insert, sender=User)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"first_name": "   "}, "first_name"),
        ({"last_name": "x" * 151}, "last_name"),
        ({"role": "superhero"}, "role"),
    ],
)
def test_invite_names_the_field_at_fault(admin, overrides, field):
    with pytest.raises(services.AccountError) as refused:
        _invite(admin, **overrides)

    assert refused.value.field == field
    assert not User.objects.exclude(pk=admin.pk).exists()


def test_invite_keeps_names_on_one_line(admin):
    invitation = _invite(admin, first_name="Priya\r\nBcc: x@evil.example")

    assert invitation.user.first_name == "Priya Bcc: x@evil.example"


# --- Creating with a temporary password --------------------------------------


def test_creates_an_account_with_a_temporary_password(admin):
    account = _create(admin)
    user = account.user

    assert user.status == UserStatus.MUST_CHANGE_PASSWORD
    assert re.fullmatch(r"(\w{5}-){3}\w{5}", account.temporary_password)
    assert user.check_password(account.temporary_password)
    assert account.temporary_password not in user.password
    assert authenticate(
        email="tom.temp@example.com", password=account.temporary_password
    )
    (event,) = _events(AuditKind.ACCOUNT_CREATED, user)
    assert event.actor == admin
    assert account.temporary_password not in str(event.details)


def test_temporary_password_is_never_mailed(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _create(admin)

    assert mail.outbox == []


def test_temporary_passwords_differ(admin):
    first = _create(admin, email="a@example.com")
    second = _create(admin, email="b@example.com")

    assert first.temporary_password != second.temporary_password


def test_create_refuses_an_address_that_has_an_account(admin, learner):
    with pytest.raises(services.EmailAlreadyRegistered):
        _create(admin, email="Lea@example.com")


# --- Accepting an invitation -------------------------------------------------


def test_accepting_sets_the_password_and_activates(invited):
    invitation, _ = invited

    user = services.accept_invitation(invitation=invitation, password=NEW_PASSWORD)

    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ACCEPTED
    assert user.status == UserStatus.ACTIVE
    assert user.check_password(NEW_PASSWORD)
    assert _events(AuditKind.ACCOUNT_ACTIVATED, user)


def test_accepting_refuses_a_weak_password_and_changes_nothing(invited):
    invitation, _ = invited

    with pytest.raises(ValidationError):
        services.accept_invitation(invitation=invitation, password="priyashah")

    invitation.refresh_from_db()
    assert invitation.state == InvitationState.PENDING
    assert invitation.user.status == UserStatus.INVITED


def test_an_invitation_is_accepted_only_once(invited):
    invitation, _ = invited
    services.accept_invitation(invitation=invitation, password=NEW_PASSWORD)

    with pytest.raises(services.AccountError, match="already accepted"):
        services.accept_invitation(invitation=invitation, password="second-try-pass-1")

    invitation.user.refresh_from_db()
    assert invitation.user.check_password(NEW_PASSWORD)


def test_an_expired_invitation_cannot_be_accepted(invited):
    invitation, _ = invited
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    invitation.refresh_from_db()

    with pytest.raises(services.AccountError, match="expired"):
        services.accept_invitation(invitation=invitation, password=NEW_PASSWORD)

    assert invitation.user.status == UserStatus.INVITED


# --- Resending and revoking --------------------------------------------------


def test_resend_kills_the_old_link_and_mails_a_new_one(
    admin, invited, django_capture_on_commit_callbacks
):
    old, old_token = invited

    with django_capture_on_commit_callbacks(execute=True):
        new = services.resend_invitation(user=old.user, sent_by=admin)

    old.refresh_from_db()
    new_token = _token_in(mail.outbox[-1])
    assert new_token != old_token
    assert services.find_invitation(new_token) == new
    assert new.state == InvitationState.PENDING
    assert old.state == InvitationState.REVOKED
    assert old.replaced_by == new
    assert "newer invitation" in services.invitation_problem(old)
    with pytest.raises(services.AccountError):
        services.accept_invitation(invitation=old, password=NEW_PASSWORD)
    assert _events(AuditKind.INVITATION_RESENT, old.user)


def test_resend_refuses_an_active_account(admin, learner):
    with pytest.raises(services.AccountError):
        services.resend_invitation(user=learner, sent_by=admin)

    assert not learner.invitations.exists()


def test_revoke_kills_the_link_and_keeps_the_account_invited(admin, invited):
    invitation, _ = invited

    services.revoke_invitation(user=invitation.user, revoked_by=admin)

    invitation.refresh_from_db()
    assert invitation.state == InvitationState.REVOKED
    assert "withdrawn" in services.invitation_problem(invitation)
    assert invitation.user.status == UserStatus.INVITED
    assert _events(AuditKind.INVITATION_REVOKED, invitation.user)
    with pytest.raises(services.AccountError):
        services.revoke_invitation(user=invitation.user, revoked_by=admin)


def test_invitation_problem_explains_each_state(invited):
    invitation, _ = invited
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    assert "expired" in services.invitation_problem(invitation)

    invitation.accepted_at = timezone.now()
    assert "already accepted" in services.invitation_problem(invitation)


# --- Roles -------------------------------------------------------------------


def test_changes_a_role_and_records_from_and_to(admin, learner):
    services.change_role(user=learner, role=Role.INSTRUCTOR, changed_by=admin)

    learner.refresh_from_db()
    assert learner.role == Role.INSTRUCTOR
    (event,) = _events(AuditKind.ROLE_CHANGED, learner)
    assert event.details == {"from": "learner", "to": "instructor"}
    assert event.actor == admin


def test_role_change_to_the_same_role_records_nothing(admin, learner):
    services.change_role(user=learner, role=Role.LEARNER, changed_by=admin)

    assert not _events(AuditKind.ROLE_CHANGED, learner)


def test_role_change_refuses_an_unknown_role(admin, learner):
    with pytest.raises(services.AccountError) as refused:
        services.change_role(user=learner, role="owner", changed_by=admin)

    assert refused.value.field == "role"


def test_admin_cannot_remove_own_admin_role(admin):
    with pytest.raises(services.AccountError):
        services.change_role(user=admin, role=Role.LEARNER, changed_by=admin)

    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_role_change_applies_on_the_next_request(admin, learner, learner_client):
    assert learner_client.get("/").context["nav_users"] is False

    services.change_role(user=learner, role=Role.ADMIN, changed_by=admin)

    assert learner_client.get("/").context["nav_users"] is True


# --- Deactivating and reactivating -------------------------------------------


def test_deactivation_ends_sessions_and_tokens_at_once(admin, learner, learner_client):
    refresh = RefreshToken.for_user(learner)
    assert learner_client.get("/").status_code == 200

    services.deactivate_user(user=learner, deactivated_by=admin, reason="left")

    learner.refresh_from_db()
    assert learner.status == UserStatus.DEACTIVATED
    assert learner_client.get("/").status_code == 302
    outstanding = OutstandingToken.objects.get(jti=refresh["jti"])
    assert BlacklistedToken.objects.filter(token=outstanding).exists()
    (event,) = _events(AuditKind.ACCOUNT_DEACTIVATED, learner)
    assert event.reason == "left"


def test_deactivation_revokes_an_open_invitation(admin, invited):
    invitation, _ = invited

    services.deactivate_user(user=invitation.user, deactivated_by=admin)

    invitation.refresh_from_db()
    assert invitation.state == InvitationState.REVOKED
    assert "deactivated" in services.invitation_problem(invitation)


def test_admin_cannot_deactivate_themselves(admin):
    with pytest.raises(services.AccountError):
        services.deactivate_user(user=admin, deactivated_by=admin)

    admin.refresh_from_db()
    assert admin.is_active


def test_reactivation_lets_the_old_password_work_again(admin, learner):
    services.deactivate_user(user=learner, deactivated_by=admin)
    assert authenticate(email="lea@example.com", password=DEFAULT_PASSWORD) is None

    services.reactivate_user(user=learner, reactivated_by=admin)

    assert authenticate(email="lea@example.com", password=DEFAULT_PASSWORD) == learner
    assert _events(AuditKind.ACCOUNT_REACTIVATED, learner)


# --- Passwords ---------------------------------------------------------------


def test_change_password_clears_the_temporary_flag_and_ends_other_access(admin):
    user = _create(admin).user
    other_session = Client()
    other_session.force_login(user)
    refresh = RefreshToken.for_user(user)
    generation = user.credentials_generation

    services.change_password(user=user, new_password=NEW_PASSWORD)

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.must_change_password
    assert user.credentials_generation == generation + 1
    assert other_session.get("/")["Location"].startswith("/login/")
    outstanding = OutstandingToken.objects.get(jti=refresh["jti"])
    assert BlacklistedToken.objects.filter(token=outstanding).exists()
    assert _events(AuditKind.PASSWORD_CHANGED, user)


@pytest.mark.parametrize(
    "weak", ["short", "1234567890123", "password123", "lea@example.com"]
)
def test_change_password_refuses_weak_passwords(learner, weak):
    with pytest.raises(ValidationError):
        services.change_password(user=learner, new_password=weak)

    learner.refresh_from_db()
    assert learner.check_password(DEFAULT_PASSWORD)
    assert not _events(AuditKind.PASSWORD_CHANGED, learner)


# --- Last active -------------------------------------------------------------


def test_touch_last_active_writes_at_most_once_a_minute(
    learner, django_assert_num_queries
):
    services.touch_last_active(learner)
    first = User.objects.get(pk=learner.pk).last_active_at
    assert first is not None

    with django_assert_num_queries(0):
        services.touch_last_active(learner)

    stale = first - timedelta(seconds=settings.KARMA_LAST_ACTIVE_INTERVAL + 1)
    User.objects.filter(pk=learner.pk).update(last_active_at=stale)
    learner.last_active_at = stale
    services.touch_last_active(learner)
    assert User.objects.get(pk=learner.pk).last_active_at > stale


def test_touch_last_active_writes_once_between_racing_requests(learner):
    # A second request holding an old copy of the user must not write again
    # when the first already did within the interval.
    stale_copy = User.objects.get(pk=learner.pk)
    services.touch_last_active(learner)
    written = User.objects.get(pk=learner.pk).last_active_at

    services.touch_last_active(stale_copy)

    assert User.objects.get(pk=learner.pk).last_active_at == written


# --- The case-insensitive unique email ---------------------------------------


def test_email_is_stored_lower_case(db):
    user = User.objects.create_user("  Priya.Shah@Example.COM ", DEFAULT_PASSWORD)

    assert user.email == "priya.shah@example.com"


def test_database_refuses_a_differently_cased_duplicate_through_bulk_insert(learner):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create(
            [User(email="LEA@EXAMPLE.COM", first_name="L", last_name="L")]
        )


def test_database_refuses_a_differently_cased_duplicate_through_raw_sql(learner):
    table = connection.ops.quote_name(User._meta.db_table)
    now = timezone.now()
    columns = (
        "public_id, password, email, first_name, last_name, role, is_active, "
        "must_change_password, created_at, credentials_generation, search_text"
    )
    values = ["usr_rawinsert00000000", "!", "Lea@Example.com", "L", "L", "learner"]
    values += [True, False, now, 0, ""]
    placeholders = ", ".join(["%s"] * len(values))

    # Names are fixed above and values are bound, so no injection is possible.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, values)

    assert User.objects.filter(email__iexact="lea@example.com").count() == 1


def test_database_refuses_renaming_into_a_differently_cased_duplicate(
    learner, outsider
):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=outsider.pk).update(email="Lea@Example.com")

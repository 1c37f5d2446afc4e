"""Signing in and out, password reset, invitations and password changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from karma.accounts import services
from karma.accounts.forms.auth import SIGN_IN_FAILED, SIGN_IN_THROTTLED
from karma.accounts.models import Role, User
from karma.accounts.tests.factories import DEFAULT_PASSWORD, LearnerFactory
from karma.web.mail import render_email

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
DASHBOARD = reverse("web:dashboard")
RESET = reverse("accounts:password_reset")
RESET_SENT = reverse("accounts:password_reset_sent")
CHANGE = reverse("accounts:password_change")
CHANGE_REQUIRED = reverse("accounts:password_change_required")
NEW_PASSWORD = "plum-orchard-lantern-42"
CSRF_VALUE = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    # Failed sign-ins are counted in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


def _without_csrf(body: bytes) -> str:
    """Return a page with its per-response CSRF tokens blanked out."""
    return CSRF_VALUE.sub(r"\1", body.decode())


def _sign_in(client: Client, email: str, password: str, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, **extra)


def _signed_in_user_id(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


def _link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def _path_of(link: str) -> str:
    assert link.startswith(settings.SITE_URL)
    return link.removeprefix(settings.SITE_URL)


def _new_passwords(password: str = NEW_PASSWORD, again: str | None = None) -> dict:
    return {"new_password1": password, "new_password2": again or password}


@pytest.fixture
def invite(admin, django_capture_on_commit_callbacks):
    """Invite someone through the service; return (invitation, path of link)."""

    def make(first_name: str = "Nia", email: str = "nia@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invite_user(
                first_name=first_name,
                last_name="Newman",
                email=email,
                role=Role.LEARNER,
                invited_by=admin,
            )
        return invitation, _path_of(_link_in(mail.outbox[-1]))

    return make


@pytest.fixture
def request_reset(client, django_capture_on_commit_callbacks):
    """Ask for a reset link on the page; return the response."""

    def ask(email: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(RESET, {"email": email}, **extra)

    return ask


# --- Signing in ----------------------------------------------------------------


def test_shows_sign_in_form_with_forgot_password_link(client, db):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert 'for="id_email"' in response.text
    assert f'href="{RESET}"' in response.text
    assert "Forgot your password?" in response.text
    assert "no-store" in response["Cache-Control"]


def test_signs_in_with_email_and_password(client, learner):
    response = _sign_in(client, "Lea@Example.com ", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert _signed_in_user_id(client) == str(learner.pk)
    learner.refresh_from_db()
    assert learner.last_login is not None


@pytest.mark.parametrize(
    "case", ["wrong_password", "unknown_email", "deactivated", "invited"]
)
def test_refuses_sign_in_with_one_generic_error(client, learner, case):
    email, password = "lea@example.com", DEFAULT_PASSWORD
    if case == "wrong_password":
        password = "not-the-password"
    elif case == "unknown_email":
        email = "nobody@example.com"
    elif case == "deactivated":
        services.deactivate_user(user=learner, deactivated_by=None)
    else:
        learner.activated_at = None
        learner.set_unusable_password()
        learner.save()

    response = _sign_in(client, email, password)

    assert response.status_code == 200
    assert SIGN_IN_FAILED in response.text
    assert _signed_in_user_id(client) is None


def test_known_and_unknown_addresses_get_byte_identical_error_pages(learner):
    known = _sign_in(Client(), "lea@example.com", "wrong-password-1")
    unknown = _sign_in(Client(), "zed@example.com", "wrong-password-1")

    assert known.status_code == unknown.status_code == 200
    known_page = _without_csrf(known.content).replace("lea@example.com", "EMAIL")
    unknown_page = _without_csrf(unknown.content).replace("zed@example.com", "EMAIL")
    assert known_page == unknown_page


def test_one_address_gets_the_same_error_page_in_every_account_state(learner):
    def failed_page() -> str:
        response = _sign_in(Client(), "lea@example.com", "wrong-password-1")
        return _without_csrf(response.content)

    wrong_password = failed_page()
    learner.activated_at = None
    learner.set_unusable_password()
    learner.save()
    invited = failed_page()
    services.deactivate_user(user=learner, deactivated_by=None)
    deactivated = failed_page()
    User.objects.filter(pk=learner.pk).update(email="gone@example.com")
    unknown = failed_page()

    assert wrong_password == invited == deactivated == unknown


def test_deactivated_user_cannot_sign_in_with_right_password(client, learner):
    services.deactivate_user(user=learner, deactivated_by=None)

    response = _sign_in(client, "lea@example.com", DEFAULT_PASSWORD)

    assert SIGN_IN_FAILED in response.text
    assert _signed_in_user_id(client) is None


def test_throttles_known_address_after_too_many_failures(client, learner):
    for _ in range(settings.KARMA_LOGIN_ATTEMPTS):
        assert SIGN_IN_FAILED in _sign_in(client, "lea@example.com", "nope").text

    response = _sign_in(client, "lea@example.com", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert SIGN_IN_THROTTLED in response.text
    assert _signed_in_user_id(client) is None


def test_throttles_unknown_address_alike(client, learner):
    for _ in range(settings.KARMA_LOGIN_ATTEMPTS):
        _sign_in(client, "lea@example.com", "nope")
        _sign_in(client, "zed@example.com", "nope")

    known = _sign_in(client, "lea@example.com", "nope")
    unknown = _sign_in(client, "zed@example.com", "nope")

    assert known.status_code == unknown.status_code == 429
    known_page = _without_csrf(known.content).replace("lea@example.com", "EMAIL")
    unknown_page = _without_csrf(unknown.content).replace("zed@example.com", "EMAIL")
    assert known_page == unknown_page
    assert SIGN_IN_THROTTLED in known_page


def test_throttled_sign_in_does_not_check_the_password(client, learner, monkeypatch):
    for _ in range(settings.KARMA_LOGIN_ATTEMPTS):
        _sign_in(client, "lea@example.com", "nope")
    checked = []
    monkeypatch.setattr(
        "karma.accounts.forms.auth.authenticate",
        lambda *args, **kwargs: checked.append(kwargs),
    )

    _sign_in(client, "lea@example.com", DEFAULT_PASSWORD)

    assert checked == []


def test_throttle_counts_each_address_on_its_own(client, learner, outsider):
    for _ in range(settings.KARMA_LOGIN_ATTEMPTS):
        _sign_in(client, "lea@example.com", "nope")

    response = _sign_in(client, "otto@example.com", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(outsider.pk)


def test_throttle_ignores_case_of_the_address(client, learner):
    for _ in range(settings.KARMA_LOGIN_ATTEMPTS):
        _sign_in(client, "LEA@example.com", "nope")

    response = _sign_in(client, "lea@example.com", DEFAULT_PASSWORD)

    assert response.status_code == 429


def test_invalid_address_is_a_field_error(client, db):
    response = _sign_in(client, "not-an-address", "whatever")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert 'aria-invalid="true"' in response.text


def test_sign_in_follows_a_safe_next(client, learner):
    response = client.post(
        f"{LOGIN}?next=/me/",
        {"email": "lea@example.com", "password": DEFAULT_PASSWORD, "next": "/me/"},
    )

    assert response["Location"] == "/me/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_sign_in_ignores_a_next_to_another_site(client, learner, target):
    response = client.post(
        LOGIN,
        {"email": "lea@example.com", "password": DEFAULT_PASSWORD, "next": target},
    )

    assert response["Location"] == DASHBOARD


def test_sign_in_page_keeps_a_safe_next_in_the_form(client, db):
    response = client.get(LOGIN, {"next": "/me/"})
    other = client.get(LOGIN, {"next": "https://evil.example/"})

    assert 'name="next" value="/me/"' in response.text
    assert "evil.example" not in other.text


def test_signed_in_user_visiting_login_goes_to_dashboard(learner_client):
    response = learner_client.get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


def test_sign_in_refuses_a_post_without_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)

    response = _sign_in(client, "lea@example.com", DEFAULT_PASSWORD)

    assert response.status_code == 403
    assert _signed_in_user_id(client) is None


# --- Signing out ---------------------------------------------------------------


def test_sign_out_ends_session_and_says_so(learner_client):
    response = learner_client.post(LOGOUT, follow=True)

    assert response.redirect_chain == [(LOGIN, 302)]
    assert "You have signed out." in response.text
    assert _signed_in_user_id(learner_client) is None
    assert learner_client.get(DASHBOARD).status_code == 302


def test_sign_out_page_only_asks_on_get(learner_client, learner):
    response = learner_client.get(LOGOUT)

    assert response.status_code == 200
    assert f'action="{LOGOUT}"' in response.text
    assert _signed_in_user_id(learner_client) == str(learner.pk)


def test_sign_out_page_sends_signed_out_visitors_to_login(client, db):
    response = client.get(LOGOUT)

    assert response["Location"] == LOGIN


def test_sign_out_refuses_a_post_without_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = client.post(LOGOUT)

    assert response.status_code == 403
    assert _signed_in_user_id(client) == str(learner.pk)


# --- Password reset -------------------------------------------------------------


def test_reset_request_answers_known_and_unknown_addresses_alike(
    client, learner, request_reset
):
    known = request_reset("lea@example.com")
    unknown = request_reset("nobody@example.com")

    assert (known.status_code, known["Location"]) == (302, RESET_SENT)
    assert (unknown.status_code, unknown["Location"]) == (302, RESET_SENT)
    assert known.content == unknown.content
    assert known.cookies.keys() == unknown.cookies.keys()
    assert len(mail.outbox) == 1


def test_reset_sent_page_is_the_same_for_everyone(client, learner, request_reset):
    known = client.get(request_reset("lea@example.com")["Location"])
    unknown = client.get(request_reset("nobody@example.com")["Location"])

    assert _without_csrf(known.content) == _without_csrf(unknown.content)
    assert "If an account exists" in known.text


def test_reset_mails_a_link_on_the_configured_site(learner, request_reset):
    request_reset("LEA@example.com")

    (message,) = mail.outbox
    assert message.to == ["lea@example.com"]
    assert "Reset your" in message.subject
    assert _link_in(message).startswith(f"{settings.SITE_URL}/password/reset/")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert _link_in(message) in html


def test_reset_link_ignores_a_forged_host_header(learner, request_reset, settings):
    settings.ALLOWED_HOSTS = ["*"]

    response = request_reset("lea@example.com", HTTP_HOST="evil.example")

    assert response.status_code == 302
    (message,) = mail.outbox
    assert _link_in(message).startswith(settings.SITE_URL)
    assert "evil.example" not in message.body
    assert "evil.example" not in message.alternatives[0][0]


@pytest.mark.parametrize("case", ["unknown", "deactivated", "invited"])
def test_reset_mails_nothing_to_unusable_accounts(learner, request_reset, case):
    email = "lea@example.com"
    if case == "unknown":
        email = "nobody@example.com"
    elif case == "deactivated":
        services.deactivate_user(user=learner, deactivated_by=None)
    else:
        User.objects.filter(pk=learner.pk).update(activated_at=None)

    response = request_reset(email)

    assert response["Location"] == RESET_SENT
    assert mail.outbox == []


def test_reset_request_refuses_an_invalid_address(client, db):
    response = client.post(RESET, {"email": "not an address"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.text


def test_reset_mail_cannot_carry_injected_headers(request_reset, db):
    LearnerFactory(first_name="Eve\r\nBcc: x@evil.example", email="eve@example.com")

    request_reset("eve@example.com")

    (message,) = mail.outbox
    assert message.bcc == []
    assert "Bcc" not in message.extra_headers
    raw = message.message()
    assert raw["Bcc"] is None
    assert message.recipients() == ["eve@example.com"]


@pytest.fixture
def reset_path(learner, request_reset):
    request_reset("lea@example.com")
    return _path_of(_link_in(mail.outbox[-1]))


def test_reset_link_shows_the_new_password_form(client, reset_path):
    response = client.get(reset_path)

    assert response.status_code == 200
    assert 'name="new_password1"' in response.text
    assert "no-store" in response["Cache-Control"]


def test_reset_sets_password_signs_in_and_goes_to_dashboard(
    client, learner, reset_path
):
    response = client.post(reset_path, _new_passwords(), follow=True)

    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert "Your password has been changed." in response.text
    assert _signed_in_user_id(client) == str(learner.pk)
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)


def test_reset_link_works_only_once(client, reset_path):
    client.post(reset_path, _new_passwords())

    response = Client().get(reset_path)
    again = Client().post(reset_path, _new_passwords("another-pass-phrase-9"))

    assert "This link is not valid" in response.text
    assert "This link is not valid" in again.text


def test_reset_shows_weak_password_as_field_error(client, learner, reset_path):
    response = client.post(reset_path, _new_passwords("12345"))

    assert response.status_code == 200
    assert "This password is too short" in response.text
    assert 'id="id_new_password1_error"' in response.text
    learner.refresh_from_db()
    assert learner.check_password(DEFAULT_PASSWORD)


def test_reset_refuses_mismatched_passwords(client, learner, reset_path):
    response = client.post(reset_path, _new_passwords(again="something-else-77"))

    assert "The two passwords do not match." in response.text
    learner.refresh_from_db()
    assert learner.check_password(DEFAULT_PASSWORD)


def test_reset_link_dies_when_the_account_is_deactivated(client, learner, reset_path):
    services.deactivate_user(user=learner, deactivated_by=None)

    response = client.get(reset_path)

    assert "This link is not valid" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/password/reset/MQ/not-a-token/",
        "/password/reset/%%%/x-y/",
        "/password/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5/x-y/",
    ],
)
def test_broken_reset_links_say_so(client, learner, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "This link is not valid" in response.text


def test_reset_complete_sends_people_on(client, learner_client):
    target = reverse("accounts:password_reset_complete")

    assert client.get(target)["Location"] == LOGIN
    assert learner_client.get(target)["Location"] == DASHBOARD


# --- Invitations --------------------------------------------------------------


@pytest.mark.parametrize("email", ["invitation", "enrolled", "password_reset"])
def test_emails_to_someone_without_a_name_greet_without_one(email):
    # Bulk enrollment invites people from files that have no name columns.
    message = render_email(email, {"first_name": "", "link": "https://x.test/"})

    assert message["text"].startswith("Hello,\n")
    assert "<p>Hello,</p>" in message["html"]


def test_an_invitation_without_a_name_shows_no_empty_name(client, invite):
    invitation, path = invite()
    User.objects.filter(pk=invitation.user.pk).update(first_name="", last_name="")

    response = client.get(path)

    assert "nia@example.com" in response.text
    assert ">Name</dt>" not in response.text


def test_accepting_an_invitation_without_a_name_welcomes_without_one(client, invite):
    invitation, path = invite()
    User.objects.filter(pk=invitation.user.pk).update(first_name="")

    response = client.post(path, _new_passwords(), follow=True)

    assert "Welcome to Karma." in response.text
    assert "Welcome to Karma, " not in response.text


def test_opening_an_invitation_shows_the_invitee_and_changes_nothing(client, invite):
    invitation, path = invite()

    response = client.get(path)

    assert response.status_code == 200
    assert "Nia Newman" in response.text
    assert "nia@example.com" in response.text
    assert 'name="new_password2"' in response.text
    assert "no-store" in response["Cache-Control"]
    invitation.refresh_from_db()
    invitation.user.refresh_from_db()
    assert invitation.accepted_at is None
    assert invitation.user.activated_at is None
    assert not invitation.user.has_usable_password()
    assert _signed_in_user_id(client) is None


def test_accepting_an_invitation_signs_in_and_welcomes(client, invite):
    invitation, path = invite()

    response = client.post(path, _new_passwords(), follow=True)

    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert "Welcome to Karma, Nia." in response.text
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert _signed_in_user_id(client) == str(invitation.user.pk)
    assert invitation.user.check_password(NEW_PASSWORD)


def test_invitation_shows_weak_password_as_field_error(client, invite):
    invitation, path = invite()

    response = client.post(path, _new_passwords("password"))

    assert response.status_code == 200
    assert "This password is too common." in response.text
    assert "Nia Newman" in response.text
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_refuses_mismatched_passwords(client, invite):
    invitation, path = invite()

    response = client.post(path, _new_passwords(again="different-pass-99"))

    assert "The two passwords do not match." in response.text
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_used_invitation_says_accepted_and_offers_sign_in(client, invite):
    invitation, path = invite()
    client.post(path, _new_passwords())

    second_post = Client().post(path, _new_passwords("other-pass-phrase-1"))
    later_visit = Client().get(path)

    for response in (second_post, later_visit):
        assert "already accepted" in response.text
        assert f'href="{LOGIN}"' in response.text
    invitation.user.refresh_from_db()
    assert invitation.user.check_password(NEW_PASSWORD)


def test_expired_invitation_says_so(client, invite):
    invitation, path = invite()
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()

    response = client.post(path, _new_passwords())

    assert "has expired" in response.text
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_revoked_invitation_says_so(client, invite, admin):
    invitation, path = invite()
    services.revoke_invitation(user=invitation.user, revoked_by=admin)

    response = client.get(path)

    assert "was withdrawn" in response.text
    assert f'href="{LOGIN}"' not in response.text


def test_replaced_invitation_points_to_the_newer_one(
    client, invite, admin, django_capture_on_commit_callbacks
):
    invitation, old_path = invite()
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_invitation(user=invitation.user, sent_by=admin)
    new_path = _path_of(_link_in(mail.outbox[-1]))

    old = client.post(old_path, _new_passwords())
    new = client.post(new_path, _new_passwords())

    assert "A newer invitation was sent" in old.text
    assert new["Location"] == DASHBOARD


def test_invitation_of_a_deactivated_account_says_so(client, invite, admin):
    invitation, path = invite()
    services.deactivate_user(user=invitation.user, deactivated_by=admin)

    response = client.get(path)

    assert "deactivated" in response.text


def test_one_invitees_link_never_opens_anothers(client, invite):
    first, first_path = invite()
    second, _ = invite(first_name="Omar", email="omar@example.com")

    client.post(first_path, _new_passwords())

    second.refresh_from_db()
    assert second.accepted_at is None
    assert _signed_in_user_id(client) == str(first.user.pk)


def test_unknown_invitation_link_is_not_found(client, db):
    response = client.get(reverse("accounts:invitation", args=["made-up-token"]))
    posted = client.post(
        reverse("accounts:invitation", args=["made-up-token"]), _new_passwords()
    )

    assert response.status_code == posted.status_code == 404
    assert "This link is not valid" in response.text


def test_invitation_page_escapes_markup_in_names(client, invite):
    _, path = invite(first_name="<script>alert(1)</script>")

    response = client.get(path)

    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_invitation_mail_cannot_carry_injected_headers(
    admin, django_capture_on_commit_callbacks
):
    invitee = LearnerFactory(
        first_name="Mal\r\nBcc: x@evil.example", email="mal@example.com"
    )
    invitee.activated_at = None
    invitee.set_unusable_password()
    invitee.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.resend_invitation(user=invitee, sent_by=admin)

    (message,) = mail.outbox
    assert message.bcc == []
    assert "Bcc" not in message.extra_headers
    assert message.message()["Bcc"] is None
    assert message.recipients() == ["mal@example.com"]


def test_invitation_refuses_a_post_without_csrf_token(invite):
    invitation, path = invite()

    response = Client(enforce_csrf_checks=True).post(path, _new_passwords())

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# --- Forced change of a temporary password ---------------------------------------


@pytest.fixture
def temporary(admin):
    """An account made with a temporary password, and that password."""
    account = services.create_user_with_temporary_password(
        first_name="Tess",
        last_name="Temp",
        email="tess@example.com",
        role=Role.LEARNER,
        created_by=admin,
    )
    return account.user, account.temporary_password


@pytest.fixture
def temporary_client(temporary) -> Client:
    user, password = temporary
    client = Client()
    assert _sign_in(client, user.email, password)["Location"] == DASHBOARD
    return client


@pytest.mark.parametrize(
    "path",
    [
        DASHBOARD,
        CHANGE,
        LOGIN,
        RESET,
        "/me/",
        "/users/",
        "/audit/",
        "/no/such/page/",
    ],
)
def test_temporary_password_sends_every_page_to_the_change_page(temporary_client, path):
    response = temporary_client.get(path, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (CHANGE_REQUIRED, 302)
    assert len(response.redirect_chain) <= 2
    assert "Choose your own password" in response.text


def test_forced_change_page_lets_sign_out_and_static_files_through(temporary_client):
    assert temporary_client.get(LOGOUT).status_code == 200
    assert temporary_client.get(static("karma/karma.css")).status_code == 200

    response = temporary_client.post(LOGOUT, follow=True)

    assert response.redirect_chain == [(LOGIN, 302)]
    assert _signed_in_user_id(temporary_client) is None


@pytest.mark.parametrize("path", ["/verify/", "/verify/7KQ3-M9X2-P4W8-V6TJ/"])
def test_forced_change_leaves_the_public_certificate_check_open(temporary_client, path):
    response = temporary_client.get(path)

    assert response.status_code in (200, 404)
    assert "Choose your own password" not in response.text


def test_forced_change_then_dashboard_loads(temporary_client, temporary):
    user, temporary_password = temporary

    response = temporary_client.post(CHANGE_REQUIRED, _new_passwords(), follow=True)

    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert "Welcome, Tess" in response.text
    assert temporary_client.get(DASHBOARD).status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(temporary_password)


def test_forced_change_keeps_the_temporary_password_on_a_weak_choice(
    temporary_client, temporary
):
    user, temporary_password = temporary

    response = temporary_client.post(CHANGE_REQUIRED, _new_passwords("123456789012"))

    assert response.status_code == 200
    assert "entirely numeric" in response.text
    user.refresh_from_db()
    assert user.must_change_password
    assert user.check_password(temporary_password)


def test_forced_change_page_sends_others_to_dashboard(learner_client):
    assert learner_client.get(CHANGE_REQUIRED)["Location"] == DASHBOARD
    assert learner_client.post(CHANGE_REQUIRED, _new_passwords())["Location"] == (
        DASHBOARD
    )


def test_forced_change_page_needs_sign_in(client, db):
    response = client.get(CHANGE_REQUIRED)

    assert response["Location"].startswith(f"{LOGIN}?next=")


# --- Changing one's own password -------------------------------------------------


def _change(client: Client, current: str = DEFAULT_PASSWORD, **overrides):
    data = {"current_password": current, **_new_passwords(), **overrides}
    return client.post(CHANGE, data)


@pytest.mark.parametrize("role", ["admin", "instructor", "learner"])
def test_every_role_can_change_own_password(request, role):
    client = request.getfixturevalue(f"{role}_client")
    user = request.getfixturevalue(role)

    response = _change(client)

    assert response["Location"] == reverse("accounts:my_profile")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your password has been changed."
    ]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_change_page_shows_three_labelled_fields(learner_client):
    response = learner_client.get(CHANGE)

    assert response.status_code == 200
    for name in ("current_password", "new_password1", "new_password2"):
        assert f'for="id_{name}"' in response.text
    assert "no-store" in response["Cache-Control"]


def test_wrong_current_password_is_a_field_error(learner_client, learner):
    response = _change(learner_client, current="not-my-password")

    assert response.status_code == 200
    assert "Your current password is incorrect." in response.text
    assert 'id="id_current_password_error"' in response.text
    learner.refresh_from_db()
    assert learner.check_password(DEFAULT_PASSWORD)


def test_weak_new_password_is_a_field_error(learner_client, learner):
    response = _change(learner_client, **_new_passwords("lea@example.com"))

    assert response.status_code == 200
    assert 'id="id_new_password1_error"' in response.text
    learner.refresh_from_db()
    assert learner.check_password(DEFAULT_PASSWORD)


def test_password_change_ends_other_sessions_only(learner):
    this_device, other_device = Client(), Client()
    _sign_in(this_device, "lea@example.com", DEFAULT_PASSWORD)
    _sign_in(other_device, "lea@example.com", DEFAULT_PASSWORD)

    _change(this_device)

    assert this_device.get(DASHBOARD).status_code == 200
    assert other_device.get(DASHBOARD)["Location"].startswith(LOGIN)


def test_password_change_needs_sign_in(client, db):
    response = _change(client)

    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_password_change_refuses_a_post_without_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = _change(client)

    assert response.status_code == 403
    learner.refresh_from_db()
    assert learner.check_password(DEFAULT_PASSWORD)


def test_forced_change_refuses_keeping_the_temporary_password(db, admin):
    from django.test import Client

    from karma.accounts import services

    account = services.create_user_with_temporary_password(
        first_name="Tom",
        last_name="Temp",
        email="tom.temp@example.com",
        role="learner",
        created_by=admin,
    )
    client = Client()
    client.force_login(account.user)

    response = client.post(
        reverse("accounts:password_change_required"),
        {
            "new_password1": account.temporary_password,
            "new_password2": account.temporary_password,
        },
    )

    account.user.refresh_from_db()
    assert response.status_code == 200
    assert "different from the current one" in response.content.decode()
    assert account.user.must_change_password


def test_invitation_page_warns_a_signed_in_visitor_of_the_switch(
    admin_client, admin, django_capture_on_commit_callbacks
):
    import re

    from karma.accounts import services

    with django_capture_on_commit_callbacks(execute=True):
        services.invite_user(
            first_name="Nia",
            last_name="New",
            email="nia@example.com",
            role="learner",
            invited_by=admin,
        )
    path = re.search(r"https?://[^/\s]+(/invitations/[^\s]+/)", mail.outbox[-1].body)

    content = admin_client.get(path.group(1)).content.decode()

    assert "You are signed in as Ada Admin" in content
    assert "signs you out" in content

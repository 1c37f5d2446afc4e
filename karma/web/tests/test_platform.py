"""Site-wide behaviour: security headers, time zones, health, demo data, CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from karma.accounts.models import Role, User
from karma.web.middleware import POLICY


def test_sends_strict_content_security_policy(client, db):
    response = client.get(reverse("accounts:login"))

    assert response["Content-Security-Policy"] == POLICY
    assert "'unsafe-inline'" not in POLICY
    assert "script-src 'self'" in POLICY


def test_production_hasher_is_argon2():
    from karma.config import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_health_answers_ok(client, db):
    response = client.get(reverse("web:health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_dashboard_needs_sign_in(client, db):
    response = client.get(reverse("web:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("fixture", ["admin", "instructor", "learner"])
def test_dashboard_greets_every_role(request, client, fixture):
    user = request.getfixturevalue(fixture)
    client.force_login(user)

    response = client.get(reverse("web:dashboard"))

    assert response.status_code == 200
    assert user.first_name in response.content.decode()


def test_dashboard_links_users_only_for_admins(admin_client, learner_client):
    users_url = reverse("accounts:user_list")

    assert users_url in admin_client.get(reverse("web:dashboard")).content.decode()
    assert (
        users_url not in learner_client.get(reverse("web:dashboard")).content.decode()
    )


def _zone_seen_by_view(cookie: str | None) -> str:
    from django.test import RequestFactory
    from django.utils import timezone

    from karma.web.middleware import ViewerTimezoneMiddleware

    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return

    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES["karma_tz"] = cookie
    ViewerTimezoneMiddleware(view)(request)
    return seen["zone"]


@pytest.mark.parametrize(
    ("cookie", "zone"),
    [
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("Europe%2FBerlin", "Europe/Berlin"),
        ("America/Sao_Paulo", "America/Sao_Paulo"),
        (None, "UTC"),
        ("Mars/Olympus_Mons", "UTC"),
        ("../../etc/passwd", "UTC"),
    ],
)
def test_shows_times_in_viewer_time_zone(cookie, zone):
    assert _zone_seen_by_view(cookie) == zone


def test_ignores_unknown_time_zone_cookie(admin_client):
    admin_client.cookies["karma_tz"] = "Mars/Olympus_Mons"

    response = admin_client.get(reverse("web:dashboard"))

    assert response.status_code == 200


def test_dev_mailbox_is_hidden_unless_turned_on(admin_client):
    assert admin_client.get(reverse("web:dev_mail")).status_code == 404


@pytest.mark.parametrize("who", ["client", "learner_client", "instructor_client"])
def test_dev_mailbox_is_for_admins_only(request, who, settings, db):
    settings.KARMA_DEV_MAILBOX = True
    client = request.getfixturevalue(who)

    assert client.get(reverse("web:dev_mail")).status_code == 404


def test_dev_mailbox_lists_kept_messages(admin_client, settings, tmp_path):
    client = admin_client
    settings.KARMA_DEV_MAILBOX = True
    settings.KARMA_MAIL_DIR = tmp_path
    settings.EMAIL_BACKEND = "karma.web.mail.ConsoleAndFolderBackend"
    from django.core.mail import send_mail

    send_mail("Hello <there>", "Body with a link", "karma@localhost", ["x@example.com"])
    listing = client.get(reverse("web:dev_mail")).content.decode()
    name = next(tmp_path.glob("*.eml")).stem
    message = client.get(reverse("web:dev_mail_message", args=[name]))

    assert "Hello &lt;there&gt;" in listing
    assert "Body with a link" in message.content.decode()
    assert client.get("/dev/mail/..%2Fsecret_key/").status_code == 404


def test_load_demo_creates_cast_once(db, capsys, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the sample courses store their files
    call_command("load_demo")
    call_command("load_demo")

    output = capsys.readouterr().out
    assert User.objects.filter(role=Role.ADMIN, email="admin@example.com").exists()
    assert User.objects.filter(role=Role.INSTRUCTOR).count() == 1
    assert User.objects.count() == 5
    assert "admin@example.com" in output
    assert "0 accounts created" in output


def test_createsuperuser_without_prompts_makes_an_admin(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Boss@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")

    call_command("createsuperuser", interactive=False, verbosity=0)

    boss = User.objects.get(email="boss@example.com")
    assert boss.role == Role.ADMIN
    assert boss.check_password("a-long-enough-password")
    assert boss.status == "active"


def test_karma_command_runs_hyphenated_management_commands(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "karma.config.test_settings",
        "KARMA_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    karma = os.path.join(os.path.dirname(sys.executable), "karma")

    result = subprocess.run(
        [karma, "load-demo", "--help"], env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert "demo cast" in result.stdout


def test_settings_never_log_request_urls():
    # Activation and reset links carry tokens in their paths.
    assert settings.LOGGING["loggers"]["django.server"]["level"] == "WARNING"


def test_tasks_without_a_broker_run_in_process_with_no_broker_warning(tmp_path):
    # Run under the real settings, which decide eagerness from the
    # environment when they are first imported.
    env = {**os.environ, "KARMA_VAR_DIR": str(tmp_path)}
    for name in ("CELERY_BROKER_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    script = (
        "import django, os;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'karma.config.settings';"
        "django.setup();"
        "from django.conf import settings;"
        "from karma.web.tasks import deliver_email;"
        "assert settings.CELERY_TASK_ALWAYS_EAGER;"
        "deliver_email.delay(to='a@example.com', template='t', subject='S',"
        " text='T', html='H')"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert "email sent" in result.stderr
    assert "No hostname was supplied" not in result.stderr

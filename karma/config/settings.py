"""Karma's settings, read from the environment.

A fresh checkout needs none of them: it runs on SQLite, writes mail to the
console and to var/mail/, and runs background tasks in-process. Production sets
DATABASE_URL, CELERY_BROKER_URL, SITE_URL, SECRET_KEY, ALLOWED_HOSTS and the
EMAIL_* variables (README, "Production").
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from karma.config.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KARMA_VAR_DIR", str(PACKAGE_DIR.parent / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """Return SECRET_KEY, or a key generated once and kept in var/.

    The generated key lets the embedded default run with no set-up; several
    web processes behind a load balancer must share one SECRET_KEY instead.
    """
    configured = env_str("SECRET_KEY")
    if configured:
        return configured

    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

# Links in emails are built from this, never from the request's Host header.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("SITE_NAME", "Karma")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "karma.web",
    "karma.accounts",
    "karma.audit",
    "karma.courses",
    "karma.enrollments",
    "karma.learning",
    "karma.assessments",
    "karma.privacy",
    "karma.reports",
    "karma.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "karma.web.middleware.ContentSecurityPolicyMiddleware",
    "karma.web.middleware.ViewerTimezoneMiddleware",
    "karma.accounts.middleware.LastActiveMiddleware",
    "karma.accounts.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "karma.config.urls"
WSGI_APPLICATION = "karma.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "karma.web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'karma.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer works; IMMEDIATE transactions
    # take the write lock up front, so concurrent writers queue on the busy
    # timeout instead of failing with "database is locked" half-way through.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # One process only: login throttling and API rate limits are counted per
    # process. Production sets REDIS_URL so every web process shares counts.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts and security --------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

KARMA_INVITATION_DAYS = env_int("KARMA_INVITATION_DAYS", 7)
# Failed logins allowed per address and per client IP within the window.
KARMA_LOGIN_ATTEMPTS = env_int("KARMA_LOGIN_ATTEMPTS", 5)
KARMA_LOGIN_ATTEMPTS_PER_IP = env_int("KARMA_LOGIN_ATTEMPTS_PER_IP", 50)
KARMA_LOGIN_WINDOW_SECONDS = env_int("KARMA_LOGIN_WINDOW_SECONDS", 300)
# Certificate code lookups allowed per client IP and minute, page and API
# together, so codes cannot be guessed in bulk.
KARMA_VERIFY_PER_MINUTE = env_int("KARMA_VERIFY_PER_MINUTE", 20)
# Last active is written at most once per this many seconds per user.
KARMA_LAST_ACTIVE_INTERVAL = 60

HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation -----------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -------------------------------------------------

STATIC_URL = "/static/"
# Site-wide assets (Bootstrap, karma.js) live in the package, not in an app.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# Without collectstatic (the embedded default) WhiteNoise serves the app
# folders directly; production runs `karma collectstatic` once per release.
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if WHITENOISE_USE_FINDERS
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Upload limits, checked on content (karma/courses/uploads.py).
KARMA_COVER_MAX_MB = env_int("KARMA_COVER_MAX_MB", 5)
KARMA_DOCUMENT_MAX_MB = env_int("KARMA_DOCUMENT_MAX_MB", 20)
KARMA_VIDEO_MAX_MB = env_int("KARMA_VIDEO_MAX_MB", 200)
KARMA_BULK_MAX_MB = env_int("KARMA_BULK_MAX_MB", 5)
# Retention (SPEC section 9), in days: karma.privacy deletes invitations this
# long after they expired or were revoked, bulk-enrollment uploads this long
# after they were sent, and generated exports under MEDIA_ROOT/exports/.
KARMA_RETENTION_INVITATION_DAYS = env_int("KARMA_RETENTION_INVITATION_DAYS", 30)
KARMA_RETENTION_UPLOAD_DAYS = env_int("KARMA_RETENTION_UPLOAD_DAYS", 30)
KARMA_RETENTION_EXPORT_DAYS = env_int("KARMA_RETENTION_EXPORT_DAYS", 7)
# Uploaded files are never served from MEDIA_URL: every download goes through
# a view that checks the viewer may see the course.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Bulk Enroll's picker posts one field per chosen person, up to 1,000
# (forms_bulk.MAX_PICKED_USERS); Django's default of 1,000 fields in all
# refused a full pick with a bare 400 before the form could name the limit.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email -------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Karma <karma@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = "karma.web.mail.ConsoleAndFolderBackend"
KARMA_MAIL_DIR = VAR_DIR / "mail"
# /dev/mail/ shows admins the messages kept in KARMA_MAIL_DIR, so a person
# trying Karma without a mail server can follow an invitation link.
KARMA_DEV_MAILBOX = env_bool("KARMA_DEV_MAILBOX", False) and not EMAIL_HOST

# --- Background work -------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
# With no broker, tasks run in the calling process so the embedded default
# needs no server; on_commit hooks still keep them after the transaction.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Celery still takes a producer from its pool before running a task
    # eagerly. An in-memory transport gives it one; an empty URL, or one
    # without a host name, had kombu warn that it guessed a server.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
# Without a broker, long jobs (bulk enrollment) run in a thread of the web
# process ("thread"), or inline ("sync", the test suite).
KARMA_INPROCESS_TASKS = env_str("KARMA_INPROCESS_TASKS", "thread")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Run by `celery -A karma.config beat`; without a broker, run
# `karma purge-expired` from cron instead.
CELERY_BEAT_SCHEDULE = {
    "privacy-purge-expired": {
        "task": "karma.privacy.tasks.purge_expired_data",
        "schedule": crontab(hour=3, minute=17),
    },
}

# --- API --------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "karma.api.authentication.KarmaJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "karma.api.permissions.IsAuthenticatedAndPasswordCurrent",
    ],
    "DEFAULT_RENDERER_CLASSES": ["karma.api.envelope.EnvelopeRenderer"],
    # JSON only; endpoints that take a file add multipart (karma/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["karma.api.parsers.KarmaJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "karma.api.pagination.PagePagination",
    "DEFAULT_THROTTLE_CLASSES": ["karma.api.throttling.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "karma.api.envelope.exception_handler",
    # Describes the envelope, error and rate-limit shapes on every operation.
    "DEFAULT_SCHEMA_CLASS": "karma.api.schema.KarmaAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
KARMA_API_RATE_PER_MINUTE = env_int("KARMA_API_RATE_PER_MINUTE", 100)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=14),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": SECRET_KEY,
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "sub",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Karma API",
    "DESCRIPTION": "The Karma learning management system, version 1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Logging ----------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger prints full URLs, which for activation and
        # reset links would hold the token.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

if not DEBUG and SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be a real secret outside DEBUG")

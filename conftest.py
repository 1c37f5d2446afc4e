"""The named cast every test can use, and shared fixtures.

The cast follows STYLE.md: an admin, an instructor, a learner and an
outsider (a learner with no relation to anything under test).
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from karma.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    AdminFactory,
    InstructorFactory,
    LearnerFactory,
)


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def admin(db):
    return AdminFactory(first_name="Ada", last_name="Admin", email="ada@example.com")


@pytest.fixture
def instructor(db):
    return InstructorFactory(
        first_name="Ivan", last_name="Instructor", email="ivan@example.com"
    )


@pytest.fixture
def learner(db):
    return LearnerFactory(
        first_name="Lea", last_name="Learner", email="lea@example.com"
    )


@pytest.fixture
def outsider(db):
    return LearnerFactory(
        first_name="Otto", last_name="Outsider", email="otto@example.com"
    )


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin) -> Client:
    return _client_for(admin)


@pytest.fixture
def instructor_client(instructor) -> Client:
    return _client_for(instructor)


@pytest.fixture
def learner_client(learner) -> Client:
    return _client_for(learner)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return _client_for(outsider)


@pytest.fixture(autouse=True)
def _fresh_outbox_and_cache():
    # Throttle and rate-limit counters live in the cache; a fresh cache per
    # test keeps one test's failed sign-ins from limiting the next.
    mail.outbox = []
    cache.clear()
    yield


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (emails, tasks) of the block, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)

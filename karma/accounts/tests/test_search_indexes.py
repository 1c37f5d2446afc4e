"""The indexes the Users list needs at scale (migrations 0002 and 0003)."""

from __future__ import annotations

import pytest
from django.db import connection

from karma.accounts.models import User
from karma.accounts.selectors import users_search_sorts_sparse_matches
from karma.accounts.tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def _indexes() -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, "accounts_user")


def test_orders_the_users_list_by_an_index_on_name_and_id():
    index = _indexes()["accounts_user_name_order"]
    assert index["columns"] == ["search_text", "public_id"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's"
)
def test_answers_contains_search_from_a_trigram_index():
    assert _indexes()["accounts_user_search_trgm"]["type"] == "gin"
    sql, params = User.objects.matching("núñez").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "accounts_user_search_trgm" in plan


def test_still_finds_names_by_fragment_whatever_the_accents_and_case():
    LearnerFactory(first_name="José", last_name="Núñez")
    LearnerFactory(first_name="Joseph", last_name="Smith")
    found = User.objects.matching("NUNE")
    assert [user.last_name for user in found] == ["Núñez"]


@pytest.mark.parametrize(
    ("search", "sort", "on_postgresql"),
    [
        ("иван", "name", True),
        ("иван", "-name", True),
        ("maria", "email", True),
        ("ab cde", "name", True),
        ("ив", "name", False),  # too short for a trigram
        ("a.b.c", "name", False),  # no three letters in a row
        ("иван", "role", False),  # no index of its own to bound
        ("иван", "-last_active", False),
        ("", "name", False),
    ],
)
def test_sorts_a_broad_terms_matches_only_where_an_index_finds_them(
    search, sort, on_postgresql
):
    expected = on_postgresql and connection.vendor == "postgresql"

    decided = users_search_sorts_sparse_matches(search, sort, using="default")

    assert decided is expected

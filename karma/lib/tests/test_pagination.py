"""SearchPaginator: an exact count up to the cap, "more than" beyond it, and
the same pages either way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from karma.accounts.models import User
from karma.accounts.tests.factories import LearnerFactory
from karma.lib.pagination import SearchPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def wojciks():
    # Created out of name order, so a page in order must really be sorted.
    for number in [7, 3, 9, 1, 5, 8, 2, 6, 4]:
        LearnerFactory(first_name=f"Anna{number}", last_name="Wójcik")
    LearnerFactory(first_name="Bob", last_name="Other")


def _matches():
    return User.objects.matching("wojcik").order_by("search_text", "public_id")


def _names(page) -> list[str]:
    return [user.first_name for user in page.object_list]


def test_counts_exactly_up_to_the_cap(wojciks):
    paginator = SearchPaginator(_matches(), 4, cap=9)

    assert paginator.count == 9
    assert not paginator.capped
    assert paginator.num_pages == 3


def test_says_more_than_the_cap_and_stops_counting_there(wojciks):
    paginator = SearchPaginator(_matches(), 4, cap=5)

    assert paginator.capped
    assert paginator.count == 5
    assert paginator.num_pages == 2


@pytest.mark.parametrize("cap", [3, 5, 9, 50])
def test_pages_come_in_list_order_whatever_the_cap(wojciks, cap):
    paginator = SearchPaginator(_matches(), 2, cap=cap)

    pages = [_names(paginator.page(n)) for n in paginator.page_range]

    expected = [f"Anna{n}" for n in range(1, 10)][: paginator.count]
    assert [name for page in pages for name in page] == expected


def test_a_page_past_the_cap_gives_the_last_page_offered(wojciks):
    paginator = SearchPaginator(_matches(), 2, cap=5)

    page = paginator.get_page(40)

    assert page.number == 3
    assert _names(page) == ["Anna5"]


def test_no_match_is_one_empty_page(wojciks):
    paginator = SearchPaginator(User.objects.matching("zzzq").order_by("pk"), 2)

    page = paginator.get_page(1)

    assert paginator.count == 0
    assert not paginator.capped
    assert list(page.object_list) == []


# --- Terms with more matches than the cap, sorted rather than walked to -------


def _aarons():
    # Non-matches that sort before every Wójcik, so the first rows of the
    # list hold none of the term's matches.
    for number in range(3):
        LearnerFactory(first_name=f"Aaron{number}", last_name="Early")


def _wojciks_descending():
    return User.objects.matching("wojcik").order_by("-search_text", "public_id")


@pytest.mark.parametrize("early_rows", [1, 2, 4, 6, 11, 100])
@pytest.mark.parametrize("cap", [3, 5, 8])
def test_sorting_sparse_matches_keeps_pages_in_list_order(
    wojciks, monkeypatch, early_rows, cap
):
    _aarons()
    monkeypatch.setattr("karma.lib.pagination.EARLY_ROWS", early_rows)
    paginator = SearchPaginator(_matches(), 2, cap=cap, sorts_sparse_matches=True)

    pages = [_names(paginator.page(n)) for n in paginator.page_range]

    assert paginator.capped
    expected = [f"Anna{n}" for n in range(1, 10)][:cap]
    assert [name for page in pages for name in page] == expected


@pytest.mark.parametrize("early_rows", [1, 3, 5, 100])
def test_sorting_sparse_matches_keeps_a_descending_list_in_order(
    wojciks, monkeypatch, early_rows
):
    monkeypatch.setattr("karma.lib.pagination.EARLY_ROWS", early_rows)
    paginator = SearchPaginator(
        _wojciks_descending(), 2, cap=5, sorts_sparse_matches=True
    )

    pages = [_names(paginator.page(n)) for n in paginator.page_range]

    assert [name for page in pages for name in page] == [
        f"Anna{n}" for n in range(9, 4, -1)
    ]


def test_a_page_among_the_first_rows_is_not_sorted_apart(
    wojciks, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr("karma.lib.pagination.EARLY_ROWS", 4)
    paginator = SearchPaginator(_matches(), 2, cap=5, sorts_sparse_matches=True)
    assert paginator.capped

    # The boundary row of the list, then the page from the rows before it.
    with django_assert_num_queries(2):
        assert _names(paginator.page(1)) == ["Anna1", "Anna2"]


def test_matches_past_the_first_rows_are_sorted_and_the_database_left_as_it_was(
    wojciks, monkeypatch
):
    _aarons()
    monkeypatch.setattr("karma.lib.pagination.EARLY_ROWS", 3)
    paginator = SearchPaginator(_matches(), 2, cap=5, sorts_sparse_matches=True)

    with CaptureQueriesContext(connection) as queries:
        assert _names(paginator.page(1)) == ["Anna1", "Anna2"]

    sql = [query["sql"] for query in queries]
    if connection.vendor == "postgresql":
        assert "SET LOCAL enable_indexscan = off" in sql
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_indexscan")
            assert cursor.fetchone() == ("on",)
    else:
        assert not any("enable_indexscan" in statement for statement in sql)


def test_a_table_smaller_than_the_first_rows_is_paged_as_it_is(
    wojciks, django_assert_num_queries
):
    paginator = SearchPaginator(_matches(), 2, cap=5, sorts_sparse_matches=True)
    assert paginator.capped

    # Looking for the boundary row finds none; the page is the query's own.
    with django_assert_num_queries(2):
        assert _names(paginator.page(2)) == ["Anna3", "Anna4"]


def test_a_list_sorted_on_an_expression_cannot_sort_sparse_matches(
    wojciks, monkeypatch
):
    monkeypatch.setattr("karma.lib.pagination.EARLY_ROWS", 3)
    rows = User.objects.matching("wojcik").order_by(
        F("last_login").desc(nulls_last=True), "pk"
    )
    paginator = SearchPaginator(rows, 2, cap=5, sorts_sparse_matches=True)

    with pytest.raises(ValueError, match="Cannot bound"):
        paginator.page(1)

"""SearchPaginator: an exact count up to the cap, "more than" beyond it, and
the same pages either way."""

from __future__ import annotations

import pytest

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

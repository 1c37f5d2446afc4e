"""Paging search results on large tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db import connections, transaction
from django.db.models import F, OrderBy, QuerySet

# How many matches a search counts before it says "more than".
SEARCH_COUNT_CAP = 1000

# How far into the list, in list order, a search with more than the cap
# looks for its page before it sorts its matches instead (see
# SearchPaginator._page_of_many).
EARLY_ROWS = 5000


class SearchPaginator(Paginator):
    """A Paginator for a contains-search over a large table.

    Counting every match of a broad term ("ex" is in every address) means
    reading the whole table on each keystroke, and so does sorting them to
    show the first page. This paginator finds at most `cap` + 1 matches,
    without sorting:

    - up to `cap`, the count is exact and a page sorts only those rows,
      fetched by primary key, whatever index the term would mislead the
      database into walking;
    - beyond it, `capped` is true, the count stops at `cap` and a page comes
      from the sorted query itself: with that many matches, walking an index
      in list order usually meets a page's worth of them early.

    `sorts_sparse_matches` says that the database can find every match from
    an index of its own and that the list is sorted on an indexed column
    first. A term with more than `cap` matches that all sort late (a Cyrillic
    name comes after every Latin one) is then not walked to but sorted.

    Pages past the cap are not offered; the list asks for a narrower term.
    """

    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        *,
        cap: int | None = None,
        sorts_sparse_matches: bool = False,
    ) -> None:
        super().__init__(object_list, per_page)
        self.cap = SEARCH_COUNT_CAP if cap is None else cap
        self.sorts_sparse_matches = sorts_sparse_matches

    @cached_property
    def _first_matches(self) -> list[object]:
        unordered = self.object_list.order_by().values_list("pk", flat=True)
        return list(unordered[: self.cap + 1])

    @cached_property
    def capped(self) -> bool:
        """True when there are more than `cap` matches."""
        return len(self._first_matches) > self.cap

    @cached_property
    def count(self) -> int:
        return min(len(self._first_matches), self.cap)

    def page(self, number: object) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        # The last page offered ends at the cap, as the count says.
        top = min(bottom + self.per_page, self.count)

        if not self.capped:
            rows = self.object_list.filter(pk__in=self._first_matches)[bottom:top]
        elif self.sorts_sparse_matches:
            rows = self._page_of_many(bottom, top)
        else:
            rows = self.object_list[bottom:top]
        return self._get_page(rows, number, self)

    def _page_of_many(self, bottom: int, top: int) -> QuerySet | list[object]:
        """Rows `bottom` to `top` of a term with more than `cap` matches.

        Walking the list's index in order finds a page quickly when the
        matches are spread through the list, and only after tens of
        thousands of rows when they bunch at its end. So the walk stops at
        the first EARLY_ROWS rows of the whole list: when those hold the
        page, it comes from them; otherwise the term's matches are few
        there, and finding every match from the database's own index and
        sorting them is quicker than walking on.
        """
        early = self._early_rows()
        if early is None:
            # A table this small is quick to walk, whatever the term.
            return self.object_list[bottom:top]

        rows = list(early[bottom:top])
        if len(rows) == top - bottom:
            return rows

        with _sorting_instead_of_walking(self.object_list.db):
            return list(self.object_list[bottom:top])

    def _early_rows(self) -> QuerySet | None:
        """The matches among the first EARLY_ROWS rows of the unfiltered
        list, or None when the table is smaller than that."""
        first = _first_sort_column(self.object_list)
        descending = first.startswith("-")
        column = first.removeprefix("-")

        everyone = self.object_list.model._base_manager.using(self.object_list.db)
        boundary = (
            everyone.order_by(first)
            .values_list(column, flat=True)[EARLY_ROWS - 1 : EARLY_ROWS]
            .first()
        )
        if boundary is None:
            return None
        # Ties with the boundary row come along, so the early rows are all
        # the rows on this side of it: a prefix of the list, however many.
        bound = "gte" if descending else "lte"
        return self.object_list.filter(**{f"{column}__{bound}": boundary})


def _first_sort_column(rows: QuerySet) -> str:
    """The column `rows` is sorted on first, "-" before it when descending."""
    first = rows.query.order_by[0]
    if isinstance(first, str):
        return first
    if (
        isinstance(first, OrderBy)
        and isinstance(first.expression, F)
        and not first.nulls_first
        and not first.nulls_last
    ):
        return ("-" if first.descending else "") + first.expression.name
    raise ValueError(f"Cannot bound a list sorted on {first!r}.")


@contextmanager
def _sorting_instead_of_walking(using: str) -> Iterator[None]:
    """Keep PostgreSQL from walking a B-tree index in list order for the
    queries inside, so that it finds the matches from the trigram index and
    sorts them. Other databases are left to their own plans."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return

    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        yield
        # SET LOCAL would last to the end of a surrounding transaction.
        cursor.execute("SET LOCAL enable_indexscan = on")

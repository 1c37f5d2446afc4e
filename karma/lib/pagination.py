"""Paging search results on large tables."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

# How many matches a search counts before it says "more than".
SEARCH_COUNT_CAP = 1000


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
      in list order meets a page's worth of them early.

    Pages past the cap are not offered; the list asks for a narrower term.
    """

    def __init__(
        self, object_list: QuerySet, per_page: int, *, cap: int | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        self.cap = SEARCH_COUNT_CAP if cap is None else cap

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
        rows = self.object_list
        if not self.capped:
            rows = rows.filter(pk__in=self._first_matches)
        return self._get_page(rows[bottom:top], number, self)

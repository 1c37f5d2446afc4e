"""Reading accounts, scoped to what the viewer may see."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import connections
from django.db.models import F, OrderBy, QuerySet
from django.utils import timezone

from karma.accounts.models import MAX_SEARCH_WORDS, Invitation, User
from karma.lib.text import fold_for_search

# Sort keys offered by the Users list, mapped to their ORM fields; the public
# id breaks ties so pages never repeat or skip a row. Names sort on the folded
# search text, so "élise" sits with the e's and case does not matter.
USER_SORTS = {
    "name": ("search_text", "public_id"),
    "email": ("email", "public_id"),
    "role": ("role", "search_text", "public_id"),
    "status": ("status_value", "search_text", "public_id"),
    "created": ("created_at", "public_id"),
    "last_login": ("last_login", "public_id"),
    "last_active": ("last_active_at", "public_id"),
}
DEFAULT_USER_SORT = "name"

# Fields that may be empty; "never" sorts after every date either way, the
# same on SQLite and PostgreSQL (which disagree about NULL by default).
_NULLABLE_SORT_FIELDS = {"last_login", "last_active_at"}

# Sorts whose first column has a B-tree index of its own (the name order
# index, the unique email), so that the first rows of the list are cheap to
# mark off (see users_search_sorts_sparse_matches).
_INDEXED_SORTS = {"name", "email"}

# A word the trigram index can look up: three letters or digits in a row.
_TRIGRAM_WORD = re.compile(r"\w{3}")

# What new_public_id("usr") makes; anything else names nobody.
_USER_ID = re.compile(r"usr_[0-9a-z]{16}")

# The "last active" filter of the Users list: key -> label.
LAST_ACTIVE_FILTERS = {
    "7d": "Active in the last 7 days",
    "30d": "Active in the last 30 days",
    "inactive_30d": "Not active for 30 days or more",
    "never": "Never active",
}


def users_for_list(
    *,
    search: str = "",
    roles: list[str] | None = None,
    statuses: list[str] | None = None,
    last_active: str = "",
    active_since: datetime | None = None,
    inactive_since: datetime | None = None,
    sort: str = DEFAULT_USER_SORT,
) -> QuerySet[User]:
    """Return users matching the Users list filters, sorted.

    `last_active` is a key of LAST_ACTIVE_FILTERS (anything else means no
    filter); `active_since` and `inactive_since` give the same filter with
    explicit bounds. `sort` is a key of USER_SORTS, with a leading "-" for
    descending; an unknown key falls back to name. The status is annotated
    as `status_value`, so every row comes from one query.
    """
    users = User.objects.with_status().matching(search)
    if roles:
        users = users.filter(role__in=roles)
    if statuses:
        users = users.filter(status_value__in=statuses)
    users = _filter_last_active(users, last_active)
    if active_since is not None:
        users = users.filter(last_active_at__gte=active_since)
    if inactive_since is not None:
        users = users.exclude(last_active_at__gte=inactive_since)
    return users.order_by(*user_ordering(sort))


def _filter_last_active(users: QuerySet[User], key: str) -> QuerySet[User]:
    now = timezone.now()
    if key == "7d":
        return users.filter(last_active_at__gte=now - timedelta(days=7))
    if key == "30d":
        return users.filter(last_active_at__gte=now - timedelta(days=30))
    if key == "inactive_30d":
        # People who never signed in have been inactive for 30 days too.
        return users.exclude(last_active_at__gte=now - timedelta(days=30))
    if key == "never":
        return users.filter(last_active_at__isnull=True)
    return users


def normalize_user_sort(sort: str) -> str:
    """Return `sort` when it names a USER_SORTS key (optionally with "-")."""
    key = sort.removeprefix("-")
    return sort if key in USER_SORTS else DEFAULT_USER_SORT


def user_ordering(sort: str) -> list[OrderBy]:
    """Return the ORDER BY for a sort key; only the chosen column flips
    direction, ties stay in name order either way."""
    sort = normalize_user_sort(sort)
    descending = sort.startswith("-")
    ordering = []
    for position, field in enumerate(USER_SORTS[sort.removeprefix("-")]):
        nulls_last = True if field in _NULLABLE_SORT_FIELDS else None
        expression = F(field)
        if descending and position == 0:
            ordering.append(expression.desc(nulls_last=nulls_last))
        else:
            ordering.append(expression.asc(nulls_last=nulls_last))
    return ordering


def users_search_sorts_sparse_matches(search: str, sort: str, *, using: str) -> bool:
    """Whether a page of the Users list searched for `search` may sort the
    matches of a broad term instead of walking the list to them (the
    `sorts_sparse_matches` of SearchPaginator).

    Only PostgreSQL can find every match from an index: its trigram index
    (migration 0002) looks up words of three letters or more; shorter ones
    and SQLite read the whole table either way.
    """
    if connections[using].vendor != "postgresql":
        return False
    if normalize_user_sort(sort).removeprefix("-") not in _INDEXED_SORTS:
        return False
    words = fold_for_search(search).split()[:MAX_SEARCH_WORDS]
    return any(_TRIGRAM_WORD.search(word) for word in words)


def get_user_by_public_id(public_id: str) -> User | None:
    """Return the user `public_id` names, or None.

    Anything not shaped like a user id is None without a query, so odd
    input from an address (a NUL byte, which PostgreSQL refuses) never
    reaches the database.
    """
    if not _USER_ID.fullmatch(public_id):
        return None
    return User.objects.filter(public_id=public_id).first()


def users_by_public_ids(public_ids: list[str]) -> QuerySet[User]:
    """Return the users named by `public_ids`; unknown ids are left out."""
    wellformed = [value for value in public_ids if _USER_ID.fullmatch(value)]
    return User.objects.filter(public_id__in=wellformed).order_by("pk")


def latest_invitation(user: User) -> Invitation | None:
    """Return the newest invitation sent to `user`, or None if never invited."""
    return user.invitations.order_by("-created_at", "-pk").first()

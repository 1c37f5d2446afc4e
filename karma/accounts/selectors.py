"""Reading accounts, scoped to what the viewer may see."""

from __future__ import annotations

from django.db.models import QuerySet

from karma.accounts.models import User

# Sort keys offered by the Users list, mapped to their ORM expressions; the
# public id breaks ties so pages never repeat or skip a row.
USER_SORTS = {
    "name": ("first_name", "last_name", "public_id"),
    "email": ("email", "public_id"),
    "role": ("role", "first_name", "last_name", "public_id"),
    "status": ("status_value", "first_name", "last_name", "public_id"),
    "created": ("created_at", "public_id"),
    "last_login": ("last_login", "public_id"),
    "last_active": ("last_active_at", "public_id"),
}


def users_for_list(
    *,
    search: str = "",
    roles: list[str] | None = None,
    statuses: list[str] | None = None,
    active_since=None,
    inactive_since=None,
    sort: str = "name",
) -> QuerySet[User]:
    """Return users matching the Users list filters, sorted.

    `sort` is a key of USER_SORTS, with a leading "-" for descending; an
    unknown key falls back to name.
    """
    users = User.objects.with_status().matching(search)
    if roles:
        users = users.filter(role__in=roles)
    if statuses:
        users = users.filter(status_value__in=statuses)
    if active_since is not None:
        users = users.filter(last_active_at__gte=active_since)
    if inactive_since is not None:
        users = users.exclude(last_active_at__gte=inactive_since)

    descending = sort.startswith("-")
    fields = USER_SORTS.get(sort.lstrip("-"), USER_SORTS["name"])
    return users.order_by(*(f"-{f}" if descending else f for f in fields))


def get_user_by_public_id(public_id: str) -> User | None:
    return User.objects.filter(public_id=public_id).first()

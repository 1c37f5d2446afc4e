"""Benchmark: the Users list searched as you type, first page.

An admin types names into the search box; each keystroke is one htmx
request for the results fragment (contains-match on the folded name and
email, so case and accents do not matter), through the test client with
middleware and templates. The raw baseline runs the same count and the
same first page of 25 in plain SQL.
"""

from __future__ import annotations

from urllib.parse import urlencode

import common

# What people type, a letter at a time: Latin with and without accents,
# Cyrillic, an address fragment and a miss.
TYPED = ["maria", "jose", "nunez", "иван", "wojcik", "example.net", "zqx"]
PAGE_SIZE = 25


def keystrokes() -> list[str]:
    return [word[:n] for word in TYPED for n in range(2, len(word) + 1)]


def run(site: common.Site, rounds: int = 3) -> list[dict]:
    from django.db import connection

    from karma.lib.text import fold_for_search

    client = common.signed_in_client(site.admin)
    terms = keystrokes() * rounds

    def search(i: int) -> None:
        query = urlencode({"q": terms[i % len(terms)]})
        response = client.get(f"/users/?{query}", headers={"HX-Request": "true"})
        assert response.status_code == 200, response.status_code

    def raw(i: int) -> None:
        pattern = f"%{fold_for_search(terms[i % len(terms)])}%"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM accounts_user WHERE search_text LIKE %s",
                [pattern],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT id, public_id, email, first_name, last_name, role, "
                "is_active, activated_at, must_change_password, created_at, "
                "last_login, last_active_at FROM accounts_user "
                "WHERE search_text LIKE %s ORDER BY search_text, public_id "
                "LIMIT %s",
                [pattern, PAGE_SIZE],
            )
            cursor.fetchall()

    page = common.measure(search, repeat=len(terms))
    baseline = common.measure(raw, repeat=len(terms), memory=False)
    return [
        common.row(
            f"user search as you type, {site.learners:,} users, first page",
            page,
            baseline,
            note=f"{len(keystrokes())} keystrokes x {rounds}",
        )
    ]


if __name__ == "__main__":
    common.print_rows(run(common.setup_site()))

"""Fold the typographic apostrophes of stored names for search.

Search now folds "’", "‘" and "ʼ" to "'", so "O’Brien" and "o'brien" find
each other. The stored search column of accounts whose name or address holds
one of them is folded again; every other row already reads the same.
"""

from django.db import migrations
from django.db.models import Q

from karma.lib.text import APOSTROPHES, fold_for_search

BATCH = 1000


def refold(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")

    holds_one = Q()
    for mark in APOSTROPHES:
        for field in ("first_name", "last_name", "email"):
            holds_one |= Q(**{f"{field}__contains": mark})

    users = User.objects.filter(holds_one).only("first_name", "last_name", "email")
    batch = []
    for user in users.iterator(chunk_size=BATCH):
        user.search_text = fold_for_search(
            f"{user.first_name} {user.last_name} {user.email}"
        )
        batch.append(user)
        if len(batch) == BATCH:
            User.objects.bulk_update(batch, ["search_text"])
            batch = []
    User.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_name_order_on_postgresql")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]

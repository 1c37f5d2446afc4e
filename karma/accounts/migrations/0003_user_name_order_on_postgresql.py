"""Give PostgreSQL the name-order B-tree that SQLite got in 0002.

0002 kept it from PostgreSQL because the planner, given a term like
"maria", walked names in order and filtered instead of using the trigram
index. The Users list now searches in two steps (karma.lib.pagination.
SearchPaginator): it first collects up to 1,000 matches unsorted, which the
trigram index answers, and sorts a page of those by primary key; only a term
with more matches than that sorts through the query itself, and for those
this index finds the first page after a short walk instead of sorting every
match of a term like "ex".
"""

from django.db import migrations

NAME_ORDER = "accounts_user_name_order"


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME_ORDER} ON accounts_user "
            "(search_text, public_id)"
        )


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_ORDER}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_search_indexes")]

    operations = [migrations.RunPython(create_index, drop_index)]

"""Indexes for the Users list at scale (bench/search.py measures them).

- On PostgreSQL, a trigram GIN index on the folded search text: the list
  searches with a contains match (LIKE '%…%'), which no B-tree can answer,
  and without it every keystroke read all 100,000 rows.
- On SQLite, which has no trigrams, a B-tree on (search_text, public_id),
  the list's default order: a first page walks it and stops after 25
  matches instead of sorting every match. PostgreSQL does not get it: given
  that index its planner walked names in order and filtered, which for a
  term like "maria" (2% of people, all under "m") read a third of the table
  and took three times the trigram plan.

Case-insensitive email lookups already have their index: the unique
constraint on Lower(email) from 0001.

The trigram index needs the pg_trgm extension, which only PostgreSQL has,
so these are written by hand rather than declared on the model.
"""

from django.db import migrations

TRIGRAM = "accounts_user_search_trgm"
NAME_ORDER = "accounts_user_name_order"


def create_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM} ON accounts_user "
            "USING gin (search_text gin_trgm_ops)"
        )
    else:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME_ORDER} ON accounts_user "
            "(search_text, public_id)"
        )


def drop_indexes(apps, schema_editor) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_ORDER}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]

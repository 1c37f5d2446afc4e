"""Writing many rows of one table in a few statements, for bulk enrollment.

`bulk_create` spends most of a 10,000-row job in Python: a model instance
per row, every field prepared per row, a placeholder per value. The rows a
bulk job writes differ in a few columns and share the rest, so here the
differing columns go as arrays (PostgreSQL unnests them in one statement)
or as parameter rows of one executemany (SQLite), and the shared ones are
prepared once. Columns left out take their field's default, like
`bulk_create` would give them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection
from django.db.models import Model

# Rows per statement on PostgreSQL: one array per column, so the statement
# stays a few megabytes even for long addresses and names.
PG_ROWS = 20_000


def insert_rows(
    model: type[Model],
    columns: Mapping[str, Sequence[object]],
    shared: Mapping[str, object],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert one row per position of `columns`, each with the `shared` values.

    `columns` maps field names to equally long lists of plain values (text,
    numbers or None); `shared` maps field names to one value for every row.
    With `ignore_conflicts` a row that breaks a unique constraint is left
    out, as `bulk_create(ignore_conflicts=True)` does.
    """
    fields = {f.name: f for f in model._meta.concrete_fields}
    varying = [fields[name] for name in columns]
    constant = [
        f for f in fields.values() if f.name not in columns and not f.primary_key
    ]
    constant_values = [
        f.get_db_prep_save(
            shared[f.name] if f.name in shared else f.get_default(), connection
        )
        for f in constant
    ]
    lists = [list(columns[f.name]) for f in varying]
    count = len(lists[0]) if lists else 0
    if not count:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(
        connection.ops.quote_name(f.column) for f in [*varying, *constant]
    )
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in varying)
            picked = ", ".join(f"v.c{n}" for n in range(len(varying)))
            aliases = ", ".join(f"c{n}" for n in range(len(varying)))
            sql = (
                f"INSERT INTO {table} ({names}) "  # noqa: S608 (names from the model)
                f"SELECT {picked}{', %s' * len(constant)} "
                f"FROM unnest({arrays}) AS v({aliases}){conflict}"
            )
            for start in range(0, count, PG_ROWS):
                cursor.execute(
                    sql,
                    # The shared values come first in the statement's text.
                    constant_values
                    + [values[start : start + PG_ROWS] for values in lists],
                )
        else:
            marks = ", ".join(["%s"] * (len(varying) + len(constant)))
            into = f"INSERT INTO {table} ({names})"  # noqa: S608 (names from the model)
            sql = f"{into} VALUES ({marks}){conflict}"
            cursor.executemany(
                sql, [[*row, *constant_values] for row in zip(*lists, strict=True)]
            )


def update_rows(
    model: type[Model], pks: Sequence[int], columns: Mapping[str, Sequence[object]]
) -> None:
    """Set, for each position, the row `pks[i]` to the values `columns[...][i]`."""
    if not pks:
        return
    fields = {f.name: f for f in model._meta.concrete_fields}
    varying = [fields[name] for name in columns]
    lists = [list(columns[f.name]) for f in varying]
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk
    pk_column = connection.ops.quote_name(pk.column)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in [pk, *varying])
            sets = ", ".join(
                f"{connection.ops.quote_name(f.column)} = v.c{n}"
                for n, f in enumerate(varying, start=1)
            )
            aliases = ", ".join(f"c{n}" for n in range(len(varying) + 1))
            sql = (
                f"UPDATE {table} SET {sets} "  # noqa: S608 (names from the model)
                f"FROM unnest({arrays}) AS v({aliases}) "
                f"WHERE {table}.{pk_column} = v.c0"
            )
            for start in range(0, len(pks), PG_ROWS):
                cursor.execute(
                    sql,
                    [list(pks[start : start + PG_ROWS])]
                    + [values[start : start + PG_ROWS] for values in lists],
                )
        else:
            sets = ", ".join(
                f"{connection.ops.quote_name(f.column)} = %s" for f in varying
            )
            sql = f"UPDATE {table} SET {sets} WHERE {pk_column} = %s"  # noqa: S608
            cursor.executemany(
                sql,
                [[*values, key] for *values, key in zip(*lists, pks, strict=True)],
            )

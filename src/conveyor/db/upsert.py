"""One multi-row upsert for the three dialects: the write primitive of the catalog, imports and sync handlers.

PostgreSQL and SQLite use ``INSERT … ON CONFLICT (key) DO UPDATE``; MariaDB ``INSERT … ON DUPLICATE KEY
UPDATE`` (which resolves on any unique key, so callers pass the key their table is unique on).

The statements are built once per (dialect, table, key, updated columns): building an ``ON CONFLICT`` construct
costs more than executing it for a small batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection

from conveyor.db.write_behind import execute_behind

# Rows per statement: below every dialect's bound-parameter limit for tables of up to ~30 columns.
CHUNK = 1000
# Rows per statement when PostgreSQL gets them as arrays (one parameter per column, whatever the rows).
ARRAY_CHUNK = 10_000


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    update: Sequence[str] | None = None,
    *,
    distinct: bool = False,
    behind: bool = False,
) -> None:
    """Insert ``rows``; where a row with the same ``key`` exists, overwrite its ``update`` columns.

    ``update`` defaults to every column of the first row outside ``key``; an empty ``update`` means
    insert-if-missing. All rows must have the same columns.

    ``distinct=True`` promises that no two rows share a ``key``: PostgreSQL then gets each chunk as one
    statement over column arrays (``unnest``) instead of one execution per row (psycopg's executemany), several
    times faster. Rows sharing a key would make that statement fail ("cannot affect row a second time"), so it
    is the caller's promise, not the default.

    ``behind=True``: with ``distinct`` on a PostgreSQL connection that is ``writing_behind``, the statements run
    behind the caller (for rows nobody reads back before the connection's next use, and whose failure nobody
    catches).
    """
    if not rows:
        return
    columns = list(rows[0])
    changed = [c for c in columns if c not in key] if update is None else list(update)
    dialect = conn.dialect.name
    if distinct and dialect == "postgresql":
        statement = _array_statement(table, tuple(columns), tuple(key), tuple(changed))
        for start in range(0, len(rows), ARRAY_CHUNK):
            part = rows[start : start + ARRAY_CHUNK]
            arrays = {f"a_{c}": [row[c] for row in part] for c in columns}
            if behind:
                execute_behind(conn, statement, arrays)
            else:
                conn.execute(statement, arrays)
        return
    size = max(1, min(CHUNK, 30000 // max(1, len(columns))))
    statement = _statement(dialect, table, tuple(key), tuple(changed))
    for start in range(0, len(rows), size):
        conn.execute(statement, list(rows[start : start + size]))


@lru_cache(maxsize=512)
def _statement(dialect: str, table: sa.Table, key: tuple[str, ...], changed: tuple[str, ...]) -> Any:
    if dialect in ("mysql", "mariadb"):
        my = mysql.insert(table)
        if not changed:
            return my.prefix_with("IGNORE")
        return my.on_duplicate_key_update({c: my.inserted[c] for c in changed})
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    if not changed:
        return insert.on_conflict_do_nothing(index_elements=list(key))
    return insert.on_conflict_do_update(index_elements=list(key), set_={c: insert.excluded[c] for c in changed})


@lru_cache(maxsize=512)
def _array_statement(table: sa.Table, columns: tuple[str, ...], key: tuple[str, ...], changed: tuple[str, ...]) -> Any:
    """``INSERT … SELECT * FROM unnest(:a_col1, :a_col2, …) ON CONFLICT …``: one array parameter per column."""
    arrays = [sa.bindparam(f"a_{c}", type_=postgresql.ARRAY(table.c[c].type)) for c in columns]
    source = sa.select(sa.func.unnest(*arrays).table_valued(*columns).render_derived())
    insert = postgresql.insert(table).from_select(list(columns), source)
    if not changed:
        return insert.on_conflict_do_nothing(index_elements=list(key))
    return insert.on_conflict_do_update(index_elements=list(key), set_={c: insert.excluded[c] for c in changed})

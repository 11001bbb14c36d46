"""One multi-row upsert for the three dialects: the write primitive of the catalog, imports and sync handlers.

PostgreSQL and SQLite use ``INSERT … ON CONFLICT (key) DO UPDATE``; MariaDB ``INSERT … ON DUPLICATE KEY
UPDATE`` (which resolves on any unique key, so callers pass the key their table is unique on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection

# Rows per statement: below every dialect's bound-parameter limit for tables of up to ~30 columns.
CHUNK = 1000


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``; where a row with the same ``key`` exists, overwrite its ``update`` columns.

    ``update`` defaults to every column of the first row outside ``key``; an empty ``update`` means
    insert-if-missing. All rows must have the same columns.
    """
    if not rows:
        return
    columns = list(rows[0])
    changed = [c for c in columns if c not in key] if update is None else list(update)
    size = max(1, min(CHUNK, 30000 // max(1, len(columns))))
    for start in range(0, len(rows), size):
        conn.execute(_statement(conn.dialect.name, table, key, changed), list(rows[start : start + size]))


def _statement(dialect: str, table: sa.Table, key: Sequence[str], changed: Sequence[str]) -> Any:
    if dialect in ("mysql", "mariadb"):
        my = mysql.insert(table)
        if not changed:
            return my.prefix_with("IGNORE")
        return my.on_duplicate_key_update({c: my.inserted[c] for c in changed})
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    if not changed:
        return insert.on_conflict_do_nothing(index_elements=list(key))
    return insert.on_conflict_do_update(index_elements=list(key), set_={c: insert.excluded[c] for c in changed})

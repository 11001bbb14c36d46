"""Change-set detection: the content hash of each imported row, kept per entity key and store view.

A row's hash covers its bytes as they stand in the file, the file's header (the same bytes under other
columns mean something else), the operation and the profile's fingerprint (how the bytes are read). So an
unchanged row is recognised before it is parsed. The stored hash is what the last import wrote; a change
made since through the API is not seen (as with every change-set importer) — an entity deleted since is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav import chunked
from conveyor.db.engine import now
from conveyor.db.upsert import upsert
from conveyor.importer.base import SourceRow
from conveyor.importer.change_tables import import_change_table

T = import_change_table
SCAN_FRACTION = 3  # scan the type's stored rows when the keys asked for are at least a third of them


class Stored(NamedTuple):
    """What the last import stored for one entity and store view (a tuple: 100,000s are made per re-import)."""

    content_hash: str
    source_updated_at: datetime | None


class RowHasher:
    """Hashes the records of one file: the prefix (profile, operation, header) is hashed once."""

    def __init__(self, fingerprint: str, operation: str, header: bytes) -> None:
        self._prefix = hashlib.blake2b(digest_size=16)
        self._prefix.update(f"{fingerprint}\x00{operation}\x00".encode())
        self._prefix.update(header)
        self._prefix.update(b"\x00")

    def __call__(self, data: bytes) -> str:
        digest = self._prefix.copy()
        digest.update(data)
        return digest.hexdigest()


fold: Callable[[str], str] = str.casefold
"""Keys compare case-insensitively (Magento's skus, emails, codes on MySQL). The method itself, not a function
calling it: it runs several times per row of an import, and a C call costs a fraction of a Python frame."""


def load_stored(
    conn: Connection,
    change_type: str,
    keys: Iterable[str],
    entity_key: sa.ColumnElement[Any] | None = None,
    *,
    timestamps: bool = True,
) -> dict[tuple[str, int], Stored]:
    """(folded key, store_id) → what was stored for the keys; may hold other keys of ``change_type`` too.

    ``entity_key``, the column of the entity's own table holding the key (catalog_product_entity.sku),
    limits the answer to entities that still exist (one join instead of a second lookup). Without
    ``timestamps`` the stored ``updated_at`` is not read (None): converting it cost more than the rest of the row.

    Two plans: keys in IN lists (one statement per 5,000 keys, an index seek per key), or, when the keys are
    a third or more of what is stored for the type, one scan of the type's rows, which is several times
    cheaper per row than a seek (a re-import of a whole catalog). The statements are written once and run
    through the driver: SQLAlchemy renders an expanding IN list anew for each execution, which cost more
    than the query on a re-import of unchanged rows.
    """
    wanted = list(set(keys))
    if not wanted:
        return {}
    dialect = conn.dialect
    quote = dialect.identifier_preparer
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    table = quote.format_table(T)
    stamp = "c.source_updated_at" if timestamps else "NULL"
    select = f"SELECT c.entity_key, c.store_id, c.content_hash, {stamp} FROM {table} c"
    if entity_key is not None:
        joined = quote.format_table(entity_key.table)
        select += f" JOIN {joined} e ON e.{quote.quote(entity_key.name)} = c.entity_key"
    select += f" WHERE c.entity_type = {mark}"
    convert = T.c.source_updated_at.type.dialect_impl(dialect).result_processor(dialect, None) if timestamps else None
    found: dict[tuple[str, int], Stored] = {}

    def take(rows: Sequence[tuple[Any, ...]]) -> None:
        if convert is not None:
            rows = [(k, s, h, convert(t) if t is not None else t) for k, s, h, t in rows]
        make = tuple.__new__  # Stored's own __new__ is Python code: this is the C constructor, same result
        found.update({(fold(k), s): make(Stored, (h, t)) for k, s, h, t in rows})

    cursor = conn.connection.cursor()  # the driver's, in the connection's transaction: rows come as tuples
    try:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE entity_type = {mark}", (change_type,))
        (stored_count,) = cursor.fetchone() or (0,)
        if len(wanted) * SCAN_FRACTION >= int(stored_count):
            cursor.execute(select, (change_type,))
            take(cursor.fetchall())
            return found
        statements: dict[int, str] = {}
        for part in chunked(wanted):
            if dialect.name == "postgresql":  # one array parameter: nothing to expand, nothing to parse
                cursor.execute(f"{select} AND c.entity_key = ANY(%s)", (change_type, part))
            else:
                statement = statements.get(len(part))
                if statement is None:
                    statement = statements[len(part)] = (
                        f"{select} AND c.entity_key IN ({', '.join([mark] * len(part))})"
                    )
                cursor.execute(statement, (change_type, *part))
            take(cursor.fetchall())
    finally:
        cursor.close()
    return found


def save_hashes(conn: Connection, change_type: str, rows: Sequence[SourceRow]) -> None:
    """Remember the rows written, behind the writer on a connection that is ``writing_behind``."""
    stamp = now()
    unique: dict[tuple[str, int], dict[str, Any]] = {}
    for row in rows:
        if not row.key or not row.content_hash:
            continue
        unique[(fold(row.key), row.store_id)] = {
            "entity_type": change_type,
            "entity_key": row.key,
            "store_id": row.store_id,
            "content_hash": row.content_hash,
            "source_updated_at": row.updated_at,
            "imported_at": stamp,
        }
    # keyed by the folded key: no two rows share one (PostgreSQL then takes them as arrays, one statement per
    # 10,000 rows, instead of a statement per row: a second of the server's CPU in a 26,000-row first import)
    key = ["entity_type", "entity_key", "store_id"]
    upsert(conn, T, list(unique.values()), key=key, distinct=True, behind=True)


def forget(conn: Connection, change_type: str, keys: Iterable[str]) -> None:
    """Drop the hashes of deleted entities (every store view)."""
    for part in chunked(sorted(set(keys))):
        conn.execute(T.delete().where(T.c.entity_type == change_type, T.c.entity_key.in_(part)))


__all__ = ["RowHasher", "Stored", "fold", "forget", "load_stored", "save_hashes"]

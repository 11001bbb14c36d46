"""Plain bulk inserts for rows that cannot exist yet (the values, links and prices of products an import creates,
a bulk's operations, outbox rows): PostgreSQL ``COPY``, elsewhere one DBAPI ``executemany`` of a parameterised
INSERT, all inside the caller's transaction.

Measured on the shared 2-core test machine, 100,000 value rows: PostgreSQL COPY ~100,000 rows/s against
~9,000 for the multi-row upsert through SQLAlchemy (whose per-row parameter processing dominates); SQLite raw
executemany ~160,000 against ~30,000; MariaDB (PyMySQL folds executemany into multi-row VALUES) ~46,000
against ~15,000. Rows that may conflict go through ``conveyor.db.upsert`` as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from operator import methodcaller
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.db.write_behind import drain, driver_errors, is_writing_behind, run_behind

# SQLite's page cache for a connection that writes in bulk, in KiB (the default is 2,000). A first import of 20,000
# products inserts into ~30 indexes at once, several of them in random key order ((attribute, store, value)); with
# 2 MB their pages are evicted and read back again and again: measured 0.45 s of a 6.6 s import's writing thread.
BULK_CACHE_KIB = 65_536
_PLACEHOLDER = {"sqlite": "?", "postgresql": "%s", "mysql": "%s", "mariadb": "%s"}
_CHUNK = 10_000


def insert_rows(conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) inside the caller's transaction; nothing may conflict."""
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql":
        statement = _copy_statement(conn, table, columns)
        _copy(conn, statement, lambda raw: _copy_rows(raw, statement, rows), behind=False)
        return
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    quoted = conn.dialect.identifier_preparer.format_table(table)
    # the column types' own conversions (SQLite stores decimals and timestamps as SQLAlchemy does)
    processors = [table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in columns]
    if any(p is not None for p in processors):  # column by column: the transposition runs in C
        cells = list(zip(*rows, strict=True))
        for index, process in enumerate(processors):
            if process is not None:
                cells[index] = tuple(map(process, cells[index]))  # (a bind processor passes None through)
        rows = list(zip(*cells, strict=True))
    marks = ", ".join([_PLACEHOLDER.get(dialect, "%s")] * len(columns))
    statement = f"INSERT INTO {quoted} ({names}) VALUES ({marks})"
    for start in range(0, len(rows), _CHUNK):
        conn.exec_driver_sql(statement, list(rows[start : start + _CHUNK]))


def insert_rows_behind(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``insert_rows``, run behind the caller while ``conn`` is ``writing_behind`` (else at once).

    For rows the caller neither reads back nor expects a conflict from: a failure surfaces at the connection's
    next use (or when the block ends) and fails the transaction. ``rows`` must not change after the call."""
    if not rows or not is_writing_behind(conn):
        insert_rows(conn, table, columns, rows)
        return
    statement = _copy_statement(conn, table, columns)
    _copy(conn, statement, lambda raw: _copy_rows(raw, statement, rows), behind=True)


def copy_text(rows: Iterable[Sequence[Any]]) -> bytes:
    """``rows`` as PostgreSQL ``COPY`` text (tab-separated, ``\\N`` for NULL, backslash escapes), made without a
    connection: a reading worker formats rows for the writer (``insert_copied``). For the types an import writes:
    str, int, Decimal, float, bool, date and datetime (naive, as the columns are)."""
    formats = _COPY_FORMATS
    try:
        lines = ["\t".join([formats[type(value)](value) for value in row]) for row in rows]
    except KeyError as missing:
        raise TypeError(f"no COPY text for {missing}") from None
    lines.append("")
    return "\n".join(lines).encode()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _copy_str(value: str) -> str:
    """Escaped only where it must be: ``str.translate`` with a mapping costs ~1 µs a string, the four scans a
    tenth of that, and a worker formats millions of strings that hold none of these characters."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


# by exact type (a subclass is refused, not guessed): what each type's COPY text is, as psycopg writes it
_COPY_FORMATS: dict[type, Callable[[Any], str]] = {
    type(None): lambda _: "\\N",
    str: _copy_str,
    int: str,
    bool: lambda value: "t" if value else "f",
    Decimal: str,
    float: repr,
    datetime: methodcaller("isoformat", " "),
    date: methodcaller("isoformat"),
}


def insert_copied(conn: Connection, table: sa.Table, columns: Sequence[str], data: bytes) -> None:
    """Insert rows formatted by ``copy_text`` (PostgreSQL), behind the caller while ``conn`` is writing behind;
    nothing may conflict (as for ``insert_rows_behind``)."""
    if not data:
        return
    statement = _copy_statement(conn, table, columns)
    _copy(conn, statement, lambda raw: _copy_data(raw, statement, data), behind=True)


def _copy(conn: Connection, statement: str, job: Callable[[Any], None], *, behind: bool) -> None:
    """Run a ``COPY`` job on the driver connection: behind the caller when asked and ``conn`` writes behind, else
    now, after what went behind (the driver connection bypasses SQLAlchemy's events)."""
    if behind and is_writing_behind(conn):
        run_behind(conn, statement, job)
        return
    drain(conn)
    with driver_errors(conn, statement):
        job(conn.connection.driver_connection)


def _copy_statement(conn: Connection, table: sa.Table, columns: Sequence[str]) -> str:
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    return f"COPY {conn.dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"


def _copy_rows(raw: Any, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _copy_data(raw: Any, statement: str, data: bytes) -> None:
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)


@contextmanager
def bulk_cache(conn: Connection) -> Iterator[None]:
    """A larger SQLite page cache on ``conn`` while it writes in bulk (an import's bunch, a bare write measured
    beside it), the connection's own size restored after; pages are taken only as they are used. Elsewhere the
    server's buffers serve every connection: nothing to do."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB:d}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before):d}")


__all__ = ["BULK_CACHE_KIB", "bulk_cache", "copy_text", "insert_copied", "insert_rows", "insert_rows_behind"]

"""The DB queue's hot path: settling one reservation (ack, retry, dead letter) per handled message.

A settle is a single UPDATE, atomic on its own, so it runs in autocommit on a connection the consumer
keeps, with the statement compiled once: one round trip per message, as a hand-written driver loop does
(the pooled path cost a pool ping, BEGIN, UPDATE and COMMIT, plus building the statement each time).
On PostgreSQL that connection commits with ``synchronous_commit = off``, as SQLite's consumer side uses
``synchronous = NORMAL``: a settle lost in a server crash only delivers the message again, never loses it.
"""

from __future__ import annotations

import contextlib
from enum import IntEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.sql.compiler import SQLCompiler


class PreparedStatement:
    """A Core statement compiled once for the engine's dialect, run on a raw DBAPI cursor."""

    def __init__(self, statement: sa.Update, engine: Engine) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        # plain ints for enums: drivers that look adapters up by exact type would quote them as text
        self.defaults: dict[str, Any] = {k: _plain(v) for k, v in compiled.params.items()}
        self.positions: list[str] | None = list(compiled.positiontup) if compiled.positiontup else None

    def parameters(self, values: dict[str, Any]) -> Any:
        merged = {**self.defaults, **{k: _plain(v) for k, v in values.items()}}
        if self.positions is not None:
            return tuple(merged[name] for name in self.positions)
        return merged


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, IntEnum) else value


class SettleConnection:
    """One autocommit DBAPI connection kept by a consumer for its settles; replaced when it breaks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._raw: Any = None
        self._cursor: Any = None

    def _open(self) -> Any:
        if self._cursor is None:
            raw = self.engine.raw_connection()
            self._raw = raw
            driver = raw.driver_connection
            dialect = self.engine.dialect.name
            if dialect == "postgresql":
                driver.autocommit = True  # type: ignore[union-attr]
                driver.execute("SET synchronous_commit = off")  # type: ignore[union-attr]
            elif dialect in ("mysql", "mariadb"):
                driver.autocommit(True)  # type: ignore[union-attr]
            # SQLite: the engine already runs the driver in autocommit (isolation_level None)
            self._cursor = raw.cursor()
        return self._cursor

    def execute(self, prepared: PreparedStatement, **values: Any) -> int:
        """Run ``prepared``; returns the row count. A broken connection is dropped and reported transient."""
        parameters = prepared.parameters(values)
        try:
            cursor = self._open()
            cursor.execute(prepared.sql, parameters)
            return int(cursor.rowcount)
        except self.engine.dialect.loaded_dbapi.Error as exc:
            self.close(invalidate=True)
            raise sa.exc.OperationalError(prepared.sql, parameters, exc) from exc

    def close(self, *, invalidate: bool = False) -> None:
        cursor, raw = self._cursor, self._raw
        self._cursor = self._raw = None
        if raw is None:
            return
        with contextlib.suppress(Exception):
            if cursor is not None:
                cursor.close()
        if invalidate:
            raw.invalidate()
        else:
            raw.close()

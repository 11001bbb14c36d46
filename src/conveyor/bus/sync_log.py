"""The sync log's queries: write one row per run of a command, read the newest rows with filters."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import Connection

from conveyor.bus.schema import Outcome, sync_log_table
from conveyor.db.engine import now
from conveyor.db.keyset import NEWEST_FIRST, KeysetPage

if TYPE_CHECKING:
    from conveyor.bus.context import Call

T = sync_log_table


def record(conn: Connection, call: Call, outcome: Outcome, seconds: float, error: str | None = None) -> None:
    """Write the row of one run of ``call`` in ``conn``'s transaction."""
    entity_type, entity_id = call.command.entity()
    conn.execute(
        T.insert().values(
            command=call.spec.name,
            entity_type=entity_type,
            entity_id=entity_id[:191] if entity_id else entity_id,
            outcome=str(outcome),
            duration=seconds,
            error=error,
            correlation_id=call.correlation_id,
            created_at=now(),
        )
    )


@dataclass(frozen=True)
class Entry:
    """One row of the sync log."""

    id: int
    command: str
    entity_type: str | None
    entity_id: str | None
    outcome: str
    duration: float
    error: str | None
    correlation_id: str
    created_at: float

    @property
    def at(self) -> str:
        """The time in Magento's format, UTC: ``YYYY-MM-DD HH:MM:SS``."""
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.created_at))

    @property
    def error_summary(self) -> str:
        """The last line of the stored error (its type and message; the traceback stays in the row)."""
        lines = (self.error or "").strip().splitlines()
        return lines[-1] if lines else ""


SORTS = {"command": T.c.command, "outcome": T.c.outcome}  # each with an index on (column, id)


def entries(
    conn: Connection,
    *,
    failed: bool = False,
    entity: str | None = None,
    command: str | None = None,
    correlation_id: str | None = None,
    limit: int = 50,
    outcome: str | None = None,
    order: KeysetPage = NEWEST_FIRST,
) -> list[Entry]:
    """The newest rows first (``order``: oldest first, after a row (the admin UI's pages), or by a key of
    ``SORTS``), optionally only failures (or one ``outcome``), one entity id, one command or one correlation id."""
    query = order.of(sa.select(T).limit(limit), T.c.id, SORTS)
    if failed:
        query = query.where(T.c.outcome == str(Outcome.FAILED))
    if outcome is not None:
        query = query.where(T.c.outcome == outcome)
    if entity is not None:
        query = query.where(T.c.entity_id == entity)
    if command is not None:
        query = query.where(T.c.command == command)
    if correlation_id is not None:
        query = query.where(T.c.correlation_id == correlation_id)
    return [Entry(**row._mapping) for row in conn.execute(query)]


def prune(conn: Connection, older_than_seconds: float) -> int:
    """Delete rows older than ``older_than_seconds``; returns how many."""
    return int(conn.execute(T.delete().where(T.c.created_at < now() - older_than_seconds)).rowcount)

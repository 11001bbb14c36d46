"""EDS change sets: recorded with their sync commands in one transaction, settled by those commands, acknowledged.

A source posts a change set (an id, an entity type, entity ids). ``receive`` stores it with one item per id and
queues one sync command per id in the same transaction, so either all of it exists or none (and the webhook
may answer at once). Each sync command marks its item done in *its* transaction (``item_done``); the one that
completes the set queues the acknowledgement, so "processed" is exact even with many workers. A command that
fails for good marks its item failed (``item_failed``, after its rollback) and the set failed; a later successful
run of the same entity (a retry) settles it again. A replayed post of a known id changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from conveyor.sync.models import ChangeSet
from conveyor.sync.schema import (
    ACKNOWLEDGED,
    DONE,
    FAILED,
    ITEM_FAILED,
    OPEN,
    PENDING,
    PROCESSED,
    change_set_item_table,
    change_set_table,
)

CS = change_set_table.c
ITEM = change_set_item_table.c
MAX_ERROR = 2000  # characters of an error kept on an item or a change set


@dataclass(frozen=True)
class Receipt:
    """What ``receive`` did: ``new`` False for a replay (nothing queued); the entity ids queued."""

    change_set_id: str
    new: bool
    entity_ids: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class ChangeSetRecord:
    """A stored change set with its progress."""

    change_set_id: str
    source: str
    entity_type: str
    status: str
    item_count: int
    done_count: int
    failed_count: int
    created_at: float | None
    received_at: float
    processed_at: float | None
    acknowledged_at: float | None
    ack_attempts: int
    last_error: str | None


def record(conn: Connection, change_set: ChangeSet, source: str, now: float | None = None) -> Receipt:
    """Store ``change_set`` and its items unless its id is known; the caller queues the commands of a new one.

    Duplicate ids within the set count once. Concurrent posts of one id: the primary key lets one insert win
    and the other's transaction fail with an integrity error, which the caller treats as a replay.
    """
    existing = conn.execute(sa.select(CS.status).where(CS.change_set_id == change_set.id)).scalar_one_or_none()
    if existing is not None:
        return Receipt(change_set.id, False, (), existing)
    ids = tuple(dict.fromkeys(change_set.entity_ids))
    status = OPEN if ids else PROCESSED
    at = time.time() if now is None else now
    conn.execute(
        change_set_table.insert().values(
            change_set_id=change_set.id,
            source=source,
            entity_type=change_set.entity_type.value,
            status=status,
            item_count=len(ids),
            done_count=0,
            failed_count=0,
            created_at=change_set.created_at.timestamp(),
            received_at=at,
            processed_at=None if ids else at,
            ack_attempts=0,
        )
    )
    if ids:
        conn.execute(
            change_set_item_table.insert(),
            [{"change_set_id": change_set.id, "entity_id": i, "status": PENDING, "attempts": 0} for i in ids],
        )
    return Receipt(change_set.id, True, ids, status)


def item_done(conn: Connection, change_set_id: str, entity_id: str) -> str | None:
    """Mark the item done in the command's transaction; the set's new status when this completed it."""
    previous = _item_status(conn, change_set_id, entity_id)
    if previous is None or previous == DONE:  # unknown, or a redelivered command already counted
        return None
    if not _move_item(conn, change_set_id, entity_id, previous, DONE, None):
        return None
    counters = {"done_count": CS.done_count + 1}
    if previous == ITEM_FAILED:
        counters["failed_count"] = CS.failed_count - 1
    conn.execute(change_set_table.update().where(CS.change_set_id == change_set_id).values(**counters))
    return _settle(conn, change_set_id)


def item_failed(engine: Engine, change_set_id: str, entity_id: str, error: BaseException, *, final: bool) -> None:
    """Record a command's failure (its own transaction, after the command's rolled back).

    ``final`` (a permanent error): the item is failed and, once every item is settled, the set is failed. A
    transient failure only notes the error: the queue will run the command again.
    """
    message = f"{entity_id}: {type(error).__name__}: {error}"[:MAX_ERROR]
    with engine.begin() as conn:
        previous = _item_status(conn, change_set_id, entity_id)
        if previous is None:
            return
        conn.execute(change_set_table.update().where(CS.change_set_id == change_set_id).values(last_error=message))
        if not final or previous != PENDING:
            _note_attempt(conn, change_set_id, entity_id, message)
            return
        if _move_item(conn, change_set_id, entity_id, PENDING, ITEM_FAILED, message):
            conn.execute(
                change_set_table.update()
                .where(CS.change_set_id == change_set_id)
                .values(failed_count=CS.failed_count + 1)
            )
            _settle(conn, change_set_id)


def acknowledged(conn: Connection, change_set_id: str, now: float | None = None) -> None:
    """The source was told: the set is done."""
    conn.execute(
        change_set_table.update()
        .where(CS.change_set_id == change_set_id)
        .values(
            status=ACKNOWLEDGED,
            acknowledged_at=time.time() if now is None else now,
            ack_attempts=CS.ack_attempts + 1,
            last_error=None,
        )
    )


def acknowledge_failed(engine: Engine, change_set_id: str, error: BaseException) -> None:
    """Count a failed acknowledgement and keep its error (the queue retries it)."""
    with engine.begin() as conn:
        conn.execute(
            change_set_table.update()
            .where(CS.change_set_id == change_set_id)
            .values(ack_attempts=CS.ack_attempts + 1, last_error=f"acknowledge: {error}"[:MAX_ERROR])
        )


def get(conn: Connection, change_set_id: str) -> ChangeSetRecord | None:
    row = conn.execute(sa.select(change_set_table).where(CS.change_set_id == change_set_id)).one_or_none()
    return None if row is None else ChangeSetRecord(**row._asdict())


def listing(
    conn: Connection, statuses: Sequence[str] = (), limit: int = 50, received_before: float | None = None
) -> list[ChangeSetRecord]:
    """The newest change sets first, optionally of some statuses only, received before a time (the UI's pages)."""
    query = sa.select(change_set_table).order_by(CS.received_at.desc(), CS.change_set_id).limit(limit)
    if statuses:
        query = query.where(CS.status.in_(list(statuses)))
    if received_before is not None:
        query = query.where(CS.received_at < received_before)
    return [ChangeSetRecord(**row._asdict()) for row in conn.execute(query)]


def failed_items(conn: Connection, change_set_id: str) -> list[tuple[str, str | None]]:
    """(entity id, error) of the items that failed or are still pending with an error."""
    query = (
        sa.select(ITEM.entity_id, ITEM.error)
        .where(ITEM.change_set_id == change_set_id, ITEM.status != DONE, ITEM.error.is_not(None))
        .order_by(ITEM.entity_id)
    )
    return [(str(entity_id), error) for entity_id, error in conn.execute(query)]


def failed_entities(conn: Connection) -> list[tuple[str, str, str]]:
    """(change set id, entity type, entity id) of every failed item of a failed change set: what a retry queues."""
    query = (
        sa.select(CS.change_set_id, CS.entity_type, ITEM.entity_id)
        .join(change_set_item_table, ITEM.change_set_id == CS.change_set_id)
        .where(CS.status == FAILED, ITEM.status == ITEM_FAILED)
        .order_by(CS.received_at, ITEM.entity_id)
    )
    return [(str(c), str(t), str(e)) for c, t, e in conn.execute(query)]


def unacknowledged(conn: Connection) -> list[str]:
    """Ids of processed change sets the source has not been told about yet."""
    query = sa.select(CS.change_set_id).where(CS.status == PROCESSED).order_by(CS.received_at)
    return [str(i) for i in conn.execute(query).scalars()]


# -- internals --------------------------------------------------------------------------------------------


def _item_status(conn: Connection, change_set_id: str, entity_id: str) -> str | None:
    query = sa.select(ITEM.status).where(ITEM.change_set_id == change_set_id, ITEM.entity_id == entity_id)
    found = conn.execute(query).scalar_one_or_none()
    return None if found is None else str(found)


def _move_item(conn: Connection, change_set_id: str, entity_id: str, old: str, new: str, error: str | None) -> bool:
    """Compare-and-set an item's status (a concurrent worker that moved it first wins)."""
    result = conn.execute(
        change_set_item_table.update()
        .where(ITEM.change_set_id == change_set_id, ITEM.entity_id == entity_id, ITEM.status == old)
        .values(status=new, attempts=ITEM.attempts + 1, error=error)
    )
    return result.rowcount == 1


def _note_attempt(conn: Connection, change_set_id: str, entity_id: str, error: str) -> None:
    conn.execute(
        change_set_item_table.update()
        .where(ITEM.change_set_id == change_set_id, ITEM.entity_id == entity_id)
        .values(attempts=ITEM.attempts + 1, error=error)
    )


def _settle(conn: Connection, change_set_id: str) -> str | None:
    """Set the set's status once every item is settled; the new status if it changed to processed or failed.

    Reads the counters after this transaction updated them, holding their row lock, so of two workers settling
    the last two items exactly one sees the set complete.
    """
    row = conn.execute(
        sa.select(CS.status, CS.item_count, CS.done_count, CS.failed_count).where(CS.change_set_id == change_set_id)
    ).one()
    if row.status not in (OPEN, FAILED) or row.done_count + row.failed_count < row.item_count:
        return None
    status = FAILED if row.failed_count else PROCESSED
    if status == row.status:
        return None
    conn.execute(
        change_set_table.update()
        .where(CS.change_set_id == change_set_id)
        .values(status=status, processed_at=time.time() if status == PROCESSED else None)
    )
    return status

"""Scheduling a bulk: one row for the bulk, one per operation, one message per accepted operation — atomically.

The API validates the items (``conveyor.api``) and hands over each item's serialized data or the reason it was
rejected; this module writes everything with set-based inserts and publishes all messages in one batch inside
the caller's ``Transaction`` (the DB transport shares it; AMQP goes through the outbox), so a bulk exists with
its messages or not at all. 10,000 items are a handful of statements.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from conveyor import logs
from conveyor.bulk.schema import OperationStatus, bulk_table, operation_table
from conveyor.db.bulk_insert import insert_rows
from conveyor.db.engine import now
from conveyor.mq.envelope import Envelope
from conveyor.mq.queue import Transaction


@dataclass(frozen=True)
class Item:
    """One request item: its serialized data (JSON text), and ``error`` when it was rejected."""

    data: str
    error: str | None = None


@dataclass(frozen=True)
class BulkUser:
    """Who scheduled a bulk, in Magento's terms (user type 1 integration, 2 admin)."""

    user_type: int
    user_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.user_type == 2


def operation_message(bulk_uuid: str, operation_key: int) -> dict[str, Any]:
    """The body of an operation's message: the consumer reads everything else from the operation row."""
    return {"bulk_uuid": bulk_uuid, "operation_key": operation_key}


def schedule(
    transaction: Transaction,
    topic: str,
    items: Sequence[Item],
    user: BulkUser,
    description: str | None = None,
) -> dict[str, Any]:
    """Store a bulk of ``items`` for ``topic`` and publish its accepted operations; Magento's async response."""
    bulk_uuid = str(uuid.uuid4())
    started = now()
    conn = transaction.conn
    conn.execute(
        bulk_table.insert().values(
            uuid=bulk_uuid,
            user_id=user.user_id,
            user_type=user.user_type,
            description=(description or f"Topic {topic}")[:255],
            operation_count=len(items),
            start_time=started,
            acknowledged=False,
            correlation_id=logs.current(),
        )
    )
    rows: list[tuple[Any, ...]] = []
    answers: list[dict[str, Any]] = []
    envelopes: list[Envelope] = []
    open_, rejected = int(OperationStatus.OPEN), int(OperationStatus.REJECTED)
    for key, item in enumerate(items):
        data_hash = hashlib.sha256(item.data.encode()).hexdigest()
        answer: dict[str, Any] = {"id": key, "data_hash": data_hash, "status": "accepted"}
        if item.error is None:
            rows.append((bulk_uuid, key, topic, item.data, open_, None, None, None))
            envelopes.append(Envelope.of(topic, operation_message(bulk_uuid, key)))
        else:
            rows.append((bulk_uuid, key, topic, item.data, rejected, item.error, 400, started))
            answer["status"], answer["error_message"] = "rejected", item.error
        answers.append(answer)
    _insert_operations(conn, rows)
    if envelopes:
        transaction.publish_envelopes(envelopes)
    return {"bulk_uuid": bulk_uuid, "request_items": answers, "errors": len(envelopes) < len(items)}


_OPERATION_COLUMNS = (
    "bulk_uuid",
    "operation_key",
    "topic_name",
    "serialized_data",
    "status",
    "result_message",
    "error_code",
    "finished_at",
)


def _insert_operations(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """One bulk insert of plain tuples (COPY on PostgreSQL): Core's per-row parameter building would double the cost
    of a big bulk."""
    insert_rows(conn, operation_table, _OPERATION_COLUMNS, rows)

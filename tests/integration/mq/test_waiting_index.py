"""The DB queue's waiting index: ``available_at`` is set exactly on waiting rows, claims go by due time, and on
PostgreSQL an ack writes no index entry (a HOT update)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from conveyor.mq.queue import MessageQueue
from conveyor.mq.schema import Status, status_table
from conveyor.mq.transports.sql import SqlTransport
from tests.integration.mq.conftest import make_mq
from tests.support.transport_contract import drain

S = status_table
WAITING = (int(Status.NEW), int(Status.RETRY_REQUIRED))


def misplaced(mq: MessageQueue) -> list[tuple[int, int, float | None]]:
    """Rows breaking the invariant: available_at is NULL exactly when the row is not waiting."""
    with mq.engine.connect() as conn:
        rows = conn.execute(sa.select(S.c.id, S.c.status, S.c.available_at)).all()
    return [(i, s, a) for i, s, a in rows if (a is not None) != (s in WAITING)]


def test_available_at_marks_exactly_the_waiting_rows_through_every_transition(db_mq: MessageQueue) -> None:
    transport = db_mq.transport_for_queue("orders")
    assert isinstance(transport, SqlTransport)
    db_mq.publish_batch("orders.created", range(8))
    assert misplaced(db_mq) == []
    held = drain(db_mq, "orders", 8)
    assert misplaced(db_mq) == []
    transport.ack(held[0])
    transport.retry(held[1], "ValueError: flaky", delay=0.0)
    transport.retry(held[2], "ValueError: later", delay=3600.0)
    transport.dead_letter(held[3], "PermanentError: bad")
    transport.release(held[4:6])
    assert misplaced(db_mq) == []
    # a worker "dies" holding held[6:], running held[6]: refresh puts them back, that one past its attempts to the
    # dead letters (held[7] was never started: it goes back whatever its count)
    with db_mq.engine.begin() as conn:
        conn.execute(S.update().where(S.c.status == int(Status.IN_PROGRESS)).values(updated_at=time.time() - 600))
        conn.execute(S.update().where(S.c.id.in_([held[6].tag[0], held[7].tag[0]])).values(number_of_trials=5))
    result = transport.refresh(reserved_seconds=60, max_attempts=3)
    assert (result.requeued, result.dead_lettered) == (1, 1)
    assert transport.replay("orders", [held[3].tag[0]]) == 1
    assert misplaced(db_mq) == []
    # due now: the retry without delay, the two released, the refreshed one and the replayed one; not the later retry
    again = transport.reserve("orders", 10, "w2")
    assert sorted(d.envelope.json() for d in again) == [1, 3, 4, 5, 7]
    assert misplaced(db_mq) == []


def test_claims_take_the_earliest_due_rows_first(db_mq: MessageQueue) -> None:
    transport = db_mq.transport_for_queue("orders")
    db_mq.publish_batch("orders.created", range(3))
    first = drain(db_mq, "orders", 1)[0]
    transport.retry(first, "ValueError: flaky", delay=0.0)  # due after messages 1 and 2 were published
    db_mq.publish_batch("orders.created", [3])  # published after the retry became due
    claimed = [[d.envelope.json() for d in transport.reserve("orders", n, "w2")] for n in (2, 1, 1)]
    assert claimed == [[1, 2], [0], [3]]  # the earliest due first (a batch itself comes in publish order)


def test_acks_on_postgresql_are_hot_updates(request: pytest.FixtureRequest) -> None:
    """An ack writes no index entry: status is in no index nor predicate (before, every ack wrote two)."""
    mq = make_mq(request, "postgresql")
    try:
        mq.declare()
        mq.publish_batch("stock.changed", range(400))
        transport = mq.transport_for_queue("stock")
        before = _updates(mq)
        held = drain(mq, "stock", 400)
        for delivery in held:
            transport.ack(delivery)
    finally:
        mq.close()  # the consumer's backend exits and flushes its statistics
    deadline = time.monotonic() + 10
    while (after := _updates(mq))[0] - before[0] < 800 and time.monotonic() < deadline:
        time.sleep(0.1)
    updates, hot = after[0] - before[0], after[1] - before[1]
    assert updates == 800  # 400 claims (they leave the waiting index: never HOT) and 400 acks
    assert hot >= 0.9 * 400, (updates, hot)


def _updates(mq: MessageQueue) -> tuple[int, int]:
    with mq.engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        row = conn.exec_driver_sql(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'queue_message_status'"
        ).one()
    return int(row[0]), int(row[1])

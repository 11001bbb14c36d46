"""The DB queue's waiting index: ``available_at`` is set exactly on waiting rows, and claims go by due time.

(Acks were HOT updates on PostgreSQL until migration 0026 indexed the status for the admin UI's bounded counts:
the trade-off and its measured cost are in ``bench/README.md``'s admin section.)"""

from __future__ import annotations

import time

import sqlalchemy as sa

from conveyor.mq.queue import MessageQueue
from conveyor.mq.schema import Status, status_table
from conveyor.mq.transports.sql import SqlTransport
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

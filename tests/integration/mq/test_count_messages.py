"""``mq.count_messages``, the one count behind the admin UI and ``/metrics``: its figures are the store's, and past
its cap it says "at least" instead of reading every row."""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.mq import count_messages
from conveyor.mq.queue import MessageQueue
from conveyor.mq.schema import Status, queue_table, status_table
from tests.support.transport_contract import drain

STATES = {
    "waiting": Status.NEW,
    "in_progress": Status.IN_PROGRESS,
    "retrying": Status.RETRY_REQUIRED,
    "complete": Status.COMPLETE,
    "dead": Status.ERROR,
}


def _store(mq: MessageQueue) -> dict[tuple[str, int], int]:
    """The exact figures, read the long way: every status row, grouped."""
    with mq.engine.connect() as conn:
        rows = conn.execute(
            sa.select(queue_table.c.name, status_table.c.status, sa.func.count())
            .join(queue_table, queue_table.c.id == status_table.c.queue_id)
            .group_by(queue_table.c.name, status_table.c.status)
        ).all()
    return {(str(name), int(status)): int(count) for name, status, count in rows}


def _spread(mq: MessageQueue) -> None:
    """12 messages to orders and audit; of orders' 12: 3 complete, 2 retrying, 2 dead, 1 in progress, 4 new."""
    mq.publish_batch("orders.created", range(12))
    transport = mq.transport_for_queue("orders")
    held = drain(mq, "orders", 8)
    for delivery in held[:3]:
        transport.ack(delivery)
    for delivery in held[3:5]:
        transport.retry(delivery, "ValueError: try again", 3600)
    for delivery in held[5:7]:
        transport.dead_letter(delivery, "ValueError: poison")


def test_figures_equal_the_stores_counts_per_queue_and_state(db_mq: MessageQueue) -> None:
    _spread(db_mq)
    store = _store(db_mq)
    found = {c.queue: c for c in count_messages(db_mq)}
    assert set(found) == set(db_mq.topology.queues)
    for queue, counts in found.items():
        for state, status in STATES.items():
            assert getattr(counts, state) == store.get((queue, int(status)), 0), (queue, state)
            assert not counts.is_capped(state)
    orders = found["orders"]
    assert (orders.waiting, orders.in_progress, orders.retrying, orders.complete, orders.dead) == (4, 1, 2, 3, 2)
    assert found["audit"].waiting == 12
    assert orders.oldest_waiting_age is not None and orders.oldest_waiting_age >= 0


def test_counting_stops_at_the_cap_and_says_so(db_mq: MessageQueue) -> None:
    _spread(db_mq)
    [orders, audit] = count_messages(db_mq, ["orders", "audit"], cap=3)
    assert (orders.waiting, orders.complete, orders.retrying, orders.dead) == (3, 3, 2, 2)
    assert orders.is_capped("waiting") and orders.is_capped("complete")
    assert not orders.is_capped("retrying") and not orders.is_capped("dead")
    assert audit.waiting == 3 and audit.is_capped("waiting")

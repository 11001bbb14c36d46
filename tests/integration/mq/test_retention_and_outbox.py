"""Clean-up of complete messages after retention, and the AMQP outbox catching up after a crash."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from conveyor.mq import outbox
from conveyor.mq.queue import MessageQueue
from conveyor.mq.schema import message_table, queue_table, status_table
from tests.integration.mq.conftest import make_mq
from tests.support.transport_contract import drain


def test_clean_deletes_only_complete_messages_past_retention(db_mq: MessageQueue) -> None:
    db_mq.publish_batch("orders.created", range(4))  # to orders and audit
    transport = db_mq.transport_for_queue("orders")
    done = drain(db_mq, "orders", 2)
    for delivery in done:
        transport.ack(delivery)
    assert transport.clean(retention_seconds=3600) == 0  # too recent
    with db_mq.engine.begin() as conn:
        conn.execute(status_table.update().values(updated_at=time.time() - 7200))
    assert transport.clean(retention_seconds=3600) == 2
    assert transport.counts("orders").complete == 0
    assert transport.counts("orders").waiting == 2
    with db_mq.engine.connect() as conn:
        # the two messages are still waiting in audit, so no message row went away
        assert conn.execute(sa.select(sa.func.count()).select_from(message_table)).scalar_one() == 4
    for queue, waiting in (("orders", 2), ("audit", 4)):
        for delivery in drain(db_mq, queue, waiting):
            db_mq.transport_for_queue(queue).ack(delivery)
    with db_mq.engine.begin() as conn:
        conn.execute(status_table.update().values(updated_at=time.time() - 7200))
        conn.execute(message_table.update().values(created_at=time.time() - 7200))
    transport.clean(retention_seconds=3600)
    with db_mq.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(message_table)).scalar_one() == 0


def dangling(mq: MessageQueue) -> dict[str, int]:
    """Status rows naming a message or queue that is not there, and message rows no status row names."""
    s, m, q = status_table, message_table, queue_table
    with mq.engine.connect() as conn:
        count = sa.select(sa.func.count())
        return {
            "status without message": conn.execute(
                count.select_from(s).where(~sa.exists().where(m.c.id == s.c.message_id))
            ).scalar_one(),
            "status without queue": conn.execute(
                count.select_from(s).where(~sa.exists().where(q.c.id == s.c.queue_id))
            ).scalar_one(),
            "message without status": conn.execute(
                count.select_from(m).where(~sa.exists().where(s.c.message_id == m.c.id))
            ).scalar_one(),
        }


def test_every_status_row_names_an_existing_message_and_queue_through_publish_purge_and_clean(
    db_mq: MessageQueue,
) -> None:
    """The status table has no foreign keys (migration 0011): the statements keep the references by construction."""
    none = {"status without message": 0, "status without queue": 0, "message without status": 0}
    db_mq.publish_batch("orders.created", range(6))  # fan-out: orders and audit
    db_mq.publish_batch("stock.source.changed", range(3))  # stock only
    db_mq.publish_batch("orders.created", [{"n": n} for n in range(4)])
    assert dangling(db_mq) == none
    orders, audit = db_mq.transport_for_queue("orders"), db_mq.transport_for_queue("audit")
    for delivery in drain(db_mq, "orders", 10):
        orders.ack(delivery)
    assert audit.purge("audit") == 10  # the audit copies go; the messages stay, orders still names them
    assert dangling(db_mq) == none
    with db_mq.engine.begin() as conn:
        conn.execute(status_table.update().values(updated_at=time.time() - 7200))
        conn.execute(message_table.update().values(created_at=time.time() - 7200))
    assert orders.clean(retention_seconds=3600) == 10
    assert dangling(db_mq) == none
    with db_mq.engine.connect() as conn:  # only the three stock messages, still waiting, are left
        assert conn.execute(sa.select(sa.func.count()).select_from(message_table)).scalar_one() == 3
    assert orders.counts("stock").waiting == 3


def test_outbox_rows_left_by_a_crash_are_relayed_later(request: pytest.FixtureRequest) -> None:
    mq = make_mq(request, "amqp")
    mq.declare()
    with mq.engine.begin() as conn:  # committed, but the process "died" before relaying
        mq.publish("orders.created", {"n": 1}, conn=conn)
        mq.publish("orders.created", {"n": 2}, conn=conn)
    assert outbox.pending(mq.engine) == 2
    assert drain(mq, "orders", 1, timeout=0.5) == []
    assert mq.relay_outbox() == 2
    assert outbox.pending(mq.engine) == 0
    assert [d.envelope.json() for d in drain(mq, "orders", 2)] == [{"n": 1}, {"n": 2}]
    mq.close()

"""Clean-up of complete messages after retention, and the AMQP outbox catching up after a crash."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from conveyor.mq import outbox
from conveyor.mq.queue import MessageQueue
from conveyor.mq.schema import message_table, status_table
from tests.mq.conftest import make_mq
from tests.mq.test_transport_contract import drain


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

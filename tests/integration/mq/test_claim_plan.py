"""Claims read the partial index of waiting rows (SQLite, PostgreSQL): acking then touches no index.

Fails if the index is not there, not partial, or not usable by the claim statement as written.
"""

from __future__ import annotations

import pytest

from conveyor.mq.queue import MessageQueue
from conveyor.mq.transports.sql import SqlTransport
from tests.integration.mq.conftest import make_mq


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_claim_uses_the_partial_index(request: pytest.FixtureRequest, backend: str) -> None:
    mq: MessageQueue = make_mq(request, backend)
    try:
        mq.declare()
        transport = mq.transport_for_queue("orders")
        assert isinstance(transport, SqlTransport)
        mq.publish_batch("orders.created", [{"n": i} for i in range(50)])
        assert len(transport.reserve("orders", 10, "w1")) == 10  # the statement works as run
        assert transport.claim_statement is not None
        statement, parameters = transport.claim_statement.bind(
            {"qid": transport.queue_id("orders"), "limit": 10, "worker": "w2", "t": 0.0}
        )
        with transport.consume_engine.connect() as conn:
            if backend == "sqlite":
                plan = " ".join(
                    str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                )
            else:
                # statistics of this table's current rows, not whatever an earlier test left in the shared database
                conn.exec_driver_sql("ANALYZE queue_message_status")
                conn.exec_driver_sql("SET enable_seqscan = off")
                # on 50 rows the planner may as well pick the counts' (queue, status) index, which a claim can use
                # too: without it (dropped in this transaction only), the waiting index must serve the claim
                conn.exec_driver_sql("DROP INDEX ix_queue_message_status_state")
                plan = " ".join(str(row[0]) for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
                conn.rollback()
        assert "ix_queue_message_status_waiting" in plan, plan
    finally:
        mq.close()

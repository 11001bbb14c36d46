"""PostgreSQL consumers send their acks without waiting for each answer (``sql_consumer``): each ack still commits
on its own, a claim sees them, and a connection lost with acks in flight loses no message."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.envelope import Envelope
from conveyor.mq.middleware import StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from conveyor.mq.transports.sql_consumer import pipelines_supported
from tests.integration.mq.conftest import make_mq


def test_the_installed_psycopg_can_pipeline_settles() -> None:
    """The fallback is one round trip per ack (about half the consume rate): an upgrade that takes it away must
    be seen here, not in a benchmark."""
    assert pipelines_supported()


@pytest.fixture
def pg_mq(request: pytest.FixtureRequest) -> MessageQueue:
    queue = make_mq(request, "postgresql")
    request.addfinalizer(queue.close)
    return queue


def _statuses(mq: MessageQueue) -> dict[int, int]:
    with mq.engine.connect() as conn:  # another connection than the consumer's
        rows = conn.exec_driver_sql("SELECT status, COUNT(*) FROM queue_message_status GROUP BY status")
        return {int(status): int(count) for status, count in rows}


def test_acks_not_waited_for_are_committed_each_on_its_own(pg_mq: MessageQueue) -> None:
    pg_mq.publish_batch("stock.changed", range(30))
    transport = pg_mq.transport_for_queue("stock")
    deliveries = transport.reserve("stock", 30, "w1")
    assert len(deliveries) == 30
    for delivery in deliveries[:20]:
        transport.ack(delivery)
    # the next claim on the same connection reads the answers first, and sees the acks
    assert transport.reserve("stock", 30, "w1") == []
    assert _statuses(pg_mq) == {4: 20, 3: 10}
    for delivery in deliveries[20:]:
        transport.ack(delivery)
    transport.flush()
    assert _statuses(pg_mq) == {4: 30}
    transport.flush()  # nothing in flight: a no-op


def test_a_retry_after_pipelined_acks_keeps_their_order(pg_mq: MessageQueue) -> None:
    """A settle that waits (retry, dead letter, release) first reads the answers of the acks before it."""
    pg_mq.publish_batch("stock.changed", range(3))
    transport = pg_mq.transport_for_queue("stock")
    first, second, third = transport.reserve("stock", 3, "w1")
    transport.ack(first)
    transport.retry(second, "boom", 60.0)
    transport.ack(third)
    transport.release([second])  # no longer ours: the retry settled it
    transport.flush()
    assert _statuses(pg_mq) == {4: 2, 5: 1}


def test_a_connection_killed_with_acks_in_flight_loses_nothing(pg_mq: MessageQueue) -> None:
    """Every other connection of the database is terminated while a batch's acks are on their way: the batch end
    raises, the worker gives back what the store still has as its own, and every message ends complete, handled
    at least once, with no attempt counted for the cut."""
    pg_mq.publish_batch("stock.changed", range(40))
    seen: list[int] = []

    def cut_at_the_25th(envelope: Envelope) -> None:
        seen.append(envelope.json())
        if len(seen) == 25:
            with pg_mq.engine.connect() as conn:
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

    options = ConsumerOptions(batch_size=40, sleep=0.05, max_attempts=3, retry_delay=0.0)
    worker = Worker(pg_mq, {"stock": cut_at_the_25th}, options, [StopWhenEmpty()])
    assert worker.run() == 0
    assert _statuses(pg_mq) == {4: 40}
    assert sorted(set(seen)) == list(range(40))
    assert len(seen) - 40 <= 40 - 24  # only messages after the last answered ack can come twice
    with pg_mq.engine.connect() as conn:
        grouped = conn.exec_driver_sql("SELECT number_of_trials, COUNT(*) FROM queue_message_status GROUP BY 1")
        trials = {int(count_of): int(rows) for count_of, rows in grouped}
    assert trials == {1: 40}, trials


def test_acks_a_killed_connection_left_unanswered_are_sent_again_before_anything_else(pg_mq: MessageQueue) -> None:
    """A database restart takes a batch's acks with it: they are sent again on the next connection, before its
    claim, so the handled messages end complete and are not given back to be handled twice."""
    pg_mq.publish_batch("stock.changed", range(30))
    transport = pg_mq.transport_for_queue("stock")
    deliveries = transport.reserve("stock", 30, "w1")
    with pg_mq.engine.connect() as locker, pg_mq.engine.connect() as killer:
        locker.exec_driver_sql("SELECT id FROM queue_message_status FOR UPDATE")  # the acks wait on these rows
        for delivery in deliveries[:20]:
            transport.ack(delivery)
        blocked = _wait_for_a_blocked_backend(killer)
        killer.exec_driver_sql("SELECT pg_terminate_backend(%s)", (blocked,))
        locker.rollback()
    with pytest.raises(sa.exc.OperationalError):
        transport.flush()
    assert _statuses(pg_mq) == {3: 30}  # the acks died with their connection
    assert transport.reserve("stock", 30, "w1") == []  # the next connection sends them again first
    assert _statuses(pg_mq) == {4: 20, 3: 10}
    transport.release(deliveries)  # what the worker gives back after the cut: the acked ones stay complete
    assert _statuses(pg_mq) == {4: 20, 2: 10}


def _wait_for_a_blocked_backend(conn: sa.Connection) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pid = conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).scalar()
        conn.rollback()
        if pid is not None:
            return int(pid)
        time.sleep(0.02)
    raise AssertionError("no ack ever waited on the locked rows")

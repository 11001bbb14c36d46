"""What the memory transport adds to the contract suite: whose state it is, commit hooks, refresh, waiting.

The contract itself (routing, retries, dead letters, purge, counts, transactions) runs in
``test_transport_contract.py`` with the ``memory`` backend.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import sqlalchemy as sa

from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.envelope import Envelope
from conveyor.mq.middleware import StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from conveyor.mq.transports.base import Transport, transport_for_url
from conveyor.mq.transports.memory import MemoryTransport
from conveyor.settings import Settings
from tests.support.topologies import fanout_topology


def memory_queue(database_url: str, amqp_url: str, connection: str = "db") -> MessageQueue:
    settings = Settings(database_url=database_url, amqp_url=amqp_url)
    return MessageQueue(fanout_topology(connection), settings, database_url=database_url, amqp_url=amqp_url)


def payloads(transport: Transport, queue: str) -> list[object]:
    return [d.envelope.json() for d in transport.reserve(queue, 100, "checker")]


def test_the_memory_scheme_is_a_registered_transport_that_conforms() -> None:
    transport = transport_for_url("memory://unit", connection="amqp")
    assert isinstance(transport, MemoryTransport) and isinstance(transport, Transport)
    assert transport.connection == "amqp" and transport.broker.name == "unit"


def test_state_belongs_to_the_message_queue_not_to_the_url() -> None:
    first, second = memory_queue("memory://same", "amqp://unused"), memory_queue("memory://same", "amqp://unused")
    first.publish("orders.created", 1)
    assert payloads(second.transport_for_queue("orders"), "orders") == []
    assert payloads(first.transport_for_queue("orders"), "orders") == [1]


def test_both_connections_on_one_url_share_one_broker() -> None:
    mq = memory_queue("memory://both", "memory://both", connection="amqp")
    db, amqp = mq.transport("db"), mq.transport("amqp")
    assert isinstance(db, MemoryTransport) and isinstance(amqp, MemoryTransport)
    assert db.broker is amqp.broker and (db.connection, amqp.connection) == ("db", "amqp")
    mq.publish("orders.created", 1)  # routed by the amqp exchange of the topology
    assert payloads(db, "orders") == [1]


def test_publishing_in_a_transaction_waits_for_the_commit_and_a_savepoint_rollback_drops_its_part(
    tmp_path: Path,
) -> None:
    mq = memory_queue(f"sqlite:///{tmp_path}/tx.db", "memory://tx", connection="amqp")
    transport = mq.transport_for_queue("orders")
    with mq.transaction() as tx:
        tx.publish("orders.created", "before")
        with tx.conn.begin_nested() as savepoint:
            tx.publish("orders.created", "rolled back")
            savepoint.rollback()
        with tx.conn.begin_nested():
            tx.publish("orders.created", "released")
        assert payloads(transport, "orders") == []  # nothing before the commit
    assert payloads(transport, "orders") == ["before", "released"]
    with mq.engine.begin() as conn:  # the same pooled connection, later: the hooks start afresh
        mq.publish("orders.created", "second", conn=conn)
        conn.execute(sa.text("SELECT 1"))
    mq.publish("orders.created", "outside")  # no transaction: at once
    assert payloads(transport, "orders") == ["second", "outside"]
    mq.close()


def test_a_savepoint_opened_before_the_first_publish_discards_all_on_rollback(tmp_path: Path) -> None:
    mq = memory_queue(f"sqlite:///{tmp_path}/tx.db", "memory://tx", connection="amqp")
    with mq.engine.begin() as conn:
        with conn.begin_nested() as savepoint:  # the transport starts listening inside it
            mq.publish("orders.created", "inside", conn=conn)
            savepoint.rollback()
        mq.publish("orders.created", "after", conn=conn)
    assert payloads(mq.transport_for_queue("orders"), "orders") == ["after"]
    mq.close()


def test_refresh_requeues_expired_reservations_and_dead_letters_exhausted_ones(memory_mq: MessageQueue) -> None:
    memory_mq.publish_batch("stock.changed", [1, 2])
    transport = memory_mq.transport_for_queue("stock")
    first, second = transport.reserve("stock", 2, "dead-worker")
    transport.ack(first)
    transport.retry(second, "flaky", delay=0)
    (second,) = transport.reserve("stock", 1, "dead-worker")  # second attempt, held, running when it died
    result = transport.refresh(reserved_seconds=0, max_attempts=2)
    assert (result.requeued, result.dead_lettered) == (0, 1)
    (letter,) = transport.dead_letters("stock")
    assert letter.error is not None and "dead-worker expired after 2 attempt(s)" in letter.error
    transport.ack(second)  # the expired reservation's settle changes nothing
    assert transport.counts("stock").complete == 1


def test_clean_drops_complete_messages_past_retention(memory_mq: MessageQueue) -> None:
    memory_mq.publish_batch("stock.changed", range(3))
    transport = memory_mq.transport_for_queue("stock")
    for delivery in transport.reserve("stock", 3, "w"):
        transport.ack(delivery)
    assert transport.clean(retention_seconds=3600) == 0
    time.sleep(0.01)
    assert transport.clean(retention_seconds=0.005) == 3
    assert transport.counts("stock").complete == 0


def test_a_waiting_reserve_wakes_up_when_another_thread_publishes(memory_mq: MessageQueue) -> None:
    transport = memory_mq.transport_for_queue("stock")
    timer = threading.Timer(0.1, memory_mq.publish, ("stock.changed", "late"))
    started = time.monotonic()
    timer.start()
    got = transport.reserve("stock", 10, "w", wait=5.0)
    assert [d.envelope.json() for d in got] == ["late"] and time.monotonic() - started < 2


def test_deliveries_are_fresh_envelopes_decoded_from_what_was_published(memory_mq: MessageQueue) -> None:
    memory_mq.publish_envelopes([Envelope.of("orders.created", {"n": 1}, tags=("a", "b"))])
    orders, audit = (memory_mq.transport_for_queue(q).reserve(q, 1, "w")[0] for q in ("orders", "audit"))
    assert orders.envelope.properties == {"tags": ["a", "b"]}  # through JSON, as on every real transport
    orders.envelope.properties["tags"].append("mutated")
    assert audit.envelope.properties == {"tags": ["a", "b"]}


def test_a_worker_consumes_from_memory_without_a_database(memory_mq: MessageQueue) -> None:
    memory_mq.publish_batch("stock.changed", range(20))
    seen: list[int] = []
    options = ConsumerOptions(batch_size=7, sleep=0.01, retry_delay=0.0)
    worker = Worker(memory_mq, {"stock": lambda e: seen.append(e.json())}, options, [StopWhenEmpty()])
    assert worker.run() == 0
    assert seen == list(range(20)) and memory_mq.transport_for_queue("stock").counts("stock").complete == 20

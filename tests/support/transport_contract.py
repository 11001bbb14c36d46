"""One contract every transport meets: a class of tests that each transport's test module subclasses with an ``mq``
fixture on that transport (``tests/unit/mq/test_memory_contract.py``,
``tests/integration/mq/test_transport_contract.py``).

Kombu's way: the contract is written once; a new transport passes it before it is used."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.queue import MessageQueue
from conveyor.mq.transports.base import UnroutableError


def drain(mq: MessageQueue, queue: str, expected: int, worker: str = "w1", timeout: float = 10.0) -> list[Delivery]:
    """Reserve until ``expected`` deliveries arrived (brokers deliver asynchronously)."""
    transport = mq.transport_for_queue(queue)
    got: list[Delivery] = []
    deadline = time.monotonic() + timeout
    while len(got) < expected and time.monotonic() < deadline:
        got += transport.reserve(queue, expected - len(got), worker, wait=0.2)
    return got


class TransportContract:
    """What every transport does, whatever stores its messages; ``mq`` is the fan-out topology on it."""

    def test_publish_reserve_ack_fans_out_to_every_bound_queue(self, mq: MessageQueue) -> None:
        sent = [mq.publish("orders.created", {"n": n}) for n in range(5)]
        for queue in ("orders", "audit"):
            deliveries = drain(mq, queue, 5)
            assert [d.envelope.json() for d in deliveries] == [{"n": n} for n in range(5)]
            assert [d.envelope.message_id for d in deliveries] == [e.message_id for e in sent]
            assert all(d.attempts == 1 and d.envelope.topic == "orders.created" for d in deliveries)
            for d in deliveries:
                mq.transport_for_queue(queue).ack(d)
            assert drain(mq, queue, 1, timeout=0.5) == []
        assert drain(mq, "stock", 1, timeout=0.3) == []

    def test_hash_wildcard_routes_zero_or_more_words(self, mq: MessageQueue) -> None:
        mq.publish("stock.changed", 1)
        mq.publish("stock.source.changed", 2)
        assert sorted(d.envelope.json() for d in drain(mq, "stock", 2)) == [1, 2]

    def test_batch_publish_keeps_order_and_properties(self, mq: MessageQueue) -> None:
        envelopes = [Envelope.of("orders.paid", {"i": i}, correlation_id=f"c{i}") for i in range(300)]
        mq.publish_envelopes(envelopes)
        deliveries = drain(mq, "orders", 300)
        assert [d.envelope.json()["i"] for d in deliveries] == list(range(300))
        assert deliveries[7].envelope.properties["correlation_id"] == "c7"

    def test_unroutable_topic_is_refused_not_dropped(self, mq: MessageQueue) -> None:
        with pytest.raises(UnroutableError, match=r"nowhere\.x"):
            mq.publish("nowhere.x", {})

    def test_retry_redelivers_after_the_delay_with_attempts_and_error(self, mq: MessageQueue) -> None:
        mq.publish("stock.changed", {"id": 1})
        transport = mq.transport_for_queue("stock")
        (first,) = drain(mq, "stock", 1)
        transport.retry(first, "ValueError: flaky", delay=1.0)
        assert transport.reserve("stock", 10, "w1") == []  # not before the delay
        (second,) = drain(mq, "stock", 1, timeout=10)
        assert second.attempts == 2
        assert second.envelope.message_id == first.envelope.message_id
        assert second.last_error is not None and "flaky" in second.last_error
        transport.ack(second)

    def test_dead_letters_keep_the_error_and_can_be_replayed(self, mq: MessageQueue) -> None:
        mq.publish("poison.pill", {"bad": True})
        transport = mq.transport_for_queue("poison")
        (delivery,) = drain(mq, "poison", 1)
        transport.dead_letter(delivery, "KeyError: 'sku'")
        letters = transport.dead_letters("poison")
        assert len(letters) == 1 and letters[0].error is not None and "sku" in letters[0].error
        assert letters[0].envelope.json() == {"bad": True}
        assert transport.counts("poison").dead == 1
        assert transport.replay("poison") == 1
        (again,) = drain(mq, "poison", 1)
        assert again.envelope.message_id == delivery.envelope.message_id and again.attempts == 1
        transport.ack(again)
        assert transport.counts("poison").dead == 0

    def test_release_gives_back_without_counting_an_attempt(self, mq: MessageQueue) -> None:
        mq.publish_batch("stock.changed", [1, 2, 3])
        transport = mq.transport_for_queue("stock")
        taken = drain(mq, "stock", 3)
        transport.release(taken)
        again = drain(mq, "stock", 3)
        assert sorted(d.envelope.json() for d in again) == [1, 2, 3]
        assert all(d.attempts == 1 for d in again)

    def test_purge_and_counts(self, mq: MessageQueue) -> None:
        mq.publish_batch("stock.changed", range(4))
        transport = mq.transport_for_queue("stock")
        deadline = time.monotonic() + 5
        while transport.counts("stock").waiting < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert transport.counts("stock").waiting == 4
        assert transport.purge("stock") == 4
        assert transport.counts("stock").waiting == 0
        assert drain(mq, "stock", 1, timeout=0.3) == []

    def test_a_rolled_back_transaction_publishes_nothing(self, mq: MessageQueue) -> None:
        with pytest.raises(RuntimeError), mq.transaction() as tx:
            tx.publish("orders.created", {"n": "rolled back"})
            raise RuntimeError("abort")
        with mq.transaction() as tx:
            tx.conn.execute(sa.text("SELECT 1"))
            tx.publish("orders.created", {"n": "committed"})
        assert [d.envelope.json() for d in drain(mq, "orders", 2, timeout=2)] == [{"n": "committed"}]

    def test_unroutable_in_a_transaction_fails_the_transaction(self, mq: MessageQueue) -> None:
        with pytest.raises(UnroutableError), mq.transaction() as tx:
            tx.publish("orders.created", {"n": 1})
            tx.publish("nowhere.x", {})
        assert drain(mq, "orders", 1, timeout=0.5) == []

    def test_a_mixed_batch_routes_each_message_to_its_own_queues(self, mq: MessageQueue) -> None:
        topics = ["orders.created", "stock.changed", "orders.paid", "stock.source.changed", "orders.created"]
        mq.publish_envelopes([Envelope.of(topic, i) for i, topic in enumerate(topics)])
        assert [d.envelope.json() for d in drain(mq, "orders", 3)] == [0, 2, 4]
        assert [d.envelope.json() for d in drain(mq, "audit", 3)] == [0, 2, 4]
        assert [d.envelope.json() for d in drain(mq, "stock", 2)] == [1, 3]
        assert drain(mq, "poison", 1, timeout=0.3) == []

"""The AMQP transport against a real RabbitMQ: one fresh vhost per test (``amqp_url``).

The contract every transport meets is in ``test_transport_contract.py``; this file covers what is
particular to the broker: the retry and dead-letter queues, prefetch, attempts counted across broker
redeliveries, and surviving dropped connections and a broker restart without losing a message.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import unquote

import pika
import pytest
import sqlalchemy as sa

from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.topology import Binding, Exchange, Queue, Topology
from conveyor.mq.transports.amqp import AmqpTransport
from conveyor.mq.transports.base import Transport, UnroutableError
from tests.conftest import need_restarts

EXCHANGE = "conveyor"
Make = Callable[..., AmqpTransport]  # make(prefetch=…, reconnect_timeout=…)


def topology() -> Topology:
    """``orders.*`` → orders and audit, ``stock.#`` → stock, ``work.#`` → work."""
    bindings = (
        Binding(id="orders", topic="orders.*", destination="orders"),
        Binding(id="audit", topic="orders.*", destination="audit"),
        Binding(id="stock", topic="stock.#", destination="stock"),
        Binding(id="work", topic="work.#", destination="work"),
    )
    return Topology(
        exchanges={("amqp", EXCHANGE): Exchange(name=EXCHANGE, connection="amqp", bindings=bindings)},
        queues={n: Queue(name=n, connection="amqp") for n in ("orders", "audit", "stock", "work")},
    ).validate()


def vhost_of(url: str) -> str:
    return unquote(url.rsplit("/", 1)[1])


def need_rabbitmqctl() -> None:
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not available")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture
def make(amqp_url: str) -> Iterator[Make]:
    """Build declared transports on the test's vhost; all closed at the end."""
    made: list[AmqpTransport] = []

    def factory(prefetch: int = 50, reconnect_timeout: float = 30.0) -> AmqpTransport:
        transport = AmqpTransport(amqp_url, prefetch=prefetch, reconnect_timeout=reconnect_timeout)
        transport.declare(topology())
        made.append(transport)
        return transport

    yield factory
    for transport in made:
        transport.close()


@pytest.fixture
def amqp(make: Make) -> AmqpTransport:
    return make()


def drain(
    transport: AmqpTransport,
    queue: str,
    expected: int,
    *,
    limit: int = 100,
    timeout: float = 10.0,
    ack: bool = False,
) -> list[Delivery]:
    """Reserve until ``expected`` deliveries arrived or ``timeout``; acking them as they come if ``ack``."""
    got: list[Delivery] = []
    deadline = time.monotonic() + timeout
    while len(got) < expected and time.monotonic() < deadline:
        batch = transport.reserve(queue, min(limit, expected - len(got)), "w1", wait=0.2)
        if ack:
            for delivery in batch:
                transport.ack(delivery)
        got += batch
    return got


def drain_ids(transport: AmqpTransport, queue: str, ids: set[str], timeout: float = 20.0) -> set[str]:
    """Reserve and ack until every id in ``ids`` was seen (duplicates welcome) or ``timeout``."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while not ids <= seen and time.monotonic() < deadline:
        for delivery in transport.reserve(queue, 500, "w1", wait=0.2):
            transport.ack(delivery)
            seen.add(delivery.envelope.message_id)
    return seen


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def publish(transport: AmqpTransport, topic: str, count: int, **properties: object) -> list[Envelope]:
    envelopes = [Envelope.of(topic, {"n": n}, **properties) for n in range(count)]
    transport.publish(EXCHANGE, envelopes)
    return envelopes


# --- the basics ----------------------------------------------------------------------------------------
def test_conforms_to_the_transport_protocol(amqp: AmqpTransport) -> None:
    assert isinstance(amqp, Transport)
    assert (amqp.connection, amqp.transactional, amqp.pushes) == ("amqp", False, True)


def test_publish_reserve_ack(amqp: AmqpTransport) -> None:
    sent = publish(amqp, "work.created", 3, correlation_id="c-1", retries=2, flag=True)
    got = drain(amqp, "work", 3)
    assert [d.envelope.json() for d in got] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [d.envelope.message_id for d in got] == [e.message_id for e in sent]
    first = got[0]
    assert first.envelope.topic == "work.created"
    assert first.envelope.properties == {"correlation_id": "c-1", "retries": 2, "flag": True}
    assert (first.attempts, first.last_error, first.queue) == (1, None, "work")
    assert amqp.counts("work").in_progress == 3
    for delivery in got:
        amqp.ack(delivery)
    counts = amqp.counts("work")
    assert (counts.waiting, counts.in_progress, counts.retrying, counts.dead) == (0, 0, 0, 0)
    assert amqp.reserve("work", 10, "w1", wait=0.2) == []


def test_messages_are_persistent(amqp: AmqpTransport, amqp_url: str) -> None:
    publish(amqp, "work.x", 1)
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        method, properties, _body = conn.channel().basic_get("work", auto_ack=False)
    assert method is not None and properties.delivery_mode == 2
    # a fresh message carries no attempts header (absent reads as 0): nothing to encode per message
    assert "x-conveyor-attempts" not in (properties.headers or {})


def test_wildcards_route_like_the_topology(amqp: AmqpTransport) -> None:
    publish(amqp, "orders.paid", 1)
    publish(amqp, "stock", 1)
    publish(amqp, "stock.source.changed", 1)
    assert [d.envelope.topic for d in drain(amqp, "orders", 1)] == ["orders.paid"]
    assert [d.envelope.topic for d in drain(amqp, "audit", 1)] == ["orders.paid"]
    assert sorted(d.envelope.topic for d in drain(amqp, "stock", 2)) == ["stock", "stock.source.changed"]
    with pytest.raises(UnroutableError, match=r"orders\.paid\.late"):
        publish(amqp, "orders.paid.late", 1)  # * is exactly one word


def test_unroutable_is_refused_by_the_topology_and_by_the_broker(amqp: AmqpTransport) -> None:
    with pytest.raises(UnroutableError, match="nowhere"):
        publish(amqp, "nowhere.x", 1)
    # an exchange the topology does not know: the broker returns the mandatory message
    with pytest.raises(UnroutableError, match=r"amq\.topic"):
        amqp.publish("amq.topic", [Envelope.of("nowhere.x", {})])
    # a missing exchange closes the channel (404): reported as unroutable, and publishing recovers
    with pytest.raises(UnroutableError, match="missing"):
        amqp.publish("missing", [Envelope.of("work.x", {})])
    publish(amqp, "work.ok", 1)
    assert [d.envelope.topic for d in drain(amqp, "work", 1)] == ["work.ok"]


def test_publishing_inside_a_db_transaction_is_refused(amqp: AmqpTransport) -> None:
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(TypeError, match="outbox"):
        amqp.publish(EXCHANGE, [Envelope.of("work.x", {})], conn=conn)


# --- retries, dead letters, release ----------------------------------------------------------------------
def test_retry_comes_back_after_the_delay_with_attempts_and_error(amqp: AmqpTransport) -> None:
    (sent,) = publish(amqp, "work.flaky", 1, tenant="t1")
    (first,) = drain(amqp, "work", 1)
    amqp.retry(first, "ValueError: flaky", delay=0.5)
    assert amqp.reserve("work", 10, "w1") == []
    assert amqp.counts("work").retrying == 1
    started = time.monotonic()
    (second,) = drain(amqp, "work", 1, timeout=5)
    assert time.monotonic() - started > 0.2
    assert second.attempts == 2 and second.last_error == "ValueError: flaky"
    assert second.envelope.message_id == sent.message_id
    assert second.envelope.topic == "work.flaky" and second.envelope.properties == {"tenant": "t1"}
    amqp.retry(second, "ValueError: again", delay=0.0)
    (third,) = drain(amqp, "work", 1, timeout=5)
    assert third.attempts == 3 and third.last_error == "ValueError: again"
    amqp.ack(third)
    assert amqp.counts("work").retrying == 0


def test_dead_letters_are_listed_with_their_error_and_replayed(amqp: AmqpTransport) -> None:
    sent = publish(amqp, "work.poison", 3)
    got = drain(amqp, "work", 3)
    for delivery in got[:2]:
        amqp.dead_letter(delivery, f"KeyError: {delivery.envelope.json()['n']}")
    amqp.ack(got[2])
    letters = amqp.dead_letters("work")
    assert [letter.id for letter in letters] == [e.message_id for e in sent[:2]]
    assert [letter.error for letter in letters] == ["KeyError: 0", "KeyError: 1"]
    assert letters[0].attempts == 1 and letters[0].envelope.topic == "work.poison"
    assert letters[0].envelope.json() == {"n": 0}
    assert len(amqp.dead_letters("work")) == 2  # listing consumed nothing
    assert len(amqp.dead_letters("work", limit=1)) == 1
    assert amqp.counts("work").dead == 2

    assert amqp.replay("work", ids=[sent[1].message_id]) == 1
    (again,) = drain(amqp, "work", 1)
    assert again.envelope.message_id == sent[1].message_id
    assert (again.attempts, again.last_error) == (1, None)
    amqp.ack(again)
    assert [letter.id for letter in amqp.dead_letters("work")] == [sent[0].message_id]
    assert amqp.replay("work") == 1
    assert [d.envelope.message_id for d in drain(amqp, "work", 1, ack=True)] == [sent[0].message_id]
    assert amqp.counts("work").dead == 0
    assert amqp.replay("work") == 0


def test_release_gives_back_without_counting_an_attempt(amqp: AmqpTransport) -> None:
    publish(amqp, "work.x", 3)
    taken = drain(amqp, "work", 3)
    amqp.release(taken)
    again = drain(amqp, "work", 3)
    assert sorted(d.envelope.json()["n"] for d in again) == [0, 1, 2]
    assert all(d.attempts == 1 and d.envelope.topic == "work.x" for d in again)
    for delivery in again:
        amqp.ack(delivery)
    amqp.ack(taken[0])  # settled already: a no-op
    assert amqp.counts("work").in_progress == 0


def test_prefetch_bounds_what_a_consumer_holds(make: Make) -> None:
    amqp = make(prefetch=5)
    publish(amqp, "work.x", 20)
    first = amqp.reserve("work", 100, "w1", wait=0.5)
    time.sleep(0.2)
    first += amqp.reserve("work", 100, "w1", wait=0.0)
    assert len(first) == 5
    wait_for(lambda: amqp.counts("work").waiting == 15)
    assert (amqp.counts("work").waiting, amqp.counts("work").in_progress) == (15, 5)
    for delivery in first:
        amqp.ack(delivery)
    assert len(drain(amqp, "work", 5, limit=100)) == 5


def test_limit_leaves_the_rest_buffered(amqp: AmqpTransport) -> None:
    publish(amqp, "work.x", 10)
    wait_for(lambda: amqp.counts("work").waiting == 10)
    first = drain(amqp, "work", 4, limit=4)
    assert len(first) == 4
    rest = drain(amqp, "work", 6)
    assert [d.envelope.json()["n"] for d in first + rest] == list(range(10))


def test_purge_counts_and_deletes_waiting_and_retrying(amqp: AmqpTransport) -> None:
    publish(amqp, "stock.x", 4)
    publish(amqp, "work.x", 2)
    (delivery, _other) = drain(amqp, "work", 2)
    amqp.retry(delivery, "later", delay=30)
    wait_for(lambda: amqp.counts("stock").waiting == 4)
    assert amqp.purge("stock") == 4
    assert amqp.purge("work") == 1  # the one waiting in work.retry
    assert amqp.counts("stock").waiting == 0 and amqp.counts("work").retrying == 0
    assert amqp.reserve("stock", 10, "w1", wait=0.2) == []


def test_counts_of_an_unknown_queue_are_zero(amqp: AmqpTransport) -> None:
    assert amqp.counts("nope").waiting == 0
    publish(amqp, "work.x", 1)  # the 404s closed only throwaway channels
    wait_for(lambda: amqp.counts("work").waiting == 1)
    assert amqp.counts("work").waiting == 1


def test_refresh_and_clean_leave_it_to_the_broker(amqp: AmqpTransport) -> None:
    result = amqp.refresh(60, 3)
    assert (result.requeued, result.dead_lettered) == (0, 0) and "requeues" in result.details[0]
    assert amqp.clean(3600) == 0


# --- attempts across broker redeliveries --------------------------------------------------------------
def test_a_consumer_that_dies_holding_a_message_costs_it_an_attempt(make: Make) -> None:
    producer = make()
    (sent,) = publish(producer, "work.crash", 1)
    for expected in (1, 2, 3):  # each death counts, not just the first redelivery
        worker = make()
        (delivery,) = drain(worker, "work", 1)
        assert delivery.attempts == expected and delivery.envelope.message_id == sent.message_id
        assert delivery.envelope.topic == "work.crash"
        worker.close()  # the handed-out delivery was never settled: the broker redelivers it
    survivor = make()
    (last,) = drain(survivor, "work", 1, ack=True)
    assert last.attempts == 4


def test_close_gives_back_prefetched_deliveries_uncounted(make: Make) -> None:
    first = make(prefetch=10)
    publish(first, "work.x", 5)
    wait_for(lambda: first.counts("work").waiting == 5)
    (one,) = first.reserve("work", 1, "w1", wait=1.0)
    first.ack(one)
    wait_for(lambda: len(first._buffers["work"]) == 4)
    first.close()
    second = make()
    rest = drain(second, "work", 4, ack=True)
    assert sorted(d.envelope.json()["n"] for d in rest) == [1, 2, 3, 4]
    assert all(d.attempts == 1 for d in rest)


# --- connection loss ---------------------------------------------------------------------------------------
def test_reconnects_after_the_broker_closes_its_connections(make: Make, amqp_url: str) -> None:
    need_rabbitmqctl()
    amqp = make(prefetch=5)
    before = publish(amqp, "work.before", 10)
    taken = drain(amqp, "work", 3)  # one reserve hands out what has arrived so far; under load that may be one
    assert len(taken) == 3
    wait_for(lambda: len(amqp._buffers["work"]) == 2)
    rabbitmqctl("close_all_connections", "-p", vhost_of(amqp_url), "test: connection loss")

    after = publish(amqp, "work.after", 10)  # reconnects the publishing connection
    for delivery in taken:
        amqp.ack(delivery)  # from the dead connection: a no-op, the broker redelivers them
    got = drain(amqp, "work", 20, ack=True)

    assert sorted(d.envelope.message_id for d in got) == sorted(e.message_id for e in before + after)
    taken_ids = {d.envelope.message_id for d in taken}
    assert {d.envelope.message_id: d.attempts for d in got if d.envelope.message_id in taken_ids} == dict.fromkeys(
        taken_ids, 2
    )  # handed out when the connection died: an attempt
    assert all(d.attempts == 1 for d in got if d.envelope.message_id not in taken_ids)  # only buffered
    assert amqp.counts("work").waiting == 0


def test_a_batch_cut_by_a_connection_drop_is_resent(make: Make, amqp_url: str) -> None:
    need_rabbitmqctl()
    amqp = make(prefetch=500)
    closer = threading.Thread(
        target=rabbitmqctl, args=("close_all_connections", "-p", vhost_of(amqp_url), "test: mid-batch")
    )
    sent: list[Envelope] = []
    closer.start()
    generation = amqp._pub.generation
    while closer.is_alive() or len(sent) < 4000:  # keep batches in flight while the connections go
        sent += publish(amqp, "work.batch", 1000)
    closer.join()
    sent += publish(amqp, "work.batch", 10)  # notices the drop if the last batch went before it
    assert amqp._pub.generation > generation, "the connection was not dropped during the test"
    expected = {e.message_id for e in sent}
    assert drain_ids(amqp, "work", expected) == expected  # nothing lost


@pytest.mark.serial  # restarts the shared broker
def test_a_broker_restart_mid_stream_loses_no_message(make: Make) -> None:
    need_restarts()
    need_rabbitmqctl()
    producer = make()
    consumer = make(prefetch=100)
    sent: list[Envelope] = []
    seen: set[str] = set()

    def restart() -> None:
        time.sleep(0.3)
        try:
            rabbitmqctl("stop_app")
            time.sleep(0.5)
        finally:
            rabbitmqctl("start_app")  # whatever happens: other tests share this broker

    restarter = threading.Thread(target=restart)
    restarter.start()
    try:
        while restarter.is_alive() or len(sent) < 3000:
            sent += publish(producer, "work.stream", 100)
            for delivery in consumer.reserve("work", 100, "w1", wait=0.0):
                consumer.ack(delivery)
                seen.add(delivery.envelope.message_id)
    finally:
        restarter.join()
    sent += publish(producer, "work.stream", 10)  # notices the restart if the loop ended before
    expected = {e.message_id for e in sent}
    seen |= drain_ids(consumer, "work", expected - seen)
    assert producer._pub.generation > 1 and consumer._sub.generation > 1, "the broker did not restart"
    assert expected <= seen

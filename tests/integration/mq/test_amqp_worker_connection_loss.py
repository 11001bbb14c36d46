"""A worker whose broker connection dies in the middle of a batch handles the rest of that batch once, after the
broker redelivers it, not twice: the copies it still holds from the dead connection are dropped unhandled
(``Transport.holds``). Before, it handled every one of them, their acks went nowhere, and the broker's
redeliveries were handled again (13 to 32 duplicates per dropped connection in ``bench/faults.py``)."""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator

import pytest

from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.envelope import Envelope
from conveyor.mq.middleware import MaxRuntime, StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from tests.integration.mq.conftest import make_mq
from tests.integration.mq.test_amqp_transport import need_rabbitmqctl, rabbitmqctl, vhost_of

MESSAGES = 40


@pytest.fixture
def amqp_mq(request: pytest.FixtureRequest) -> Iterator[MessageQueue]:
    queue = make_mq(request, "amqp")
    yield queue
    queue.close()


def test_a_batch_cut_off_by_a_dropped_connection_is_handled_once(amqp_mq: MessageQueue, amqp_url: str) -> None:
    need_rabbitmqctl()
    amqp_mq.publish_batch("stock.changed", range(MESSAGES))
    transport = amqp_mq.transport_for_queue("stock")
    deadline = time.monotonic() + 10
    while transport.counts("stock").waiting < MESSAGES and time.monotonic() < deadline:
        time.sleep(0.05)
    handled: collections.Counter[int] = collections.Counter()

    def handler(envelope: Envelope) -> None:
        if not handled:  # the first message of the first batch: the broker drops every connection now
            rabbitmqctl("close_all_connections", "-p", vhost_of(amqp_url), "test: connection loss")
        handled[envelope.json()] += 1

    options = ConsumerOptions(batch_size=MESSAGES, sleep=0.02, max_attempts=5, retry_delay=0.0)
    deadline = time.monotonic() + 30
    while len(handled) < MESSAGES and time.monotonic() < deadline:  # the redeliveries come a moment later
        Worker(amqp_mq, {"stock": handler}, options, [StopWhenEmpty(), MaxRuntime(10)]).run()

    assert set(handled) == set(range(MESSAGES))  # nothing lost
    duplicates = sum(count - 1 for count in handled.values())
    assert duplicates <= 1, handled  # at most the message whose ack the dead connection swallowed

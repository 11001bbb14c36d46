"""Handlers with ``handle_batch``: one call per reserved batch, each delivery settled on its own outcome."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from conveyor.mq.consumer import ConsumerOptions, PermanentError, Worker
from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.middleware import MaxMessages, MaxRuntime, Middleware, StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from tests.integration.mq.conftest import make_mq


@pytest.fixture(params=["sqlite", "postgresql", "amqp"])
def any_mq(request: pytest.FixtureRequest) -> Iterator[MessageQueue]:
    queue = make_mq(request, request.param)
    yield queue
    queue.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_mq(request: pytest.FixtureRequest) -> Iterator[MessageQueue]:
    queue = make_mq(request, request.param)
    yield queue
    queue.close()


def options(**overrides: object) -> ConsumerOptions:
    values: dict[str, object] = {"batch_size": 50, "sleep": 0.02, "max_attempts": 3, "retry_delay": 0.0}
    values.update(overrides)
    return ConsumerOptions(**values)  # type: ignore[arg-type]


class Settled(Middleware):
    """Records every settled delivery: (payload, attempt, error type name or None)."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int, str | None]] = []

    def after_message(self, worker: Worker, delivery: Delivery, error: BaseException | None) -> None:
        self.seen.append((delivery.envelope.json(), delivery.attempts, type(error).__name__ if error else None))


class Batched:
    """A batch handler whose outcome per payload comes from ``decide(payload, call_number)``."""

    def __init__(self, decide: Callable[[int, int], BaseException | None]) -> None:
        self.decide = decide
        self.batches: list[list[int]] = []
        self.singles: list[int] = []

    def __call__(self, envelope: Envelope) -> None:
        self.singles.append(envelope.json())

    def handle_batch(self, envelopes: Sequence[Envelope]) -> list[BaseException | None]:
        self.batches.append([e.json() for e in envelopes])
        return [self.decide(e.json(), len(self.batches)) for e in envelopes]


def wait_waiting(mq: MessageQueue, n: int) -> None:
    """A broker routes asynchronously: wait until ``n`` messages wait in ``stock``."""
    transport = mq.transport_for_queue("stock")
    deadline = time.monotonic() + 10
    while transport.counts("stock").waiting < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert transport.counts("stock").waiting == n


def run_until(mq: MessageQueue, handler: object, handled: int, settled: Settled, **overrides: object) -> Worker:
    worker = Worker(
        mq,
        {"stock": handler},  # type: ignore[dict-item]
        options(**overrides),
        [settled, MaxMessages(handled), MaxRuntime(20)],
    )
    worker.run()
    return worker


def test_each_delivery_is_settled_on_its_own_outcome(any_mq: MessageQueue) -> None:
    any_mq.publish_batch("stock.changed", range(6))
    wait_waiting(any_mq, 6)

    def decide(payload: int, call: int) -> BaseException | None:
        if payload == 1:
            return PermanentError("never")
        if payload == 3 and call == 1:
            return ConnectionError("ERP timeout")
        return None

    handler, settled = Batched(decide), Settled()
    worker = run_until(any_mq, handler, 7, settled)
    assert handler.singles == []  # __call__ is never used when handle_batch exists
    assert sorted(p for batch in handler.batches for p in batch) == [0, 1, 2, 3, 3, 4, 5]
    assert handler.batches[0] == list(range(6))  # the whole reserved batch in one call
    assert sorted(settled.seen, key=lambda s: (s[0], s[1])) == [
        (0, 1, None),
        (1, 1, "PermanentError"),
        (2, 1, None),
        (3, 1, "ConnectionError"),
        (3, 2, None),
        (4, 1, None),
        (5, 1, None),
    ]
    assert (worker.handled, worker.failed) == (7, 2)
    transport = any_mq.transport_for_queue("stock")
    (letter,) = transport.dead_letters("stock")
    assert letter.envelope.json() == 1 and letter.attempts == 1 and "never" in (letter.error or "")
    counts = transport.counts("stock")
    assert (counts.waiting, counts.in_progress, counts.retrying) == (0, 0, 0)


def test_a_batch_failing_as_a_whole_retries_every_delivery(any_mq: MessageQueue) -> None:
    any_mq.publish_batch("stock.changed", range(4))
    wait_waiting(any_mq, 4)
    calls: list[list[int]] = []

    class Flaky(Batched):
        def handle_batch(self, envelopes: Sequence[Envelope]) -> list[BaseException | None]:
            calls.append([e.json() for e in envelopes])
            if len(calls) == 1:
                raise ConnectionError("database went away")
            return [None] * len(envelopes)

    settled = Settled()
    worker = run_until(any_mq, Flaky(lambda p, c: None), 8, settled)
    assert calls[0] == [0, 1, 2, 3]
    assert sorted(p for batch in calls[1:] for p in batch) == [0, 1, 2, 3]
    assert sorted(settled.seen, key=lambda s: (s[1], s[0])) == [(n, 1, "ConnectionError") for n in range(4)] + [
        (n, 2, None) for n in range(4)
    ]
    assert (worker.handled, worker.failed) == (8, 4)
    assert any_mq.transport_for_queue("stock").dead_letters("stock") == []


def test_a_whole_batch_failure_on_the_last_attempt_dead_letters_every_delivery(sql_mq: MessageQueue) -> None:
    sql_mq.publish_batch("stock.changed", range(3))

    class Broken(Batched):
        def handle_batch(self, envelopes: Sequence[Envelope]) -> list[BaseException | None]:
            raise ZeroDivisionError("bug")

    Worker(sql_mq, {"stock": Broken(lambda p, c: None)}, options(max_attempts=1), [StopWhenEmpty()]).run()
    letters = sql_mq.transport_for_queue("stock").dead_letters("stock")
    assert sorted(letter.envelope.json() for letter in letters) == [0, 1, 2]
    assert all("ZeroDivisionError" in (letter.error or "") for letter in letters)


def test_a_wrong_number_of_outcomes_fails_the_whole_batch(sql_mq: MessageQueue) -> None:
    sql_mq.publish_batch("stock.changed", range(3))

    class Short(Batched):
        def handle_batch(self, envelopes: Sequence[Envelope]) -> list[BaseException | None]:
            return [None]

    settled = Settled()
    Worker(sql_mq, {"stock": Short(lambda p, c: None)}, options(max_attempts=1), [settled, StopWhenEmpty()]).run()
    assert sorted(settled.seen) == [(n, 1, "RuntimeError") for n in range(3)]
    assert sql_mq.transport_for_queue("stock").counts("stock").dead == 3


def test_deliveries_past_max_attempts_are_dead_lettered_before_the_batch(sql_mq: MessageQueue) -> None:
    sql_mq.publish("stock.changed", 0)
    transport = sql_mq.transport_for_queue("stock")
    for _ in range(3):  # three workers died holding it
        assert len(transport.reserve("stock", 1, "doomed")) == 1
        transport.refresh(reserved_seconds=0, max_attempts=100)
    sql_mq.publish_batch("stock.changed", [1, 2])
    handler = Batched(lambda p, c: None)
    Worker(sql_mq, {"stock": handler}, options(max_attempts=3), [StopWhenEmpty()]).run()
    assert [p for batch in handler.batches for p in batch] == [1, 2]
    (letter,) = transport.dead_letters("stock")
    assert letter.envelope.json() == 0 and "without an ack" in (letter.error or "")
    assert transport.counts("stock").complete == 2


def test_a_stop_before_the_batch_releases_it_unhandled(sql_mq: MessageQueue) -> None:
    sql_mq.publish_batch("stock.changed", range(5))

    class StopNow(Middleware):
        armed = False

        def stop_reason(self, worker: Worker) -> str | None:
            return "signal" if self.armed else None

    handler = Batched(lambda p, c: None)
    stop = StopNow()
    worker = Worker(sql_mq, {"stock": handler}, options(), [stop])
    transport = sql_mq.transport_for_queue("stock")
    reserve = transport.reserve

    def reserve_and_arm(queue: str, limit: int, worker_id: str, wait: float = 0.0) -> list[Delivery]:
        found = reserve(queue, limit, worker_id, wait)
        stop.armed = True  # a signal arrives while the batch is reserved
        return found

    transport.reserve = reserve_and_arm  # type: ignore[method-assign,assignment]
    worker.run()
    assert handler.batches == []
    rest = reserve("stock", 20, "checker")
    assert sorted(d.envelope.json() for d in rest) == list(range(5))
    assert all(d.attempts == 1 for d in rest)


def test_handlers_without_handle_batch_still_run_one_by_one(any_mq: MessageQueue) -> None:
    any_mq.publish_batch("stock.changed", range(5))
    wait_waiting(any_mq, 5)
    seen: list[int] = []

    def handler(envelope: Envelope) -> None:
        seen.append(envelope.json())
        if envelope.json() == 2 and seen.count(2) == 1:
            raise ValueError("first try fails")

    settled = Settled()
    worker = run_until(any_mq, handler, 6, settled)
    assert sorted(seen) == [0, 1, 2, 2, 3, 4]
    assert (2, 1, "ValueError") in settled.seen and (2, 2, None) in settled.seen
    assert (worker.handled, worker.failed) == (6, 1)

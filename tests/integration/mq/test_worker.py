"""The consumer loop: limits, priority and round robin, retries, graceful release."""

from __future__ import annotations

import time

import pytest

from conveyor.mq.consumer import ConsumerOptions, PermanentError, Worker
from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.middleware import MaxIdle, MaxMessages, MaxRuntime, Middleware, StopOnError, StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from tests.integration.mq.conftest import make_mq


def options(**overrides: object) -> ConsumerOptions:
    values: dict[str, object] = {"batch_size": 10, "sleep": 0.05, "max_attempts": 3, "retry_delay": 0.0}
    values.update(overrides)
    return ConsumerOptions(**values)  # type: ignore[arg-type]


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def __call__(self, envelope: Envelope) -> None:
        self.seen.append((envelope.topic, envelope.json()))


def test_max_messages_stops_and_leaves_the_rest_waiting(db_mq: MessageQueue) -> None:
    db_mq.publish_batch("stock.changed", range(25))
    recorder = Recorder()
    worker = Worker(db_mq, {"stock": recorder}, options(), [MaxMessages(7)])
    assert worker.run() == 0
    assert [payload for _, payload in recorder.seen] == list(range(7))
    counts = db_mq.transport_for_queue("stock").counts("stock")
    # the rest of the claimed batch was given back, not left reserved
    assert (counts.complete, counts.waiting, counts.in_progress) == (7, 18, 0)
    assert "max 7" in (worker.stop_reason or "")


def test_priority_drains_the_first_queue_first(db_mq: MessageQueue) -> None:
    db_mq.publish_batch("stock.changed", range(30))
    db_mq.publish_batch("poison.pill", range(30))
    recorder = Recorder()
    worker = Worker(db_mq, {"poison": recorder, "stock": recorder}, options(priority=True), [StopWhenEmpty()])
    worker.run()
    topics = [topic for topic, _ in recorder.seen]
    assert topics == ["poison.pill"] * 30 + ["stock.changed"] * 30


def test_round_robin_alternates_batches(db_mq: MessageQueue) -> None:
    db_mq.publish_batch("stock.changed", range(30))
    db_mq.publish_batch("poison.pill", range(30))
    recorder = Recorder()
    worker = Worker(db_mq, {"poison": recorder, "stock": recorder}, options(), [StopWhenEmpty()])
    worker.run()
    topics = [topic for topic, _ in recorder.seen]
    assert topics[:20] == ["poison.pill"] * 10 + ["stock.changed"] * 10
    assert len(topics) == 60


def test_stop_on_error_exits_1_after_recording_the_retry(db_mq: MessageQueue) -> None:
    db_mq.publish_batch("stock.changed", range(5))

    def handler(envelope: Envelope) -> None:
        if envelope.json() == 2:
            raise RuntimeError("boom")

    worker = Worker(db_mq, {"stock": handler}, options(retry_delay=60), [StopOnError()])
    assert worker.run() == 1
    counts = db_mq.transport_for_queue("stock").counts("stock")
    assert (counts.complete, counts.retrying, counts.waiting, counts.in_progress) == (2, 1, 2, 0)


def test_permanent_error_dead_letters_at_once(db_mq: MessageQueue) -> None:
    db_mq.publish("stock.changed", {"sku": None})

    def handler(envelope: Envelope) -> None:
        raise PermanentError("sku is required")

    Worker(db_mq, {"stock": handler}, options(max_attempts=5), [StopWhenEmpty()]).run()
    (letter,) = db_mq.transport_for_queue("stock").dead_letters("stock")
    assert letter.attempts == 1 and "sku is required" in (letter.error or "")


def test_retries_back_off_and_then_succeed(db_mq: MessageQueue) -> None:
    db_mq.publish("stock.changed", 1)
    attempts: list[float] = []

    def flaky(envelope: Envelope) -> None:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise ConnectionError("ERP timeout")

    worker = Worker(db_mq, {"stock": flaky}, options(retry_delay=0.2, sleep=0.02), [MaxMessages(3), MaxRuntime(10)])
    worker.run()
    assert len(attempts) == 3
    assert attempts[1] - attempts[0] >= 0.2  # first retry after the delay
    assert attempts[2] - attempts[1] >= 0.4  # then doubled
    assert db_mq.transport_for_queue("stock").counts("stock").complete == 1


def test_max_idle_and_max_runtime_end_an_idle_worker(db_mq: MessageQueue) -> None:
    start = time.monotonic()
    worker = Worker(db_mq, {"stock": Recorder()}, options(sleep=5.0), [MaxIdle(0.3)])
    assert worker.run() == 0
    assert 0.3 <= time.monotonic() - start < 3  # the sleep is interrupted by the limit
    assert "idle" in (worker.stop_reason or "")


class StopAfterFirst(Middleware):
    def __init__(self) -> None:
        self.done = False

    def after_message(self, worker: Worker, delivery: Delivery, error: BaseException | None) -> None:
        self.done = True

    def stop_reason(self, worker: Worker) -> str | None:
        return "signal" if self.done else None


def test_a_stop_mid_batch_releases_without_counting_attempts(db_mq: MessageQueue) -> None:
    db_mq.publish_batch("stock.changed", range(10))
    Worker(db_mq, {"stock": Recorder()}, options(), [StopAfterFirst()]).run()
    transport = db_mq.transport_for_queue("stock")
    rest = transport.reserve("stock", 20, "checker")
    assert len(rest) == 9
    assert all(d.attempts == 1 for d in rest)


def test_a_message_delivered_past_max_attempts_is_dead_lettered_unhandled(db_mq: MessageQueue) -> None:
    """A message whose workers keep dying (no handler error ever recorded) must not loop forever."""
    db_mq.publish("stock.changed", {"crashes": True})
    transport = db_mq.transport_for_queue("stock")
    for _ in range(3):  # three workers died holding it; refresh gave it back each time
        assert len(transport.reserve("stock", 1, "doomed")) == 1
        transport.refresh(reserved_seconds=0, max_attempts=100)
    recorder = Recorder()
    Worker(db_mq, {"stock": recorder}, options(max_attempts=3), [StopWhenEmpty()]).run()
    assert recorder.seen == []
    (letter,) = transport.dead_letters("stock")
    assert letter.attempts == 4 and "without an ack" in (letter.error or "")


def test_max_memory_stops_a_worker_over_its_budget(db_mq: MessageQueue) -> None:
    from conveyor.mq.middleware import MaxMemory

    db_mq.publish_batch("stock.changed", range(5))
    worker = Worker(db_mq, {"stock": Recorder()}, options(), [MaxMemory(1)])  # any Python process uses more
    assert worker.run() == 0
    assert worker.handled == 0 and "memory" in (worker.stop_reason or "")


class CountThenStop(Middleware):
    """Records every hook call; asks the worker to stop after ``limit`` messages."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.calls: list[str] = []
        self.messages = 0

    def before_start(self, worker: Worker) -> None:
        self.calls.append("before_start")

    def after_message(self, worker: Worker, delivery: Delivery, error: BaseException | None) -> None:
        self.messages += 1

    def stop_reason(self, worker: Worker) -> str | None:
        return f"counted {self.limit}" if self.messages >= self.limit else None

    def after_stop(self, worker: Worker) -> None:
        self.calls.append("after_stop")


def test_middleware_added_after_the_worker_is_built_is_called(memory_mq: MessageQueue) -> None:
    """``conveyor demo`` adds its progress middleware to a built worker: its per-message hooks must run too."""
    memory_mq.publish_batch("stock.changed", range(10))
    worker = Worker(memory_mq, {"stock": Recorder()}, options(), [StopWhenEmpty()])
    counting = CountThenStop(limit=4)
    worker.add_middleware(counting)
    assert worker.middleware[-1] is counting
    worker.run()
    assert counting.messages == 4 and worker.handled == 4
    assert worker.stop_reason == "counted 4"
    assert counting.calls == ["before_start", "after_stop"]


def test_a_batch_cut_by_a_lost_connection_goes_back_without_attempts(request: pytest.FixtureRequest) -> None:
    """The server drops the consumer's connection mid-batch: once it is back, the worker returns the unsettled
    rest of its batch itself (no refresh timer), uncounted, and handles it; nothing is left "in progress"."""
    mq = make_mq(request, "postgresql")
    mq.publish_batch("stock.changed", range(10))
    seen: list[int] = []

    def cut_on_third(envelope: Envelope) -> None:
        seen.append(envelope.json())
        if len(seen) == 3:
            with mq.engine.connect() as conn:  # every other connection of this database, the consumer's included
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

    worker = Worker(mq, {"stock": cut_on_third}, options(), [StopWhenEmpty()])
    assert worker.run() == 0
    transport = mq.transport_for_queue("stock")
    counts = transport.counts("stock")
    assert (counts.complete, counts.in_progress, counts.dead) == (10, 0, 0), counts
    assert sorted(set(seen)) == list(range(10))  # the third's ack was lost with the connection: handled again
    with mq.engine.connect() as conn:
        grouped = conn.exec_driver_sql("SELECT number_of_trials, COUNT(*) FROM queue_message_status GROUP BY 1")
        trials = {int(count_of): int(rows) for count_of, rows in grouped}
    assert trials == {1: 10}, trials  # the cut cost no message an attempt
    mq.close()

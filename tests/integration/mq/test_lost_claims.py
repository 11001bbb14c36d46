"""A claim whose connection breaks under its COMMIT may have committed: the store then holds the batch as this
worker's while the worker never got it. Its next claim of that queue gives those rows back first, so they are
handled within the worker's backoff, not after ``queue refresh --reserved`` (an hour by default)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.envelope import Envelope
from conveyor.mq.middleware import StopWhenEmpty
from conveyor.mq.queue import MessageQueue


def _lose_the_answer_of_the_next_claim(mq: MessageQueue) -> None:
    """The server commits the claim, then the connection dies before the answer reaches the worker: the real
    transaction runs and commits; what the caller sees is the driver's error."""
    consumer = mq.transport_for_queue("stock")._consumer  # type: ignore[attr-defined]
    real = consumer.transaction
    lost: list[bool] = []

    @contextlib.contextmanager
    def committed_then_cut() -> Iterator[Any]:
        with real() as conn:
            yield conn
        if not lost:
            lost.append(True)
            raise sa.exc.OperationalError("COMMIT", (), Exception("server closed the connection unexpectedly"))

    consumer.transaction = committed_then_cut


def _by_status(mq: MessageQueue) -> dict[int, int]:
    with mq.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT status, COUNT(*) FROM queue_message_status GROUP BY status")
        return {int(status): int(count) for status, count in rows}


def test_the_rows_of_a_claim_whose_answer_was_lost_are_given_back_by_the_next_claim(db_mq: MessageQueue) -> None:
    db_mq.publish_batch("stock.changed", range(5))
    transport = db_mq.transport_for_queue("stock")
    _lose_the_answer_of_the_next_claim(db_mq)
    with pytest.raises(sa.exc.OperationalError):
        transport.reserve("stock", 5, "w1")
    assert _by_status(db_mq) == {3: 5}  # committed: in progress, held by w1, which has nothing in hand
    assert transport.reserve("stock", 5, "w2") == []  # nobody else may take them meanwhile
    again = transport.reserve("stock", 5, "w1")
    assert sorted(d.envelope.json() for d in again) == list(range(5))
    assert {d.attempts for d in again} == {1}  # the lost claim's attempt was undone


def test_a_worker_handles_a_lost_claims_batch_once_without_a_refresh(db_mq: MessageQueue) -> None:
    db_mq.publish_batch("stock.changed", range(20))
    _lose_the_answer_of_the_next_claim(db_mq)
    seen: list[int] = []

    def handle(envelope: Envelope) -> None:
        seen.append(envelope.json())

    options = ConsumerOptions(batch_size=10, sleep=0.05, max_attempts=3, retry_delay=0.0)
    worker = Worker(db_mq, {"stock": handle}, options, [StopWhenEmpty()])
    assert worker.run() == 0
    assert sorted(seen) == list(range(20))  # each once
    assert _by_status(db_mq) == {4: 20}

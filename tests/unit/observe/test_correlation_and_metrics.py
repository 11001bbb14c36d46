"""A correlation id travels with the messages published while it is current and is current again while a consumer
handles them; log lines carry it, as text or JSON; the consumer metrics count what the worker settled."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client import REGISTRY

from conveyor.logs import CorrelationFilter, JsonFormatter, clean, correlated, correlation_id
from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.envelope import Envelope
from conveyor.mq.middleware import Correlation, Metrics, StopWhenEmpty
from conveyor.mq.queue import MessageQueue


def test_an_envelope_made_while_an_id_is_current_carries_it_and_one_given_wins() -> None:
    assert "correlation_id" not in Envelope.of("t", 1).properties
    with correlated("abc"):
        assert Envelope.of("t", 1).properties["correlation_id"] == "abc"
        assert Envelope.of("t", 1, correlation_id="mine").properties["correlation_id"] == "mine"
    assert correlation_id.get() is None


@pytest.mark.parametrize("value", ["", "x" * 129, "bad\nline", "naïve"])
def test_a_callers_id_that_would_spoil_a_log_line_is_refused(value: str) -> None:
    assert clean(value) is None
    assert clean("req-42") == "req-42"


def _record(message: str) -> logging.LogRecord:
    record = logging.LogRecord("conveyor.test", logging.INFO, __file__, 1, message, None, None)
    CorrelationFilter().filter(record)
    return record


def test_json_lines_carry_the_current_correlation_id_and_the_exception() -> None:
    with correlated("cid-7"):
        line = json.loads(JsonFormatter().format(_record("hello there")))
    assert line["message"] == "hello there" and line["correlation_id"] == "cid-7"
    assert line["level"] == "INFO" and line["logger"] == "conveyor.test" and line["time"].endswith("Z")
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record("failed")
        record.exc_info = __import__("sys").exc_info()
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exception"]
    assert _record("no id").correlation_id == "-"  # type: ignore[attr-defined]


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_worker_handles_each_message_under_its_id_and_counts_the_outcomes(memory_mq: MessageQueue) -> None:
    with correlated("first"):
        memory_mq.publish("stock.changed", {"n": 1})
    with correlated("second"):
        memory_mq.publish("stock.changed", {"n": -1})  # fails every attempt: dead-lettered
    seen: list[tuple[int, str | None]] = []

    def handle(envelope: Envelope) -> None:
        seen.append((envelope.json()["n"], correlation_id.get()))
        if envelope.json()["n"] < 0:
            raise ValueError("negative")

    labels = {"consumer": "stock-consumer", "queue": "stock"}
    before = {
        o: _sample("conveyor_consumer_messages_total", **labels, outcome=o) for o in ("handled", "failed", "dead")
    }
    timed = _sample("conveyor_handler_duration_seconds_count", **labels)
    options = ConsumerOptions(batch_size=10, sleep=0.01, max_attempts=2, retry_delay=0.0)
    middleware = [Correlation(), Metrics({"stock": "stock-consumer"}), StopWhenEmpty()]
    assert Worker(memory_mq, {"stock": handle}, options, middleware).run() == 0
    assert seen == [(1, "first"), (-1, "second"), (-1, "second")]
    assert correlation_id.get() is None  # nothing leaks past the message
    after = {o: _sample("conveyor_consumer_messages_total", **labels, outcome=o) for o in ("handled", "failed", "dead")}
    assert {o: after[o] - before[o] for o in after} == {"handled": 1, "failed": 2, "dead": 1}
    assert _sample("conveyor_handler_duration_seconds_count", **labels) - timed == 3

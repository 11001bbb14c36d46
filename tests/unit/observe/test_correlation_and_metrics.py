"""A correlation id travels with the messages published while it is current and is current again while a consumer
handles them; log lines carry it, as text or JSON; the consumer metrics count what the worker settled."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
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


def _series_samples(name: str, **labels: str) -> dict[tuple[str, str], float]:
    """Every sample of the handler histogram and the message counter for ``labels``, by (sample name, le/outcome)."""
    found: dict[tuple[str, str], float] = {}
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name.endswith("_created"):  # when the series was made: differs by construction
                continue
            if sample.name.startswith(name) and all(sample.labels.get(k) == v for k, v in labels.items()):
                found[sample.name, sample.labels.get("le", sample.labels.get("outcome", ""))] = sample.value
    return found


@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from([0.0, 0.005, 0.01, 0.1, 60.0, 61.0]), st.floats(0, 100, allow_nan=False)),
            st.booleans(),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_counts_gathered_and_flushed_equal_prometheus_own_observe_and_inc(
    outcomes: list[tuple[float, bool, bool]],
) -> None:
    """The middleware keeps its figures and adds them to prometheus_client's values later, reaching into the
    histogram's buckets: the result must be what ``observe`` and ``inc`` give, bucket for bucket (bounds included)."""
    from conveyor.mq.middleware.metrics import _Series

    tag = uuid.uuid4().hex
    gathered, direct = _Series(f"gathered-{tag}", "q"), _Series(f"direct-{tag}", "q")
    for seconds, failed, dead in outcomes:
        gathered.add(seconds, failed, failed and dead)
        direct.seconds.observe(seconds)
        (direct.failed if failed else direct.handled).inc()
        if failed and dead:
            direct.dead.inc()
    gathered.flush()
    gathered.flush()  # a second flush adds nothing
    for name in ("conveyor_handler_duration_seconds", "conveyor_consumer_messages"):
        assert _series_samples(name, consumer=f"gathered-{tag}") == _series_samples(name, consumer=f"direct-{tag}")

"""The counters and histograms the processes keep, for ``GET /metrics`` (Prometheus).

Two sources make the figures. What the store knows (queue depth, bulk operations, pipeline steps, import rows) is
counted at scrape time by the API with grouped COUNT queries, so it is right whichever process or host did the
work. What only a process sees (messages settled and handler durations per consumer, limiter waits and 429s, HTTP
requests) is kept here with prometheus_client. Under ``conveyor up`` (or a deployment that sets
``PROMETHEUS_MULTIPROC_DIR``) every process writes its figures to files in that directory, and the API sums them
(prometheus_client's multiprocess mode); without it, the API reports its own process only.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

MESSAGES = Counter(
    "conveyor_consumer_messages",
    "Messages settled by consumers: handled (acknowledged), failed (the handler raised) and dead (dead-lettered).",
    ["consumer", "queue", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "conveyor_handler_duration_seconds",
    "Seconds a consumer's handler ran per message.",
    ["consumer", "queue"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
STEP_SECONDS = Histogram(
    "conveyor_pipeline_step_duration_seconds",
    "Seconds a pipeline step's attempt ran, by pipeline and outcome.",
    ["pipeline", "status"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0),
)
LIMITER_WAITS = Counter("conveyor_limiter_waits", "Calls that waited for a rate-limit slot.", ["source"])
LIMITER_WAIT_SECONDS = Counter("conveyor_limiter_wait_seconds", "Seconds spent waiting for slots.", ["source"])
LIMITER_429 = Counter("conveyor_limiter_rate_limited", "Answers 429 (Too Many Requests) from a source.", ["source"])
HTTP_REQUESTS = Counter("conveyor_http_requests", "HTTP requests served.", ["method", "route", "status"])
HTTP_SECONDS = Histogram(
    "conveyor_http_request_duration_seconds",
    "Seconds to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def process_registry() -> CollectorRegistry:
    """What the processes counted: every process's files in multiprocess mode, else this process's metrics."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def exposition(registry: CollectorRegistry) -> bytes:
    """The text format of ``registry`` (Prometheus 0.0.4)."""
    return generate_latest(registry)

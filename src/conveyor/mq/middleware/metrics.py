"""Counts settled messages and times handlers per consumer, for ``/metrics`` (``conveyor.metrics``).

The figures gather in plain numbers per message and reach prometheus_client at most every ``FLUSH_SECONDS``, after
an empty round and when the worker stops. A prometheus value takes a lock on every change (in multiprocess mode it
writes a file too), and a counter, a histogram's sum and its bucket per message cost the SQLite queue a tenth of
its throughput; a scrape sees the figures at most that late.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from conveyor.metrics import HANDLER_SECONDS, MESSAGES
from conveyor.mq.middleware.base import Middleware

if TYPE_CHECKING:
    from conveyor.mq.consumer import Worker
    from conveyor.mq.envelope import Delivery

FLUSH_SECONDS = 1.0


class _Series:
    """One queue's labelled series, looked up once (``labels()`` takes a lock and builds a key on every call),
    and what it counted since the last flush."""

    def __init__(self, consumer: str, queue: str) -> None:
        self.handled = MESSAGES.labels(consumer, queue, "handled")
        self.failed = MESSAGES.labels(consumer, queue, "failed")
        self.dead = MESSAGES.labels(consumer, queue, "dead")
        self.seconds: Any = HANDLER_SECONDS.labels(consumer, queue)
        self.bounds: list[float] = list(self.seconds._upper_bounds)  # the last one is +Inf
        self.counted = [0, 0, 0]  # handled, failed, dead
        self.in_bucket = [0] * len(self.bounds)
        self.seconds_sum = 0.0

    def add(self, seconds: float, failed: bool, dead: bool) -> None:
        """Count one settled message whose handler ran ``seconds``."""
        self.seconds_sum += seconds
        self.in_bucket[bisect_left(self.bounds, seconds)] += 1
        self.counted[1 if failed else 0] += 1
        if dead:
            self.counted[2] += 1

    def flush(self) -> None:
        """Add what was counted since the last flush to the prometheus values, as ``inc``/``observe`` would."""
        for child, count in zip((self.handled, self.failed, self.dead), self.counted, strict=True):
            if count:
                child.inc(count)
        if any(self.in_bucket):
            # Histogram.observe adds the amount to _sum and 1 to the first bucket whose bound is >= the amount
            # (buckets are kept non-cumulative); the unit test checks this against observe itself
            self.seconds._sum.inc(self.seconds_sum)
            for bucket, count in zip(self.seconds._buckets, self.in_bucket, strict=True):
                if count:
                    bucket.inc(count)
        self.counted = [0, 0, 0]
        self.in_bucket = [0] * len(self.bounds)
        self.seconds_sum = 0.0


class Metrics(Middleware):
    """``handled`` for an acknowledged message, ``failed`` for every handler error, ``dead`` when that error
    dead-lettered it. ``consumers`` names each queue's consumer (a queue consumed without one is its own name)."""

    def __init__(self, consumers: Mapping[str, str]) -> None:
        self.consumers = dict(consumers)
        self._series: dict[str, _Series] = {}
        self._started = time.perf_counter()
        self._flush_at = self._started + FLUSH_SECONDS

    def before_message(self, worker: Worker, delivery: Delivery) -> None:
        self._started = time.perf_counter()

    def after_message(self, worker: Worker, delivery: Delivery, error: BaseException | None) -> None:
        now = time.perf_counter()
        series = self._series.get(delivery.queue)
        if series is None:
            consumer = self.consumers.get(delivery.queue, delivery.queue)
            series = self._series[delivery.queue] = _Series(consumer, delivery.queue)
        if error is None:
            series.add(now - self._started, False, False)
        else:
            series.add(now - self._started, True, worker.is_final(delivery, error))
        self._started = now  # a batch handler's next delivery counts from here
        if now >= self._flush_at:
            self.flush()

    def flush(self) -> None:
        """Hand what was counted to prometheus_client now."""
        for series in self._series.values():
            series.flush()
        self._flush_at = time.perf_counter() + FLUSH_SECONDS

    def after_empty_round(self, worker: Worker) -> None:
        self.flush()

    def after_stop(self, worker: Worker) -> None:
        self.flush()

"""Counts settled messages and times handlers per consumer, for ``/metrics`` (``conveyor.metrics``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from conveyor.metrics import HANDLER_SECONDS, MESSAGES
from conveyor.mq.middleware.base import Middleware

if TYPE_CHECKING:
    from conveyor.mq.consumer import Worker
    from conveyor.mq.envelope import Delivery


class _Series:
    """One queue's labelled series, looked up once: ``labels()`` takes a lock and builds a key on every call."""

    def __init__(self, consumer: str, queue: str) -> None:
        self.handled = MESSAGES.labels(consumer, queue, "handled")
        self.failed = MESSAGES.labels(consumer, queue, "failed")
        self.dead = MESSAGES.labels(consumer, queue, "dead")
        self.seconds = HANDLER_SECONDS.labels(consumer, queue)


class Metrics(Middleware):
    """``handled`` for an acknowledged message, ``failed`` for every handler error, ``dead`` when that error
    dead-lettered it. ``consumers`` names each queue's consumer (a queue consumed without one is its own name)."""

    def __init__(self, consumers: Mapping[str, str]) -> None:
        self.consumers = dict(consumers)
        self._series: dict[str, _Series] = {}
        self._started = time.perf_counter()

    def before_message(self, worker: Worker, delivery: Delivery) -> None:
        self._started = time.perf_counter()

    def after_message(self, worker: Worker, delivery: Delivery, error: BaseException | None) -> None:
        now = time.perf_counter()
        series = self._series.get(delivery.queue)
        if series is None:
            consumer = self.consumers.get(delivery.queue, delivery.queue)
            series = self._series[delivery.queue] = _Series(consumer, delivery.queue)
        series.seconds.observe(now - self._started)
        self._started = now  # a batch handler's next delivery counts from here
        if error is None:
            series.handled.inc()
            return
        series.failed.inc()
        if worker.is_final(delivery, error):
            series.dead.inc()

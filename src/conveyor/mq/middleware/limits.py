"""Limits that end a worker: message count, runtime, memory, idleness, an empty queue, an error."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import psutil

from conveyor.mq.middleware.base import Middleware

if TYPE_CHECKING:
    from conveyor.mq.consumer import Worker
    from conveyor.mq.envelope import Delivery


class MaxMessages(Middleware):
    def __init__(self, limit: int) -> None:
        self.limit = limit

    def stop_reason(self, worker: Worker) -> str | None:
        return f"handled {worker.handled} messages (max {self.limit})" if worker.handled >= self.limit else None


class MaxRuntime(Middleware):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def stop_reason(self, worker: Worker) -> str | None:
        if time.monotonic() - worker.started >= self.seconds:
            return f"ran {self.seconds:g}s (max runtime)"
        return None


class MaxMemory(Middleware):
    """Stops when the worker's resident memory passes ``megabytes`` (a leak must not grow forever)."""

    CHECK_EVERY = 1.0  # seconds: reading the process's memory costs more than handling a small message

    def __init__(self, megabytes: float) -> None:
        self.limit = megabytes * 1024 * 1024
        self.process = psutil.Process()
        self._next_check = 0.0

    def stop_reason(self, worker: Worker) -> str | None:
        if time.monotonic() < self._next_check:
            return None
        self._next_check = time.monotonic() + self.CHECK_EVERY
        rss = self.process.memory_info().rss
        return f"memory {rss / 1048576:.0f} MB over {self.limit / 1048576:.0f} MB" if rss > self.limit else None


class MaxIdle(Middleware):
    """Stops after ``seconds`` without a message (Magento's max-idle-time)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def stop_reason(self, worker: Worker) -> str | None:
        if time.monotonic() - worker.last_message_at >= self.seconds:
            return f"idle for {self.seconds:g}s"
        return None


class StopWhenEmpty(Middleware):
    def __init__(self) -> None:
        self.empty = False

    def after_empty_round(self, worker: Worker) -> None:
        self.empty = True

    def stop_reason(self, worker: Worker) -> str | None:
        return "queues are empty" if self.empty else None


class StopOnError(Middleware):
    """Stops after the first failed message (its retry or dead letter is recorded first)."""

    def __init__(self) -> None:
        self.failed: str | None = None

    def after_message(self, worker: Worker, delivery: Delivery, error: BaseException | None) -> None:
        if error is not None:
            self.failed = f"message {delivery.envelope.message_id} failed: {error}"
            worker.exit_code = 1

    def stop_reason(self, worker: Worker) -> str | None:
        return self.failed

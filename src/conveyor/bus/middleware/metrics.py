"""Counts and durations per command, in process: what ``bus consume -v`` prints when it stops."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from conveyor.bus.command import Skipped
from conveyor.bus.context import Call
from conveyor.bus.middleware.base import Next


@dataclass
class CommandStats:
    """One command's figures since the bus started; durations in seconds, of handled runs only.

    ``queued`` counts publishes: one made in a transaction that then rolled back is counted all the same.
    """

    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    queued: int = 0
    seconds: float = 0.0
    max_seconds: float = 0.0

    @property
    def handled(self) -> int:
        return self.succeeded + self.failed + self.skipped

    @property
    def mean_seconds(self) -> float:
        return self.seconds / self.handled if self.handled else 0.0


class Metrics:
    """Thread-safe counters keyed by command name."""

    def __init__(self) -> None:
        self._stats: dict[str, CommandStats] = {}
        self._lock = threading.Lock()

    def record(self, command: str, outcome: str, seconds: float = 0.0) -> None:
        """Count one outcome (succeeded, failed, skipped or queued) of ``command``."""
        with self._lock:
            stats = self._stats.setdefault(command, CommandStats())
            setattr(stats, outcome, getattr(stats, outcome) + 1)
            if outcome != "queued":
                stats.seconds += seconds
                stats.max_seconds = max(stats.max_seconds, seconds)

    def snapshot(self) -> dict[str, CommandStats]:
        """A copy of the figures, by command name."""
        with self._lock:
            return {name: replace(stats) for name, stats in sorted(self._stats.items())}


class MetricsMiddleware:
    """Times every run and counts it by outcome."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def __call__(self, call: Call, next_: Next) -> object:
        started = time.perf_counter()
        outcome = "failed"
        try:
            value = next_(call)
            outcome = "succeeded"
            return value
        except Skipped:
            outcome = "skipped"
            raise
        finally:
            self.metrics.record(call.spec.name, outcome, time.perf_counter() - started)

"""SIGTERM/SIGINT: finish the current message, give back the rest of the batch, exit cleanly."""

from __future__ import annotations

import signal
from types import FrameType
from typing import TYPE_CHECKING, Any

from conveyor.mq.middleware.base import Middleware

if TYPE_CHECKING:
    from conveyor.mq.consumer import Worker


class GracefulShutdown(Middleware):
    def __init__(self) -> None:
        self.signal_name: str | None = None
        self._previous: dict[int, Any] = {}

    def before_start(self, worker: Worker) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.signal_name = signal.Signals(signum).name

    def stop_reason(self, worker: Worker) -> str | None:
        return f"received {self.signal_name}" if self.signal_name else None

    def after_stop(self, worker: Worker) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

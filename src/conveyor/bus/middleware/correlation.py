"""Logging with a correlation id: one id ties a command's log lines, its sync log row and the commands it queued.

The id is kept in a context variable while the command runs, so a command handled or queued from inside a handler
inherits it, and ``CorrelationFilter`` can add it to every log record (``%(correlation_id)s``).
"""

from __future__ import annotations

import logging
import time

from conveyor.bus.command import Skipped
from conveyor.bus.context import Call
from conveyor.bus.middleware.base import Next
from conveyor.logs import CorrelationFilter
from conveyor.logs import correlation_id as current_correlation_id

log = logging.getLogger("conveyor.bus")
__all__ = ["CorrelationFilter", "CorrelationLogging", "current_correlation_id"]


class CorrelationLogging:
    """Sets the correlation id for the command's duration and logs how the command ended."""

    def __call__(self, call: Call, next_: Next) -> object:
        token = current_correlation_id.set(call.correlation_id)
        extra = {"correlation_id": call.correlation_id, "command": call.spec.name}
        source = f"message {call.message_id}" if call.message_id else "inline"
        started = time.perf_counter()
        log.debug("[%s] %s (%s) started", call.correlation_id, call.spec.name, source, extra=extra)
        try:
            value = next_(call)
        except Skipped as exc:
            log.info("[%s] %s skipped: %s", call.correlation_id, call.spec.name, exc, extra=extra)
            raise
        except Exception as exc:
            ms = (time.perf_counter() - started) * 1000
            log.warning(
                "[%s] %s failed after %.1f ms: %s: %s",
                call.correlation_id,
                call.spec.name,
                ms,
                type(exc).__name__,
                exc,
                extra=extra,
            )
            raise
        finally:
            current_correlation_id.reset(token)
        ms = (time.perf_counter() - started) * 1000
        log.info("[%s] %s handled in %.1f ms", call.correlation_id, call.spec.name, ms, extra=extra)
        return value

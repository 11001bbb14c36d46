"""Retry classification: transient failures (lost connections, deadlocks, network, a source's 5xx or 429) versus
permanent ones (validation, a missing entity, a bug).

* A command handled inline is tried again at once, a few times, on a transient failure (after the source's
  ``retry_after`` when it gave one); a permanent failure is raised to the caller unchanged.
* A command delivered by a worker is not retried here: a transient failure is raised as it is, so the queue
  retries the message after its delay (and dead-letters it after its maximum attempts); a permanent one becomes
  ``PermanentError``, so the queue dead-letters it at once instead of repeating what cannot succeed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from conveyor.bus.command import Skipped, is_transient_error
from conveyor.bus.context import Call
from conveyor.bus.middleware.base import Next
from conveyor.mq.consumer import PermanentError

log = logging.getLogger("conveyor.bus")


class RetryClassification:
    def __init__(
        self,
        inline_attempts: int = 3,
        backoff: float = 0.2,
        max_delay: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inline_attempts, self.backoff, self.max_delay, self._sleep = inline_attempts, backoff, max_delay, sleep

    def __call__(self, call: Call, next_: Next) -> object:
        while True:
            try:
                return next_(call)
            except (Skipped, PermanentError):
                raise
            except Exception as exc:
                if not is_transient_error(exc):
                    if call.delivered:
                        raise PermanentError(f"{call.spec.name}: {type(exc).__name__}: {exc}") from exc
                    raise
                if call.delivered or call.attempt >= self.inline_attempts:
                    raise
                delay = self._delay(exc, call.attempt)
                log.info(
                    "[%s] %s failed transiently (%s: %s); attempt %d in %.1fs",
                    call.correlation_id,
                    call.spec.name,
                    type(exc).__name__,
                    exc,
                    call.attempt + 1,
                    delay,
                )
                call.attempt += 1
                self._sleep(delay)

    def _delay(self, error: BaseException, attempt: int) -> float:
        retry_after: object = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > 0:
            return min(float(retry_after), self.max_delay)
        return min(self.backoff * 2.0 ** (attempt - 1), self.max_delay)

"""The consumer loop: reserve a batch, run the handler per message, ack, retry or dead-letter.

A handler that has ``handle_batch(envelopes) -> outcomes`` (one ``BaseException | None`` per envelope, same order)
gets each reserved batch in one call instead, so it can share one transaction among the batch's messages; every
delivery is still settled on its own outcome.

Everything optional (limits, signals, the worker registry) is middleware, so this loop stays short and
the same for every transport and for every caller (``queue consume``, ``bus consume``, pipeline runners).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.middleware.base import Middleware
from conveyor.mq.queue import MessageQueue
from conveyor.mq.transports.base import Transport, is_transient

log = logging.getLogger("conveyor.consumer")

Handler = Callable[[Envelope], object]
Outcome = BaseException | None
MAX_BACKOFF = 30.0
PUSH_WAIT = 0.05  # seconds a round waits on a pushing transport before it counts as empty


class PermanentError(Exception):
    """Raised by a handler for a message that can never succeed: dead-lettered without further attempts."""


@dataclass
class ConsumerOptions:
    batch_size: int = 100
    sleep: float = 3.0  # pause after an empty round
    priority: bool = False  # drain the first queue before looking at the next
    max_attempts: int = 3
    retry_delay: float = 1.0  # doubled on each further attempt


@runtime_checkable
class BatchHandler(Protocol):
    """A handler that takes a whole reserved batch: one outcome per envelope (None: success), in order."""

    def handle_batch(self, envelopes: Sequence[Envelope]) -> Sequence[Outcome]: ...


def worker_id() -> str:
    """Unique per process start, readable in reservations: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Consumes ``queues`` (round robin or by priority) with one handler per queue."""

    def __init__(
        self,
        mq: MessageQueue,
        handlers: Mapping[str, Handler],
        options: ConsumerOptions | None = None,
        middleware: Sequence[Middleware] = (),
    ) -> None:
        self.mq = mq
        self.handlers = dict(handlers)
        self.queues = list(handlers)
        # a runtime Protocol check costs microseconds: made once per queue, not once per batch
        self._batch_handlers: dict[str, BatchHandler] = {}
        for queue, handler in self.handlers.items():
            if isinstance(handler, BatchHandler):
                self._batch_handlers[queue] = handler
        self.options = options or ConsumerOptions()
        self._middleware: list[Middleware] = []
        self._stop_checks: list[Callable[[Worker], str | None]] = []
        self._after_message: list[Callable[[Worker, Delivery, BaseException | None], None]] = []
        self._before_message: list[Callable[[Worker, Delivery], None]] = []
        for mw in middleware:
            self.add_middleware(mw)
        self.id = worker_id()
        self.handled = 0
        self.failed = 0
        self.exit_code = 0
        self.started = time.monotonic()
        self.last_message_at = self.started
        self.stop_reason: str | None = None
        # the batch being handled and the index of the first delivery not yet settled: what goes back
        # (without an attempt) if the connection drops mid-batch
        self._pending: tuple[Transport, Sequence[Delivery]] | None = None
        self._pending_at = 0

    @property
    def middleware(self) -> tuple[Middleware, ...]:
        """The middleware in the order added; read-only so that nobody appends one the loop would never call."""
        return tuple(self._middleware)

    def add_middleware(self, middleware: Middleware) -> None:
        """Add ``middleware`` after the others; its hooks are called from the next one on.

        The per-message hook lists are rebuilt here, not looked up in the loop: the loop calls only the hooks
        a middleware overrides, and they run once or twice per message. Add middleware before ``run``: one
        added while the worker runs misses ``before_start``.
        """
        self._middleware.append(middleware)
        if _overrides(middleware, "stop_reason"):
            self._stop_checks = [*self._stop_checks, middleware.stop_reason]
        if _overrides(middleware, "before_message"):
            self._before_message = [*self._before_message, middleware.before_message]
        if _overrides(middleware, "after_message"):
            self._after_message = [*self._after_message, middleware.after_message]

    def _check_stop(self) -> bool:
        for stop_reason in self._stop_checks:
            reason = stop_reason(self)
            if reason:
                self.stop_reason = reason
                return True
        return False

    def run(self) -> int:
        """Consume until a middleware says stop; returns the exit code (0 normal, 1 stopped on error)."""
        self.started = self.last_message_at = time.monotonic()
        for mw in self._middleware:
            mw.before_start(self)
        log.info("worker %s consuming %s", self.id, ", ".join(self.queues))
        backoff = 0.0
        try:
            while not self._check_stop():
                try:
                    if not self._round():
                        for mw in self._middleware:
                            mw.after_empty_round(self)
                        if not self._check_stop():
                            self._idle(self.options.sleep)
                    backoff = 0.0
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    # the database or broker went away: what this worker held returns by refresh/requeue
                    backoff = min(MAX_BACKOFF, backoff * 2 or 0.5)
                    log.warning("worker %s lost its connection (%s); retrying in %.1fs", self.id, exc, backoff)
                    self._sleep(backoff)
        finally:
            for mw in reversed(self._middleware):
                mw.after_stop(self)
        log.info("worker %s stopped: %s", self.id, self.stop_reason)
        return self.exit_code

    def _round(self) -> bool:
        """One pass over the queues; True if any message was handled."""
        self._give_back_pending()
        busy = False
        for queue in self.queues:
            transport = self.mq.transport_for_queue(queue)
            # a pushing broker's buffer can drain between two pushes: wait a moment before calling it empty
            wait = PUSH_WAIT if getattr(transport, "pushes", False) else 0.0
            deliveries = transport.reserve(queue, self.options.batch_size, self.id, wait=wait)
            if not self._dispatch(queue, deliveries):
                return True
            if deliveries:
                busy = True
                if self.options.priority:
                    return True  # start again from the first queue
        return busy

    def _give_back_pending(self) -> None:
        """Return the unsettled rest of a batch cut off by a lost connection, once the connection is back.

        Without this they would wait, "in progress", for ``queue refresh``'s timer or for the worker's death.
        """
        if self._pending is not None:
            transport, deliveries = self._pending
            rest = deliveries[self._pending_at :]
            if rest:
                transport.release(rest)
                log.warning("worker %s gave back %d unsettled deliveries after a lost connection", self.id, len(rest))
            self._pending = None

    def _dispatch(self, queue: str, deliveries: Sequence[Delivery]) -> bool:
        """Handle a reserved batch, one by one or through ``handle_batch``; False if a stop released the rest.

        A batch handler's batch is indivisible: a stop (signal, limit) is seen before it, or after all of it.
        """
        transport = self.mq.transport_for_queue(queue)
        if not deliveries:
            return True
        self._pending, self._pending_at = (transport, deliveries), 0
        handled = self._handle(queue, transport, deliveries)
        try:
            transport.flush()  # the acks a transport sent without waiting: their errors surface here
        except Exception:
            self._pending_at = 0  # which of them committed is unknown: give back what the store still has as ours
            raise
        self._pending = None
        return handled

    def _handle(self, queue: str, transport: Transport, deliveries: Sequence[Delivery]) -> bool:
        batch_handler = self._batch_handlers.get(queue)
        if batch_handler is None:
            handler = self.handlers[queue]
            max_attempts = self.options.max_attempts
            for index, delivery in enumerate(deliveries):
                self._pending_at = index
                if self._stop_checks and self._check_stop():
                    transport.release(deliveries[index:])
                    return False
                if not transport.holds(delivery):  # its connection died: the broker delivers it again
                    continue
                if delivery.attempts > max_attempts and self._exhausted(delivery):
                    continue
                error: BaseException | None = None
                for before_message in self._before_message:
                    before_message(self, delivery)
                try:
                    handler(delivery.envelope)
                except Exception as exc:
                    error = exc
                self._settle(transport, delivery, error)
            return True
        if deliveries and self._check_stop():
            transport.release(deliveries)
            return False
        live = [d for d in deliveries if transport.holds(d) and not self._exhausted(d)]
        self._pending, self._pending_at = (transport, live), 0
        if not live:
            return True
        for delivery in live if self._before_message else ():
            for before_message in self._before_message:
                before_message(self, delivery)
        try:
            outcomes: Sequence[Outcome] = batch_handler.handle_batch([d.envelope for d in live])
            if len(outcomes) != len(live):
                raise RuntimeError(f"handle_batch returned {len(outcomes)} outcomes for {len(live)} messages")
        except Exception as exc:  # the batch failed as a whole: every delivery of it shares the error
            outcomes = [exc] * len(live)
        for delivery, outcome in zip(live, outcomes, strict=True):
            self._settle(transport, delivery, outcome)
            self._pending_at += 1
        return True

    def _exhausted(self, delivery: Delivery) -> bool:
        """Dead-letter a delivery past the maximum attempts, unhandled: a message crashing its worker must not loop."""
        if delivery.attempts <= self.options.max_attempts:
            return False
        text = (
            f"delivered {delivery.attempts} times (max {self.options.max_attempts}) without an ack;"
            f" last error: {delivery.last_error or 'none (the worker died)'}"
        )
        log.error("dead-lettering %s: %s", _name(delivery), text)
        self.mq.transport_for_queue(delivery.queue).dead_letter(delivery, text)
        self.failed += 1
        self.handled += 1
        return True

    def _settle(self, transport: Transport, delivery: Delivery, error: BaseException | None) -> None:
        """Ack, retry (with a doubling delay) or dead-letter one handled delivery by its outcome."""
        if error is None:
            transport.ack(delivery)
        else:
            self.failed += 1
            text = describe(error)  # stored with the message: the traceback too
            summary = f"{type(error).__name__}: {error}"
            log.debug("handler of %s failed: %s", _name(delivery), text)
            if self.is_final(delivery, error):
                log.error("dead-lettering %s after %d attempt(s): %s", _name(delivery), delivery.attempts, summary)
                transport.dead_letter(delivery, text)
            else:
                delay = self.options.retry_delay * 2 ** (delivery.attempts - 1)
                log.warning("retrying %s in %.1fs (attempt %d): %s", _name(delivery), delay, delivery.attempts, summary)
                transport.retry(delivery, text, delay)
        self.handled += 1
        self.last_message_at = time.monotonic()
        for after_message in self._after_message:
            after_message(self, delivery, error)

    def is_final(self, delivery: Delivery, error: BaseException | None) -> bool:
        """True if this outcome ends the delivery's life (ack or dead letter), False if it is retried.

        For middleware that counts messages rather than attempts (a progress bar's total is messages).
        """
        return error is None or isinstance(error, PermanentError) or delivery.attempts >= self.options.max_attempts

    def _idle(self, seconds: float) -> None:
        """Pause after an empty round; a push transport (AMQP) is waited on, so a message ends the pause."""
        push = [q for q in self.queues if getattr(self.mq.transport_for_queue(q), "pushes", False)]
        if not push:
            self._sleep(seconds)
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._check_stop():
            for queue in push:
                transport = self.mq.transport_for_queue(queue)
                deliveries = transport.reserve(queue, self.options.batch_size, self.id, wait=0.2 / len(push))
                if not self._dispatch(queue, deliveries):
                    return
                if deliveries:
                    return

    def _sleep(self, seconds: float) -> None:
        """Sleep in short steps so a signal or limit ends the pause at once."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._check_stop():
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def describe(error: BaseException) -> str:
    """The error as stored with the message: type, text and the innermost frames."""
    frames = traceback.format_exception(error, limit=-3)
    return "".join(frames).strip()[-4000:]


def _overrides(middleware: Middleware, hook: str) -> bool:
    """True if ``middleware`` defines ``hook`` itself rather than inheriting the base class's no-op."""
    return getattr(type(middleware), hook) is not getattr(Middleware, hook)


def _name(delivery: Delivery) -> str:
    return f"{delivery.queue}/{delivery.envelope.topic}#{delivery.envelope.message_id}"

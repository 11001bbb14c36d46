"""The ``amqp`` connection: RabbitMQ through pika, behind the same primitives as the DB queue.

Layout on the broker, per topology queue ``Q``: the durable queue ``Q`` bound to its topic exchanges;
``Q.retry`` where a failed message waits out its delay (per-message expiration) before the broker
dead-letters it back to ``Q`` through the default exchange; ``Q.dead`` holding dead letters.

Why it looks the way it does:

* **Confirms without a round trip per message.** pika's ``BlockingChannel`` in confirm mode waits for
  the broker's ack after every ``basic_publish`` (about 1-2k msg/s). We put the channel's underlying
  ``pika.channel.Channel`` in confirm mode ourselves, write a whole batch, and pump the connection
  until the broker's ``Basic.Ack`` frames (usually ``multiple``) cover the last delivery tag. A batch
  is all confirmed or an exception. Unroutable messages come back as ``Basic.Return`` (``mandatory``)
  before their ack, and are reported as :class:`UnroutableError`.
* **Pull over push.** ``reserve`` subscribes once per queue (``basic_consume`` under ``basic_qos``
  prefetch) and hands out what the broker pushed into a local buffer.
* **Attempts.** The header ``x-conveyor-attempts`` holds the attempts *before* this delivery, so
  ``Delivery.attempts`` is header + 1. A broker redelivery (``redelivered``: a consumer died or lost
  its connection holding the message) is an attempt too, and the broker cannot bump a header, so we
  re-publish such a message with the header bumped and ack the original: every redelivery counts
  once, also repeated ones (a message that keeps killing its worker shows a growing count). The
  approximation: a message that was only prefetched by a consumer that died, never handed to a
  handler, also gains an attempt (except when this very process gets it back after its own
  reconnect: it remembers what it had buffered). ``release`` re-publishes too (``basic_nack`` would
  set ``redelivered`` and count an attempt) so released messages queue up at the tail.
* **Reconnection.** Publishing and consuming use one connection each (RabbitMQ throttles a
  publishing connection, which must not stall a consumer's acks). A dropped connection is replaced
  on next use, with backoff up to ``reconnect_timeout``; the topology is declared again, consumers
  re-subscribe, buffered deliveries are dropped (the broker redelivers them). A publish batch cut by
  a drop is re-sent after reconnecting, the unconfirmed part of it (at least once: duplicates
  possible, never a loss). Settling a delivery of a dead connection is a logged no-op: the broker
  has already requeued it.
* **Retry delays** are per-message expirations on ``Q.retry``, and RabbitMQ expires messages only at
  the head of a queue: a message with a shorter delay behind one with a longer delay waits for it
  (with exponential backoff a delay can stretch to the longest one queued before it).
* **Prefetch** bounds the unacknowledged deliveries of a consumer: ``reserve`` never returns more
  than ``prefetch`` deliveries that are not yet settled, whatever ``limit`` asks.
* **Heartbeats** are only answered while this process calls into the transport (pika's blocking
  adapter has no I/O thread). A handler that runs longer than about two heartbeat intervals loses
  the connection and its message is redelivered: put ``?heartbeat=<seconds>`` (0 disables) in the
  URL when handlers are long.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pika
import pika.exceptions as px
import pika.spec
from sqlalchemy import Connection

from conveyor.mq.envelope import Delivery, Envelope, new_message_id
from conveyor.mq.topology import Topology
from conveyor.mq.transports.base import DeadLetter, QueueCounts, RefreshResult, UnroutableError
from conveyor.settings import Settings, get_settings

log = logging.getLogger("conveyor.mq.amqp")
T = TypeVar("T")

ATTEMPTS = "x-conveyor-attempts"  # attempts before this delivery
ERROR = "x-conveyor-error"  # the last handler error
TOPIC = "x-conveyor-topic"  # the topic, once a copy travels with a queue name as routing key
PERSISTENT = 2
PUBLISH_CHUNK = 1000  # messages written before the output is flushed and acks are read
UNHANDED_MEMORY = 10_000  # message ids remembered from buffers dropped on reconnect

LINK_ERRORS: tuple[type[BaseException], ...] = (
    px.AMQPConnectionError,  # lost, closed by the broker, heartbeat timeout, wrong state …
    px.ChannelWrongStateError,  # a channel of a connection that went away
    px.ChannelClosed,  # includes ChannelClosedByBroker: callers that expect one catch it first
)
CONNECT_ERRORS: tuple[type[BaseException], ...] = (*LINK_ERRORS, OSError)
# PublishError and AmqpUnavailableError too
CLOSE_ERRORS: tuple[type[BaseException], ...] = (*LINK_ERRORS, RuntimeError, ConnectionError)
FATAL_CONNECT_ERRORS: tuple[type[BaseException], ...] = (
    px.AuthenticationError,
    px.ProbableAuthenticationError,
    px.ProbableAccessDeniedError,
)


class AmqpUnavailableError(ConnectionError):
    """The broker stayed unreachable for the whole reconnect timeout."""


class PublishError(RuntimeError):
    """The broker refused (``Basic.Nack``) or did not confirm a batch in time: nothing is promised."""


def retry_queue(queue: str) -> str:
    return f"{queue}.retry"


def dead_queue(queue: str) -> str:
    return f"{queue}.dead"


@dataclass(frozen=True, slots=True)
class _Out:
    """One message to publish."""

    exchange: str
    routing_key: str
    body: bytes
    properties: Any  # pika.BasicProperties


@dataclass(frozen=True, slots=True)
class _Raw:
    """A delivery as the broker pushed it, waiting in the local buffer."""

    generation: int
    delivery_tag: int
    redelivered: bool
    routing_key: str
    properties: Any  # pika.BasicProperties
    body: bytes


def _noop() -> None:
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _is_broker_header(name: str) -> bool:
    return name.startswith(("x-conveyor-", "x-death", "x-first-death-", "x-last-death-"))


def _headers(properties: Any) -> dict[str, Any]:
    return dict(properties.headers or {})


def _envelope(routing_key: str, properties: Any, body: bytes) -> Envelope:
    headers = _headers(properties)
    topic = _text(headers.get(TOPIC)) or routing_key
    user = {k: v for k, v in headers.items() if not _is_broker_header(k)}
    return Envelope(
        topic=topic, body=bytes(body), message_id=properties.message_id or new_message_id(), properties=user
    )


def _prior_attempts(properties: Any) -> int:
    try:
        return max(0, int(_headers(properties).get(ATTEMPTS) or 0))
    except (TypeError, ValueError):
        return 0


def _properties(
    envelope: Envelope,
    attempts: int,
    *,
    error: str | None = None,
    topic: bool = False,
    expiration: str | None = None,
) -> Any:
    headers: dict[str, Any] = dict(envelope.properties)
    if attempts:  # absent reads as 0; leaving it out saves encoding a header table per fresh message
        headers[ATTEMPTS] = attempts
    if error is not None:
        headers[ERROR] = error
    if topic:
        headers[TOPIC] = envelope.topic
    return pika.BasicProperties(
        delivery_mode=PERSISTENT, message_id=envelope.message_id, headers=headers or None, expiration=expiration
    )


def _copy(raw: _Raw, queue: str, attempts: int) -> _Out:
    """A buffered delivery re-published straight to ``queue`` with ``attempts`` (its error kept)."""
    envelope = _envelope(raw.routing_key, raw.properties, raw.body)
    error = _text(_headers(raw.properties).get(ERROR))
    return _Out("", queue, envelope.body, _properties(envelope, attempts, error=error, topic=True))


class _Link:
    """One AMQP connection, replaced whole when it breaks; ``generation`` tells the replacements apart."""

    def __init__(
        self,
        name: str,
        parameters: Any,
        reconnect_timeout: float,
        on_open: Callable[[Any], None],
        on_lost: Callable[[], None],
    ) -> None:
        self.name = name
        self.parameters = parameters
        self.reconnect_timeout = reconnect_timeout
        self.on_open, self.on_lost = on_open, on_lost
        self.conn: Any = None  # pika.BlockingConnection
        self.generation = 0
        self.connected_once = False

    @property
    def is_open(self) -> bool:
        return self.conn is not None and bool(self.conn.is_open)

    def ensure(self) -> Any:
        """The open connection, reconnecting with backoff (and running ``on_open``) if needed."""
        if self.is_open:
            return self.conn
        if self.conn is not None:
            self.lost(None)
        deadline = time.monotonic() + self.reconnect_timeout
        delay = 0.1
        while True:
            try:
                self.conn = pika.BlockingConnection(self.parameters)
                self.generation += 1
                self.on_open(self.conn)
            except FATAL_CONNECT_ERRORS:
                self.lost(None)
                if not self.connected_once:
                    raise
                error: BaseException = ConnectionError("access refused")
            except px.ChannelClosedByBroker:
                self.lost(None)  # declaring or subscribing was refused (404, 406): retrying won't help
                raise
            except CONNECT_ERRORS as exc:
                self.lost(None)
                error = exc
            else:
                if self.connected_once:
                    log.warning("amqp %s connection re-established (generation %d)", self.name, self.generation)
                self.connected_once = True
                return self.conn
            if time.monotonic() + delay > deadline:
                raise AmqpUnavailableError(
                    f"RabbitMQ unreachable for {self.reconnect_timeout:.0f}s ({self.name} connection): {error!r}"
                ) from error
            log.warning("amqp %s connection failed (%r); retrying in %.1fs", self.name, error, delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def lost(self, error: BaseException | None) -> None:
        """Forget the connection (closing it if it still looks open) after ``error``."""
        conn, self.conn = self.conn, None
        if error is not None:
            log.warning("amqp %s connection lost: %r", self.name, error)
        if conn is not None and conn.is_open:
            try:
                conn.close()
            except Exception:  # already broken: nothing to save
                log.debug("closing a broken amqp connection failed", exc_info=True)
        self.on_lost()

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and conn.is_open:
            try:
                conn.close()
            except Exception:
                log.debug("closing the amqp %s connection failed", self.name, exc_info=True)


class _Confirms:
    """A channel in publisher-confirm mode with asynchronous confirms: publish a batch, then wait once.

    Delivery tags count 1, 2, … per channel; ``low`` is the first tag not yet settled, ``settled``
    the tags at or above it that were settled one by one (acks come in order, mostly ``multiple``).
    """

    def __init__(self, conn: Any, timeout: float) -> None:
        self.conn = conn
        self.timeout = timeout
        self.channel = conn.channel()
        # The BlockingChannel would confirm each publish synchronously; its pika.channel.Channel lets
        # us register our own ack/nack callback and publish without waiting.
        self.impl = self.channel._impl
        self.next_tag = 1
        self.low = 1
        self.settled: set[int] = set()
        self.nacked: set[int] = set()
        self.returned: list[tuple[str, str, str | None, str]] = []
        self.closed: BaseException | None = None
        self.waiting = False
        self.first = self.sent = 0
        self.selected = False
        self.impl.add_on_close_callback(self._on_close)
        self.impl.add_on_return_callback(self._on_return)
        self.impl.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_select_ok)
        self._wait(lambda: self.selected, "confirm.select")

    # --- broker callbacks (run inside the connection's I/O processing) -------------------------------
    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        tag, nack = int(method.delivery_tag), isinstance(method, pika.spec.Basic.Nack)
        if method.multiple:
            if nack:
                self.nacked.update(t for t in range(self.low, tag + 1) if t not in self.settled)
            self.settled = {t for t in self.settled if t > tag}
            self.low = max(self.low, tag + 1)
        else:
            if nack:
                self.nacked.add(tag)
            self.settled.add(tag)
        while self.low in self.settled:
            self.settled.discard(self.low)
            self.low += 1
        if self.waiting and self.low >= self.next_tag:
            self._wake()

    def _wake(self) -> None:
        """End the pending ``process_data_events`` at once (it returns early only for queued callbacks)."""
        if self.conn.is_open:  # a closing connection ends it by itself
            with contextlib.suppress(px.ConnectionWrongStateError):
                self.conn.add_callback_threadsafe(_noop)

    def _on_select_ok(self, _frame: Any) -> None:
        self.selected = True
        if self.waiting:
            self._wake()

    def _on_return(self, _channel: Any, method: Any, properties: Any, _body: bytes) -> None:
        self.returned.append((method.exchange, method.routing_key, properties.message_id, method.reply_text))

    def _on_close(self, _channel: Any, reason: BaseException) -> None:
        self.closed = reason
        if self.waiting:
            self._wake()

    # --- publishing ----------------------------------------------------------------------------------
    def is_settled(self, tag: int) -> bool:
        return tag < self.low or tag in self.settled

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.timeout
        self.waiting = True
        try:
            while not done() and self.closed is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PublishError(f"{what}: no confirmation from RabbitMQ within {self.timeout:.0f}s")
                self.conn.process_data_events(time_limit=left)
        finally:
            self.waiting = False
        if self.closed is not None:
            raise self.closed

    def send(self, messages: Sequence[_Out]) -> None:
        """Publish ``messages`` and wait until the broker confirmed them all; raise if any failed."""
        self.nacked.clear()
        self.returned.clear()
        self.first, self.sent = self.next_tag, 0
        publish = self.impl.basic_publish
        for start in range(0, len(messages), PUBLISH_CHUNK):
            for m in messages[start : start + PUBLISH_CHUNK]:
                publish(m.exchange, m.routing_key, m.body, m.properties, mandatory=True)
                self.next_tag += 1
                self.sent += 1
            self.conn.process_data_events(0)  # write the chunk out, read the acks so far
            if self.closed is not None:
                raise self.closed
        self._wait(lambda: self.low >= self.next_tag, f"publishing {len(messages)} message(s)")
        if self.nacked:
            raise PublishError(f"RabbitMQ refused (nack) {len(self.nacked)} of {len(messages)} message(s)")
        if self.returned:
            exchange, key, _message_id, reason = self.returned[0]
            raise UnroutableError(
                f"topic {key!r} has no queue bound on exchange {exchange!r} ({reason}); "
                f"{len(self.returned)} of {len(messages)} message(s) not published"
            )

    def unconfirmed(self, messages: Sequence[_Out]) -> list[_Out]:
        """After a failed ``send``: the messages the broker did not confirm."""
        return [m for i, m in enumerate(messages) if i >= self.sent or not self.is_settled(self.first + i)]


class AmqpTransport:
    """An AMQP connection (``amqp`` unless named otherwise) on the RabbitMQ at ``url``
    (``amqp://user:pass@host:5672/vhost``)."""

    connection = "amqp"
    transactional = False  # atomic publishing goes through the outbox
    pushes = True

    @classmethod
    def from_url(cls, url: str, *, connection: str, settings: Settings) -> AmqpTransport:
        """The ``conveyor.transports`` factory of the amqp and amqps schemes."""
        return cls(url, prefetch=settings.amqp_prefetch, connection=connection)

    def __init__(
        self,
        url: str,
        *,
        prefetch: int | None = None,
        confirm_timeout: float = 30.0,
        reconnect_timeout: float = 60.0,
        connection: str = "amqp",
    ) -> None:
        self.url, self.connection = url, connection
        self.prefetch = prefetch if prefetch is not None else get_settings().amqp_prefetch
        self.confirm_timeout = confirm_timeout
        self.reconnect_timeout = reconnect_timeout
        self.topology = Topology()
        parameters = pika.URLParameters(url)
        if parameters.blocked_connection_timeout is None:  # a resource alarm must not block us forever
            parameters.blocked_connection_timeout = confirm_timeout
        self._pub = _Link("publish", parameters, reconnect_timeout, self._on_publish_open, self._on_publish_lost)
        self._sub = _Link("consume", parameters, reconnect_timeout, self._on_consume_open, self._on_consume_lost)
        self._confirms: _Confirms | None = None
        self._consume_channel: Any = None
        self._subscribed: set[str] = set()  # queues consumed, re-subscribed after a reconnect
        self._consumer_queues: dict[str, str] = {}  # consumer tag → queue
        self._buffers: dict[str, deque[_Raw]] = {}
        self._held: dict[str, set[int]] = {}  # delivery tags handed out and not settled, per queue
        self._unhanded: dict[str, None] = {}  # ids of buffered messages dropped on reconnect (ordered set)
        self._pumped = 0.0

    # --- connections ---------------------------------------------------------------------------------
    def _on_publish_open(self, conn: Any) -> None:
        self._confirms = None
        self._declare(conn)

    def _on_publish_lost(self) -> None:
        self._confirms = None

    def _on_consume_open(self, conn: Any) -> None:
        channel = conn.channel()
        channel.basic_qos(prefetch_count=self.prefetch)
        self._declare(conn)  # after a broker restart the consumer may come back before any publisher
        channel.add_on_cancel_callback(self._on_cancelled)
        self._consume_channel = channel
        self._consumer_queues.clear()
        for queue in sorted(self._subscribed):
            self._subscribe(queue)

    def _on_consume_lost(self) -> None:
        self._consume_channel = None
        for buffer in self._buffers.values():
            for raw in buffer:
                self._unhanded[raw.properties.message_id or ""] = None
            buffer.clear()
        while len(self._unhanded) > UNHANDED_MEMORY:
            del self._unhanded[next(iter(self._unhanded))]
        for held in self._held.values():
            held.clear()

    def _confirmer(self) -> _Confirms:
        conn = self._pub.ensure()
        if self._confirms is None or self._confirms.closed is not None:
            self._confirms = _Confirms(conn, self.confirm_timeout)
        return self._confirms

    def _admin_channel(self) -> Any:
        """A short-lived channel for declarations and inspection: a 404 closes only it."""
        return self._pub.ensure().channel()

    # --- topology ------------------------------------------------------------------------------------
    def declare(self, topology: Topology) -> None:
        self.topology = topology
        if self._amqp_queues() or self._amqp_exchanges():
            if self._pub.is_open:
                self._declare(self._pub.conn)
            else:
                self._pub.ensure()  # declares on open

    def _amqp_queues(self) -> list[str]:
        return [q.name for q in self.topology.queues_on(self.connection)]

    def _amqp_exchanges(self) -> list[Any]:
        return [e for e in self.topology.exchanges.values() if e.connection == self.connection]

    def _declare(self, conn: Any) -> None:
        channel = conn.channel()
        try:
            for queue in self.topology.queues_on(self.connection):
                channel.queue_declare(queue.name, durable=queue.durable)
                channel.queue_declare(
                    retry_queue(queue.name),
                    durable=True,
                    arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue.name},
                )
                channel.queue_declare(dead_queue(queue.name), durable=True)
            for exchange in self._amqp_exchanges():
                channel.exchange_declare(exchange.name, exchange_type="topic", durable=exchange.durable)
                for binding in exchange.bindings:
                    if binding.destination_type != "queue":
                        continue
                    if binding.disabled:
                        channel.queue_unbind(binding.destination, exchange.name, routing_key=binding.topic)
                    else:
                        channel.queue_bind(binding.destination, exchange.name, routing_key=binding.topic)
        finally:
            if channel.is_open:
                channel.close()

    # --- publishing ----------------------------------------------------------------------------------
    def publish(self, exchange: str, envelopes: Sequence[Envelope], conn: Connection | None = None) -> None:
        if conn is not None:
            raise TypeError(
                "AmqpTransport cannot publish inside a database transaction (transactional=False): "
                "stage the messages in the outbox (MessageQueue does) and relay them after commit"
            )
        if not envelopes:
            return
        if (self.connection, exchange) in self.topology.exchanges:
            for envelope in envelopes:  # refuse before sending anything, like the DB transport
                if not self.topology.queues_for(self.connection, exchange, envelope.topic):
                    raise UnroutableError(
                        f"topic {envelope.topic!r} has no queue bound on exchange {exchange!r}; message not published"
                    )
        self._send([_Out(exchange, e.topic, e.body, _properties(e, 0)) for e in envelopes])

    def _send(self, messages: Sequence[_Out]) -> None:
        """Publish with confirms; after a lost connection, reconnect and re-send what was unconfirmed."""
        pending = list(messages)
        lost = 0
        while pending:
            confirms = self._confirmer()
            try:
                confirms.send(pending)
                return
            except px.ConnectionBlockedTimeout as exc:
                self._pub.lost(exc)
                raise PublishError(
                    f"RabbitMQ blocked publishing for {self.confirm_timeout:.0f}s (memory or disk alarm?)"
                ) from exc
            except px.ChannelClosedByBroker as exc:
                self._confirms = None
                if exc.reply_code == 404:  # NOT_FOUND: the exchange (or the queue of a copy) is missing
                    raise UnroutableError(f"cannot publish: {exc.reply_text}") from exc
                raise PublishError(f"RabbitMQ closed the publishing channel: {exc.reply_text}") from exc
            except LINK_ERRORS as exc:
                pending = confirms.unconfirmed(pending)
                self._pub.lost(exc)
                lost += 1
                log.warning("re-sending %d unconfirmed message(s) after reconnecting (%r)", len(pending), exc)
                if lost > 5:
                    raise AmqpUnavailableError(f"publishing failed after {lost} reconnects: {exc!r}") from exc
            except PublishError:
                self._pub.lost(None)  # the channel's confirm state is unknown now
                raise

    # --- consuming -----------------------------------------------------------------------------------
    def _subscribe(self, queue: str) -> None:
        channel = self._consume_channel
        generation = self._sub.generation
        self._buffers.setdefault(queue, deque())
        self._held.setdefault(queue, set())
        tag = channel.basic_consume(queue, functools.partial(self._on_message, queue, generation), auto_ack=False)
        self._consumer_queues[tag] = queue
        self._subscribed.add(queue)

    def _on_cancelled(self, frame: Any) -> None:
        queue = self._consumer_queues.pop(frame.method.consumer_tag, None)
        if queue is not None:
            log.warning(
                "RabbitMQ cancelled the consumer of %r (queue deleted?); re-subscribing on next reserve",
                queue,
            )
            self._subscribed.discard(queue)

    def _on_message(
        self, queue: str, generation: int, _channel: Any, method: Any, properties: Any, body: bytes
    ) -> None:
        self._buffers[queue].append(
            _Raw(
                generation,
                int(method.delivery_tag),
                bool(method.redelivered),
                method.routing_key,
                properties,
                body,
            )
        )

    def reserve(self, queue: str, limit: int, worker: str, wait: float = 0.0) -> list[Delivery]:
        deadline = time.monotonic() + wait
        failures = 0
        while True:
            try:
                return self._reserve(queue, limit, deadline)
            except px.ChannelClosedByBroker as exc:
                self._sub.lost(exc)
                if exc.reply_code == 404:
                    raise LookupError(f"queue {queue!r} does not exist on the broker: {exc.reply_text}") from exc
                failures += 1
                if failures > 3:
                    raise
            except LINK_ERRORS as exc:
                self._sub.lost(exc)
                failures += 1
                if failures > 3:
                    raise AmqpUnavailableError(f"consuming {queue!r} keeps failing: {exc!r}") from exc

    def _reserve(self, queue: str, limit: int, deadline: float) -> list[Delivery]:
        conn = self._sub.ensure()
        if queue not in self._subscribed or queue not in self._buffers:
            self._subscribe(queue)
        buffer = self._buffers[queue]
        conn.process_data_events(0)
        while not buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            conn.process_data_events(time_limit=left)  # returns as soon as a delivery is dispatched
            if buffer:
                conn.process_data_events(0)  # and whatever came with it
        self._pump_publisher()
        deliveries: list[Delivery] = []
        redelivered: list[_Raw] = []
        held = self._held[queue]
        while buffer and len(deliveries) < limit:
            raw = buffer.popleft()
            prior = _prior_attempts(raw.properties)
            if raw.redelivered:
                if raw.properties.message_id in self._unhanded:
                    del self._unhanded[raw.properties.message_id]  # ours, dropped unhandled on reconnect
                else:
                    redelivered.append(raw)
                    continue
            held.add(raw.delivery_tag)
            deliveries.append(
                Delivery(
                    envelope=_envelope(raw.routing_key, raw.properties, raw.body),
                    queue=queue,
                    attempts=prior + 1,
                    tag=(raw.generation, raw.delivery_tag),
                    last_error=_text(_headers(raw.properties).get(ERROR)),
                )
            )
        if redelivered:
            self._count_redeliveries(queue, redelivered)
        return deliveries

    def _count_redeliveries(self, queue: str, raws: list[_Raw]) -> None:
        """Turn broker redeliveries into copies with one more attempt (the broker can't bump a header)."""
        copies = [_copy(raw, queue, _prior_attempts(raw.properties) + 1) for raw in raws]
        log.info("%d message(s) of %r redelivered by the broker: counted as an attempt", len(raws), queue)
        try:
            self._send(copies)
        except Exception:
            self._buffers[queue].extendleft(reversed(raws))  # still ours, unacked: try again next time
            raise
        for raw in raws:
            self._settle_raw(raw)

    def _pump_publisher(self) -> None:
        """Let the (otherwise idle) publishing connection answer heartbeats while we consume."""
        now = time.monotonic()
        if now - self._pumped < 5.0 or not self._pub.is_open:
            return
        self._pumped = now
        try:
            self._pub.conn.process_data_events(0)
        except LINK_ERRORS as exc:
            self._pub.lost(exc)

    # --- settling ------------------------------------------------------------------------------------
    def _current(self, delivery: Delivery) -> bool:
        if self.holds(delivery):
            return True
        log.info(
            "delivery %s of %r came from a lost connection (or was settled): the broker redelivers it",
            delivery.envelope.message_id,
            delivery.queue,
        )
        return False

    def _basic_ack(self, queue: str, tag: int) -> None:
        self._held.get(queue, set()).discard(tag)
        try:
            self._consume_channel.basic_ack(tag)
        except LINK_ERRORS as exc:
            self._sub.lost(exc)
            log.warning("ack of a %r delivery lost with the connection: the broker redelivers it", queue)

    def _settle_raw(self, raw: _Raw) -> None:
        if raw.generation == self._sub.generation and self._sub.is_open:
            try:
                self._consume_channel.basic_ack(raw.delivery_tag)
            except LINK_ERRORS as exc:
                self._sub.lost(exc)

    def flush(self) -> None:
        """Nothing to wait for: an AMQP ack has no answer, and is on its way when ``ack`` returns."""

    def holds(self, delivery: Delivery) -> bool:
        generation, tag = delivery.tag
        return generation == self._sub.generation and self._sub.is_open and tag in self._held.get(delivery.queue, ())

    def ack(self, delivery: Delivery) -> None:
        if self._current(delivery):
            self._basic_ack(delivery.queue, delivery.tag[1])

    def _republish_then_ack(self, deliveries: Sequence[Delivery], copies: Sequence[_Out]) -> None:
        """Copies first, confirmed; then the originals go (a crash in between only duplicates)."""
        if copies:
            self._send(copies)
        for delivery in deliveries:
            if self._current(delivery):
                self._basic_ack(delivery.queue, delivery.tag[1])

    def retry(self, delivery: Delivery, error: str, delay: float) -> None:
        if not self._current(delivery):
            return
        expiration = str(max(0, int(delay * 1000)))
        copy = _Out(
            "",
            retry_queue(delivery.queue),
            delivery.envelope.body,
            _properties(delivery.envelope, delivery.attempts, error=error, topic=True, expiration=expiration),
        )
        self._republish_then_ack([delivery], [copy])

    def dead_letter(self, delivery: Delivery, error: str) -> None:
        if not self._current(delivery):
            return
        copy = _Out(
            "",
            dead_queue(delivery.queue),
            delivery.envelope.body,
            _properties(delivery.envelope, delivery.attempts, error=error, topic=True),
        )
        self._republish_then_ack([delivery], [copy])

    def release(self, deliveries: Sequence[Delivery]) -> None:
        """Give back without counting an attempt: re-publish with the old count, then ack.

        ``basic_nack(requeue=True)`` would mark the message ``redelivered``, which counts as an attempt.
        """
        current = [d for d in deliveries if self._current(d)]
        copies = [
            _Out(
                "",
                d.queue,
                d.envelope.body,
                _properties(d.envelope, d.attempts - 1, error=d.last_error, topic=True),
            )
            for d in current
        ]
        self._republish_then_ack(current, copies)

    # --- inspection and maintenance ------------------------------------------------------------------
    def _admin(self, operation: Callable[[Any], T]) -> T:
        """Run ``operation`` on a short-lived channel (a 404 closes only it), reconnecting once if needed."""
        for attempt in (1, 2):
            channel = self._admin_channel()
            try:
                return operation(channel)
            except px.ChannelClosedByBroker:
                raise
            except LINK_ERRORS as exc:
                self._pub.lost(exc)
                if attempt == 2:
                    raise
            finally:
                if channel.is_open:
                    try:
                        channel.close()
                    except LINK_ERRORS:
                        log.debug("closing an amqp admin channel failed", exc_info=True)
        raise AssertionError("unreachable")

    def _ready_count(self, queue: str) -> int:
        """Messages ready in ``queue`` (passive declare); 0 when the queue does not exist."""

        def count(channel: Any) -> int:
            return int(channel.queue_declare(queue, passive=True).method.message_count)

        try:
            return self._admin(count)
        except px.ChannelClosedByBroker as exc:
            if exc.reply_code != 404:
                raise
            return 0

    def counts(self, queue: str) -> QueueCounts:
        return QueueCounts(
            queue=queue,
            waiting=self._ready_count(queue),
            retrying=self._ready_count(retry_queue(queue)),
            dead=self._ready_count(dead_queue(queue)),
            in_progress=len(self._held.get(queue, ())) + len(self._buffers.get(queue, ())),
        )

    @staticmethod
    def _get(channel: Any, queue: str, limit: int | None) -> list[tuple[Any, Any, bytes]]:
        """Up to ``limit`` messages of ``queue``, fetched unacknowledged (they stay the broker's)."""
        got: list[tuple[Any, Any, bytes]] = []
        while limit is None or len(got) < limit:
            method, properties, body = channel.basic_get(queue, auto_ack=False)
            if method is None:
                break
            got.append((method, properties, body))
            if method.message_count == 0:
                break
        return got

    def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        def peek(channel: Any) -> list[DeadLetter]:
            got = self._get(channel, dead_queue(queue), limit)
            if got:
                channel.basic_nack(delivery_tag=0, multiple=True, requeue=True)
            return [
                DeadLetter(
                    queue=queue,
                    envelope=_envelope(method.routing_key, properties, body),
                    attempts=_prior_attempts(properties),
                    error=_text(_headers(properties).get(ERROR)),
                    id=properties.message_id,
                )
                for method, properties, body in got
            ]

        return self._admin(peek)

    def replay(self, queue: str, ids: Sequence[Any] | None = None) -> int:
        """Copy the chosen dead letters back to ``queue`` (attempts reset), confirmed; then remove them."""
        wanted = None if ids is None else {str(i) for i in ids}

        def move(channel: Any) -> int:
            got = self._get(channel, dead_queue(queue), None)
            chosen = [g for g in got if wanted is None or g[1].message_id in wanted]
            copies = []
            for method, properties, body in chosen:
                envelope = _envelope(method.routing_key, properties, body)
                copies.append(_Out("", queue, envelope.body, _properties(envelope, 0, topic=True)))
            if copies:
                self._send(copies)
                try:
                    for method, _props, _body in chosen:
                        channel.basic_ack(method.delivery_tag)
                except LINK_ERRORS as exc:
                    raise AmqpUnavailableError(
                        f"replayed {len(copies)} message(s) to {queue!r} but lost the connection before "
                        f"removing them from {dead_queue(queue)!r}: they are still listed as dead letters"
                    ) from exc
            if len(chosen) < len(got):
                channel.basic_nack(delivery_tag=0, multiple=True, requeue=True)
            return len(chosen)

        return self._admin(move)

    def purge(self, queue: str) -> int:
        """Delete what waits in ``queue`` and ``queue.retry``, and what this transport buffered unhanded."""

        def empty(channel: Any) -> int:
            purged = int(channel.queue_purge(queue).method.message_count)
            return purged + int(channel.queue_purge(retry_queue(queue)).method.message_count)

        purged = self._admin(empty)
        buffer = self._buffers.get(queue)
        while buffer:
            self._settle_raw(buffer.popleft())
            purged += 1
        return purged

    def reclaim(self, workers: Sequence[str], max_attempts: int) -> RefreshResult:
        """Nothing to do: the broker returned a dead worker's deliveries when its connection closed."""
        return RefreshResult()

    def refresh(self, reserved_seconds: float, max_attempts: int) -> RefreshResult:
        return RefreshResult(
            details=[
                "amqp: RabbitMQ requeues the unacknowledged deliveries of dead connections by itself; "
                "their next delivery counts as an attempt"
            ]
        )

    def clean(self, retention_seconds: float) -> int:
        return 0  # acknowledged messages are gone from the broker already

    def close(self) -> None:
        """Stop consuming, give buffered (never handed out) deliveries back uncounted, close."""
        try:
            if self._sub.is_open:
                self._sub.conn.process_data_events(0)
                for consumer_tag in list(self._consume_channel.consumer_tags):
                    self._consume_channel.basic_cancel(consumer_tag)
                for queue, buffer in self._buffers.items():
                    raws = list(buffer)
                    buffer.clear()
                    if raws and self._pub.is_open:  # else the broker requeues them (counting a redelivery)
                        self._give_back(queue, raws)
        except CLOSE_ERRORS as exc:
            log.warning("amqp close: could not give back buffered deliveries (%r); the broker requeues them", exc)
        finally:
            self._subscribed.clear()
            self._sub.close()
            self._pub.close()
            self._consume_channel = None
            self._confirms = None
            self._buffers.clear()
            self._held.clear()

    def _give_back(self, queue: str, raws: list[_Raw]) -> None:
        copies = [
            # a redelivery not yet counted counts now
            _copy(
                raw,
                queue,
                _prior_attempts(raw.properties) + (raw.redelivered and raw.properties.message_id not in self._unhanded),
            )
            for raw in raws
        ]
        self._send(copies)
        for raw in raws:
            self._settle_raw(raw)

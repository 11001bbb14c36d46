"""The ``memory://`` transport: queues in this process's memory, for fast unit tests (no I/O, no server).

It keeps the DB queue's semantics, so a test that passes here means the same on SQLite or RabbitMQ: routing by
the topology's bindings (an unroutable topic is refused), claims in due order with attempts counted, retries
after a delay, dead letters with their error and replay, release without an attempt, purge, counts, reservations
that ``refresh`` returns or dead-letters, ``clean`` of complete messages. A message is stored encoded (topic,
body, JSON properties) and decoded on each delivery, as the DB queue does: handlers get fresh envelopes, and a
property that could not travel through a real transport fails here too.

**State** lives in a :class:`MemoryBroker` owned by the transport instance, never in a module-level registry:
two MessageQueues given the same ``memory://name`` URL do **not** share messages (each owns its broker); the
``name`` is only a label. Within one MessageQueue, a URL used by both connections (``db`` and ``amqp``) names one
broker: the MessageQueue asks the first transport for a view on the second connection (``for_connection``).
Nothing survives the process: durability is not modelled.

**Transactions.** The transport is ``transactional``: ``publish(…, conn=…)`` inside a transaction holds the
messages until that connection commits (SQLAlchemy's ``commit`` event) and drops them on rollback, or on the
rollback of the savepoint they were published in. SQLAlchemy fires ``commit`` just before the driver's COMMIT,
so if the COMMIT itself then fails the messages are already out; the DB queue (same transaction) and the AMQP
outbox (relayed after commit) have no such gap. Outside a transaction (or without ``conn``) it publishes at once.

Thread-safe: one lock guards everything, and a condition on it wakes consumers waiting in ``reserve`` (so the
transport ``pushes``: a worker idles by waiting, and a publish ends the wait).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, event

from conveyor.db.engine import now
from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.topology import Topology
from conveyor.mq.transports.base import (
    DeadLetter,
    QueueCounts,
    RefreshResult,
    Transport,
    UnroutableError,
    expired_reservation,
)
from conveyor.settings import Settings


@dataclass(slots=True)
class _Message:
    """A message's copy in one queue (the DB queue's status row): fan-out makes one per bound queue."""

    id: int
    topic: str
    body: bytes
    properties: str
    available_at: float
    attempts: int = 0  # deliveries so far
    error: str | None = None  # the last handler error
    retrying: bool = False  # waiting again after a failed or expired delivery (the DB queue's "retry required")
    reserved_by: str | None = None
    reserved_at: float = 0.0
    reservation: int = 0  # which reservation holds it: a settle of an older one is ignored

    def envelope(self) -> Envelope:
        return Envelope.decode(self.topic, self.body, self.properties)


@dataclass
class _Queue:
    waiting: list[tuple[float, int, _Message]] = field(default_factory=list)  # a heap by (due time, id)
    held: dict[int, _Message] = field(default_factory=dict)  # reserved, by id
    dead: dict[int, _Message] = field(default_factory=dict)  # in the order they died
    completed_at: deque[float] = field(default_factory=deque)  # ack times, oldest first, until ``clean``

    def put(self, message: _Message) -> None:
        heapq.heappush(self.waiting, (message.available_at, message.id, message))


Routed = tuple[tuple[str, ...], str, bytes, str]  # (queues, topic, body, encoded properties)


class MemoryBroker:
    """The messages of every queue, behind one lock; shared by the transports of one MessageQueue's URL."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.changed = threading.Condition()  # the lock; notified when a message may have become available
        self.queues: dict[str, _Queue] = {}
        self._ids = itertools.count(1)
        self._reservations = itertools.count(1)

    def queue(self, name: str) -> _Queue:
        """The queue ``name`` (created on first use, as the DB queue does); call with the lock held."""
        found = self.queues.get(name)
        if found is None:
            found = self.queues[name] = _Queue()
        return found

    def enqueue(self, routed: Sequence[Routed]) -> None:
        t = now()
        with self.changed:
            for queues, topic, body, properties in routed:
                for name in queues:
                    self.queue(name).put(_Message(next(self._ids), topic, body, properties, available_at=t))
            self.changed.notify_all()

    def take(self, name: str, limit: int, worker: str) -> list[Delivery]:
        """Reserve up to ``limit`` due messages of ``name`` in due order; call with the lock held."""
        queue, t = self.queue(name), now()
        taken: list[Delivery] = []
        while queue.waiting and len(taken) < limit and queue.waiting[0][0] <= t:
            message = heapq.heappop(queue.waiting)[2]
            message.attempts += 1
            message.reserved_by, message.reserved_at = worker, t
            message.reservation = next(self._reservations)
            queue.held[message.id] = message
            tag = (message.id, message.reservation)
            taken.append(Delivery(message.envelope(), name, message.attempts, tag, message.error))
        return taken


@dataclass
class _Held:
    """Messages published in a connection's open transaction, with the savepoints they were published under."""

    routed: list[Routed] = field(default_factory=list)
    savepoints: list[int] = field(default_factory=list)  # len(routed) when each open savepoint began


class MemoryTransport:
    """One connection name's view on a :class:`MemoryBroker`; ``memory://name`` (the name is a label)."""

    transactional = True  # publish(conn=…) waits for the connection's commit
    joins_any_transaction = True  # whatever database that connection is on: it keeps no rows there
    pushes = True  # reserve(wait=…) waits on the broker's condition

    @classmethod
    def from_url(cls, url: str, *, connection: str, settings: Settings) -> MemoryTransport:
        """The ``conveyor.transports`` factory of the memory scheme (nothing of the settings applies)."""
        return cls(url, connection=connection)

    def __init__(self, url: str = "memory://", *, connection: str = "db", broker: MemoryBroker | None = None) -> None:
        self.url = url
        self.connection = connection
        self.broker = broker or MemoryBroker(url.split("://", 1)[-1])
        self.topology = Topology()
        self._held: weakref.WeakKeyDictionary[Connection, _Held] = weakref.WeakKeyDictionary()

    def for_connection(self, connection: str) -> Transport:
        """A transport for another connection name on the same broker: one URL, one set of queues."""
        return MemoryTransport(self.url, connection=connection, broker=self.broker)

    # --- topology ------------------------------------------------------------------------------------
    def declare(self, topology: Topology) -> None:
        self.topology = topology
        with self.broker.changed:
            for queue in topology.queues_on(self.connection):
                self.broker.queue(queue.name)

    # --- publishing ----------------------------------------------------------------------------------
    def publish(self, exchange: str, envelopes: Sequence[Envelope], conn: Connection | None = None) -> None:
        routed = [self._route(exchange, e) for e in envelopes]  # all refused before any is published
        if conn is not None and conn.in_transaction():
            self._hold(conn).routed.extend(routed)
        else:
            self.broker.enqueue(routed)

    def _route(self, exchange: str, envelope: Envelope) -> Routed:
        queues = self.topology.queues_for(self.connection, exchange, envelope.topic)
        if not queues:
            raise UnroutableError(
                f"topic {envelope.topic!r} has no queue bound on exchange {exchange!r}; message not published"
            )
        return queues, envelope.topic, envelope.body, envelope.encoded_properties()

    def _hold(self, conn: Connection) -> _Held:
        """The held messages of ``conn``'s transaction; the first time, listen to its commits and rollbacks.

        Savepoints opened before the first publish are unknown here; a rollback of one of them can only
        discard everything held (it encloses all of it), and its release changes nothing.
        """
        with self.broker.changed:
            held = self._held.get(conn)
            if held is None:
                held = self._held[conn] = _Held()
                event.listen(conn, "commit", self._on_commit)
                event.listen(conn, "rollback", self._on_rollback)
                event.listen(conn, "savepoint", self._on_savepoint)
                event.listen(conn, "rollback_savepoint", self._on_rollback_savepoint)
                event.listen(conn, "release_savepoint", self._on_release_savepoint)
            return held

    def _on_commit(self, conn: Connection) -> None:
        held = self._held[conn]
        routed, held.routed, held.savepoints = held.routed, [], []
        if routed:
            self.broker.enqueue(routed)

    def _on_rollback(self, conn: Connection) -> None:
        held = self._held[conn]
        held.routed, held.savepoints = [], []

    def _on_savepoint(self, conn: Connection, _name: str | None) -> None:
        held = self._held[conn]
        held.savepoints.append(len(held.routed))

    def _on_rollback_savepoint(self, conn: Connection, _name: str, _context: Any) -> None:
        held = self._held[conn]
        del held.routed[held.savepoints.pop() if held.savepoints else 0 :]

    def _on_release_savepoint(self, conn: Connection, _name: str, _context: Any) -> None:
        held = self._held[conn]
        if held.savepoints:
            held.savepoints.pop()

    # --- consuming -----------------------------------------------------------------------------------
    def reserve(self, queue: str, limit: int, worker: str, wait: float = 0.0) -> list[Delivery]:
        deadline = time.monotonic() + wait
        with self.broker.changed:
            while True:
                taken = self.broker.take(queue, limit, worker)
                remaining = deadline - time.monotonic()
                if taken or remaining <= 0:
                    return taken
                waiting = self.broker.queue(queue).waiting
                if waiting:  # a retry comes due before anyone publishes: wake up for it
                    remaining = min(remaining, max(0.001, waiting[0][0] - now()))
                self.broker.changed.wait(remaining)

    def _settle(self, delivery: Delivery) -> tuple[_Queue, _Message] | None:
        """Take the delivery's message out of the held ones; None if this reservation no longer holds it
        (``refresh`` gave it back): the settle of an expired reservation changes nothing, as on the DB queue."""
        message_id, reservation = delivery.tag
        queue = self.broker.queue(delivery.queue)
        message = queue.held.get(message_id)
        if message is None or message.reservation != reservation:
            return None
        del queue.held[message_id]
        message.reserved_by = None
        return queue, message

    def ack(self, delivery: Delivery) -> None:
        with self.broker.changed:
            if settled := self._settle(delivery):
                settled[0].completed_at.append(now())

    def retry(self, delivery: Delivery, error: str, delay: float) -> None:
        with self.broker.changed:
            if settled := self._settle(delivery):
                queue, message = settled
                message.error, message.retrying, message.available_at = error, True, now() + delay
                queue.put(message)
                self.broker.changed.notify_all()

    def dead_letter(self, delivery: Delivery, error: str) -> None:
        with self.broker.changed:
            if settled := self._settle(delivery):
                queue, message = settled
                message.error = error
                queue.dead[message.id] = message

    def flush(self) -> None:
        """Nothing is pipelined here: each settle is done when it returns."""

    def holds(self, delivery: Delivery) -> bool:
        """A reservation stays until it is settled."""
        return True

    def release(self, deliveries: Sequence[Delivery]) -> None:
        with self.broker.changed:
            t = now()
            for delivery in deliveries:
                if settled := self._settle(delivery):
                    queue, message = settled
                    message.attempts -= 1
                    message.retrying = message.error is not None  # back as it was before the reservation
                    message.available_at = t
                    queue.put(message)
            self.broker.changed.notify_all()

    # --- inspection and maintenance ------------------------------------------------------------------
    def counts(self, queue: str) -> QueueCounts:
        with self.broker.changed:
            state = self.broker.queue(queue)
            retrying = sum(1 for _, _, message in state.waiting if message.retrying)
            return QueueCounts(
                queue=queue,
                waiting=len(state.waiting) - retrying,
                retrying=retrying,
                in_progress=len(state.held),
                complete=len(state.completed_at),
                dead=len(state.dead),
                oldest_waiting_age=max(0.0, now() - state.waiting[0][0]) if state.waiting else None,
            )

    def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        with self.broker.changed:
            dead = list(itertools.islice(self.broker.queue(queue).dead.values(), limit))
        return [DeadLetter(queue, m.envelope(), m.attempts, m.error, m.id) for m in dead]

    def replay(self, queue: str, ids: Sequence[Any] | None = None) -> int:
        with self.broker.changed:
            state, t = self.broker.queue(queue), now()
            chosen = list(state.dead) if ids is None else [int(i) for i in ids if int(i) in state.dead]
            for message_id in chosen:
                message = state.dead.pop(message_id)
                message.attempts, message.error, message.retrying, message.available_at = 0, None, False, t
                state.put(message)
            self.broker.changed.notify_all()
        return len(chosen)

    def purge(self, queue: str) -> int:
        with self.broker.changed:
            state = self.broker.queue(queue)
            purged = len(state.waiting)
            state.waiting.clear()
        return purged

    def refresh(self, reserved_seconds: float, max_attempts: int) -> RefreshResult:
        """Give back reservations older than ``reserved_seconds`` (every queue of the broker, as the DB queue
        refreshes every queue of its database); past ``max_attempts``, dead-letter them."""
        cutoff = now() - reserved_seconds
        return self._give_back(lambda message: message.reserved_at < cutoff, max_attempts)

    def reclaim(self, workers: Sequence[str], max_attempts: int) -> RefreshResult:
        dead = set(workers)
        return self._give_back(lambda message: message.reserved_by in dead, max_attempts)

    def _give_back(self, selected: Callable[[_Message], bool], max_attempts: int) -> RefreshResult:
        """The DB queue's rule: per worker, only the first held message (its handler was running) keeps the
        attempt; the never-started rest go back without one."""
        result = RefreshResult()
        with self.broker.changed:
            t = now()
            for name, queue in self.broker.queues.items():
                started: set[str | None] = set()
                for message in [m for m in queue.held.values() if selected(m)]:  # held in reservation order
                    del queue.held[message.id]
                    first = message.reserved_by not in started
                    started.add(message.reserved_by)
                    if first and message.attempts >= max_attempts:
                        reason = expired_reservation(message.reserved_by, message.attempts, message.error)
                        message.error = reason
                        queue.dead[message.id] = message
                        result.dead_lettered += 1
                        result.details.append(f"dead-lettered message #{message.id} of {name}: {reason}")
                    else:
                        if not first:
                            message.attempts -= 1
                        message.retrying, message.available_at = first or message.error is not None, t
                        queue.put(message)
                        result.requeued += 1
                    message.reserved_by = None
            self.broker.changed.notify_all()
        return result

    def clean(self, retention_seconds: float) -> int:
        cutoff, cleaned = now() - retention_seconds, 0
        with self.broker.changed:
            for queue in self.broker.queues.values():
                while queue.completed_at and queue.completed_at[0] < cutoff:
                    queue.completed_at.popleft()
                    cleaned += 1
        return cleaned

    def close(self) -> None:
        """Nothing to release: reservations stay held until settled or refreshed, as on the DB queue."""

"""The wiring: a topology plus one transport per connection, and the publishing API everything uses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from conveyor.db.engine import get_engine
from conveyor.mq import outbox
from conveyor.mq.envelope import Envelope
from conveyor.mq.topology import Topology, TopologyError
from conveyor.mq.transports.base import (
    JoinsAnyTransaction,
    SharesState,
    Transport,
    UnroutableError,
    transport_for_url,
)
from conveyor.settings import Settings, get_settings


class Transaction:
    """A DB transaction that can also publish: messages exist iff the transaction commits."""

    def __init__(self, mq: MessageQueue, conn: Connection) -> None:
        self.mq, self.conn = mq, conn
        self.outboxed = False

    def publish(self, topic: str, payload: Any, **properties: Any) -> Envelope:
        envelope = Envelope.of(topic, payload, **properties)
        self.publish_envelopes([envelope])
        return envelope

    def publish_envelopes(self, envelopes: Sequence[Envelope]) -> None:
        self.outboxed |= self.mq.publish_envelopes(envelopes, conn=self.conn)

    def emit(self, topic: str, payload: Any) -> Envelope | None:
        """Publish a domain event (``sales.order.placed`` …) with this transaction, if a queue is bound to its topic.

        An event is news, not a request: with no queue bound it is not published at all, so an event nobody
        listens to costs one dictionary lookup. A user (or the order workflow) binds a queue to ``sales.#`` in
        its topology to receive them.
        """
        if not self.mq.is_bound(topic):
            return None
        return self.publish(topic, payload)


class MessageQueue:
    """Publishes by topic (the topology decides connection and exchange) and hands out transports."""

    def __init__(
        self,
        topology: Topology,
        settings: Settings | None = None,
        *,
        database_url: str | None = None,
        amqp_url: str | None = None,
    ) -> None:
        self.topology = topology
        self.settings = settings or get_settings()
        self.database_url = database_url or self.settings.database_url
        self.amqp_url = amqp_url or self.settings.amqp_url
        # connection name → URL: the settings' (db and amqp, plus CONVEYOR_CONNECTIONS), the arguments winning
        self.connections = dict(self.settings.connections)
        self.connections.update({k: v for k, v in (("db", database_url), ("amqp", amqp_url)) if v})
        self._transports: dict[str, Transport] = {}
        self._shares: dict[str, bool] = {}
        self._declared: set[str] = set()
        self._bound: dict[str, bool] = {}  # topic → whether any queue receives it (the topology is fixed)

    @property
    def engine(self) -> Engine:
        return get_engine(self.database_url)

    def transport(self, connection: str) -> Transport:
        """The transport of a connection name, created and declared on first use."""
        transport = self._transports.get(connection)
        if transport is None:
            url = self.connections.get(connection)
            if url is None:
                known = ", ".join(sorted(self.connections))
                raise TopologyError(None, "connection", f"unknown connection {connection!r} (known: {known})")
            transport = self._sibling(connection, url) or transport_for_url(
                url, connection=connection, settings=self.settings
            )
            transport.declare(self.topology)
            self._transports[connection] = transport
        return transport

    def _sibling(self, connection: str, url: str) -> Transport | None:
        """A view for ``connection`` on the state of a transport already made for the same URL, if it has one
        (``memory://``: both connections on one URL must see the same messages)."""
        for other, existing in self._transports.items():
            if self.connections.get(other) == url and isinstance(existing, SharesState):
                return existing.for_connection(connection)
        return None

    def declare(self) -> None:
        """Create every transport the topology uses (declaring its queues, exchanges and bindings)."""
        for connection in sorted({q.connection for q in self.topology.queues.values()}):
            self.transport(connection)

    def transport_for_queue(self, queue: str) -> Transport:
        found = self.topology.queues.get(queue)
        if found is None:
            raise TopologyError(None, "queue", f"unknown queue {queue!r}")
        return self.transport(found.connection)

    # --- publishing ----------------------------------------------------------------------------------
    def is_bound(self, topic: str) -> bool:
        """Whether publishing ``topic`` reaches at least one queue."""
        bound = self._bound.get(topic)
        if bound is None:
            bound = self._bound[topic] = bool(self.topology.queues_for(*self.topology.route(topic), topic))
        return bound

    def publish(self, topic: str, payload: Any, *, conn: Connection | None = None, **properties: Any) -> Envelope:
        """Publish one JSON payload; with ``conn``, atomically with that connection's transaction."""
        envelope = Envelope.of(topic, payload, **properties)
        self.publish_envelopes([envelope], conn=conn)
        return envelope

    def publish_batch(self, topic: str, payloads: Iterable[Any], *, conn: Connection | None = None) -> int:
        envelopes = [Envelope.of(topic, p) for p in payloads]
        self.publish_envelopes(envelopes, conn=conn)
        return len(envelopes)

    def publish_envelopes(self, envelopes: Sequence[Envelope], *, conn: Connection | None = None) -> bool:
        """Publish, grouped by the connection and exchange each topic routes to; True if outboxed.

        Inside a transaction (``conn``) a non-transactional transport's messages go to the outbox and are
        relayed once the caller commits (``Transaction`` does it; ``relay_outbox`` catches up otherwise).
        """
        outboxed = False
        for (connection, exchange), batch in self._by_route(envelopes).items():
            transport = self.transport(connection)
            if conn is not None and not self._shares_transaction(connection, transport):
                self._check_routable(connection, exchange, batch)
                outbox.stage(conn, batch)
                outboxed = True
            else:
                transport.publish(exchange, batch, conn=conn)
        return outboxed

    def _shares_transaction(self, connection: str, transport: Transport) -> bool:
        """Whether ``transport`` can publish in a transaction of ``self.engine``: a transactional one on the same
        database (a DB queue elsewhere gets the outbox, as a broker does)."""
        shared = self._shares.get(connection)
        if shared is None:
            same_database = self.connections[connection] == self.database_url
            shared = self._shares[connection] = transport.transactional and (
                same_database or isinstance(transport, JoinsAnyTransaction)
            )
        return shared

    def _by_route(self, envelopes: Sequence[Envelope]) -> dict[tuple[str, str], list[Envelope]]:
        """Envelopes grouped by the (connection, exchange) their topic is published to, order kept."""
        topics = set(map(attrgetter("topic"), envelopes))  # one C-level pass
        if len(topics) == 1:  # a batch is usually one topic: no loop in Python
            return {self.topology.route(topics.pop()): list(envelopes)}
        groups: dict[tuple[str, str], list[Envelope]] = {}
        by_topic: dict[str, list[Envelope]] = {}  # route each topic once
        for envelope in envelopes:
            found = by_topic.get(envelope.topic)
            if found is None:
                found = by_topic[envelope.topic] = groups.setdefault(self.topology.route(envelope.topic), [])
            found.append(envelope)
        return groups

    def _check_routable(self, connection: str, exchange: str, envelopes: Sequence[Envelope]) -> None:
        """Refuse an unroutable topic now, inside the caller's transaction, not later in the relay."""
        for envelope in envelopes:
            if not self.topology.queues_for(connection, exchange, envelope.topic):
                raise UnroutableError(
                    f"topic {envelope.topic!r} has no queue bound on {connection} exchange {exchange!r}"
                )

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """``with mq.transaction() as tx: tx.conn.execute(...); tx.publish(...)`` — all or nothing."""
        self.declare()  # before the transaction: declaring writes, and SQLite has one writer at a time
        with self.engine.begin() as conn:
            tx = Transaction(self, conn)
            yield tx
        if tx.outboxed:
            self.relay_outbox()

    def relay_outbox(self) -> int:
        """Send committed outbox rows to their broker; safe to call from any number of processes."""
        return outbox.relay(self.engine, self._send_relayed)

    def _send_relayed(self, envelopes: Sequence[Envelope]) -> None:
        for (connection, exchange), batch in self._by_route(envelopes).items():
            self.transport(connection).publish(exchange, batch)

    def close(self) -> None:
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()

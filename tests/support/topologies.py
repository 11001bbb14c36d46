"""Topologies built in code for the queue tests: the same shape on either connection."""

from __future__ import annotations

from collections.abc import Collection

from conveyor.mq.topology import (
    Binding,
    Consumer,
    Exchange,
    HandlerRef,
    Publisher,
    PublisherConnection,
    Queue,
    Topology,
)


def fanout_topology(
    connection: str, handler: str | None = None, connections: Collection[str] | None = None
) -> Topology:
    """Exchange ``conveyor``: ``orders.*`` → orders and audit, ``stock.#`` → stock, ``#`` on ``poison`` → poison.

    ``connections``: the connection names it may use (default: the process settings', db and amqp)."""
    bindings = (
        Binding(id="orders", topic="orders.*", destination="orders"),
        Binding(id="audit", topic="orders.*", destination="audit"),
        Binding(id="stock", topic="stock.#", destination="stock"),
        Binding(id="poison", topic="poison.#", destination="poison"),
    )
    queues = {name: Queue(name=name, connection=connection) for name in ("orders", "audit", "stock", "poison")}
    topics = (
        "orders.created",
        "orders.paid",
        "stock.changed",
        "stock.source.changed",
        "poison.pill",
        "nowhere.x",
    )
    return Topology(
        exchanges={(connection, "conveyor"): Exchange(name="conveyor", connection=connection, bindings=bindings)},
        queues=queues,
        publishers={
            t: Publisher(topic=t, connections=(PublisherConnection(name=connection, exchange="conveyor"),))
            for t in topics
        },
        consumers={
            name: Consumer(
                name=name, queue=name, connection=connection, handler=HandlerRef(handler) if handler else None
            )
            for name in queues
        },
    ).validate(connections)

"""The built-in topology of queued commands: one queue and one consumer per command queue, on ``db`` by default.

Queue ``commands.<queue>`` (``commands.customers`` …; the prefix keeps them apart from a user's own queues) is bound
to exchange ``conveyor.commands`` by ``command.<queue>.#``, and a queued command is published on
``command.<queue>.<name>``. The consumers run ``conveyor.bus.consumer:handle``, so ``conveyor queue run-consumers``
starts workers for them like for any consumer, and ``conveyor bus consume`` runs the same engine.

``builtin_topology`` (for the ``conveyor.topologies`` entry point) names no topics so that loading it stays cheap;
whoever publishes commands wraps its topology with ``with_commands``, which adds a publisher per registered
command (and a queue for any queue name beyond the default ones).
"""

from __future__ import annotations

from collections.abc import Iterable

from conveyor.bus.registry import DEFAULT_QUEUES, Registry
from conveyor.mq.topology import (
    Binding,
    Consumer,
    Exchange,
    HandlerRef,
    Origin,
    Publisher,
    PublisherConnection,
    Queue,
    Topology,
)
from conveyor.settings import Settings

EXCHANGE = "conveyor.commands"
QUEUE_PREFIX = "commands."
HANDLER = "conveyor.bus.consumer:handle"
ORIGIN = "<conveyor.bus>"


def queue_name(queue: str) -> str:
    """The topology queue of a command queue: ``customers`` → ``commands.customers``."""
    return queue if queue.startswith(QUEUE_PREFIX) else QUEUE_PREFIX + queue


def bus_topology(
    connection: str = "db", queues: Iterable[str] = DEFAULT_QUEUES, topics: Iterable[str] = ()
) -> Topology:
    """The command queues ``queues`` on ``connection``, with publishers for ``topics``."""

    def origin(element: str) -> Origin:
        return Origin(ORIGIN, element)

    names = sorted(set(queues))
    bindings = tuple(
        Binding(id=queue_name(q), topic=f"command.{q}.#", destination=queue_name(q), origin=origin(f"binding '{q}'"))
        for q in names
    )
    publishers = {
        t: Publisher(
            topic=t,
            connections=(PublisherConnection(name=connection, exchange=EXCHANGE, origin=origin("publisher")),),
            origin=origin(f"publisher '{t}'"),
        )
        for t in sorted(set(topics))
    }
    return Topology(
        exchanges={
            (connection, EXCHANGE): Exchange(
                name=EXCHANGE, connection=connection, bindings=bindings, origin=origin(f"exchange '{EXCHANGE}'")
            )
        },
        queues={
            queue_name(q): Queue(name=queue_name(q), connection=connection, origin=origin(f"queue '{q}'"))
            for q in names
        },
        publishers=publishers,
        consumers={
            queue_name(q): Consumer(
                name=queue_name(q),
                queue=queue_name(q),
                handler=HandlerRef(HANDLER),
                connection=connection,
                only_spawn_when_message_available=True,
                origin=origin(f"consumer '{q}'"),
            )
            for q in names
        },
    )


def builtin_topology(settings: Settings | None = None) -> Topology:
    """The ``conveyor.topologies`` entry point: the default command queues on the settings' connection."""
    from conveyor.settings import settings_or_default

    return bus_topology(settings_or_default(settings).bus_connection)


def with_commands(topology: Topology, registry: Registry, connection: str) -> Topology:
    """``topology`` plus the command queues and a publisher per queued command of ``registry``.

    The topology's own elements win over ours (a user may move a command queue or override its consumer), so
    this is idempotent and harmless when the built-in topology is already merged in.
    """
    queues = set(DEFAULT_QUEUES) | set(registry.queues())
    topics = [spec.topic for spec in registry if spec.topic]
    return bus_topology(connection, queues, topics).merge(topology).validate()


def bus_queues(topology: Topology) -> list[str]:
    """The command queues declared in ``topology`` (topology names): the built-in ones in dependency order
    (``DEFAULT_QUEUES``), then any others by name."""
    order = {queue_name(name): index for index, name in enumerate(DEFAULT_QUEUES)}
    found = [name for name in topology.queues if name.startswith(QUEUE_PREFIX)]
    return sorted(found, key=lambda name: (order.get(name, len(order)), name))

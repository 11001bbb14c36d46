"""The built-in topology of the async API: queue, binding and consumer ``async.operations.all``, as in Magento.

Registered as the ``bulk`` entry point of ``conveyor.topologies``, so ``load_topology(..., builtins=True)`` (every
``conveyor`` command, the API) merges it under the user's files without the user declaring anything. It lives
on the ``db`` connection unless ``CONVEYOR_BULK_CONNECTION=amqp``; its ``magento`` exchange binds ``async.#``.

The built-in part names no topics, so loading it stays cheap for every consumer process (it does not import the
API's resources). Whoever publishes async topics — the API app, ``conveyor bulk retry`` — adds a publisher per
topic of its registry with ``with_publishers``, so the topics reach this exchange whatever the user's default
connection is.
"""

from __future__ import annotations

from collections.abc import Iterable

from conveyor.mq.builtin import single_queue_topology
from conveyor.mq.topology import Topology
from conveyor.settings import Settings

QUEUE = "async.operations.all"
CONSUMER = "async.operations.all"
BINDING_TOPIC = "async.#"
HANDLER = "conveyor.bulk.consumer:handle"
ORIGIN = "<conveyor.bulk>"


def bulk_topology(connection: str = "db", topics: Iterable[str] = ()) -> Topology:
    """The async operations' queue on ``connection``, with publishers for ``topics``."""
    return single_queue_topology(
        owner=ORIGIN,
        connection=connection,
        queue=QUEUE,
        binding=BINDING_TOPIC,
        handler=HANDLER,
        topics=topics,
        consumer=CONSUMER,
    )


def builtin_topology(settings: Settings | None = None) -> Topology:
    """The ``conveyor.topologies`` entry point: the queue on the settings' connection."""
    from conveyor.settings import settings_or_default

    return bulk_topology(settings_or_default(settings).bulk_connection)


def with_publishers(topology: Topology, topics: Iterable[str], connection: str) -> Topology:
    """``topology`` plus publishers to ``magento`` on ``connection`` for ``topics`` it has none for (a registry
    other than the default one, e.g. in tests or an embedding application)."""
    missing = [t for t in topics if t not in topology.publishers]
    if not missing:
        return topology
    extra = bulk_topology(connection, missing)
    return topology.merge(Topology(topics=extra.topics, publishers=extra.publishers)).validate()

"""The shape every built-in topology has: one queue bound on the default exchange, publishers, one consumer.

The bulk API (``async.operations.all``), imports (``import.run``) and pipelines (``pipeline_process_steps``) each
declare theirs with ``single_queue_topology`` so that packages carry only their names, not the construction.
"""

from __future__ import annotations

from collections.abc import Iterable

from conveyor.mq.topology import (
    DEFAULT_EXCHANGE,
    Binding,
    Consumer,
    Exchange,
    HandlerRef,
    Origin,
    Publisher,
    PublisherConnection,
    Queue,
    Topic,
    Topology,
)


def single_queue_topology(
    *,
    owner: str,
    connection: str,
    queue: str,
    binding: str,
    handler: str,
    topics: Iterable[str] = (),
    consumer: str | None = None,
) -> Topology:
    """Queue ``queue`` bound by ``binding`` on ``connection``'s default exchange, a publisher per topic of ``topics``,
    and consumer ``consumer`` (default: the queue's name) running ``handler``; every element's origin is ``owner``."""

    def origin(element: str) -> Origin:
        return Origin(owner, element)

    name = consumer or queue
    names = sorted(set(topics))
    bound = Binding(id=queue, topic=binding, destination=queue, origin=origin(f"binding '{queue}'"))
    return Topology(
        topics={t: Topic(name=t, origin=origin(f"topic '{t}'")) for t in names},
        exchanges={
            (connection, DEFAULT_EXCHANGE): Exchange(
                name=DEFAULT_EXCHANGE,
                connection=connection,
                bindings=(bound,),
                origin=origin(f"exchange '{DEFAULT_EXCHANGE}'"),
            )
        },
        queues={queue: Queue(name=queue, connection=connection, origin=origin(f"queue '{queue}'"))},
        publishers={
            t: Publisher(
                topic=t,
                connections=(
                    PublisherConnection(name=connection, exchange=DEFAULT_EXCHANGE, origin=origin("publisher")),
                ),
                origin=origin(f"publisher '{t}'"),
            )
            for t in names
        },
        consumers={
            name: Consumer(
                name=name,
                queue=queue,
                handler=HandlerRef(handler),
                connection=connection,
                only_spawn_when_message_available=True,
                origin=origin(f"consumer '{name}'"),
            )
        },
    )

"""The built-in topology of pipelines: topic ``pipeline.step.process`` → queue and consumer ``pipeline_process_steps``.

Registered as the ``pipelines`` entry point of ``conveyor.topologies``, so every ``conveyor`` command has it without
the user declaring anything; on the ``db`` connection unless ``CONVEYOR_PIPELINE_CONNECTION=amqp``.
"""

from __future__ import annotations

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
from conveyor.settings import Settings

TOPIC = "pipeline.step.process"
QUEUE = "pipeline_process_steps"
CONSUMER = "pipeline_process_steps"
HANDLER = "conveyor.pipelines.runner:handle"
ORIGIN = "<conveyor.pipelines>"


def pipelines_topology(connection: str = "db") -> Topology:
    """Topic, binding, queue, publisher and consumer of pipeline steps on ``connection``."""

    def origin(element: str) -> Origin:
        return Origin(ORIGIN, element)

    binding = Binding(id=QUEUE, topic=TOPIC, destination=QUEUE, origin=origin(f"binding '{QUEUE}'"))
    return Topology(
        topics={TOPIC: Topic(name=TOPIC, origin=origin(f"topic '{TOPIC}'"))},
        exchanges={
            (connection, DEFAULT_EXCHANGE): Exchange(
                name=DEFAULT_EXCHANGE,
                connection=connection,
                bindings=(binding,),
                origin=origin(f"exchange '{DEFAULT_EXCHANGE}'"),
            )
        },
        queues={QUEUE: Queue(name=QUEUE, connection=connection, origin=origin(f"queue '{QUEUE}'"))},
        publishers={
            TOPIC: Publisher(
                topic=TOPIC,
                connections=(
                    PublisherConnection(name=connection, exchange=DEFAULT_EXCHANGE, origin=origin("publisher")),
                ),
                origin=origin(f"publisher '{TOPIC}'"),
            )
        },
        consumers={
            CONSUMER: Consumer(
                name=CONSUMER,
                queue=QUEUE,
                handler=HandlerRef(HANDLER),
                connection=connection,
                only_spawn_when_message_available=True,
                origin=origin(f"consumer '{CONSUMER}'"),
            )
        },
    )


def builtin_topology(settings: Settings | None = None) -> Topology:
    """The ``conveyor.topologies`` entry point: the steps' queue on the settings' connection."""
    from conveyor.pipelines.settings import pipeline_settings

    return pipelines_topology(pipeline_settings(settings).pipeline_connection)

"""The built-in topology of pipelines: topic ``pipeline.step.process`` → queue and consumer ``pipeline_process_steps``.

Registered as the ``pipelines`` entry point of ``conveyor.topologies``, so every ``conveyor`` command has it without
the user declaring anything; on the ``db`` connection unless ``CONVEYOR_PIPELINE_CONNECTION=amqp``.
"""

from __future__ import annotations

from conveyor.mq.builtin import single_queue_topology
from conveyor.mq.topology import Topology
from conveyor.settings import Settings

TOPIC = "pipeline.step.process"
QUEUE = "pipeline_process_steps"
CONSUMER = "pipeline_process_steps"
HANDLER = "conveyor.pipelines.runner:handle"
ORIGIN = "<conveyor.pipelines>"


def pipelines_topology(connection: str = "db") -> Topology:
    """Topic, binding, queue, publisher and consumer of pipeline steps on ``connection``."""
    return single_queue_topology(
        owner=ORIGIN,
        connection=connection,
        queue=QUEUE,
        binding=TOPIC,
        handler=HANDLER,
        topics=[TOPIC],
        consumer=CONSUMER,
    )


def builtin_topology(settings: Settings | None = None) -> Topology:
    """The ``conveyor.topologies`` entry point: the steps' queue on the settings' connection."""
    from conveyor.settings import settings_or_default

    return pipelines_topology(settings_or_default(settings).pipeline_connection)

"""Which handler consumes a queue: named by the topology's consumer, or given on the command line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conveyor.mq.consumer import Handler
from conveyor.mq.topology import Consumer, HandlerRef, Topology, TopologyError


@dataclass(frozen=True)
class Assignment:
    """A queue to consume, the handler to run, and the consumer declaration it came from (if any)."""

    queue: str
    handler: Handler
    consumer: Consumer | None


def assign(topology: Topology, names: Sequence[str], handler_override: str | None = None) -> list[Assignment]:
    """Resolve consumer or queue names (none: every consumer with a Python handler) to assignments."""
    if not names:
        names = [c.name for c in topology.consumers.values() if c.handler is not None and c.handler.is_python]
        if not names:
            raise TopologyError(None, None, "no consumer with a Python handler is declared; name a queue")
    result = []
    for name in names:
        consumer = topology.consumers.get(name) or next(
            (c for c in topology.consumers.values() if c.queue == name), None
        )
        queue = consumer.queue if consumer else name
        if queue not in topology.queues:
            raise TopologyError(None, None, f"{name!r} is neither a consumer nor a queue of the topology")
        ref = HandlerRef(handler_override) if handler_override else (consumer.handler if consumer else None)
        if ref is None:
            raise TopologyError(
                consumer.origin if consumer else None,
                "handler",
                f"no handler for queue {queue!r}; pass --handler",
            )
        try:
            handler = ref.resolve()
        except (ImportError, AttributeError, TypeError) as exc:
            raise TopologyError(consumer.origin if consumer else None, "handler", str(exc)) from exc
        result.append(Assignment(queue=queue, handler=handler, consumer=consumer))
    return result

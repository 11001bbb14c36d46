"""Which handler consumes a queue: named by the topology's consumer, or given on the command line.

A reference names either a handler (``module:function``) or a **handler factory**: a callable marked with
``@handler_factory`` that builds the handler from the running application (``conveyor.app.App``) the consumer runs
in. Built-in consumers (bulk operations, pipeline steps, queued commands, imports) are factories, so that each one
is wired by the one App of its process instead of building a world of its own; a plug-in's handler may be either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from conveyor.mq.consumer import Handler
from conveyor.mq.topology import Consumer, HandlerRef, Topology, TopologyError

_FACTORY_MARK = "__conveyor_handler_factory__"
Host = TypeVar("Host")
Built = TypeVar("Built", bound=Handler)


def handler_factory(build: Callable[[Host], Built]) -> Callable[[Host], Built]:
    """Mark ``build(app) -> handler``: resolving a reference to it calls it with the consumer's application."""
    setattr(build, _FACTORY_MARK, True)
    return build


def is_handler_factory(target: object) -> bool:
    return bool(getattr(target, _FACTORY_MARK, False))


def resolve_handler(ref: HandlerRef, host: object | None) -> Handler:
    """The handler ``ref`` names; a factory is called with ``host`` (the App), which it then needs."""
    target: Any = ref.resolve()
    if not is_handler_factory(target):
        return target  # type: ignore[no-any-return]
    if host is None:
        raise TypeError(f"handler {ref.spec!r} is built by the application: consume it through conveyor.app.App")
    return target(host)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Assignment:
    """A queue to consume, the handler to run, and the consumer declaration it came from (if any)."""

    queue: str
    handler: Handler
    consumer: Consumer | None


def assign(
    topology: Topology,
    names: Sequence[str],
    handler_override: str | None = None,
    *,
    host: object | None = None,
) -> list[Assignment]:
    """Resolve consumer or queue names (none: every consumer with a Python handler) to assignments.

    ``host`` is the application handler factories are built from (``App.assign`` passes itself).
    """
    if not names:
        names = [c.name for c in topology.consumers.values() if c.handler is not None and c.handler.is_python]
        if not names:
            raise TopologyError(None, None, "no consumer with a Python handler is declared; name a queue")
    result = []
    built: dict[str, Handler] = {}  # one handler per reference: consumers sharing a factory share what it built
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
            handler = built.get(ref.spec) or resolve_handler(ref, host)
        except (ImportError, AttributeError, TypeError) as exc:
            raise TopologyError(consumer.origin if consumer else None, "handler", str(exc)) from exc
        built[ref.spec] = handler
        result.append(Assignment(queue=queue, handler=handler, consumer=consumer))
    return result

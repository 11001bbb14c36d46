"""Builds a Worker from assignments and limits: the one engine behind ``queue consume`` and ``bus consume``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.handlers import Assignment
from conveyor.mq.middleware import (
    Correlation,
    GracefulShutdown,
    MaxIdle,
    MaxMemory,
    MaxMessages,
    MaxRuntime,
    Metrics,
    Middleware,
    StopOnError,
    StopWhenEmpty,
    WorkerRegistry,
)
from conveyor.mq.queue import MessageQueue


@dataclass
class Limits:
    """When a worker stops; None means no limit. Values not given fall back to the consumer declaration."""

    max_messages: int | None = None
    max_runtime: float | None = None
    max_memory: float | None = None
    max_idle: float | None = None
    stop_when_empty: bool = False
    stop_on_error: bool = False


def build_worker(
    mq: MessageQueue,
    assignments: Sequence[Assignment],
    options: ConsumerOptions,
    limits: Limits,
    *,
    signals: bool = True,
) -> Worker:
    declared = [a.consumer for a in assignments if a.consumer is not None]
    single = declared[0] if len(declared) == 1 else None
    max_messages = limits.max_messages if limits.max_messages is not None else (single and single.max_messages)
    max_idle = limits.max_idle if limits.max_idle is not None else (single and single.max_idle_time)
    registry = WorkerRegistry(
        mq,
        single.name if single else None,
        heartbeat=mq.settings.queue_heartbeat_seconds,
        dead_after=mq.settings.queue_worker_dead_after_seconds,
    )
    consumers = {a.queue: a.consumer.name if a.consumer is not None else a.queue for a in assignments}
    middleware: list[Middleware] = [registry, Correlation(), Metrics(consumers)]
    if signals:
        middleware.append(GracefulShutdown())
    if max_messages:
        middleware.append(MaxMessages(max_messages))
    if limits.max_runtime:
        middleware.append(MaxRuntime(limits.max_runtime))
    if limits.max_memory:
        middleware.append(MaxMemory(limits.max_memory))
    if max_idle:
        middleware.append(MaxIdle(max_idle))
    if limits.stop_when_empty:
        middleware.append(StopWhenEmpty())
    if limits.stop_on_error:
        middleware.append(StopOnError())
    return Worker(mq, {a.queue: a.handler for a in assignments}, options, middleware)


def declared_sleep(assignments: Sequence[Assignment]) -> float | None:
    """The sleep a single declared consumer asks for (Magento's ``sleep`` attribute)."""
    declared = [a.consumer for a in assignments if a.consumer is not None]
    return declared[0].sleep if len(declared) == 1 else None

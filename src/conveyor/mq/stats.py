"""What the admin UI shows of the queues: counts per queue, throughput, stored messages, live workers.

Counts and dead letters work on every transport; browsing stored messages and the throughput chart need a DB
queue (a broker does not let a message be read without taking it), and answer None elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conveyor.db.engine import now
from conveyor.mq.middleware.registry import live_workers
from conveyor.mq.queue import MessageQueue
from conveyor.mq.schema import Status
from conveyor.mq.transports.base import DeadLetter, QueueCounts, StoredMessage
from conveyor.mq.transports.sql import SqlTransport

__all__ = ["DeadLetter", "QueueCounts", "Status", "StoredMessage", "WorkerGroup"]


@dataclass(frozen=True)
class WorkerGroup:
    """The live workers of one host."""

    hostname: str
    workers: int
    consumers: tuple[str, ...]


def queue_names(mq: MessageQueue) -> list[str]:
    return sorted(mq.topology.queues)


def counts(mq: MessageQueue, names: Sequence[str] | None = None) -> list[QueueCounts]:
    """Messages by state for each queue (default: every queue of the topology), by name."""
    queues = mq.topology.queues
    return [mq.transport(queues[name].connection).counts(name) for name in names or queue_names(mq)]


def throughput(mq: MessageQueue, queue: str, *, window: float = 3600.0, buckets: int = 30) -> list[int] | None:
    """Messages completed per interval over the last ``window`` seconds, oldest first; None off a DB queue."""
    transport = mq.transport_for_queue(queue)
    if not isinstance(transport, SqlTransport):
        return None
    return transport.completed_per_bucket(queue, now() - window, window / buckets, buckets)


def browse(
    mq: MessageQueue, queue: str, statuses: Sequence[int], *, before: int | None = None, limit: int = 50
) -> list[StoredMessage] | None:
    """A page of the queue's stored messages in ``statuses`` (newest first); None off a DB queue."""
    transport = mq.transport_for_queue(queue)
    if not isinstance(transport, SqlTransport):
        return None
    return transport.browse(queue, statuses, before, limit)


def dead_letters(mq: MessageQueue, queue: str, limit: int = 50) -> list[DeadLetter]:
    return mq.transport_for_queue(queue).dead_letters(queue, limit)


def replay(mq: MessageQueue, queue: str, ids: Sequence[str] | None = None) -> int:
    """Dead letters (those ``ids``, or all) back to the queue; how many."""
    return mq.transport_for_queue(queue).replay(queue, ids)


def purge(mq: MessageQueue, queue: str) -> int:
    """Delete the queue's waiting messages; how many."""
    return mq.transport_for_queue(queue).purge(queue)


def workers_by_host(mq: MessageQueue) -> list[WorkerGroup]:
    """Live workers (beating now) grouped by host: the dashboard's "consumers alive"."""
    hosts: dict[str, list[str]] = {}
    for row in live_workers(mq.engine):
        hosts.setdefault(str(row.hostname), []).append(str(row.consumer or row.queues))
    return [WorkerGroup(host, len(names), tuple(sorted(set(names)))) for host, names in sorted(hosts.items())]


def consumers_of(mq: MessageQueue, queue: str) -> int:
    """Live workers reading ``queue`` (a bulk's warning when it is 0: its operations would stay open)."""
    return sum(1 for row in live_workers(mq.engine) if queue in str(row.queues).split(","))

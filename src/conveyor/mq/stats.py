"""What the admin UI shows of the queues: counts per queue, throughput, stored messages, live workers.

Counts and dead letters work on every transport; browsing stored messages and the throughput chart need a DB
queue (a broker does not let a message be read without taking it), and answer None elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conveyor.db.counting import COUNT_CAP
from conveyor.db.engine import now
from conveyor.mq.middleware.registry import live_workers
from conveyor.mq.queue import MessageQueue
from conveyor.mq.schema import Status
from conveyor.mq.transports.base import DeadLetter, QueueCounts, StoredMessage, Transport
from conveyor.mq.transports.sql import SqlTransport

__all__ = ["COUNT_CAP", "DeadLetter", "QueueCounts", "Status", "StoredMessage", "WorkerGroup", "count_messages"]


@dataclass(frozen=True)
class WorkerGroup:
    """The live workers of one host."""

    hostname: str
    workers: int
    consumers: tuple[str, ...]


def queue_names(mq: MessageQueue) -> list[str]:
    return sorted(mq.topology.queues)


def _by_transport(mq: MessageQueue, names: Sequence[str]) -> list[tuple[Transport, list[str]]]:
    """The queues grouped by the transport of their connection: one statement per DB queue, not per queue."""
    by_connection: dict[str, list[str]] = {}
    for name in names:
        by_connection.setdefault(mq.topology.queues[name].connection, []).append(name)
    return [(mq.transport(connection), members) for connection, members in by_connection.items()]


def count_messages(mq: MessageQueue, names: Sequence[str] | None = None, *, cap: int = COUNT_CAP) -> list[QueueCounts]:
    """Messages by queue and state (default: every queue of the topology, by name): the one count behind the
    admin UI's figures and ``/metrics``.

    On a DB queue each (queue, state) is counted up to ``cap`` (``QueueCounts.is_capped``: "1,000+"), all the
    connection's queues in one round trip, so a page or a scrape costs milliseconds over a million stored
    messages; a broker reports its exact depth.
    """
    wanted = list(names or queue_names(mq))
    found: dict[str, QueueCounts] = {}
    for transport, members in _by_transport(mq, wanted):
        if isinstance(transport, SqlTransport):
            found.update((c.queue, c) for c in transport.bounded_counts(members, cap))
        else:
            found.update((name, transport.counts(name)) for name in members)
    return [found[name] for name in wanted]


def throughput(
    mq: MessageQueue, names: Sequence[str], *, window: float = 3600.0, buckets: int = 30
) -> dict[str, list[int] | None]:
    """Messages of each queue completed per interval over the last ``window`` seconds, oldest first (one
    statement per DB queue connection); None for a queue off a DB queue."""
    found: dict[str, list[int] | None] = dict.fromkeys(names)
    for transport, members in _by_transport(mq, names):
        if isinstance(transport, SqlTransport):
            found.update(transport.completed_per_bucket(members, now() - window, window / buckets, buckets))
    return found


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

"""Records running workers in ``queue_worker``, and returns what dead ones held within seconds.

Each worker beats from a thread of its own (``seen_at`` every ``heartbeat`` seconds), so a long handler does not
look like death. On each beat it also looks for dead workers: of another host, silent for ``dead_after`` seconds;
of this host, missing two beats with their process gone (``reap_dead_workers``). The first live worker to delete
such a row gives back that worker's reservations on every transport of the
topology (``Transport.reclaim``), so a SIGKILLed or cut-off consumer's batch is handled again without waiting for
``queue refresh``'s timer. A worker that finds its own row gone (it was thought dead: a stalled machine) writes it
again; what it still holds may then be handled twice, which at-least-once delivery allows.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import TYPE_CHECKING

import psutil
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.db.engine import now
from conveyor.mq.middleware.base import Middleware
from conveyor.mq.schema import worker_table
from conveyor.mq.transports.base import RefreshResult

if TYPE_CHECKING:
    from conveyor.mq.consumer import Worker
    from conveyor.mq.queue import MessageQueue

log = logging.getLogger("conveyor.workers")
W = worker_table
HEARTBEAT = 1.0  # seconds between beats (CONVEYOR_QUEUE_HEARTBEAT_SECONDS)
DEAD_AFTER = 6.0  # seconds without a beat before a worker counts as dead (CONVEYOR_QUEUE_WORKER_DEAD_AFTER_SECONDS)


class WorkerRegistry(Middleware):
    def __init__(
        self,
        mq: MessageQueue,
        consumer: str | None = None,
        *,
        heartbeat: float = HEARTBEAT,
        dead_after: float = DEAD_AFTER,
    ) -> None:
        self.mq, self.consumer = mq, consumer
        self.heartbeat, self.dead_after = heartbeat, dead_after
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def before_start(self, worker: Worker) -> None:
        self._register(worker)
        self._stopped.clear()
        self._thread = threading.Thread(target=self._beat, args=(worker,), name=f"heartbeat {worker.id}", daemon=True)
        self._thread.start()

    def _register(self, worker: Worker) -> None:
        t = now()
        with self.mq.engine.begin() as conn:
            conn.execute(
                W.insert().values(
                    id=worker.id,
                    consumer=self.consumer,
                    queues=",".join(worker.queues),
                    hostname=socket.gethostname(),
                    pid=os.getpid(),
                    started_at=t,
                    seen_at=t,
                )
            )

    def _beat(self, worker: Worker) -> None:
        """Beat until the worker stops; a lost database only skips beats (the worker loop backs off on its own)."""
        while not self._stopped.wait(self.heartbeat):
            try:
                with self.mq.engine.begin() as conn:
                    seen = conn.execute(W.update().where(W.c.id == worker.id).values(seen_at=now())).rowcount
                if not seen and not self._stopped.is_set():
                    log.warning("worker %s was counted as dead; registering again", worker.id)
                    self._register(worker)
                reap_dead_workers(self.mq, self.dead_after, worker.options.max_attempts, heartbeat=self.heartbeat)
            except Exception as exc:  # a beat must never kill the worker; the next one retries
                log.warning("worker %s could not beat: %s", worker.id, exc)

    def after_stop(self, worker: Worker) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        with self.mq.engine.begin() as conn:
            conn.execute(W.delete().where(W.c.id == worker.id))


def reap_dead_workers(
    mq: MessageQueue, dead_after: float, max_attempts: int, *, heartbeat: float = HEARTBEAT
) -> RefreshResult:
    """Forget dead workers and give back what they held, on every transport.

    A worker of another host is dead when silent for ``dead_after`` seconds. One of this host is asked directly:
    dead when its process is gone (or a zombie, or its pid now belongs to a younger process) and it missed two
    beats; alive, however late its beats, while its process runs, so a loaded machine never loses a live
    worker's batch. Deleting the row first decides which of several live workers reaps a dead one; the
    transports' ``reclaim`` changes only rows still held by that worker, so a second reaper finds nothing left.
    """
    result = RefreshResult()
    t, host = now(), socket.gethostname()
    with mq.engine.connect() as conn:
        late = conn.execute(
            sa.select(W.c.id, W.c.hostname, W.c.pid, W.c.started_at, W.c.seen_at).where(
                W.c.seen_at < t - min(dead_after, 2 * heartbeat)
            )
        ).all()
    for row in late:
        if row.hostname == host:
            if _process_runs(row.pid, row.started_at):
                continue
        elif row.seen_at >= t - dead_after:
            continue
        with mq.engine.begin() as conn:
            won = conn.execute(W.delete().where(W.c.id == row.id, W.c.seen_at == row.seen_at)).rowcount
        if not won:
            continue
        for connection in sorted({q.connection for q in mq.topology.queues.values()}):
            returned = mq.transport(connection).reclaim([row.id], max_attempts)
            result.requeued += returned.requeued
            result.dead_lettered += returned.dead_lettered
            result.details += returned.details
        log.warning("worker %s stopped beating: returned %d reservation(s)", row.id, result.requeued)
    return result


def _process_runs(pid: int | None, registered_at: float) -> bool:
    """True while the process that registered at ``registered_at`` runs (not a zombie, pid not reused)."""
    if pid is None:
        return False
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and process.create_time() <= registered_at + 1
    except psutil.Error:  # gone, or not ours to look at
        return False


def live_workers(engine: Engine, within: float = DEAD_AFTER) -> list[sa.Row[tuple[object, ...]]]:
    """Workers that beat within ``within`` seconds (a killed one drops out when it counts as dead)."""
    with engine.connect() as conn:
        return list(conn.execute(sa.select(W).where(W.c.seen_at >= now() - within).order_by(W.c.started_at)))


def prune_workers(engine: Engine, older_than: float = 24 * 3600) -> int:
    """Forget workers not seen for ``older_than`` seconds (killed ones never delete their own row)."""
    with engine.begin() as conn:
        return int(conn.execute(W.delete().where(W.c.seen_at < now() - older_than)).rowcount)

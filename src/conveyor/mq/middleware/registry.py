"""Records running workers in ``queue_worker`` so ``queue status`` can show who consumes what."""

from __future__ import annotations

import os
import socket
import time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.db.engine import now
from conveyor.mq.middleware.base import Middleware
from conveyor.mq.schema import worker_table

if TYPE_CHECKING:
    from conveyor.mq.consumer import Worker

W = worker_table
SEEN_EVERY = 5.0  # seconds between liveness updates: cheap, and fresh enough for a status page


class WorkerRegistry(Middleware):
    def __init__(self, engine: Engine, consumer: str | None = None) -> None:
        self.engine, self.consumer = engine, consumer
        self._last = 0.0

    def before_start(self, worker: Worker) -> None:
        t = now()
        with self.engine.begin() as conn:
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
        self._last = time.monotonic()

    def _touch(self, worker: Worker) -> None:
        if time.monotonic() - self._last >= SEEN_EVERY:
            with self.engine.begin() as conn:
                conn.execute(W.update().where(W.c.id == worker.id).values(seen_at=now()))
            self._last = time.monotonic()

    def after_message(self, worker: Worker, delivery: object, error: BaseException | None) -> None:
        self._touch(worker)

    def after_empty_round(self, worker: Worker) -> None:
        self._touch(worker)

    def after_stop(self, worker: Worker) -> None:
        with self.engine.begin() as conn:
            conn.execute(W.delete().where(W.c.id == worker.id))


def live_workers(engine: Engine, within: float = 3 * SEEN_EVERY + 60) -> list[sa.Row[tuple[object, ...]]]:
    """Workers seen recently (a killed worker drops out after ``within`` seconds)."""
    with engine.connect() as conn:
        return list(conn.execute(sa.select(W).where(W.c.seen_at >= now() - within).order_by(W.c.started_at)))


def prune_workers(engine: Engine, older_than: float = 24 * 3600) -> int:
    """Forget workers not seen for ``older_than`` seconds (killed ones never delete their own row)."""
    with engine.begin() as conn:
        return int(conn.execute(W.delete().where(W.c.seen_at < now() - older_than)).rowcount)

"""What an operator does to pipelines from the admin UI (and the CLI): list, look at, retry, cancel, create.

Retrying gives failed steps fresh attempts and enqueues the ready ones at once, so the operator sees them move
without waiting for the next heartbeat.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from conveyor.db import COUNT_CAP, NEWEST_FIRST, BoundedCounts, KeysetPage
from conveyor.db.engine import now
from conveyor.mq.queue import MessageQueue
from conveyor.pipelines import config, store
from conveyor.pipelines.definitions import PipelineDefinition
from conveyor.pipelines.heartbeat import advance, spawn
from conveyor.pipelines.schema import ACTIVE_PIPELINE, DONE_STEP, PipelineStatus, pipeline_table, step_table
from conveyor.settings import Settings

P, S = pipeline_table, step_table


@dataclass(frozen=True)
class Detail:
    """A pipeline with its steps (in definition order) and what each depends on."""

    pipeline: sa.Row[Any]
    steps: list[sa.Row[Any]]
    depends_on: dict[int, list[int]]


SORTS = {"name": P.c.name, "status": P.c.status}  # each with an index on (column, id)


def page(
    conn: Connection,
    *,
    name: str | None = None,
    status: str | None = None,
    since: float | None = None,
    limit: int = 50,
    order: KeysetPage = NEWEST_FIRST,
) -> list[dict[str, Any]]:
    """Pacemaker's grid: newest first (``order``: oldest first, after a row (keyset), or by a key of ``SORTS``),
    filtered by name, status and creation time, each with ``steps`` and ``done`` counted for this page's pipelines
    only."""
    query = order.of(sa.select(P).limit(limit), P.c.id, SORTS)
    if name:
        query = query.where(P.c.name == name)
    if status:
        query = query.where(P.c.status == status)
    if since is not None:
        query = query.where(P.c.created_at >= since)
    rows = conn.execute(query).all()
    done = sa.func.sum(sa.case((S.c.status.in_(DONE_STEP), 1), else_=0))
    tallies = {
        int(pid): (int(steps), int(finished or 0))
        for pid, steps, finished in conn.execute(
            sa.select(S.c.pipeline_id, sa.func.count(), done)
            .where(S.c.pipeline_id.in_([r.id for r in rows]))
            .group_by(S.c.pipeline_id)
        )
    }
    return [_with_tally(r, tallies.get(int(r.id), (0, 0))) for r in rows]


def _with_tally(row: sa.Row[Any], tally: tuple[int, int]) -> dict[str, Any]:
    return {**row._asdict(), "steps": tally[0], "done": tally[1]}


def counts_by_status(
    conn: Connection, statuses: tuple[str, ...] = (PipelineStatus.RUNNING, PipelineStatus.ERROR)
) -> dict[str, int]:
    """How many pipelines are in each of ``statuses`` (the dashboard's running and failed), each counted up to
    ``COUNT_CAP`` over the (status, expires_at) index: a figure equal to it means at least."""
    return dict(zip(statuses, _pipelines_by_status(tuple(statuses)).run(conn), strict=True))


@functools.cache
def _pipelines_by_status(statuses: tuple[str, ...]) -> BoundedCounts:
    return BoundedCounts(P, [P.c.status == s for s in statuses], COUNT_CAP)


def names(conn: Connection) -> list[str]:
    return [str(n) for (n,) in conn.execute(sa.select(P.c.name).distinct().order_by(P.c.name))]


def detail(conn: Connection, pipeline_id: int) -> Detail | None:
    row = store.pipeline(conn, pipeline_id)
    if row is None:
        return None
    return Detail(row, store.steps_of(conn, pipeline_id), store.dependencies_of(conn, pipeline_id))


def retry(mq: MessageQueue, pipeline_id: int, step_id: int | None = None) -> tuple[int, int]:
    """Failed steps (one, or all of the pipeline's) back to pending and the ready ones enqueued now; the counts."""
    with mq.engine.begin() as conn:
        count = store.retry_steps(conn, pipeline_id, now(), step_id=step_id)
    enqueued = advance(mq, now(), pipeline_id) if count else 0
    return count, enqueued


def cancel(engine: Engine, pipeline_id: int) -> bool:
    """Cancel a live pipeline (its waiting steps are abandoned); False if it is not live."""
    with engine.begin() as conn:
        return store.cancel_pipeline(conn, pipeline_id, now())


def create(
    engine: Engine,
    definition: PipelineDefinition,
    settings: Settings,
    arguments: Mapping[str, Any],
    key: str | None = None,
) -> int:
    """A pipeline of ``definition`` now, its arguments overlaid by ``arguments``; its id."""
    return spawn(engine, definition, settings, at=now(), arguments=arguments, key=key)


def definitions(settings: Settings) -> dict[str, PipelineDefinition]:
    """The configured definitions (``conveyor.pipelines.definitions`` names a submodule too, which shadows the
    face's function once it is imported)."""
    return config.definitions(settings)


def is_live(status: str) -> bool:
    return status in ACTIVE_PIPELINE

"""Every SQL statement of pipelines, named, in one place (the heartbeat, runner and CLI only call these).

The heartbeat's statements are set-based: each covers every active pipeline at once (or one pipeline, for the mini
heartbeat), so a pass costs a handful of statements however many pipelines are under way.

Step states: ``pending`` → ``enqueued`` (a message published) → ``running`` (a runner claimed it) → ``success`` /
``skipped`` / ``error``. An error with attempts left is enqueued again; a final error or an ``abandoned`` step
(a failed dependency, or a cancelled or expired pipeline) is *failed*. A step is *unfinished* while pending,
enqueued, running or in error with attempts left.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection

from conveyor.db import COUNT_CAP, BoundedCounts
from conveyor.pipelines.definitions import ConditionSpec, PipelineDefinition, StepDefinition
from conveyor.pipelines.schema import (
    ACTIVE_PIPELINE,
    DONE_STEP,
    PipelineStatus,
    StepStatus,
    dependency_table,
    flag_table,
    pipeline_table,
    pulse_table,
    step_table,
)

P, S, D = pipeline_table, step_table, dependency_table
U = step_table.alias("u")  # the step depended upon


def dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def loads(text: str | None) -> Any:
    return orjson.loads(text) if text else None


def _new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None  # single-row inserts always have one
    return int(key[0])


# --- predicates --------------------------------------------------------------------------------------------------
def _unfinished(step: Any) -> sa.ColumnElement[bool]:
    return sa.or_(
        step.c.status.in_((StepStatus.PENDING, StepStatus.ENQUEUED, StepStatus.RUNNING)),
        sa.and_(step.c.status == StepStatus.ERROR, step.c.attempts < step.c.max_attempts),
    )


def _failed(step: Any) -> sa.ColumnElement[bool]:
    return sa.or_(
        step.c.status == StepStatus.ABANDONED,
        sa.and_(step.c.status == StepStatus.ERROR, step.c.attempts >= step.c.max_attempts),
    )


def _runnable(step: Any) -> sa.ColumnElement[bool]:
    """Waiting for a (first or further) attempt."""
    return sa.or_(
        step.c.status == StepStatus.PENDING,
        sa.and_(step.c.status == StepStatus.ERROR, step.c.attempts < step.c.max_attempts),
    )


def _scope(column: sa.ColumnElement[Any], pipeline_id: int | None) -> sa.ColumnElement[bool]:
    return column == pipeline_id if pipeline_id is not None else sa.true()


# --- creating ----------------------------------------------------------------------------------------------------
def working_dir_for(definition: PipelineDefinition, pipeline_id: int, root: Path) -> Path | None:
    """The pipeline's own directory when its definition asks for one: ``<base>/<name>-<id>``."""
    if definition.working_dir is False:
        return None
    base = root if definition.working_dir is True else Path(str(definition.working_dir))
    return (base / f"{definition.name}-{pipeline_id}").absolute()


def create_pipeline(
    conn: Connection,
    definition: PipelineDefinition,
    *,
    arguments: Mapping[str, Any],
    now: float,
    work_root: Path,
    pulse_id: int | None = None,
    key: str | None = None,
) -> int:
    """Insert a pipeline with its steps and their dependencies (a snapshot of ``definition``); its id."""
    expires_at = now + definition.expire_in if definition.expire_in else None
    pipeline_id = _new_id(
        conn.execute(
            P.insert().values(
                name=definition.name,
                status=PipelineStatus.PENDING,
                key=key,
                arguments=dumps(dict(arguments)),
                expire_in=definition.expire_in,
                pulse_id=pulse_id,
                created_at=now,
                expires_at=expires_at,
            )
        )
    )
    directory = working_dir_for(definition, pipeline_id, work_root)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        conn.execute(P.update().where(P.c.id == pipeline_id).values(working_dir=str(directory)))
    conn.execute(
        S.insert(),
        [
            {"pipeline_id": pipeline_id, **_step_values(step, position)}
            for position, step in enumerate(definition.steps)
        ],
    )
    named = conn.execute(sa.select(S.c.name, S.c.id).where(S.c.pipeline_id == pipeline_id))
    ids: dict[str, int] = {name: step_id for name, step_id in named}  # noqa: C416  (rows, not pairs, to dict())
    edges = [
        {"step_id": ids[name], "depends_on_id": ids[dep]}
        for name, deps in definition.dependencies().items()
        for dep in deps
    ]
    if edges:
        conn.execute(D.insert(), edges)
    return pipeline_id


def create_pipelines(
    conn: Connection,
    definition: PipelineDefinition,
    items: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    now: float,
    pulse_id: int | None = None,
) -> dict[str, int]:
    """Many pipelines of one definition (no working directory), unique by key: ``{key: pipeline id}``.

    Set-based, for dynamic pipelines by the thousand (an order export pass): one multi-row insert of pipelines,
    then one ``INSERT … SELECT`` per step and per dependency, whatever the number of pipelines.
    """
    if not items:
        return {}
    if definition.working_dir is not False:
        raise ValueError(f"pipeline {definition.name!r}: create_pipelines makes no working directories")
    expires_at = now + definition.expire_in if definition.expire_in else None
    conn.execute(
        P.insert(),
        [
            {
                "name": definition.name,
                "status": PipelineStatus.PENDING,
                "key": key,
                "arguments": dumps({**definition.arguments, **arguments}),
                "expire_in": definition.expire_in,
                "pulse_id": pulse_id,
                "created_at": now,
                "expires_at": expires_at,
            }
            for key, arguments in items
        ],
    )
    keys = [key for key, _ in items]
    ids: dict[str, int] = {}
    for start in range(0, len(keys), 5000):
        rows = conn.execute(
            sa.select(P.c.key, P.c.id).where(P.c.name == definition.name, P.c.key.in_(keys[start : start + 5000]))
        )
        ids.update((str(key), int(pipeline_id)) for key, pipeline_id in rows)
    _add_steps(conn, definition, min(ids.values()), max(ids.values()))
    return ids


def create_pipelines_from(
    conn: Connection,
    definition: PipelineDefinition,
    rows: sa.Select[str, str],
    *,
    now: float,
    pulse_id: int | None = None,
) -> list[int]:
    """Many pipelines of one definition from a query of (``key``, ``arguments``: JSON text) rows, entirely in
    SQL: the caller's rows never travel to Python and back (an initializer pass over thousands of orders).
    The pipelines' ids."""
    if definition.working_dir is not False:
        raise ValueError(f"pipeline {definition.name!r}: create_pipelines makes no working directories")
    source = rows.subquery()
    values = {
        "name": sa.literal(definition.name, P.c.name.type),
        "status": sa.literal(PipelineStatus.PENDING.value, P.c.status.type),
        "key": source.c.key,
        "arguments": source.c.arguments,
        "expire_in": sa.literal(definition.expire_in, P.c.expire_in.type),
        "pulse_id": sa.literal(pulse_id, P.c.pulse_id.type),
        "created_at": sa.literal(now, P.c.created_at.type),
        "expires_at": sa.literal(now + definition.expire_in if definition.expire_in else None, P.c.expires_at.type),
    }
    insert = P.insert().from_select(list(values), sa.select(*values.values()))
    if conn.dialect.insert_returning:
        ids = sorted(int(i) for i in conn.execute(insert.returning(P.c.id)).scalars())
    else:  # an older MariaDB: what this transaction added, above the highest id before it
        before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(P.c.id), 0))).scalar_one()
        conn.execute(insert)
        query = sa.select(P.c.id).where(
            P.c.id > before, P.c.name == definition.name, P.c.key.in_(rows.subquery().c.key)
        )
        ids = sorted(int(i) for i in conn.execute(query).scalars())
    if ids:
        _add_steps(conn, definition, ids[0], ids[-1])
    return ids


def _step_values(step: StepDefinition, position: int) -> dict[str, Any]:
    """A new step's row but for its pipeline: a snapshot of its definition, pending, not tried yet."""
    return {
        "name": step.name,
        "stage": step.stage,
        "position": position,
        "executor": step.executor,
        "arguments": dumps(dict(step.arguments)),
        "conditions": dumps([c.to_json() for c in step.conditions]) if step.conditions else None,
        "run_always": step.always,
        "description": step.description or None,
        "status": StepStatus.PENDING,
        "attempts": 0,
        "max_attempts": step.max_attempts,
        "expire_in": step.expire_in,
    }


def _add_steps(conn: Connection, definition: PipelineDefinition, low: int, high: int) -> None:
    """The steps and dependencies of the pipelines just created: ids ``low``..``high`` of this definition (a
    range scan on the primary key, whatever the planner believes of tables grown in this very transaction).
    Pipelines of the same name that another transaction committed inside that range meanwhile would already
    have steps: the unique (pipeline, step name) index then refuses the whole transaction rather than doubling."""
    fresh = sa.and_(P.c.id.between(low, high), P.c.name == definition.name)
    for position, step in enumerate(definition.steps):
        values = _step_values(step, position)
        columns = [sa.literal(value, S.c[name].type).label(name) for name, value in values.items()]
        conn.execute(S.insert().from_select(["pipeline_id", *values], sa.select(P.c.id, *columns).where(fresh)))
    for name, deps in definition.dependencies().items():
        for dep in deps:
            query = (
                sa.select(S.c.id, U.c.id)
                .join(P, P.c.id == S.c.pipeline_id)
                .join(U, sa.and_(U.c.pipeline_id == S.c.pipeline_id, U.c.name == dep))
                .where(fresh, S.c.name == name, S.c.pipeline_id.between(low, high))
            )
            conn.execute(D.insert().from_select(["step_id", "depends_on_id"], query))


def existing_keys(conn: Connection, name: str, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` already have a pipeline ``name`` (dynamic pipelines are created once per key)."""
    if not keys:
        return set()
    rows = conn.execute(sa.select(P.c.key).where(P.c.name == name, P.c.key.in_(keys))).scalars()
    return {str(k) for k in rows}


# --- the heartbeat's set-based statements ------------------------------------------------------------------------
def fail_overdue_steps(conn: Connection, now: float, pipeline_id: int | None = None) -> int:
    """Running attempts older than their step's ``expire_in`` fail (their runner is presumed dead or stuck)."""
    return conn.execute(
        S.update()
        .where(
            S.c.status == StepStatus.RUNNING,
            S.c.expire_in.is_not(None),
            S.c.started_at + S.c.expire_in < now,
            _scope(S.c.pipeline_id, pipeline_id),
        )
        .values(status=StepStatus.ERROR, finished_at=now, error="the attempt ran past the step's expire_in")
    ).rowcount


def abandon_blocked(conn: Connection, now: float, pipeline_id: int | None = None) -> int:
    """Pending steps (not ``always``) behind a failed dependency are abandoned, down the whole chain."""
    total = 0
    while True:
        count = conn.execute(
            S.update()
            .where(
                S.c.status == StepStatus.PENDING,
                sa.not_(S.c.run_always),
                _scope(S.c.pipeline_id, pipeline_id),
                sa.exists().where(D.c.step_id == S.c.id, U.c.id == D.c.depends_on_id, _failed(U)),
            )
            .values(status=StepStatus.ABANDONED, finished_at=now)
        ).rowcount
        total += count
        if not count:
            return total


@dataclass(frozen=True)
class ReadyStep:
    id: int
    pipeline_id: int
    pipeline_name: str
    conditions: tuple[ConditionSpec, ...]


def ready_steps(conn: Connection, now: float, pipeline_id: int | None = None) -> list[ReadyStep]:
    """Steps of live pipelines waiting for an attempt whose dependencies allow it: all succeeded (or skipped);
    for ``always`` steps, all finished."""
    blocking = sa.or_(
        sa.and_(sa.not_(S.c.run_always), U.c.status.not_in(DONE_STEP)),
        sa.and_(S.c.run_always, _unfinished(U)),
    )
    query = (
        sa.select(S.c.id, S.c.pipeline_id, P.c.name, S.c.conditions)
        .join(P, P.c.id == S.c.pipeline_id)
        .where(
            _runnable(S),
            P.c.status.in_(ACTIVE_PIPELINE),
            sa.or_(P.c.expires_at.is_(None), P.c.expires_at >= now),
            _scope(S.c.pipeline_id, pipeline_id),
            ~sa.exists().where(D.c.step_id == S.c.id, U.c.id == D.c.depends_on_id, blocking),
        )
        .order_by(S.c.pipeline_id, S.c.position)
    )
    return [
        ReadyStep(
            int(row.id),
            int(row.pipeline_id),
            row.name,
            tuple(ConditionSpec.from_json(c) for c in loads(row.conditions) or ()),
        )
        for row in conn.execute(query)
    ]


def mark_enqueued(conn: Connection, step_ids: Sequence[int], now: float) -> list[int]:
    """Flip ready steps to enqueued; the ids this transaction flipped (publish exactly those, in the same
    transaction). A step another heartbeat flipped meanwhile is not returned, so it is not published twice."""
    flipped: list[int] = []
    for start in range(0, len(step_ids), 1000):
        chunk = step_ids[start : start + 1000]
        if conn.dialect.update_returning:
            flipped.extend(
                conn.execute(
                    S.update()
                    .where(S.c.id.in_(chunk), _runnable(S))
                    .values(status=StepStatus.ENQUEUED, enqueued_at=now)
                    .returning(S.c.id)
                ).scalars()
            )
            continue
        # MariaDB has no UPDATE … RETURNING: lock the rows, keep those still waiting, flip them
        locked = list(
            conn.execute(sa.select(S.c.id).where(S.c.id.in_(chunk), _runnable(S)).with_for_update()).scalars()
        )
        if locked:
            conn.execute(S.update().where(S.c.id.in_(locked)).values(status=StepStatus.ENQUEUED, enqueued_at=now))
        flipped.extend(locked)
    return [int(i) for i in flipped]


def lock_pipeline(conn: Connection, pipeline_id: int) -> None:
    """Hold the pipeline's row until the transaction ends: mini heartbeats of one pipeline take turns
    (SQLite's write transactions already do)."""
    conn.execute(sa.select(P.c.id).where(P.c.id == pipeline_id).with_for_update())


def expire_pipelines(conn: Connection, now: float) -> int:
    """Live pipelines past their expiry become expired (their waiting steps are abandoned by ``abandon_stopped``)."""
    return conn.execute(
        P.update()
        .where(P.c.status.in_(ACTIVE_PIPELINE), P.c.expires_at.is_not(None), P.c.expires_at < now)
        .values(status=PipelineStatus.EXPIRED, finished_at=now)
    ).rowcount


def abandon_stopped(conn: Connection, now: float, pipeline_id: int | None = None) -> int:
    """Steps still waiting in cancelled or expired pipelines are abandoned (running ones finish on their own)."""
    stopped = sa.select(P.c.id).where(
        P.c.status.in_((PipelineStatus.CANCELLED, PipelineStatus.EXPIRED)), _scope(P.c.id, pipeline_id)
    )
    return conn.execute(
        S.update()
        .where(
            sa.or_(S.c.status.in_((StepStatus.PENDING, StepStatus.ENQUEUED)), _runnable(S)),
            S.c.pipeline_id.in_(stopped.scalar_subquery()),
        )
        .values(status=StepStatus.ABANDONED, finished_at=now)
    ).rowcount


def update_statuses(conn: Connection, now: float, pipeline_id: int | None = None) -> int:
    """Live pipelines take their steps' status: running once a step moved, error or success once none is
    unfinished (error when one failed). Returns how many pipelines finished."""
    live = sa.and_(P.c.status.in_(ACTIVE_PIPELINE), _scope(P.c.id, pipeline_id))
    none_unfinished = ~sa.exists().where(S.c.pipeline_id == P.c.id, _unfinished(S))
    finished = conn.execute(
        P.update()
        .where(live, none_unfinished, sa.exists().where(S.c.pipeline_id == P.c.id, _failed(S)))
        .values(status=PipelineStatus.ERROR, finished_at=now, started_at=sa.func.coalesce(P.c.started_at, now))
    ).rowcount
    finished += conn.execute(
        P.update()
        .where(live, none_unfinished)
        .values(status=PipelineStatus.SUCCESS, finished_at=now, started_at=sa.func.coalesce(P.c.started_at, now))
    ).rowcount
    conn.execute(
        P.update()
        .where(
            P.c.status == PipelineStatus.PENDING,
            _scope(P.c.id, pipeline_id),
            sa.exists().where(S.c.pipeline_id == P.c.id, S.c.status != StepStatus.PENDING),
        )
        .values(status=PipelineStatus.RUNNING, started_at=sa.func.coalesce(P.c.started_at, now))
    )
    return finished


# --- the runner --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimedStep:
    """A step a runner now holds, with what its executor needs."""

    id: int
    pipeline_id: int
    pipeline_name: str
    name: str
    executor: str
    attempt: int
    max_attempts: int
    arguments: dict[str, Any]  # the pipeline's, overlaid by the step's
    working_dir: Path | None


def claim_step(conn: Connection, step_id: int, message_id: str, now: float) -> ClaimedStep | None:
    """Mark the step running for this message if it may run: enqueued, in error with attempts left, or running
    under this very message (its runner died and the message came back). None: not to run (a duplicate, a
    finished step, a stopped pipeline); the pipeline is marked running and its expiry extended."""
    live = sa.select(P.c.id).where(P.c.id == S.c.pipeline_id, P.c.status.in_(ACTIVE_PIPELINE)).exists()
    claimed = conn.execute(
        S.update()
        .where(
            S.c.id == step_id,
            live,
            S.c.attempts < S.c.max_attempts,
            sa.or_(
                S.c.status == StepStatus.ENQUEUED,
                S.c.status == StepStatus.ERROR,
                sa.and_(S.c.status == StepStatus.RUNNING, S.c.message_id == message_id),
            ),
        )
        .values(
            status=StepStatus.RUNNING,
            attempts=S.c.attempts + 1,
            message_id=message_id,
            started_at=now,
            finished_at=None,
            output=None,
            log=None,
            error=None,
        )
    ).rowcount
    if claimed != 1:
        return None
    row = conn.execute(
        sa.select(
            S.c.pipeline_id,
            S.c.name,
            S.c.executor,
            S.c.attempts,
            S.c.max_attempts,
            S.c.arguments,
            P.c.name.label("pipeline_name"),
            P.c.arguments.label("pipeline_arguments"),
            P.c.working_dir,
            P.c.expire_in,
        )
        .join(P, P.c.id == S.c.pipeline_id)
        .where(S.c.id == step_id)
    ).one()
    values: dict[str, Any] = {
        "status": PipelineStatus.RUNNING,
        "started_at": sa.func.coalesce(P.c.started_at, now),
    }
    if row.expire_in:
        values["expires_at"] = sa.case(
            (P.c.expires_at < now + row.expire_in, now + row.expire_in), else_=P.c.expires_at
        )
    conn.execute(P.update().where(P.c.id == row.pipeline_id).values(**values))
    return ClaimedStep(
        id=step_id,
        pipeline_id=int(row.pipeline_id),
        pipeline_name=row.pipeline_name,
        name=row.name,
        executor=row.executor,
        attempt=int(row.attempts),
        max_attempts=int(row.max_attempts),
        arguments={**(loads(row.pipeline_arguments) or {}), **(loads(row.arguments) or {})},
        working_dir=Path(row.working_dir) if row.working_dir else None,
    )


def give_up_dead_attempt(conn: Connection, step_id: int, message_id: str, now: float) -> bool:
    """A step left running by a dead runner on its last attempt fails for good (True if so)."""
    return (
        conn.execute(
            S.update()
            .where(
                S.c.id == step_id,
                S.c.status == StepStatus.RUNNING,
                S.c.message_id == message_id,
                S.c.attempts >= S.c.max_attempts,
            )
            .values(status=StepStatus.ERROR, finished_at=now, error="its runner died during the last attempt")
        ).rowcount
        == 1
    )


def finish_step(
    conn: Connection,
    step_id: int,
    message_id: str,
    *,
    status: StepStatus,
    now: float,
    output: str | None = None,
    log: str | None = None,
    error: str | None = None,
) -> bool:
    """Record an attempt's outcome; False if the step is no longer this attempt's (it expired meanwhile)."""
    return (
        conn.execute(
            S.update()
            .where(S.c.id == step_id, S.c.status == StepStatus.RUNNING, S.c.message_id == message_id)
            .values(status=status, finished_at=now, output=output, log=log, error=error)
        ).rowcount
        == 1
    )


# --- operator commands -------------------------------------------------------------------------------------------
def cancel_pipeline(conn: Connection, pipeline_id: int, now: float) -> bool:
    """Cancel a live pipeline and abandon its waiting steps; False if it is not live."""
    done = conn.execute(
        P.update()
        .where(P.c.id == pipeline_id, P.c.status.in_(ACTIVE_PIPELINE))
        .values(status=PipelineStatus.CANCELLED, finished_at=now)
    ).rowcount
    if done:
        abandon_stopped(conn, now, pipeline_id)
    return done == 1


def retry_steps(conn: Connection, pipeline_id: int, now: float, step_id: int | None = None) -> int:
    """Give failed steps (one, or all of the pipeline's) fresh attempts and wake the pipeline up.

    The abandoned steps come back too (they were abandoned because of what is now retried); steps that
    succeeded stay done. Returns the number of steps made pending.
    """
    failed = sa.and_(S.c.pipeline_id == pipeline_id, _failed(S))
    if step_id is not None:
        target = sa.or_(S.c.id == step_id, S.c.status == StepStatus.ABANDONED)
        failed = sa.and_(failed, target)
    count = conn.execute(
        S.update().where(failed).values(status=StepStatus.PENDING, attempts=0, finished_at=None, message_id=None)
    ).rowcount
    if count:
        row = conn.execute(sa.select(P.c.expire_in).where(P.c.id == pipeline_id)).one()
        conn.execute(
            P.update()
            .where(P.c.id == pipeline_id)
            .values(
                status=PipelineStatus.RUNNING,
                finished_at=None,
                expires_at=now + row.expire_in if row.expire_in else None,
            )
        )
    return int(count)


# --- reading -----------------------------------------------------------------------------------------------------
def pipeline(conn: Connection, pipeline_id: int) -> sa.Row[Any] | None:
    return conn.execute(sa.select(P).where(P.c.id == pipeline_id)).first()


def step(conn: Connection, step_id: int) -> sa.Row[Any] | None:
    return conn.execute(sa.select(S).where(S.c.id == step_id)).first()


def steps_of(conn: Connection, pipeline_id: int) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(S).where(S.c.pipeline_id == pipeline_id).order_by(S.c.position)))


def dependencies_of(conn: Connection, pipeline_id: int) -> dict[int, list[int]]:
    rows = conn.execute(
        sa.select(D.c.step_id, D.c.depends_on_id).join(S, S.c.id == D.c.step_id).where(S.c.pipeline_id == pipeline_id)
    )
    result: dict[int, list[int]] = {}
    for step_id, depends_on in rows:
        result.setdefault(int(step_id), []).append(int(depends_on))
    return result


def list_pipelines(conn: Connection, statuses: Iterable[str] = (), limit: int = 100) -> list[sa.Row[Any]]:
    """Newest first, with the count of steps per status folded into ``done`` / ``steps``."""
    done = sa.func.sum(sa.case((S.c.status.in_(DONE_STEP), 1), else_=0))
    query = (
        sa.select(P, sa.func.count(S.c.id).label("steps"), done.label("done"))
        .outerjoin(S, S.c.pipeline_id == P.c.id)
        .group_by(*P.c)
        .order_by(P.c.id.desc())
        .limit(limit)
    )
    statuses = list(statuses)
    if statuses:
        query = query.where(P.c.status.in_(statuses))
    return list(conn.execute(query))


def live_count(conn: Connection, name: str, exclude_id: int | None = None) -> int:
    """Pipelines ``name`` pending or running (other than ``exclude_id``)."""
    query = sa.select(sa.func.count()).where(P.c.name == name, P.c.status.in_(ACTIVE_PIPELINE))
    if exclude_id is not None:
        query = query.where(P.c.id != exclude_id)
    return int(conn.execute(query).scalar_one())


def last_finished(conn: Connection, name: str, status: str | None = None) -> float | None:
    """When pipeline ``name`` last finished (with ``status``, if given)."""
    query = sa.select(sa.func.max(P.c.finished_at)).where(P.c.name == name, P.c.finished_at.is_not(None))
    if status is not None:
        query = query.where(P.c.status == status)
    value = conn.execute(query).scalar_one()
    return float(value) if value is not None else None


def last_created(conn: Connection, name: str, exclude_id: int | None = None) -> float | None:
    """When pipeline ``name`` was last spawned (other than ``exclude_id``)."""
    query = sa.select(sa.func.max(P.c.created_at)).where(P.c.name == name)
    if exclude_id is not None:
        query = query.where(P.c.id != exclude_id)
    value = conn.execute(query).scalar_one()
    return float(value) if value is not None else None


# --- pulses, flags, history --------------------------------------------------------------------------------------
def start_pulse(conn: Connection, owner: str, now: float) -> int:
    return _new_id(
        conn.execute(pulse_table.insert().values(owner=owner, started_at=now, spawned=0, enqueued=0, expired=0))
    )


def finish_pulse(conn: Connection, pulse_id: int, now: float, *, spawned: int, enqueued: int, expired: int) -> None:
    conn.execute(
        pulse_table.update()
        .where(pulse_table.c.id == pulse_id)
        .values(finished_at=now, spawned=spawned, enqueued=enqueued, expired=expired)
    )


def get_flag(conn: Connection, name: str) -> str | None:
    return conn.execute(sa.select(flag_table.c.value).where(flag_table.c.name == name)).scalar_one_or_none()


def set_flag(conn: Connection, name: str, value: str, now: float) -> None:
    """Upsert portably: update, insert when nothing was there."""
    updated = conn.execute(
        flag_table.update().where(flag_table.c.name == name).values(value=value, updated_at=now)
    ).rowcount
    if not updated:
        conn.execute(flag_table.insert().values(name=name, value=value, updated_at=now))


def delete_finished_before(conn: Connection, cutoff: float) -> int:
    """Finished pipelines (with their steps) and pulses older than ``cutoff``; how many pipelines."""
    finished = sa.and_(P.c.status.not_in(ACTIVE_PIPELINE), P.c.finished_at < cutoff)
    doomed = sa.select(P.c.id).where(finished).scalar_subquery()
    # explicit child deletes: no reliance on ON DELETE CASCADE being enforced by every SQLite connection
    steps = sa.select(S.c.id).where(S.c.pipeline_id.in_(doomed)).scalar_subquery()
    conn.execute(D.delete().where(D.c.step_id.in_(steps)))
    conn.execute(S.delete().where(S.c.pipeline_id.in_(doomed)))
    count = conn.execute(P.delete().where(finished)).rowcount
    conn.execute(pulse_table.delete().where(pulse_table.c.started_at < cutoff))
    return int(count)


@dataclass(frozen=True)
class StepStats:
    """Steps in one status: how many, counted up to ``cap`` (a count equal to it means at least)."""

    status: str
    count: int
    cap: int


def step_stats(conn: Connection, cap: int = COUNT_CAP) -> list[StepStats]:
    """Steps by status, each counted up to ``cap`` over the (status, pipeline) index (``/metrics``). How long
    steps ran is the runner's histogram (``conveyor.metrics.STEP_SECONDS``), not a sum over the table."""
    figures = _steps_by_status(cap).run(conn)
    return [StepStats(status, count, cap) for status, count in zip(STEP_STATUSES, figures, strict=True)]


STEP_STATUSES = [s.value for s in StepStatus]


@functools.cache
def _steps_by_status(cap: int) -> BoundedCounts:
    return BoundedCounts(step_table, [step_table.c.status == s for s in STEP_STATUSES], cap)

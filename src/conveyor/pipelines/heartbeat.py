"""The heartbeat: spawns pipelines whose conditions hold, enqueues ready steps, expires, and keeps statuses.

One heartbeat at a time: a lease lock (``pipeline.heartbeat``) held for the heartbeat's life; a second one gets
``None`` from ``run`` (the CLI exits with a clear message). Each pass also holds ``pipeline.heartbeat.pass``, during
which runners skip their mini heartbeat (the pass does the same work for every pipeline).

A pass (a *pulse*, with its id stored on the pipelines it spawns):
1. running attempts past their step's ``expire_in`` fail;
2. every definition whose spawn conditions hold gets a new pipeline (or, with a data fetcher, one per new item);
3. ``advance``: steps behind a failed dependency are abandoned, every ready step is marked enqueued and its
   ``{"step_id"}`` published to ``pipeline.step.process`` in the same transaction, and statuses follow the steps;
4. pipelines past their expiry are expired and their waiting steps abandoned.

In maintenance mode a pass logs that and does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conveyor.db.engine import now as wall_clock
from conveyor.db.locks import LeaseLock
from conveyor.mq.envelope import Envelope
from conveyor.mq.queue import MessageQueue
from conveyor.pipelines import maintenance, store
from conveyor.pipelines import registry as plugins
from conveyor.pipelines.definitions import ConditionSpec, PipelineDefinition
from conveyor.pipelines.ports import ConditionContext, ConditionResult
from conveyor.pipelines.topology import TOPIC
from conveyor.settings import Settings, settings_or_default

log = logging.getLogger("conveyor.pipelines.heartbeat")

HEARTBEAT_LOCK = "pipeline.heartbeat"
PASS_LOCK = "pipeline.heartbeat.pass"
Clock = Callable[[], float]


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def check_conditions(
    specs: Iterable[ConditionSpec],
    *,
    engine: Any,
    at: float,
    pipeline_name: str,
    pipeline_id: int | None = None,
    conditions: plugins.Registry[Any] | None = None,
) -> ConditionResult:
    """All of ``specs`` in order, stopping at the first that does not hold; their arguments merged.

    A condition that raises does not hold (its error is the reason), so one broken definition never stops the
    heartbeat for the others.
    """
    registry = conditions or plugins.conditions
    moment = datetime.fromtimestamp(at, UTC)
    merged: dict[str, Any] = {}
    for spec in specs:
        context = ConditionContext(engine, moment, pipeline_name, spec.arguments, pipeline_id)
        try:
            result = registry.create(spec.name).check(context)
        except Exception as exc:
            log.warning("pipeline %r: condition %r failed: %s", pipeline_name, spec.name, exc, exc_info=True)
            return ConditionResult(False, f"{spec.name}: {type(exc).__name__}: {exc}")
        if not result.ok:
            return ConditionResult(False, f"{spec.name}: {result.reason}" if result.reason else spec.name)
        merged.update(result.arguments)
    return ConditionResult(True, arguments=merged)


def advance(mq: MessageQueue, at: float, pipeline_id: int | None = None) -> int:
    """Abandon what a failure blocks, enqueue every ready step and update statuses — for every live pipeline, or
    one (``pipeline_id``, under its row lock) — in one transaction; how many steps were enqueued."""
    engine = mq.engine
    with mq.transaction() as tx:
        conn = tx.conn
        if pipeline_id is not None:
            store.lock_pipeline(conn, pipeline_id)
        store.abandon_blocked(conn, at, pipeline_id)
        ready = store.ready_steps(conn, at, pipeline_id)
        flipped = store.mark_enqueued(conn, [step.id for step in ready if not step.conditions], at)
        if flipped:
            tx.publish_envelopes([Envelope.of(TOPIC, {"step_id": step_id}) for step_id in flipped])
        store.update_statuses(conn, at, pipeline_id)
    # Steps with conditions are checked outside that transaction: a condition reads on a connection of its own,
    # which on SQLite would wait for the write lock this transaction holds. A ready step stays ready meanwhile
    # (its dependencies are done), and ``mark_enqueued`` flips only steps still waiting.
    passing = [
        step.id
        for step in ready
        if step.conditions
        and check_conditions(
            step.conditions, engine=engine, at=at, pipeline_name=step.pipeline_name, pipeline_id=step.pipeline_id
        ).ok
    ]
    if passing:
        with mq.transaction() as tx:
            more = store.mark_enqueued(tx.conn, passing, at)
            if more:
                tx.publish_envelopes([Envelope.of(TOPIC, {"step_id": step_id}) for step_id in more])
            store.update_statuses(tx.conn, at, pipeline_id)
        flipped = [*flipped, *more]
    return len(flipped)


def mini_heartbeat(mq: MessageQueue, pipeline_id: int, clock: Clock = wall_clock) -> int | None:
    """After a step: enqueue that pipeline's next ready steps now. None when skipped: in maintenance mode (which
    stops pipelines between steps, as it stops the heartbeat) or because a heartbeat pass is under way (it does
    the same for every pipeline)."""
    if maintenance.is_on(mq.engine):
        log.info("pipeline %d: maintenance mode is on, its next steps wait", pipeline_id)
        return None
    if LeaseLock(mq.engine, PASS_LOCK, "").holder() is not None:
        log.debug("pipeline %d: mini heartbeat skipped, a heartbeat pass is running", pipeline_id)
        return None
    return advance(mq, clock(), pipeline_id)


@dataclass
class Pulse:
    """What one pass did."""

    id: int | None = None
    maintenance: bool = False
    spawned: list[int] = field(default_factory=list)
    not_spawned: dict[str, str] = field(default_factory=dict)  # pipeline → why its conditions do not hold
    enqueued: int = 0
    expired: int = 0
    failed_attempts: int = 0


class Heartbeat:
    """Spawns and advances pipelines; ``run`` for one pass under the lock (None if another heartbeat holds it)."""

    def __init__(
        self,
        mq: MessageQueue,
        definitions: Mapping[str, PipelineDefinition] | None = None,
        settings: Settings | None = None,
        *,
        owner: str | None = None,
        clock: Clock = wall_clock,
    ) -> None:
        self.mq = mq
        self.definitions = dict(definitions or {})
        self.settings = settings_or_default(settings or mq.settings)
        self.owner = owner or new_owner()
        self.clock = clock
        ttl = self.settings.pipeline_heartbeat_ttl
        self.lock = LeaseLock(mq.engine, HEARTBEAT_LOCK, self.owner, ttl)
        self.pass_lock = LeaseLock(mq.engine, PASS_LOCK, self.owner, ttl)

    @property
    def engine(self) -> Any:
        return self.mq.engine

    def holder(self) -> str | None:
        return self.lock.holder()

    def run(self) -> Pulse | None:
        """One pass, holding the heartbeat lock for its duration; None when another heartbeat holds it."""
        if not self.lock.acquire():
            return None
        try:
            return self.pulse()
        finally:
            self.lock.release()

    def pulse(self) -> Pulse:
        """One pass; the caller holds (and renews) the heartbeat lock."""
        if maintenance.is_on(self.engine):
            log.warning("maintenance mode is on: the heartbeat spawns and enqueues nothing")
            return Pulse(maintenance=True)
        self.pass_lock.acquire()
        try:
            return self._pulse()
        finally:
            self.pass_lock.release()

    def _pulse(self) -> Pulse:
        at = self.clock()
        pulse = Pulse()
        with self.engine.begin() as conn:
            pulse.id = store.start_pulse(conn, self.owner, at)
            pulse.failed_attempts = store.fail_overdue_steps(conn, at)
        for definition in self.definitions.values():
            self._spawn(definition, pulse, at)
        pulse.enqueued = advance(self.mq, at)
        with self.engine.begin() as conn:
            pulse.expired = store.expire_pipelines(conn, at)
            if pulse.expired:
                store.abandon_stopped(conn, at)
            store.finish_pulse(
                conn, pulse.id, self.clock(), spawned=len(pulse.spawned), enqueued=pulse.enqueued, expired=pulse.expired
            )
        log.info(
            "pulse %d: spawned %d, enqueued %d, expired %d",
            pulse.id,
            len(pulse.spawned),
            pulse.enqueued,
            pulse.expired,
        )
        return pulse

    def _spawn(self, definition: PipelineDefinition, pulse: Pulse, at: float) -> None:
        specs = definition.spawn_conditions()
        if not specs and definition.initializer is None:
            return  # spawned on demand only (`pipeline create`, an initializer)
        result = check_conditions(specs, engine=self.engine, at=at, pipeline_name=definition.name)
        if not result.ok:
            pulse.not_spawned[definition.name] = result.reason
            log.debug("pipeline %r not spawned: %s", definition.name, result.reason)
            return
        try:
            if definition.initializer is not None:
                from conveyor.pipelines.initializer import initialize

                pulse.spawned.extend(
                    initialize(
                        self.engine, definition, self.settings, at=at, pulse_id=pulse.id, arguments=result.arguments
                    )
                )
            else:
                pulse.spawned.append(
                    spawn(self.engine, definition, self.settings, at=at, pulse_id=pulse.id, arguments=result.arguments)
                )
        except Exception as exc:
            pulse.not_spawned[definition.name] = f"{type(exc).__name__}: {exc}"
            log.error("pipeline %r could not be spawned: %s", definition.name, exc, exc_info=True)


def spawn(
    engine: Any,
    definition: PipelineDefinition,
    settings: Settings,
    *,
    at: float,
    arguments: Mapping[str, Any] = {},
    pulse_id: int | None = None,
    key: str | None = None,
) -> int:
    """Create one pipeline of ``definition``: its arguments, overlaid by ``arguments`` (conditions, --arg)."""
    with engine.begin() as conn:
        return store.create_pipeline(
            conn,
            definition,
            arguments={**definition.arguments, **arguments},
            now=at,
            work_root=Path(settings.pipeline_work_dir),
            pulse_id=pulse_id,
            key=key,
        )

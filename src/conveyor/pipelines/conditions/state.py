"""Conditions on the state of pipelines: ``not_running``, ``pipeline_finished`` and ``maintenance_off``.

``after: X`` and ``not_while: Y`` in a definition stand for ``pipeline_finished {pipeline: X}`` and
``not_running {pipeline: Y}``.
"""

from __future__ import annotations

from conveyor.pipelines import maintenance, store
from conveyor.pipelines.executors.arguments import Arguments
from conveyor.pipelines.ports import ConditionContext, ConditionResult


class NotRunning:
    """No pipeline ``pipeline`` (default: this one; another instance when checked for a step) is pending or
    running."""

    def check(self, context: ConditionContext) -> ConditionResult:
        arguments = Arguments(context.arguments, f"pipeline {context.pipeline_name!r}, condition 'not_running'")
        name = arguments.text("pipeline", context.pipeline_name)
        with context.engine.connect() as conn:
            count = store.live_count(conn, name, exclude_id=context.pipeline_id)
        if count:
            return ConditionResult(False, f"{count} pipeline(s) {name!r} pending or running")
        return ConditionResult(True)


class PipelineFinished:
    """Pipeline ``pipeline`` finished with ``status`` (default success) since this pipeline was last spawned —
    so each run of the other one starts this one at most once."""

    def check(self, context: ConditionContext) -> ConditionResult:
        arguments = Arguments(context.arguments, f"pipeline {context.pipeline_name!r}, condition 'pipeline_finished'")
        name = arguments.text("pipeline")
        status = arguments.text("status", "success")
        with context.engine.connect() as conn:
            finished = store.last_finished(conn, name, status)
            mine = store.last_created(conn, context.pipeline_name, exclude_id=context.pipeline_id)
        if finished is None:
            return ConditionResult(False, f"pipeline {name!r} never finished with {status}")
        if mine is not None and mine >= finished:
            return ConditionResult(False, f"pipeline {name!r} has not finished with {status} since the last run")
        return ConditionResult(True)


class MaintenanceOff:
    """Maintenance mode is off (the heartbeat checks it anyway; this guards steps and initializers)."""

    def check(self, context: ConditionContext) -> ConditionResult:
        if maintenance.is_on(context.engine):
            return ConditionResult(False, "maintenance mode is on")
        return ConditionResult(True)

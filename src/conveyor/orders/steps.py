"""The export's pipeline plug-ins: the step executor, the response-waiting condition, and two init executors.

``order_export`` runs the phases its step names (``phases: [transform]``, or merged ones) on the export row of
its pipeline (``export_id``). ``order_answered`` holds once the export has the ERP's order id, so a response
step is not enqueued — and no runner waits — before the answer is in. ``order_initialize`` and
``order_responses`` run an initializer pass and a response scan from a pipeline (e.g. on a schedule).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from conveyor.orders import state
from conveyor.orders.export import Exporter
from conveyor.orders.initializer import initialize_exports
from conveyor.orders.responses import process_responses
from conveyor.orders.rules import ExportRules, load_rules
from conveyor.pipelines import ConditionContext, ConditionResult, StepOutcome, StepRun
from conveyor.settings import Settings

_cache: dict[Path, tuple[int, ExportRules]] = {}


def current_rules(settings: Settings | None = None) -> ExportRules:
    """The rules file as it is now (read again when it changed), so a runner follows edits without a restart."""
    path = (settings or Settings()).orders_rules.absolute()
    stamp = path.stat().st_mtime_ns if path.exists() else -1
    cached = _cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_rules(path))
        _cache[path] = cached
    return cached[1]


_exporter: list[Exporter] = []


def exporter_for(engine: Engine, rules: ExportRules) -> Exporter:
    """The runner's exporter while the rules and engine stay the same: its channels (a SOAP client with its parsed
    WSDL, validated options) and formats are built once per process, not once per step."""
    if not _exporter or _exporter[0].engine is not engine or _exporter[0].rules is not rules:
        _exporter[:] = [Exporter(engine, rules)]
    return _exporter[0]


class ExportStep:
    """Executor ``order_export``."""

    def process(self, step: StepRun) -> StepOutcome:
        export_id = int(step.arguments["export_id"])
        phases = [str(p) for p in step.arguments.get("phases") or ()]
        exporter = exporter_for(step.engine, current_rules())
        try:
            output = exporter.run(export_id, phases, step.log)
        except Exception as exc:
            exporter.fail(export_id, f"{step.step_name} attempt {step.attempt}: {type(exc).__name__}: {exc}")
            raise
        return StepOutcome(output=output)


class Answered:
    """Condition ``order_answered``: the export of the step's pipeline has the ERP's order id."""

    def check(self, context: ConditionContext) -> ConditionResult:
        if context.pipeline_id is None:
            return ConditionResult(False, "only a step of an export pipeline can wait for its answer")
        with context.engine.connect() as conn:
            row = state.by_pipeline(conn, context.pipeline_id)
        if row is None:
            return ConditionResult(False, "no export for this pipeline")
        if row.erp_order_id is None:
            return ConditionResult(False, f"waiting for the answer to order {row.increment_id}")
        return ConditionResult(True)


class InitializeExports:
    """Executor ``order_initialize``: one initializer pass over the rules."""

    def process(self, step: StepRun) -> StepOutcome:
        from conveyor.db.engine import now

        result = initialize_exports(step.engine, current_rules(), now=now())
        step.log.info(
            "selected %s new export(s), created %d export pipeline(s): %s",
            sum(result.selected.values()),
            result.total,
            {k: len(v) for k, v in result.created.items()},
        )
        if not result.total:
            return StepOutcome("skipped", "no new orders to export")
        return StepOutcome(output=f"created {result.total} export pipeline(s)")


class ProcessResponses:
    """Executor ``order_responses``: one scan of the response directories."""

    def process(self, step: StepRun) -> StepOutcome:
        outcome = process_responses(step.engine, current_rules())
        for name, reason in outcome.refused:
            step.log.warning("%s refused: %s", name, reason)
        if not outcome.matched and not outcome.refused:
            return StepOutcome("skipped", "no response files")
        return StepOutcome(output=f"{len(outcome.matched)} matched, {len(outcome.refused)} refused")

"""Executor ``delete_old``: deletes finished pipelines (with their steps) and heartbeat pulses older than ``days``.

The shipped clean-up pipeline runs it; pipelines still pending or running are never touched.
"""

from __future__ import annotations

from conveyor.db.engine import now
from conveyor.pipelines import store
from conveyor.pipelines.executors.arguments import Arguments
from conveyor.pipelines.ports import StepOutcome, StepRun


class DeleteOld:
    """Arguments: ``days`` (default 30), the age past which finished pipeline data goes."""

    def process(self, step: StepRun) -> StepOutcome:
        days = Arguments(step.arguments, f"step {step.step_name!r}, executor 'delete_old'").number("days", 30)
        cutoff = now() - days * 86400
        with step.engine.begin() as conn:
            deleted = store.delete_finished_before(conn, cutoff)
        step.log.info("deleted %d pipeline(s) finished more than %g day(s) ago", deleted, days)
        if not deleted:
            return StepOutcome("skipped", f"nothing finished more than {days:g} day(s) ago")
        return StepOutcome(output=f"deleted {deleted} pipeline(s)")

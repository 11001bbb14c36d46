"""The order export's own pipelines (entry point ``conveyor.pipelines: orders``), there when the rules export anything.

* ``orders.initialize``: once a minute (and never two at once), an initializer pass: every newly matching order
  gets its export pipelines.
* ``orders.responses``: once a minute, a scan of the targets' response directories (only with a file response).

The heartbeat spawns them like any pipeline; the export pipelines they create are run by the same runners.
"""

from __future__ import annotations

from conveyor.orders.steps import current_rules
from conveyor.pipelines import ConditionSpec, PipelineDefinition, StageDefinition, StepDefinition

EVERY_MINUTE = ConditionSpec("schedule", {"cron": "* * * * *"})


def _single(name: str, executor: str, description: str) -> PipelineDefinition:
    step = StepDefinition(name=executor, executor=executor, stage="run", expire_in=600.0, description=description)
    return PipelineDefinition(
        name=name,
        stages=(StageDefinition("run", (step,)),),
        description=description,
        conditions=(EVERY_MINUTE, ConditionSpec("not_running")),
        expire_in=3600.0,
        source="entry point conveyor.pipelines:orders",
    )


def definitions() -> list[PipelineDefinition]:
    """The export's periodic pipelines for the current rules (none when nothing is exported)."""
    rules = current_rules()
    enabled = [website for website in rules.websites.values() if website.enabled]
    if not enabled:
        return []
    result = [_single("orders.initialize", "order_initialize", "schedule the exports of newly matching orders")]
    if any(t.response.type == "file" for w in enabled for t in w.targets):
        result.append(_single("orders.responses", "order_responses", "read the ERP's response files"))
    return result

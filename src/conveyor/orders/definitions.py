"""The export pipeline of a target: Transform → Transport → Handle response → Notify, as the target shapes it.

Each phase is a step of its own (attempts, log, retry), unless the target disables it or merges it with its
neighbours into one step. A response step that waits for a response file carries the condition
``order_answered``: the heartbeat enqueues it only once the answer is in, so no runner waits for the ERP.
"""

from __future__ import annotations

from conveyor.orders.rules import Target
from conveyor.pipelines import ConditionSpec, PipelineDefinition, StageDefinition, StepDefinition

EXECUTOR = "order_export"
ANSWERED = "order_answered"


def export_definition(target: Target) -> PipelineDefinition:
    """The pipeline definition every export to ``target`` is created from."""
    stages = []
    for phases in target.step_groups():
        name = "_".join(phases)
        waits = phases[0] == "response" and target.response.type == "file"
        step = StepDefinition(
            name=name,
            executor=EXECUTOR,
            stage=name,
            arguments={"phases": list(phases)},
            conditions=(ConditionSpec(ANSWERED),) if waits else (),
            max_attempts=target.max_attempts,
            description=" → ".join(phases),
        )
        stages.append(StageDefinition(name, (step,)))
    return PipelineDefinition(
        name=target.pipeline_name,
        stages=tuple(stages),
        description=f"export an order to {target.name} ({target.format} over {target.channel})",
        arguments={"target": target.name},
        source="orders rules",
    )

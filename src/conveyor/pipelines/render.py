"""Pictures of pipelines: a definition as a Mermaid flowchart (stages as subgraphs, dependencies as arrows)."""

from __future__ import annotations

import re

from conveyor.pipelines.definitions import PipelineDefinition


def _node(name: str) -> str:
    return "s_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def mermaid(definition: PipelineDefinition) -> str:
    """``flowchart TD`` of the steps; ``always`` steps dashed, with their executor under their name."""
    lines = ["flowchart TD"]
    for index, stage in enumerate(definition.stages):
        lines.append(f'  subgraph stage_{index}["{stage.name}"]')
        for step in stage.steps:
            label = f"{step.name}<br/><small>{step.executor}{' · always' if step.always else ''}</small>"
            lines.append(f'    {_node(step.name)}["{label}"]')
        lines.append("  end")
    for name, deps in definition.dependencies().items():
        arrow = "-.->" if definition.step(name).always else "-->"
        lines.extend(f"  {_node(dep)} {arrow} {_node(name)}" for dep in deps)
    return "\n".join(lines) + "\n"

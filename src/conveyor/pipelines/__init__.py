"""Process pipelines: definitions, the heartbeat that spawns and enqueues, runners that execute steps.

Other packages import this surface only; executors and conditions plug in by entry point (see ``ports``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.pipelines import maintenance, operator
    from conveyor.pipelines.config import definitions
    from conveyor.pipelines.definitions import (
        ConditionSpec,
        DefinitionError,
        PipelineDefinition,
        StageDefinition,
        StepDefinition,
        load_definitions,
        parse_pipeline,
        validate,
    )
    from conveyor.pipelines.heartbeat import Heartbeat, Pulse, advance, mini_heartbeat, spawn
    from conveyor.pipelines.initializer import DataFetcher, FetchContext, initialize
    from conveyor.pipelines.ports import Condition, ConditionContext, ConditionResult, Executor, StepOutcome, StepRun
    from conveyor.pipelines.registry import (
        Registry,
        UnknownPluginError,
        register_condition,
        register_executor,
        register_fetcher,
    )
    from conveyor.pipelines.runner import StepRunner
    from conveyor.pipelines.schema import PipelineStatus, StepStatus, pipeline_table
    from conveyor.pipelines.store import StepStats, create_pipelines, create_pipelines_from, step_stats
    from conveyor.pipelines.topology import pipelines_topology

_EXPORTS = {
    "operator": "conveyor.pipelines.operator",
    "Condition": "conveyor.pipelines.ports",
    "ConditionContext": "conveyor.pipelines.ports",
    "ConditionResult": "conveyor.pipelines.ports",
    "ConditionSpec": "conveyor.pipelines.definitions",
    "DataFetcher": "conveyor.pipelines.initializer",
    "DefinitionError": "conveyor.pipelines.definitions",
    "Executor": "conveyor.pipelines.ports",
    "FetchContext": "conveyor.pipelines.initializer",
    "Heartbeat": "conveyor.pipelines.heartbeat",
    "PipelineDefinition": "conveyor.pipelines.definitions",
    "PipelineStatus": "conveyor.pipelines.schema",
    "Pulse": "conveyor.pipelines.heartbeat",
    "Registry": "conveyor.pipelines.registry",
    "StageDefinition": "conveyor.pipelines.definitions",
    "StepDefinition": "conveyor.pipelines.definitions",
    "StepOutcome": "conveyor.pipelines.ports",
    "StepRun": "conveyor.pipelines.ports",
    "StepRunner": "conveyor.pipelines.runner",
    "StepStatus": "conveyor.pipelines.schema",
    "UnknownPluginError": "conveyor.pipelines.registry",
    "advance": "conveyor.pipelines.heartbeat",
    "create_pipelines": "conveyor.pipelines.store",
    "create_pipelines_from": "conveyor.pipelines.store",
    "step_stats": "conveyor.pipelines.store",
    "StepStats": "conveyor.pipelines.store",
    "definitions": "conveyor.pipelines.config",
    "initialize": "conveyor.pipelines.initializer",
    "load_definitions": "conveyor.pipelines.definitions",
    "maintenance": "conveyor.pipelines.maintenance",
    "mini_heartbeat": "conveyor.pipelines.heartbeat",
    "parse_pipeline": "conveyor.pipelines.definitions",
    "pipeline_table": "conveyor.pipelines.schema",
    "pipelines_topology": "conveyor.pipelines.topology",
    "register_condition": "conveyor.pipelines.registry",
    "register_executor": "conveyor.pipelines.registry",
    "register_fetcher": "conveyor.pipelines.registry",
    "spawn": "conveyor.pipelines.heartbeat",
    "validate": "conveyor.pipelines.definitions",
}

__all__ = [
    "Condition",
    "ConditionContext",
    "ConditionResult",
    "ConditionSpec",
    "DataFetcher",
    "DefinitionError",
    "Executor",
    "FetchContext",
    "Heartbeat",
    "PipelineDefinition",
    "PipelineStatus",
    "Pulse",
    "Registry",
    "StageDefinition",
    "StepDefinition",
    "StepOutcome",
    "StepRun",
    "StepRunner",
    "StepStats",
    "StepStatus",
    "UnknownPluginError",
    "advance",
    "create_pipelines",
    "create_pipelines_from",
    "definitions",
    "initialize",
    "load_definitions",
    "maintenance",
    "mini_heartbeat",
    "operator",
    "parse_pipeline",
    "pipeline_table",
    "pipelines_topology",
    "register_condition",
    "register_executor",
    "register_fetcher",
    "spawn",
    "step_stats",
    "validate",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)

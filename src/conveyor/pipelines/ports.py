"""The two plug-in points of pipelines: executors run steps, conditions decide whether pipelines spawn and steps run."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from conveyor.mq import MessageQueue


@dataclass(frozen=True)
class StepRun:
    """What an executor gets: the step, its attempt, its merged arguments and where to work."""

    step_id: int
    pipeline_id: int
    pipeline_name: str
    step_name: str
    attempt: int
    arguments: Mapping[str, Any]  # pipeline arguments, overlaid by the step's own arguments
    working_dir: Path | None  # the pipeline's working directory when the definition asks for one
    engine: Engine  # the Conveyor database (store, pipelines)
    log: logging.Logger  # what is logged here is stored as the step's log
    mq: MessageQueue | None = None  # the runner's queue (on ``engine``): for what a step publishes, e.g. domain events


@dataclass(frozen=True)
class StepOutcome:
    """What an executor reports when it does not simply succeed silently."""

    status: Literal["success", "skipped"] = "success"  # skipped: the executor found nothing to do
    output: str = ""  # stored with the step, shown by `pipeline show`


class Executor(Protocol):
    """Runs one step; raise to fail the attempt, return None for a plain success."""

    def process(self, step: StepRun) -> StepOutcome | None: ...


@dataclass(frozen=True)
class ConditionContext:
    """What a condition gets when the heartbeat (or a step check) asks it."""

    engine: Engine
    now: datetime  # timezone-aware UTC; the heartbeat's pulse time
    pipeline_name: str
    arguments: Mapping[str, Any]  # the condition's own arguments from the definition
    pipeline_id: int | None = None  # set when a step condition is checked (None at spawn time)


@dataclass(frozen=True)
class ConditionResult:
    """A condition's answer; arguments are handed to the spawned pipeline (e.g. files found)."""

    ok: bool
    reason: str = ""  # why not (shown in logs / `pipeline definitions`)
    arguments: Mapping[str, Any] = field(default_factory=dict)


class Condition(Protocol):
    """Decides whether a pipeline spawns or a step runs."""

    def check(self, context: ConditionContext) -> ConditionResult: ...

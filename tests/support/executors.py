"""Support for the executor and condition tests: a StepRun on a real database, and its captured log."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from conveyor.pipelines.ports import StepRun


class Captured(logging.Handler):
    """Keeps the records logged to a step's logger (what the runner would store as the step's log)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def lines(self) -> list[str]:
        return [record.getMessage() for record in self.records]


def step_run(
    engine: Engine,
    arguments: Mapping[str, Any],
    working_dir: Path | None = None,
    *,
    pipeline_id: int = 1,
    step_id: int = 1,
    name: str = "step",
) -> tuple[StepRun, Captured]:
    """A StepRun as the runner builds it, with a logger of its own whose records are captured."""
    logger = logging.getLogger(f"tests.pipelines.step.{uuid.uuid4().hex[:8]}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    captured = Captured()
    logger.addHandler(captured)
    run = StepRun(
        step_id=step_id,
        pipeline_id=pipeline_id,
        pipeline_name="test",
        step_name=name,
        attempt=1,
        arguments=dict(arguments),
        working_dir=working_dir,
        engine=engine,
        log=logger,
    )
    return run, captured

"""A tiny executor and conditions for the engine tests, registered programmatically (no dependency on the shipped
executors), plus the fixtures' building blocks: a MessageQueue on a backend, and draining runners in-process."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from conveyor.mq.consumer import ConsumerOptions
from conveyor.mq.handlers import Assignment
from conveyor.mq.queue import MessageQueue
from conveyor.mq.workers import Limits, build_worker
from conveyor.pipelines import registry
from conveyor.pipelines.definitions import PipelineDefinition, parse_pipeline, validate
from conveyor.pipelines.ports import ConditionContext, ConditionResult, StepOutcome, StepRun
from conveyor.pipelines.runner import StepRunner
from conveyor.pipelines.schema import pipeline_table, step_table
from conveyor.pipelines.topology import QUEUE, pipelines_topology
from conveyor.settings import Settings


class StepFailedError(RuntimeError):
    """What the test executor raises when told to fail."""


class TestExecutor:
    """Does what its arguments say: ``fail_while`` (a path: fail while it exists), ``fail_attempts`` (fail the
    first N attempts), ``kill_once`` (a marker path: SIGKILL its own process the first time), ``sleep``,
    ``skip``, ``output``; it logs one line and appends ``<pipeline>/<step>#<attempt>`` to ``record`` if given."""

    __test__ = False  # not a pytest class

    def process(self, step: StepRun) -> StepOutcome | None:
        args = step.arguments
        step.log.info("running %s attempt %d", step.step_name, step.attempt)
        if args.get("record"):
            with open(args["record"], "a", encoding="utf-8") as f:
                f.write(f"{step.pipeline_id}/{step.step_name}#{step.attempt}\n")
        if args.get("sleep"):
            time.sleep(float(args["sleep"]))
        marker = args.get("kill_once")
        if marker and step.step_name == args.get("kill_step", step.step_name) and not Path(marker).exists():
            Path(marker).write_text("killed")
            os.kill(os.getpid(), signal.SIGKILL)
        if args.get("fail_while") and Path(args["fail_while"]).exists():
            raise StepFailedError(f"{step.step_name}: {args['fail_while']} exists")
        if step.attempt <= int(args.get("fail_attempts", 0)):
            raise StepFailedError(f"{step.step_name}: attempt {step.attempt} fails")
        if args.get("skip"):
            return StepOutcome("skipped", "nothing to do")
        return StepOutcome(output=str(args.get("output", f"{step.step_name} done")))


class Always:
    """Condition ``test_always``: holds, and hands its own arguments to the pipeline."""

    def check(self, context: ConditionContext) -> ConditionResult:
        return ConditionResult(True, arguments=dict(context.arguments))


class Never:
    def check(self, context: ConditionContext) -> ConditionResult:
        return ConditionResult(False, "never holds")


class Slow:
    """Condition ``test_slow``: holds after ``seconds`` (to keep a heartbeat pass busy); counts its calls."""

    calls = 0
    lock = threading.Lock()

    def check(self, context: ConditionContext) -> ConditionResult:
        with Slow.lock:
            Slow.calls += 1
        time.sleep(float(context.arguments.get("seconds", 1.0)))
        return ConditionResult(True)


def register() -> None:
    registry.register_executor("test", TestExecutor)
    registry.register_condition("test_always", Always)
    registry.register_condition("test_never", Never)
    registry.register_condition("test_slow", Slow)


register()


def definition(raw: Mapping[str, Any]) -> PipelineDefinition:
    return validate(parse_pipeline(raw, "<test>"))


def linear(name: str, count: int, **step_args: Any) -> PipelineDefinition:
    """``count`` steps, each its own stage, so each depends on the one before."""
    return definition(
        {
            "name": name,
            "stages": [
                {"name": f"s{i}", "steps": [{"name": f"step{i}", "executor": "test", "arguments": step_args}]}
                for i in range(count)
            ],
        }
    )


def make_mq(request: Any, backend: str, **overrides: Any) -> tuple[MessageQueue, Settings]:
    """The pipelines topology on ``sqlite`` (DB queue), ``postgresql`` (DB queue) or ``pg+amqp``."""
    connection: Literal["db", "amqp"] = "amqp" if backend == "pg+amqp" else "db"
    if backend == "pg+amqp":
        db, amqp = request.getfixturevalue("pg_url"), request.getfixturevalue("amqp_url")
    else:
        db, amqp = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[backend]), "amqp://unused"
    tmp = request.getfixturevalue("tmp_path")
    settings = Settings(
        database_url=db,
        amqp_url=amqp,
        pipeline_connection=connection,
        pipeline_work_dir=tmp / "work",
        **overrides,
    )
    mq = MessageQueue(pipelines_topology(connection), settings, database_url=db, amqp_url=amqp)
    mq.declare()
    return mq, settings


def drain(mq: MessageQueue, settings: Settings, clock: Callable[[], float] | None = None) -> int:
    """Run the steps waiting in the queue (and those the mini heartbeat enqueues) until it is empty."""
    runner = StepRunner(mq, settings, clock=clock) if clock else StepRunner(mq, settings)
    worker = build_worker(
        mq,
        [Assignment(queue=QUEUE, handler=runner, consumer=None)],
        ConsumerOptions(batch_size=10, sleep=0.05, max_attempts=5, retry_delay=0.1),
        Limits(stop_when_empty=True),
        signals=False,
    )
    worker.run()
    return worker.handled


def pipeline_status(mq: MessageQueue, pipeline_id: int) -> str:
    with mq.engine.connect() as conn:
        return str(conn.execute(sa.select(pipeline_table.c.status).where(pipeline_table.c.id == pipeline_id)).scalar())


def step_statuses(mq: MessageQueue, pipeline_id: int) -> dict[str, tuple[str, int]]:
    """Step name → (status, attempts)."""
    with mq.engine.connect() as conn:
        rows = conn.execute(
            sa.select(step_table.c.name, step_table.c.status, step_table.c.attempts).where(
                step_table.c.pipeline_id == pipeline_id
            )
        )
        return {name: (status, attempts) for name, status, attempts in rows}

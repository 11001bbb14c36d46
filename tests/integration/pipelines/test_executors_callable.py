"""The ``callable`` executor: a real function of this module, called with the StepRun."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.pipelines.executors.arguments import ArgumentError
from conveyor.pipelines.executors.python_callable import CallableExecutor
from conveyor.pipelines.ports import StepOutcome, StepRun
from tests.support.executors import step_run

HERE = "tests.integration.pipelines.test_executors_callable"


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = sa.create_engine("sqlite://")
    yield engine
    engine.dispose()


def count_rows(step: StepRun) -> dict[str, object]:
    """Uses what the StepRun carries: the database, the arguments, the working directory, the log."""
    with step.engine.connect() as conn:
        answer = conn.execute(sa.text("SELECT :n * 2"), {"n": step.arguments["n"]}).scalar_one()
    step.log.info("doubled %s", step.arguments["n"])
    return {"doubled": answer, "where": str(step.working_dir), "attempt": step.attempt}


def nothing_to_do(step: StepRun) -> StepOutcome:
    return StepOutcome(status="skipped", output="no orders")


def plain(step: StepRun) -> None:
    return None


def text(step: StepRun) -> str:
    return f"hello {step.step_name}"


def broken(step: StepRun) -> None:
    raise RuntimeError("the ERP is down")


def test_the_return_value_becomes_the_output(engine: Engine, tmp_path: Path) -> None:
    run, log = step_run(engine, {"callable": f"{HERE}:count_rows", "n": 21}, tmp_path)
    outcome = CallableExecutor().process(run)
    assert outcome.status == "success"
    assert outcome.output == f'{{\n  "doubled": 42,\n  "where": "{tmp_path}",\n  "attempt": 1\n}}'
    assert log.lines == ["doubled 21"]


@pytest.mark.parametrize(
    ("function", "status", "output"),
    [("nothing_to_do", "skipped", "no orders"), ("plain", "success", ""), ("text", "success", "hello greet")],
)
def test_outcomes_strings_and_none(engine: Engine, function: str, status: str, output: str) -> None:
    run, _ = step_run(engine, {"callable": f"{HERE}:{function}"}, name="greet")
    outcome = CallableExecutor().process(run)
    assert (outcome.status, outcome.output) == (status, output)


def test_an_exception_fails_the_attempt(engine: Engine) -> None:
    run, _ = step_run(engine, {"callable": f"{HERE}:broken"})
    with pytest.raises(RuntimeError, match="the ERP is down"):
        CallableExecutor().process(run)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (None, "is required"),
        ("tests.integration.pipelines.test_executors_callable", ".*must be 'module:function'"),
        ("no_such_module_xyz:run", ".*cannot be loaded: ModuleNotFoundError"),
        (f"{HERE}:missing", ".*cannot be loaded: AttributeError"),
        (f"{HERE}:HERE", ".*cannot be loaded: TypeError"),
    ],
)
def test_a_callable_that_cannot_be_loaded_is_named(engine: Engine, spec: str | None, message: str) -> None:
    run, _ = step_run(engine, {"callable": spec} if spec else {}, name="hook")
    with pytest.raises(ArgumentError, match=f"step 'hook' \\(callable\\): argument 'callable' {message}"):
        CallableExecutor().process(run)

"""The ``cli`` executor against real processes: output, log, exit status, timeout of a whole process group."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.pipelines.executors.arguments import ArgumentError
from conveyor.pipelines.executors.cli import CliExecutor, CommandFailedError
from tests.support.executors import step_run

PY = sys.executable


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = sa.create_engine("sqlite://")
    yield engine
    engine.dispose()


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper counts as dead)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "Z" not in state.split()[1]


def test_stdout_becomes_the_output_and_stderr_the_log(engine: Engine, tmp_path: Path) -> None:
    script = "import os, sys; print('done in', os.getcwd()); print('careful', file=sys.stderr); print(sys.argv[1:])"
    run, log = step_run(engine, {"command": [PY, "-c", script], "args": ["a b", 7]}, tmp_path)
    outcome = CliExecutor().process(run)
    assert outcome.status == "success"
    assert outcome.output == f"done in {tmp_path}\n['a b', '7']\n"  # the working directory is the default cwd
    assert "careful" in log.lines


def test_a_command_string_is_split_like_a_shell_but_not_run_by_one(engine: Engine, tmp_path: Path) -> None:
    run, _ = step_run(engine, {"command": f"{PY} -c 'import sys; print(sys.argv[1:])' \"x y\" '$HOME'"}, tmp_path)
    assert CliExecutor().process(run).output == "['x y', '$HOME']\n"


def test_env_and_cwd_are_passed(engine: Engine, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    script = "import os; print(os.environ['GREETING'], os.getcwd())"
    run, _ = step_run(engine, {"command": [PY, "-c", script], "env": {"GREETING": "hello"}, "cwd": str(other)})
    assert CliExecutor().process(run).output == f"hello {other}\n"


def test_a_non_zero_exit_fails_with_the_status_and_the_last_error_line(engine: Engine, tmp_path: Path) -> None:
    script = "import sys; print('partial'); print('first', file=sys.stderr); sys.exit('the disk is full')"
    run, log = step_run(engine, {"command": [PY, "-c", script]}, tmp_path)
    with pytest.raises(CommandFailedError, match=r"exited with status 1: the disk is full"):
        CliExecutor().process(run)
    assert log.lines[0].startswith(f"running {PY} -c ")
    assert log.lines[1:] == ["first", "the disk is full"]


def test_a_timeout_kills_the_command_and_everything_it_started(engine: Engine, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # the shell starts a grandchild and waits: killing only the shell would leave the sleep running
    script = f"sleep 60 & echo $! > {pids}; echo $$ >> {pids}; wait"
    run, _ = step_run(engine, {"command": ["sh", "-c", script], "timeout": 0.5}, tmp_path)
    started = time.monotonic()
    with pytest.raises(CommandFailedError, match=r"ran past its timeout of 0.5s and was killed"):
        CliExecutor().process(run)
    assert time.monotonic() - started < 10
    found = [int(p) for p in pids.read_text().split()]
    assert len(found) == 2
    deadline = time.monotonic() + 5
    while any(alive(p) for p in found) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in found)


def test_a_command_that_cannot_start_fails_clearly(engine: Engine, tmp_path: Path) -> None:
    run, _ = step_run(engine, {"command": [str(tmp_path / "no-such-program")]}, tmp_path)
    with pytest.raises(CommandFailedError, match="cannot start"):
        CliExecutor().process(run)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "argument 'command' is required"),
        ({"command": "echo 'unbalanced"}, "argument 'command' cannot be split"),
        ({"command": [PY], "args": "not a list"}, "argument 'args' must be a list"),
        ({"command": [PY], "timeout": "soon"}, "argument 'timeout' must be a number"),
        ({"command": [PY], "env": ["A=1"]}, "argument 'env' must be a mapping"),
        ({"command": []}, "argument 'command' is empty"),
        ({"command": [PY, ""]}, "argument 'command' must be a list of non-empty strings"),
    ],
)
def test_bad_arguments_name_the_step_and_the_argument(
    engine: Engine, tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    run, _ = step_run(engine, arguments, tmp_path, name="export")
    with pytest.raises(ArgumentError, match=f"step 'export' \\(cli\\): {message}"):
        CliExecutor().process(run)


def test_the_output_keeps_the_tail_of_a_long_stdout(engine: Engine, tmp_path: Path) -> None:
    script = "print('x' * 100000); print('the end')"
    run, _ = step_run(engine, {"command": [PY, "-c", script]}, tmp_path)
    output = CliExecutor().process(run).output
    assert output.startswith("[… ") and output.endswith("the end\n")
    assert len(output) < 70_000

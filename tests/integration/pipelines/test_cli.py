"""``conveyor pipeline …`` against a real SQLite database, with definitions from a folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conveyor.cli import main
from conveyor.db import make_engine
from conveyor.db.locks import LeaseLock
from conveyor.pipelines.heartbeat import HEARTBEAT_LOCK

DEFINITION = """
name: nightly
description: Nightly export
expire_in: 1h
working_dir: true
arguments: {{output: from the definition}}
stages:
  - name: prepare
    steps:
      - {{name: fetch, executor: test}}
      - {{name: check, executor: test, arguments: {{fail_while: "{flag}"}}}}
  - name: finish
    steps:
      - {{name: upload, executor: test, description: Sends the file}}
      - {{name: cleanup, executor: test, conditions: [always]}}
"""


@pytest.fixture
def cli(sqlite_url: str, tmp_path: Path) -> tuple[CliRunner, dict[str, str], Path]:
    import tests.support.pipelines  # noqa: F401  (registers the test executor in this process)

    folder = tmp_path / "definitions"
    folder.mkdir()
    flag = tmp_path / "broken"
    (folder / "nightly.yaml").write_text(DEFINITION.format(flag=flag))
    env = {
        "CONVEYOR_DATABASE_URL": sqlite_url,
        "CONVEYOR_PIPELINE_PATHS": json.dumps([str(folder)]),
        "CONVEYOR_PIPELINE_WORK_DIR": str(tmp_path / "work"),
    }
    return CliRunner(), env, flag


def invoke(cli: tuple[CliRunner, dict[str, str], Path], *args: str) -> Result:
    runner, env, _ = cli
    return runner.invoke(main, ["pipeline", *args], env=env, catch_exceptions=False)


def test_create_heartbeat_runner_show_retry(cli: tuple[CliRunner, dict[str, str], Path], tmp_path: Path) -> None:
    flag = cli[2]
    flag.write_text("broken")
    result = invoke(cli, "create", "nightly", "--arg", "output=42")
    assert result.exit_code == 0, result.output
    assert "created pipeline 1" in result.output
    assert (tmp_path / "work" / "nightly-1").is_dir()

    assert "enqueued 2" in invoke(cli, "heartbeat").output
    result = invoke(cli, "runner", "--stop-when-empty", "--sleep", "0")
    assert result.exit_code == 0, result.output

    listing = invoke(cli, "list", "--status", "error").output
    assert "nightly" in listing and "error" in listing and "2/4" in listing  # fetch and cleanup done
    shown = invoke(cli, "show", "1").output
    assert "check #2 error" in shown and "StepFailedError" in shown and "upload #3 abandoned" in shown
    assert "cleanup #4 success" in shown and "output: 42" in shown  # --arg overlaid the definition's argument
    assert "running fetch attempt 1" in shown  # the step log

    flag.unlink()
    result = invoke(cli, "retry", "--step", "2")
    assert result.exit_code == 0 and "2 step(s) to run again, 1 enqueued now" in result.output
    invoke(cli, "runner", "--stop-when-empty", "--sleep", "0")
    assert "success" in invoke(cli, "list", "--status", "success").output
    assert invoke(cli, "retry", "1").exit_code == 2  # nothing left to retry


def test_cancel_and_maintenance(cli: tuple[CliRunner, dict[str, str], Path]) -> None:
    invoke(cli, "create", "nightly")
    assert "cancelled" in invoke(cli, "cancel", "1").output
    assert invoke(cli, "cancel", "1").exit_code == 2
    assert "abandoned" in invoke(cli, "show", "1").output
    assert "maintenance mode is on" in invoke(cli, "maintenance", "on").output
    env = cli[1]
    listing = CliRunner().invoke(main, ["pipeline", "list"], env=env)
    assert "maintenance mode is on" in listing.output  # visible in every listing
    assert "nothing spawned or enqueued" in invoke(cli, "heartbeat").output
    assert "maintenance mode is off" in invoke(cli, "maintenance", "off").output
    assert "maintenance mode is off" in invoke(cli, "maintenance", "status").output


def test_a_second_heartbeat_exits_with_a_clear_message(cli: tuple[CliRunner, dict[str, str], Path]) -> None:
    holder = LeaseLock(make_engine(cli[1]["CONVEYOR_DATABASE_URL"]), HEARTBEAT_LOCK, "host-a:123:abc")
    assert holder.acquire()
    result = invoke(cli, "heartbeat")
    assert result.exit_code == 3
    assert "another heartbeat is running (held by host-a:123:abc)" in result.output
    holder.release()
    assert invoke(cli, "heartbeat").exit_code == 0


def test_definitions_and_mermaid(cli: tuple[CliRunner, dict[str, str], Path]) -> None:
    listing = invoke(cli, "definitions").output
    assert "nightly" in listing and "on demand" in listing
    tree = invoke(cli, "definitions", "nightly").output
    assert "upload · test · after fetch, check" in tree
    graph = invoke(cli, "definitions", "nightly", "--mermaid").output
    assert graph.startswith("flowchart TD")
    assert "s_fetch --> s_upload" in graph and "s_check -.-> s_cleanup" in graph


def test_an_invalid_definition_is_refused_with_its_file(cli: tuple[CliRunner, dict[str, str], Path]) -> None:
    folder = Path(json.loads(cli[1]["CONVEYOR_PIPELINE_PATHS"])[0])
    (folder / "broken.yaml").write_text("name: broken\nstages: [{name: a, steps: [{name: x, executor: nope}]}]\n")
    result = invoke(cli, "definitions")
    assert result.exit_code == 2
    assert "broken.yaml, pipeline 'broken', step 'x': unknown executor 'nope'" in result.output

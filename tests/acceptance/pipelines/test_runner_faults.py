"""A runner process SIGKILLed in the middle of a step: after ``conveyor queue refresh`` (DB queue) or by the broker
(RabbitMQ) the message comes back, the step runs again as its next attempt, and the pipeline completes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conveyor.pipelines.heartbeat import Heartbeat, spawn
from conveyor.settings import Settings
from tests.support.pipelines import definition, make_mq, pipeline_status, step_statuses

ROOT = Path(__file__).resolve().parents[3]
RUNNER = "import sys, tests.support.pipelines; from conveyor.cli import main; main(sys.argv[1:])"


def _runner(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CONVEYOR_DATABASE_URL": settings.database_url,
        "CONVEYOR_AMQP_URL": settings.amqp_url,
        "CONVEYOR_PIPELINE_CONNECTION": settings.pipeline_connection,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-c", RUNNER, "pipeline", "runner", "--stop-when-empty", "--sleep", "0.1"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "pg+amqp"])
def test_a_step_whose_runner_was_killed_runs_again_and_the_pipeline_completes(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    mq, settings = make_mq(request, backend)
    marker = tmp_path / "killed"
    pipeline = definition(
        {
            "name": "fragile",
            "stages": [
                {
                    "name": f"s{i}",
                    "steps": [
                        {
                            "name": f"step{i}",
                            "executor": "test",
                            "max_attempts": 2,
                            "arguments": {"kill_once": str(marker), "kill_step": "step1"},
                        }
                    ],
                }
                for i in range(3)
            ],
        }
    )
    pipeline_id = spawn(mq.engine, pipeline, settings, at=time.time())
    Heartbeat(mq, {}, settings).run()

    first = _runner(settings)
    assert first.wait(timeout=60) == -9, first.stderr.read().decode() if first.stderr else ""
    assert marker.exists()
    assert step_statuses(mq, pipeline_id) == {
        "step0": ("success", 1),
        "step1": ("running", 1),  # its runner died mid-step
        "step2": ("pending", 0),
    }
    if backend == "sqlite":  # the DB queue: the dead runner's reservation goes back once it counts as dead
        time.sleep(2.5)  # two missed beats, and its process is gone: refresh reaps it, no timer needed
        env = {**os.environ, "CONVEYOR_DATABASE_URL": settings.database_url}
        refresh = [sys.executable, "-m", "conveyor", "queue", "refresh", "--reserved", "3600"]
        result = subprocess.run(refresh, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
        assert "dead workers: requeued 1" in result.stdout, result.stdout + result.stderr

    for _ in range(3):  # RabbitMQ re-publishes a redelivery as a counted copy: a first empty round can stop a runner
        second = _runner(settings)
        assert second.wait(timeout=60) == 0, second.stderr.read().decode() if second.stderr else ""
        if pipeline_status(mq, pipeline_id) == "success":
            break
    assert step_statuses(mq, pipeline_id) == {
        "step0": ("success", 1),
        "step1": ("success", 2),  # run again, as its second attempt
        "step2": ("success", 1),
    }
    assert pipeline_status(mq, pipeline_id) == "success"
    mq.close()

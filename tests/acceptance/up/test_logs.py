"""``CONVEYOR_LOG_FORMAT=json``: every line a process logs is one JSON object with the correlation id field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.acceptance.up.system import clean_env


def test_a_consumer_logs_json_lines(tmp_path: Path) -> None:
    env = clean_env({"CONVEYOR_LOG_FORMAT": "json"})
    for args in (["db", "upgrade"], ["queue", "consume", "async.operations.all", "--max-runtime", "0.2", "-v"]):
        done = subprocess.run(
            [sys.executable, "-m", "conveyor", *args], cwd=tmp_path, env=env, capture_output=True, check=False
        )
        assert done.returncode == 0, done.stderr.decode()
    lines = [json.loads(line) for line in done.stderr.decode().splitlines() if line.startswith("{")]
    assert next(line["message"] for line in lines if line["message"].startswith("worker ")).endswith(
        "consuming async.operations.all"
    )
    assert all(line.keys() >= {"time", "level", "logger", "message", "correlation_id", "pid"} for line in lines)
    text = [line for line in done.stderr.decode().splitlines() if line and not line.startswith("{")]
    assert text == [] or all(t.startswith("stopped:") for t in text)  # the CLI's own summary is not a log line


def test_a_bad_log_format_is_refused_naming_the_setting(tmp_path: Path) -> None:
    env = clean_env({"CONVEYOR_LOG_FORMAT": "xml"})
    done = subprocess.run(
        [sys.executable, "-m", "conveyor", "queue", "list"], cwd=tmp_path, env=env, capture_output=True, check=False
    )
    assert done.returncode == 2
    assert "log_format" in done.stderr.decode().lower()
    assert "Traceback" not in done.stderr.decode()

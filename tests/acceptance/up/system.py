"""``conveyor up`` as a user starts it: a subprocess in a fresh directory (the store under its ./var/), its output
in a log file, and the processes counted by their working directory (every child runs in it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from conveyor.supervisor import with_watchdog

ROOT = Path(__file__).resolve().parents[3]
USER, PASSWORD = "operator", "op3rator-Secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The test's environment without Conveyor's settings (a fresh clone has none), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONVEYOR_", "PROMETHEUS_"))}
    return {**env, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **extra}


def processes_in(directory: Path) -> list[psutil.Process]:
    """Live processes working in ``directory`` (``up`` and every child it started)."""
    found = []
    for process in psutil.process_iter(["cwd", "status"]):
        try:
            if process.info["cwd"] == str(directory) and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def wait_for(check: Callable[[], Any], timeout: float, what: str, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-4000:] if log is not None and log.exists() else ""
    raise AssertionError(f"{what} not within {timeout}s\n{tail}")


@dataclass
class System:
    directory: Path
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    started: float = 0.0

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def child(self, fragment: str) -> psutil.Process | None:
        """The running child whose command line holds ``fragment``."""
        for process in psutil.Process(self.process.pid).children():
            try:
                if fragment in " ".join(process.cmdline()) and process.status() != psutil.STATUS_ZOMBIE:
                    return process
            except psutil.NoSuchProcess:
                continue
        return None

    def token(self) -> str:
        answer = httpx.post(
            f"{self.url}/rest/V1/integration/admin/token", json={"username": USER, "password": PASSWORD}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json())

    def stop(self, timeout: float = 10.0) -> float:
        """SIGTERM ``up``; the seconds it took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        return time.monotonic() - started


def start_up(
    directory: Path,
    env: Mapping[str, str] | None = None,
    *,
    port: int | None = None,
    admin: bool = True,
    args: tuple[str, ...] = (),
) -> System:
    """``conveyor up`` in ``directory`` (with an admin user made first, if ``admin``); returns at once."""
    directory.mkdir(parents=True, exist_ok=True)
    environment = clean_env(env or {})
    if admin:
        _admin_user(directory, environment)
    port = port or free_port()
    log = directory / "up.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # SIGTERM when the test process dies: no system outlives a killed test run
            with_watchdog([sys.executable, "-m", "conveyor", "up", "--port", str(port), "-v", *args]),
            cwd=directory,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return System(directory, process, f"http://127.0.0.1:{port}", log, time.monotonic())


def _admin_user(directory: Path, environment: Mapping[str, str]) -> None:
    made = subprocess.run(
        [sys.executable, "-m", "conveyor", "db", "upgrade"],
        cwd=directory,
        env=environment,
        capture_output=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr.decode()
    made = subprocess.run(
        [sys.executable, "-m", "conveyor", "user", "create", USER, "--password", PASSWORD],
        cwd=directory,
        env=environment,
        capture_output=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr.decode()

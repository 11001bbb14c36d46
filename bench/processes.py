"""What the benchmarks that run Conveyor's own processes share: starting them, waiting for them, their stderr."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx

START_TIMEOUT = 120.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    """Until ``url`` answers 200; a process that exits first is an error with its stderr."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited {process.returncode}: {stderr_tail(process)}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer within {START_TIMEOUT:.0f} s")


@contextmanager
def processes(commands: list[list[str]], env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start the commands; whatever still runs afterwards gets SIGTERM (then SIGKILL after 30 s).

    Their stderr goes to a temporary file (a pipe nobody reads would block a chatty process once full), kept as
    ``process.stderr`` for ``stderr_tail``.
    """
    with ExitStack() as files:
        started = []
        for command in commands:
            errors = files.enter_context(tempfile.TemporaryFile())
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
            process.stderr = errors
            started.append(process)
        try:
            yield started
        finally:
            for p in started:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in started:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def stderr_tail(process: subprocess.Popen[bytes]) -> str:
    """The end of what a process from ``processes`` wrote to stderr."""
    if process.stderr is None:
        return ""
    process.stderr.seek(0)
    return process.stderr.read().decode(errors="replace")[-2000:]

"""A small process supervisor: named child commands kept running, their output prefixed with their names.

``conveyor up`` runs the whole system with it on one machine (systemd or supervisord do the same job on many,
from ``conveyor deploy``). A child that exits is started again after a backoff that doubles while it keeps
crashing and resets once it has stayed up. ``stop`` sends SIGTERM to every child (each finishes its message and
exits) and SIGKILL to whatever is left after the grace period. Children die with the supervisor even when it is
SIGKILLed itself: on Linux each child asks the kernel for SIGTERM when its parent dies (``PR_SET_PDEATHSIG``).

It knows nothing of Conveyor's packages: a ``Program`` is a name, an argv and an environment.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

log = logging.getLogger("conveyor.supervisor")

STABLE_AFTER = 10.0  # seconds up after which a restart counts as the first again (backoff reset)


@dataclass(frozen=True)
class Program:
    """One child: ``argv`` run with the supervisor's environment overlaid by ``env``."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Child:
    """A program's current process and its restart bookkeeping."""

    program: Program
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = 0.0
    next_start: float = 0.0
    reader: threading.Thread | None = None


# Run before the program, in the child: ask Linux for SIGTERM when the parent dies, then become the program (the
# request survives exec). A preexec_fn would do it without the extra start, but forking a threaded parent (the
# output readers are threads) and running Python before exec can deadlock the child.
_WATCHDOG = """
import ctypes, os, signal, sys
parent = int(sys.argv[1])
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
if os.getppid() != parent:
    sys.exit(1)
os.execvp(sys.argv[2], sys.argv[2:])
"""


def with_watchdog(argv: Sequence[str]) -> list[str]:
    """``argv`` run so that it gets SIGTERM when this process dies (Linux; elsewhere ``argv`` itself)."""
    if not sys.platform.startswith("linux"):
        return list(argv)
    return [sys.executable, "-S", "-c", _WATCHDOG, str(os.getpid()), *argv]


class Supervisor:
    """Starts ``programs``, restarts the ones that exit (with backoff) until ``stop``."""

    def __init__(
        self,
        programs: Sequence[Program],
        *,
        output: IO[str] | None = None,
        backoff_start: float = 0.5,
        backoff_max: float = 30.0,
        grace: float = 8.0,
        on_exit: Callable[[Program, int], None] | None = None,
        held: Sequence[str] = (),
    ) -> None:
        """``held`` programs start only on ``release`` (e.g. once the API answers: on a busy machine the first
        program up should be the one people wait for)."""
        names = [p.name for p in programs]
        if len(set(names)) != len(names):
            raise ValueError(f"program names must be unique: {names}")
        self.children = {p.name: Child(p) for p in programs}
        self.output = output if output is not None else sys.stdout
        self.backoff_start, self.backoff_max, self.grace = backoff_start, backoff_max, grace
        self.on_exit = on_exit
        self.width = max((len(n) for n in names), default=0)
        self._write_lock = threading.Lock()
        self._stopping = threading.Event()
        self._held = set(held)
        self._children_lock = threading.Lock()

    # -- output -----------------------------------------------------------------------------------------------

    def say(self, name: str, line: str) -> None:
        """One line of output, prefixed with the program's name (whole lines, never interleaved)."""
        with self._write_lock:
            self.output.write(f"{name:<{self.width}} | {line}\n")
            self.output.flush()

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self.say(name, raw.decode(errors="replace").rstrip("\n"))
        stream.close()

    # -- lifetime ---------------------------------------------------------------------------------------------

    def _start(self, child: Child) -> None:
        program = child.program
        process = subprocess.Popen(
            with_watchdog(program.argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, **program.env, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,  # a terminal's Ctrl+C reaches the supervisor alone, which stops each child once
        )
        child.process, child.started_at = process, time.monotonic()
        assert process.stdout is not None
        child.reader = threading.Thread(target=self._pump, args=(program.name, process.stdout), daemon=True)
        child.reader.start()
        log.info("started %s (pid %d)", program.name, process.pid)

    def start(self) -> None:
        for name, child in self.children.items():
            if name not in self._held:
                self._start(child)

    def add(self, program: Program, *, held: bool = False) -> None:
        """Another program, started at the next check (or on ``release`` when ``held``)."""
        with self._children_lock:
            if program.name in self.children:
                raise ValueError(f"program names must be unique: {program.name}")
            if held:
                self._held.add(program.name)
            self.children[program.name] = Child(program)
            self.width = max(self.width, len(program.name))

    def release(self) -> None:
        """Let the held programs start (at the next check)."""
        self._held.clear()

    def pids(self) -> dict[str, int]:
        """The running children's pids by program name."""
        return {n: c.process.pid for n, c in self.children.items() if c.process and c.process.poll() is None}

    def check(self) -> None:
        """Restart the children that exited, each after its backoff."""
        now = time.monotonic()
        with self._children_lock:
            children = list(self.children.values())
        for child in children:
            process = child.process
            if process is not None and process.poll() is not None:
                code = process.returncode
                if child.reader is not None:
                    child.reader.join(timeout=1)
                up_for = now - child.started_at
                child.backoff = (
                    self.backoff_start
                    if up_for >= STABLE_AFTER or not child.backoff
                    else min(self.backoff_max, child.backoff * 2)
                )
                child.next_start, child.process = now + child.backoff, None
                self.say(child.program.name, f"exited with code {code}; restarting in {child.backoff:.1f}s")
                if self.on_exit is not None:
                    self.on_exit(child.program, code)
            if child.process is None and not self._stopping.is_set() and now >= child.next_start:
                if child.program.name in self._held:
                    continue
                if child.started_at:
                    child.restarts += 1
                self._start(child)

    def run(self, interval: float = 0.2) -> None:
        """Start every child and keep them running until ``request_stop`` (a signal handler may call it)."""
        self.start()
        try:
            while not self._stopping.wait(interval):
                self.check()
        finally:
            self.stop()

    def request_stop(self) -> None:
        self._stopping.set()

    def stop(self) -> None:
        """SIGTERM every child, wait up to the grace period, SIGKILL the rest; returns once none is left."""
        self._stopping.set()
        running = [c.process for c in self.children.values() if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("pid %d did not stop within %.0fs; killed", process.pid, self.grace)
                process.kill()
                process.wait()
        for child in self.children.values():
            if child.reader is not None:
                child.reader.join(timeout=1)
            child.process = None

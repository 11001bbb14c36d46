"""The supervisor: output prefixed by program, a program that exits started again with a growing backoff, held
programs waiting for ``release``, ``stop`` leaving nothing behind, and children dying with a SIGKILLed parent."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from conveyor.supervisor import Program, Supervisor


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def _until(check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("not within the timeout")


def test_lines_are_prefixed_and_an_exiting_program_restarts_with_a_doubling_backoff() -> None:
    out = io.StringIO()
    supervisor = Supervisor(
        [Program("short", _python("print('hello')")), Program("a-longer-name", _python("import time; time.sleep(30)"))],
        output=out,
        backoff_start=0.1,
    )
    supervisor.start()
    try:
        backoffs: list[float] = []
        deadline = time.monotonic() + 15
        while len(backoffs) < 3 and time.monotonic() < deadline:
            supervisor.check()
            child = supervisor.children["short"]
            if child.backoff and (not backoffs or backoffs[-1] != child.backoff):
                backoffs.append(child.backoff)
            time.sleep(0.02)
        assert backoffs[:3] == [0.1, 0.2, 0.4]
        assert supervisor.children["short"].restarts >= 2
        assert "short         | hello" in out.getvalue()  # padded to the longest name
        assert "short         | exited with code 0; restarting in 0.1s" in out.getvalue()
        assert "a-longer-name" in supervisor.pids()
    finally:
        supervisor.stop()
    assert supervisor.pids() == {}


def test_held_programs_start_on_release_and_stop_kills_what_ignores_sigterm() -> None:
    stubborn = _python("""
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print('ready', flush=True)
        time.sleep(60)
    """)
    out = io.StringIO()
    supervisor = Supervisor(
        [Program("first", stubborn), Program("later", stubborn)], output=out, held=["later"], grace=1
    )
    supervisor.start()
    supervisor.check()
    assert set(supervisor.pids()) == {"first"}
    supervisor.release()
    supervisor.check()
    pids = supervisor.pids()
    assert set(pids) == {"first", "later"}
    _until(lambda: out.getvalue().count("ready") == 2)
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 5
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids.values())


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        Supervisor([Program("a", ["true"]), Program("a", ["true"])])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_dies_when_its_supervisor_is_sigkilled(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    child = _python(f"""
        import os, time
        open({str(pid_file)!r}, 'w').write(str(os.getpid()))
        time.sleep(60)
    """)
    spawn = (
        "import subprocess, sys, time; from conveyor.supervisor import with_watchdog;"
        " subprocess.Popen(with_watchdog(sys.argv[1:])); time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", spawn, *child])
    try:
        _until(lambda: pid_file.exists() and pid_file.read_text())
        child_pid = int(pid_file.read_text())
        assert psutil.Process(child_pid).ppid() == parent.pid  # the watchdog became the program (exec)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        _until(lambda: not psutil.pid_exists(child_pid) or psutil.Process(child_pid).status() == psutil.STATUS_ZOMBIE)
    finally:
        if parent.poll() is None:
            parent.kill()

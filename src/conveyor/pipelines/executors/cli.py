"""The ``cli`` executor: runs a command with arguments and a timeout.

Arguments: ``command`` (a list, or a string split like a shell would, never run through a shell), ``args`` (more
arguments appended), ``timeout`` (seconds, default 3600), ``cwd`` (default: the pipeline's working directory),
``env`` (added to the runner's environment). Standard output becomes the step's output, standard error its log;
a non-zero exit fails the attempt. The command runs in its own process group, so a timeout kills the command
and everything it started, not only the shell script at its top.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from pathlib import Path

from conveyor.pipelines.executors.arguments import Arguments
from conveyor.pipelines.ports import StepOutcome, StepRun

OUTPUT_LIMIT = 64 * 1024  # characters of stdout kept as the step's output (the tail: where the result usually is)
KILL_GRACE = 5.0  # seconds between SIGTERM and SIGKILL after a timeout


class CommandFailedError(RuntimeError):
    """The command exited with a non-zero status or ran past its timeout."""


def clip(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """The last ``limit`` characters, marked as clipped when they are not all."""
    return text if len(text) <= limit else f"[… {len(text) - limit} characters clipped]\n{text[-limit:]}"


def command_line(arguments: Arguments) -> list[str]:
    raw = arguments.values.get("command")
    if isinstance(raw, str):
        try:
            command = shlex.split(raw)
        except ValueError as exc:
            raise arguments.error("command", f"cannot be split into arguments: {exc}") from exc
    else:
        command = arguments.names("command")
    extra = arguments.values.get("args", [])
    if not isinstance(extra, list | tuple) or not all(isinstance(a, str | int | float) for a in extra):
        raise arguments.error("args", f"must be a list of strings or numbers, not {extra!r}")
    command += [str(a) for a in extra]
    if not command:
        raise arguments.error("command", "is empty")
    return command


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGTERM the command's process group, then SIGKILL whatever is left after a grace period."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            if sig == signal.SIGTERM:  # the leader is gone; its children may not be
                os.killpg(process.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


class CliExecutor:
    """Runs one command per step."""

    def process(self, step: StepRun) -> StepOutcome:
        arguments = Arguments(step.arguments, f"step {step.step_name!r} (cli)")
        command = command_line(arguments)
        timeout = arguments.number("timeout", 3600.0, minimum=0.001)
        cwd: Path | None = arguments.path("cwd") if arguments.has("cwd") else step.working_dir
        env = {**os.environ, **{k: str(v) for k, v in arguments.mapping("env").items()}}
        step.log.info("running %s", shlex.join(command))
        try:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                start_new_session=True,  # its own process group: killed as a whole on timeout
            )
        except OSError as exc:
            raise CommandFailedError(f"cannot start {command[0]!r}: {exc}") from exc
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process)
            try:  # a process that left the group may still hold the pipes: do not wait for it forever
                _, stderr = process.communicate(timeout=KILL_GRACE)
                self._log_stderr(step, stderr)
            except subprocess.TimeoutExpired:
                step.log.warning("a process the command started still holds its output open; not read")
            raise CommandFailedError(f"{command[0]} ran past its timeout of {timeout:g}s and was killed") from None
        except BaseException:  # the runner is stopping: leave no command behind
            kill_group(process)
            raise
        self._log_stderr(step, stderr)
        if process.returncode != 0:
            tail = stderr.strip().splitlines()[-1:] or stdout.strip().splitlines()[-1:]
            reason = f": {tail[0]}" if tail else ""
            raise CommandFailedError(f"{command[0]} exited with status {process.returncode}{reason}")
        return StepOutcome(output=clip(stdout))

    @staticmethod
    def _log_stderr(step: StepRun, stderr: str) -> None:
        for line in clip(stderr).splitlines():
            step.log.warning("%s", line)


__all__ = ["CliExecutor", "CommandFailedError"]

"""The ``compress`` executor: zips working directories nobody touched for a while and removes them.

Arguments: ``directory`` (where the pipelines' working directories are; default: the parent of this pipeline's
own), ``older_than`` (seconds, or a duration such as ``7d``, ``12h``, ``1h30m``; default ``7d``) measured against
the newest file in a directory, so a directory a pipeline still writes to is never taken. ``<name>.zip``
replaces ``<name>/``; the zip is complete on disk before the directory goes, and a directory is renamed out of
sight before it is deleted, so a crash leaves either the directory or its zip, plus at most a hidden remnant
the next run removes.
"""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

from conveyor.importer.files import fsync_dir
from conveyor.pipelines.definitions import parse_duration
from conveyor.pipelines.executors.arguments import Arguments
from conveyor.pipelines.ports import StepOutcome, StepRun

REMNANT = ".compressed"


def duration(arguments: Arguments, name: str, default: str) -> float:
    """Seconds from a number or a text such as ``90``, ``30m``, ``12h``, ``7d`` (the definitions' durations)."""
    try:
        return parse_duration(arguments.values.get(name, default))
    except ValueError as exc:
        raise arguments.error(name, str(exc)) from None


def newest_change(path: Path) -> float:
    """The latest modification time of the directory or anything in it."""
    newest = path.stat().st_mtime
    for root, dirs, files in os.walk(path):
        for name in (*dirs, *files):
            try:
                newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
            except FileNotFoundError:
                continue
    return newest


def zip_tree(path: Path, target: Path) -> None:
    """``path``'s files into ``target`` (names relative to ``path``), written under a temporary name first."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                full = Path(root, name)
                zipped.write(full, arcname=full.relative_to(path).as_posix())
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)


def compress_directory(path: Path) -> Path:
    """``path`` → ``path.zip``; the directory is removed once the zip is durable."""
    target = path.with_name(f"{path.name}.zip")
    zip_tree(path, target)
    fsync_dir(path.parent)
    remnant = path.with_name(f".{path.name}{REMNANT}")
    os.rename(path, remnant)
    fsync_dir(path.parent)
    shutil.rmtree(remnant)
    return target


def remove_remnants(directory: Path) -> None:
    for path in directory.glob(f".*{REMNANT}"):
        shutil.rmtree(path, ignore_errors=True)


class CompressExecutor:
    """Compresses old working directories."""

    def process(self, step: StepRun) -> StepOutcome:
        arguments = Arguments(step.arguments, f"step {step.step_name!r} (compress)")
        if arguments.has("directory"):
            directory = arguments.path("directory")
        elif step.working_dir is not None:
            directory = step.working_dir.parent
        else:
            raise arguments.error("directory", "is required when the pipeline has no working directory")
        if not directory.is_dir():
            return StepOutcome(status="skipped", output=f"{directory} does not exist")
        older_than = duration(arguments, "older_than", "7d")
        remove_remnants(directory)
        limit = time.time() - older_than
        own = step.working_dir.resolve() if step.working_dir is not None else None
        lines = []
        for path in sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if path.resolve() == own or newest_change(path) > limit:
                continue
            target = compress_directory(path)
            step.log.info("compressed %s into %s", path, target)
            lines.append(f"{path.name} → {target.name} ({target.stat().st_size} bytes)")
        if not lines:
            return StepOutcome(status="skipped", output=f"no directory in {directory} is older than {older_than:g}s")
        return StepOutcome(output="\n".join(lines))


__all__ = ["CompressExecutor", "compress_directory", "duration"]

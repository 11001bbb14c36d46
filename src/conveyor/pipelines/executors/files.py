"""The ``files`` executor: bunches move from a watched directory into the pipeline's working directory, are
archived after the import, or are kept there for a retry when the pipeline failed.

It is the import framework's file handling (``conveyor.importer.files``) with the pipeline's working directory
as the working root: each claimed bunch gets its own sub-directory with the framework's manifest, so the import
executor, the archive (one zip per bunch with its ``report.json``) and a resumed claim after a crash all work as
they do for the OK-file watcher. The claim takes the watcher's per-bunch lock, so a watcher and a pipeline on
the same directory never take the same bunch.

Arguments by ``action``:

- ``claim``: ``directory`` (the watched directory), ``ok_files`` (only these bunches, as the ``files`` condition
  hands them over; default: every ready bunch), ``pattern`` and ``entities`` (narrow the bunches), ``suffixes``;
- ``archive``: ``archive`` (default: the ``archive`` folder of the watched directory);
- ``keep``: nothing; reports the bunches left in the working directory, which ``pipeline retry`` imports again.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path

from conveyor.db.locks import LeaseLock
from conveyor.importer.files import (
    DEFAULT_ENTITIES,
    DEFAULT_SUFFIXES,
    Bunch,
    WorkingDir,
    discover,
    remove_finished,
    working_dirs,
)
from conveyor.importer.watch import lock_name, new_owner
from conveyor.pipelines.executors.arguments import Arguments, working_dir_of
from conveyor.pipelines.ports import StepOutcome, StepRun

ACTIONS = ("claim", "archive", "keep")
CLAIM_LEASE = 120.0  # seconds the per-bunch lock is held at most should the claiming runner die


def claimed_bunches(working_dir: Path) -> list[WorkingDir]:
    """The bunches claimed into a pipeline's working directory, in name (= claim time) order."""
    found = (WorkingDir.open(path) for path in working_dirs(working_dir))
    return [w for w in found if w is not None]


def select_bunches(
    bunches: Sequence[Bunch],
    *,
    ok_files: Sequence[str] | None = None,
    pattern: str = "*",
    entities: Sequence[str] | None = None,
) -> list[Bunch]:
    """The ready bunches a pipeline takes: named by their OK-file, every data file matching ``pattern``, of one
    of ``entities``. Bunches with a problem (an OK-file listing files that are not there) are left alone."""
    chosen = []
    for bunch in bunches:
        if bunch.problem is not None or not bunch.files:
            continue
        if ok_files is not None and bunch.ok_file not in ok_files:
            continue
        if entities is not None and bunch.entity not in entities:
            continue
        if not all(fnmatch.fnmatchcase(name, pattern) for name in bunch.files):
            continue
        chosen.append(bunch)
    return chosen


def describe(working: WorkingDir) -> str:
    m = working.manifest
    return f"{m.prefix} ({m.entity or 'no entity'}, {len(m.files)} file{'s' * (len(m.files) != 1)})"


class FilesExecutor:
    """Claims, archives or keeps the bunches of a pipeline's working directory."""

    def process(self, step: StepRun) -> StepOutcome:
        arguments = Arguments(step.arguments, f"step {step.step_name!r} (files)")
        action = arguments.text("action")
        if action not in ACTIONS:
            raise arguments.error("action", f"must be one of {', '.join(ACTIONS)}, not {action!r}")
        working = working_dir_of(arguments, step.working_dir)
        if action == "claim":
            return self.claim(step, arguments, working)
        if action == "archive":
            return self.archive(step, arguments, working)
        return self.keep(step, working)

    def claim(self, step: StepRun, arguments: Arguments, working: Path) -> StepOutcome:
        source = arguments.path("directory").absolute()
        if not source.is_dir():
            raise arguments.error("directory", f"{source} is not a directory")
        ok_files = arguments.names("ok_files") if arguments.has("ok_files") else None
        entities = arguments.names("entities") if arguments.has("entities") else None
        pattern = arguments.text("pattern", "*")
        suffixes = tuple(arguments.names("suffixes", DEFAULT_SUFFIXES))
        lines = []
        for resumed in claimed_bunches(working):  # a claim that died half-way: fetch the files it left behind
            missing = resumed.gather()
            lines.append(f"claimed {describe(resumed)}" + (f", missing {', '.join(missing)}" if missing else ""))
        owner = f"pipeline {step.pipeline_id}:{new_owner()}"

        def ready() -> list[Bunch]:
            found = discover(source, entities=DEFAULT_ENTITIES, suffixes=suffixes)
            return select_bunches(found, ok_files=ok_files, pattern=pattern, entities=entities)

        for bunch in ready():
            lock = LeaseLock(step.engine, lock_name(source, bunch.prefix), owner, ttl=CLAIM_LEASE)
            if not lock.acquire():
                step.log.info("%s is being claimed by %s; left to it", bunch.ok_file, lock.holder())
                continue
            try:  # read again under the lock: someone may have taken the bunch since the listing
                again = next((b for b in ready() if b.prefix == bunch.prefix), None)
                if again is None:
                    continue
                claimed = WorkingDir.create(working, again, source, lock.name)
                missing = claimed.gather()
            finally:
                lock.release()
            step.log.info("claimed %s into %s", describe(claimed), claimed.path)
            lines.append(f"claimed {describe(claimed)}" + (f", missing {', '.join(missing)}" if missing else ""))
        if not lines:
            return StepOutcome(status="skipped", output=f"no ready bunch in {source}")
        return StepOutcome(output="\n".join(lines))

    def archive(self, step: StepRun, arguments: Arguments, working: Path) -> StepOutcome:
        remove_finished(working)  # an archiving that died while deleting what it had already zipped
        lines = []
        for bunch in claimed_bunches(working):
            default = Path(bunch.manifest.source) / "archive"
            target = bunch.archive(arguments.path("archive", default, base=working))
            step.log.info("archived %s as %s", describe(bunch), target)
            lines.append(f"archived {describe(bunch)}: {target}")
        if not lines:
            return StepOutcome(status="skipped", output="nothing to archive")
        return StepOutcome(output="\n".join(lines))

    def keep(self, step: StepRun, working: Path) -> StepOutcome:
        lines = []
        for bunch in claimed_bunches(working):
            report = bunch.read_report()
            state = "imported" if report is not None and report.ok else "not imported"
            step.log.warning("kept %s (%s) in %s for a retry", describe(bunch), state, bunch.path)
            lines.append(f"kept {describe(bunch)}, {state}: {bunch.path}")
        if not lines:
            return StepOutcome(status="skipped", output="nothing left to keep: every bunch was archived")
        return StepOutcome(output="\n".join(lines))


__all__ = ["ACTIONS", "FilesExecutor", "claimed_bunches", "select_bunches"]

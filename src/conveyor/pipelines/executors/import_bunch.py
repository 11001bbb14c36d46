"""The ``import`` executor: imports the claimed bunches of one entity from the pipeline's working directory.

Arguments: ``entity`` (products, categories, attributes, attribute-sets …), the import options ``operation``,
``profile``, ``errors``, ``max_errors`` and ``workers`` (processes that read the rows; default
``CONVEYOR_IMPORT_WORKERS``, else the CPUs), and for products ``images`` (a file, relative to the working
directory, that receives the image paths of the products this import wrote, for a media cache refresh).

With ``source`` (a watched directory) the step is instead one pass of the import framework's OK-file watcher over
that directory for this entity — claim, import, archive or fail each ready bunch there — which is all a small
delta pipeline (stock, prices) needs in one step.

Each bunch goes through the import framework's ``run_files``: one transaction, one history entry keyed by the
pipeline and the bunch, so a step run again after its runner died returns the recorded success instead of
importing twice, and a retried failure counts as one more attempt of the same history entry. The report is
written into the bunch's directory on success, where the archive step zips it with the files.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog.products import gallery_table, product_table
from conveyor.importer import history
from conveyor.importer.files import WorkingDir, write_atomic
from conveyor.importer.history import Origin, RunStatus
from conveyor.importer.report import ImportReport
from conveyor.importer.watch import Directories, ImportOptions, Watcher, events_runner, run_files
from conveyor.pipelines.executors.arguments import Arguments, working_dir_of
from conveyor.pipelines.executors.files import claimed_bunches
from conveyor.pipelines.ports import StepOutcome, StepRun

IMAGES_ENTITY = "products"


class ImportFailedError(RuntimeError):
    """A bunch did not import (the report's failure says why); nothing of it was written."""


def summary(prefix: str, report: ImportReport) -> str:
    counts = (
        f"{report.rows} rows: {report.created} created, {report.updated} updated, {report.deleted} deleted, "
        f"{report.skipped} unchanged, {report.invalid} invalid"
    )
    first = f"; first error {report.errors[0]}" if report.errors else ""
    outcome = "imported" if report.ok else f"failed ({report.failure})"
    return f"{prefix}: {outcome}, {counts}{first}"


def run_key(step: StepRun, working: WorkingDir) -> str:
    """The history key of one bunch in one pipeline: the same across the step's attempts and retries."""
    return f"pipeline:{step.pipeline_id}:{working.token}"


# The step arguments that are import options (checked by ImportOptions, as the watcher's and the queue's are).
OPTION_ARGUMENTS = ("operation", "profile", "errors", "max_errors", "workers")


def import_options(arguments: Arguments) -> ImportOptions:
    values = {name: arguments.values.get(name) for name in OPTION_ARGUMENTS}
    try:
        return ImportOptions.from_dict(values)
    except ValueError as exc:
        raise arguments.error(str(exc).split(" ", 1)[0], str(exc)) from exc


def changed_images(engine: Engine, since: float) -> list[str]:
    """The gallery files of the products written since ``since`` (epoch seconds).

    The product importer stamps every product it writes with ``updated_at`` (whole seconds, UTC) and leaves
    unchanged rows alone, so these are the images of the products this import changed; a product another
    writer changed in the same seconds comes along, which costs a refresh, never a stale image.
    """
    moment = datetime.fromtimestamp(int(since), UTC).replace(tzinfo=None)
    query = (
        sa.select(gallery_table.c.value)
        .distinct()
        .join(product_table, product_table.c.entity_id == gallery_table.c.entity_id)
        .where(product_table.c.updated_at >= moment)
        .order_by(gallery_table.c.value)
    )
    with engine.connect() as conn:
        return [str(v) for v in conn.execute(query).scalars()]


class ImportExecutor:
    """Imports one entity's bunches, in claim order; fails the attempt when any bunch fails."""

    def process(self, step: StepRun) -> StepOutcome:
        arguments = Arguments(step.arguments, f"step {step.step_name!r} (import)")
        entity = arguments.text("entity")
        options = import_options(arguments)
        if arguments.has("source"):
            return self.watch(step, arguments, entity, options)
        working = working_dir_of(arguments, step.working_dir)
        images: Path | None = arguments.path("images", base=working) if arguments.has("images") else None
        if images is not None and entity != IMAGES_ENTITY:
            raise arguments.error("images", f"is only written by a {IMAGES_ENTITY} import, not {entity}")
        bunches = [b for b in claimed_bunches(working) if b.manifest.entity == entity]
        if not bunches:
            return StepOutcome(status="skipped", output=f"no {entity} bunch in {working}")
        lines, failures = [], []
        since: float | None = None
        for bunch in bunches:
            report = self.import_bunch(step, bunch, entity, options)
            with step.engine.connect() as conn:
                entry = history.find(conn, run_key(step, bunch))
            if entry is not None:
                since = entry.started_at if since is None else min(since, entry.started_at)
            line = summary(bunch.manifest.prefix, report)
            step.log.info("%s", line)
            lines.append(line)
            if not report.ok:
                failures.append(line)
        if failures:
            raise ImportFailedError("; ".join(failures))
        if images is not None and since is not None:
            found = changed_images(step.engine, since)
            images.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(images, "".join(f"{path}\n" for path in found).encode())
            lines.append(f"{len(found)} changed images listed in {images}")
        return StepOutcome(output="\n".join(lines))

    @staticmethod
    def watch(step: StepRun, arguments: Arguments, entity: str, options: ImportOptions) -> StepOutcome:
        """One watcher pass over ``source`` for ``entity``: its own working, archive and failed folders there."""
        try:
            directories = Directories.of(arguments.path("source"))
            directories.prepare()
        except ValueError as exc:
            raise arguments.error("source", str(exc)) from exc
        watcher = Watcher(
            step.engine,
            directories,
            runner=events_runner(step.mq),
            options=options,
            only={entity},
            origin=Origin.PIPELINE,
        )
        results = watcher.run_once()
        if not results:
            return StepOutcome(status="skipped", output=f"no {entity} bunch ready in {directories.source}")
        lines = []
        for result in results:
            line = summary(result.prefix, result.report) if result.report is not None else result.prefix
            lines.append(f"{line} → {result.location}")
            step.log.info("%s", lines[-1])
        unfinished = [r.prefix for r in results if r.status == RunStatus.RUNNING]
        if unfinished:  # lost the database: the bunches wait in the working folder for the next attempt
            raise ImportFailedError(f"the import of {', '.join(unfinished)} did not finish; it is resumed next time")
        failed = [line for line, r in zip(lines, results, strict=True) if r.status == RunStatus.FAILED]
        if failed:
            raise ImportFailedError("; ".join(failed))
        return StepOutcome(output="\n".join(lines))

    @staticmethod
    def import_bunch(step: StepRun, bunch: WorkingDir, entity: str, options: ImportOptions) -> ImportReport:
        done = bunch.read_report()
        if done is not None and done.ok:
            return done  # imported by an earlier attempt whose step did not get to report
        missing = bunch.missing()
        if missing:
            raise ImportFailedError(f"{bunch.manifest.prefix}: files of the bunch are missing: {', '.join(missing)}")
        _, report = run_files(
            step.engine,
            entity,
            bunch.files(),
            options,
            runner=events_runner(step.mq),
            run_key=run_key(step, bunch),
            origin=Origin.PIPELINE,
        )
        if report.ok:
            bunch.write_report(report)
        return report


__all__ = ["ImportExecutor", "ImportFailedError", "changed_images"]

"""``conveyor import watch|ok-file|history``: OK-file driven imports and the import history.

These commands belong to the ``conveyor import`` group (``conveyor.cli.importer``), which attaches them with::

    from conveyor.cli.import_files import FILE_COMMANDS
    for command in FILE_COMMANDS:
        importer.add_command(command)

Heavy modules are imported inside the commands so that ``conveyor --help`` stays fast.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
import orjson
from rich.table import Table

from conveyor.cli.common import ConfigError, console, setup_logging, verbosity_option

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from conveyor.importer.history import HistoryEntry
    from conveyor.importer.watch import RunnerFactory, RunResult
    from conveyor.mq import MessageQueue

ERROR_SHOWN = 20  # row errors printed by ``history show`` (all of them with --json)


def _engine(database_url: str | None = None) -> Engine:
    from conveyor.db.engine import get_engine

    return get_engine(database_url)


database_url_option = click.option("--database-url", default=None, help="Default: CONVEYOR_DATABASE_URL.")


def _mapping(pairs: tuple[str, ...]) -> Mapping[str, str]:
    from conveyor.importer.files import DEFAULT_ENTITIES

    entities = dict(DEFAULT_ENTITIES)
    for pair in pairs:
        kind, sep, entity = pair.partition("=")
        if not sep or not kind or not entity:
            raise click.BadParameter(f"{pair!r} is not KIND=ENTITY", param_hint="--map")
        entities[kind] = entity
    return entities


def _runner(spec: str | None, mq: MessageQueue | None = None) -> RunnerFactory:
    """The ``--runner`` factory, else the default one publishing the imports' events through ``mq`` (a factory of
    one's own is called as ``factory(engine, entity, options)``: it publishes what it likes)."""
    from conveyor.importer.watch import events_runner
    from conveyor.mq.topology import HandlerRef

    if spec is None:
        return events_runner(mq)
    try:
        return HandlerRef(spec).resolve()
    except (ImportError, AttributeError, TypeError) as exc:
        raise ConfigError(f"--runner {spec}: {exc}") from exc


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--working", type=click.Path(file_okay=False, path_type=Path), help="Default: DIRECTORY/working.")
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), help="Default: DIRECTORY/archive.")
@click.option("--failed", type=click.Path(file_okay=False, path_type=Path), help="Default: DIRECTORY/failed.")
@click.option("--once", is_flag=True, help="One pass, then exit (1 if a bunch did not succeed).")
@click.option(
    "--interval", type=click.FloatRange(min=0.05), default=5.0, show_default=True, help="Seconds between passes."
)
@click.option(
    "--operation", type=click.Choice(["add-update", "replace", "delete"]), default="add-update", show_default=True
)
@click.option("--profile", help="Import profile (YAML) for every bunch.")
@click.option("--errors", type=click.Choice(["skip", "fail"]), default="skip", show_default=True)
@click.option("--max-errors", type=click.IntRange(min=0), help="Fail the bunch beyond this many invalid rows.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes that read the rows (1: this one). Default: CONVEYOR_IMPORT_WORKERS, else the CPUs.",
)
@click.option("--suffix", "suffixes", multiple=True, help="Data file suffix an empty OK-file takes (default .csv).")
@click.option("--map", "maps", multiple=True, metavar="KIND=ENTITY", help="Map a file name kind to an entity.")
@click.option("--lease", type=click.FloatRange(min=1), default=120.0, show_default=True, help="Lock lease, seconds.")
@click.option("--max-attempts", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--runner", "runner_spec", metavar="MODULE:FUNCTION", help="Runner factory (engine, entity, options).")
@database_url_option
@verbosity_option
def watch(
    directory: Path,
    working: Path | None,
    archive: Path | None,
    failed: Path | None,
    once: bool,
    interval: float,
    operation: str,
    profile: str | None,
    errors: str,
    max_errors: int | None,
    workers: int | None,
    suffixes: tuple[str, ...],
    maps: tuple[str, ...],
    lease: float,
    max_attempts: int,
    runner_spec: str | None,
    database_url: str | None,
    verbose: int,
) -> None:
    """Import the bunches OK-files mark ready in DIRECTORY: moved to the working folder, archived as a zip with
    their report on success, moved to the failed folder with the report on failure."""
    from conveyor.cli.importer import events_queue
    from conveyor.importer.files import DEFAULT_SUFFIXES
    from conveyor.importer.watch import Directories, ImportOptions, Watcher

    setup_logging(verbose)
    # the App's queue for the imports' events (a --runner of one's own publishes what it likes)
    with events_queue(database_url, wanted=runner_spec is None) as mq:
        try:
            watcher = Watcher(
                _engine(database_url),
                Directories.of(directory, working, archive, failed),
                runner=_runner(runner_spec, mq),
                options=ImportOptions(
                    operation=operation, profile=profile, errors=errors, max_errors=max_errors, workers=workers
                ),
                entities=_mapping(maps),
                suffixes=suffixes or DEFAULT_SUFFIXES,
                lease=lease,
                max_attempts=max_attempts,
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        if once:
            results = watcher.run_once()
            for result in results:
                _print_result(result)
            if any(r.status != "success" for r in results):  # failed, or left to resume (a lost database)
                raise SystemExit(1)
            return
        stop = threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            if stop.is_set():  # a second signal: stop now; the bunch stays in the working folder to be resumed
                raise KeyboardInterrupt
            console.print(f"stopping after the current bunch (signal {signum}); again to stop at once")
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        console.print(f"watching {directory} every {interval:g}s", markup=False, highlight=False)
        try:
            watcher.watch(interval=interval, stop=stop, on_result=_print_result)
        except KeyboardInterrupt:
            raise SystemExit(130) from None


def _print_result(result: RunResult) -> None:
    from conveyor.cli.importer import rolled_back_detail, skipped_detail

    report = result.report
    counts = ""
    if report is not None:
        counts = (
            f" rows {report.rows}, created {report.created}, updated {report.updated}, deleted {report.deleted},"
            f" skipped {report.skipped}{skipped_detail(report)}, invalid {report.invalid}{rolled_back_detail(report)}"
        )
        if report.failure:
            counts += f"; {report.failure}"
    console.print(
        f"{result.prefix} ({result.entity}): {result.status} → {result.location}{counts}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@click.group("ok-file")
def ok_file() -> None:
    """OK-files: the marker that a bunch of import files is complete."""


@ok_file.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--prefix", help="One OK-file <PREFIX>.ok for the files starting with PREFIX.")
@click.option("--empty", is_flag=True, help="Write empty OK-files (every file of the prefix) instead of lists.")
@click.option("--suffix", "suffixes", multiple=True, help="Data file suffix (default .csv).")
def create(directory: Path, prefix: str | None, empty: bool, suffixes: tuple[str, ...]) -> None:
    """Write an OK-file for each bunch present in DIRECTORY that has none yet (listing its files)."""
    from conveyor.importer.files import DEFAULT_SUFFIXES, create_ok_files

    written = create_ok_files(directory, prefix=prefix, suffixes=suffixes or DEFAULT_SUFFIXES, listing=not empty)
    for path in written:
        console.print(f"wrote {path}", markup=False, highlight=False)
    if not written:
        console.print("no bunch without an OK-file")


@click.group(invoke_without_command=True)
@click.option("--failed", "only_failed", is_flag=True, help="Only failed runs.")
@click.option("--status", type=click.Choice(["running", "success", "failed"]), help="Only runs with this status.")
@click.option("--entity", help="Only runs of this entity.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@database_url_option
@click.pass_context
def history(
    ctx: click.Context,
    only_failed: bool,
    status: str | None,
    entity: str | None,
    limit: int,
    as_json: bool,
    database_url: str | None,
) -> None:
    """The newest import runs; "history show ID" shows one run with its report."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = database_url  # "history --database-url URL show ID" reads the same database
        return
    from conveyor.importer import history as runs

    wanted = runs.RunStatus.FAILED if only_failed else (runs.RunStatus(status) if status else None)
    with _engine(database_url).begin() as conn:
        runs.fail_dead_runs(conn)  # killed runs show as failed, not running
        found = runs.list_runs(conn, status=wanted, entity=entity, limit=limit)
    if as_json:
        for entry in found:
            click.echo(orjson.dumps(entry.to_dict()).decode())
        return
    table = Table("id", "started (UTC)", "entity", "operation", "origin", "status", "rows", "created", "updated")
    for column in ("deleted", "skipped", "invalid", "errors", "files"):
        table.add_column(column)
    for entry in found:
        data = entry.to_dict()
        table.add_row(
            str(entry.id),
            data["started_at"],
            entry.entity,
            entry.operation,
            entry.origin,
            str(entry.status),
            *(str(n) for n in (entry.rows, entry.created, entry.updated, entry.deleted, entry.skipped, entry.invalid)),
            str(entry.error_count),
            _files(entry.files),
        )
    console.print(table)


def _files(files: list[str]) -> str:
    names = [Path(f).name for f in files]
    return ", ".join(names) if len(names) <= 3 else f"{', '.join(names[:2])} … (+{len(names) - 2})"


@history.command()
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The run with its whole report as JSON.")
@database_url_option
@click.pass_context
def show(ctx: click.Context, run_id: int, as_json: bool, database_url: str | None) -> None:
    """One run: what, when, where the files went, counts and the rejected rows."""
    from conveyor.catalog import NotFoundError
    from conveyor.importer import history as runs

    try:
        with _engine(database_url or ctx.obj).begin() as conn:
            runs.fail_dead_runs(conn)
            entry = runs.get(conn, run_id)
    except NotFoundError as exc:
        raise ConfigError(str(exc)) from exc
    if as_json:
        click.echo(orjson.dumps(entry.to_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    _print_entry(entry)


def _print_entry(entry: HistoryEntry) -> None:
    from conveyor.cli.importer import rolled_back_detail, skipped_detail

    data: dict[str, Any] = entry.to_dict()
    lines = [
        f"import run {entry.id}: {entry.entity} {entry.operation} ({entry.origin}) — {entry.status}",
        f"started {data['started_at']} UTC, finished {data['finished_at'] or '-'} UTC, attempts {entry.attempts}",
        f"files: {', '.join(entry.files)}",
        f"rows {entry.rows}, created {entry.created}, updated {entry.updated}, deleted {entry.deleted}, "
        f"skipped {entry.skipped}{skipped_detail(entry.report) if entry.report else ''}, invalid {entry.invalid}"
        f"{rolled_back_detail(entry.report) if entry.report else ''}",
    ]
    if entry.location:
        lines.append(f"files are in {entry.location}")
    if entry.message:
        lines.append(f"{'failure' if entry.status == 'failed' else 'note'}: {entry.message}")
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    errors = entry.report.errors if entry.report else []
    if errors:
        table = Table("file", "line", "column", "message")
        for error in errors[:ERROR_SHOWN]:
            table.add_row(Path(error.file).name, str(error.line), error.column, error.message)
        console.print(table)
        if len(errors) > ERROR_SHOWN:
            console.print(f"… and {len(errors) - ERROR_SHOWN} more (--json shows all)")


FILE_COMMANDS: tuple[click.Command, ...] = (watch, ok_file, history)


@click.group("import")
def import_files() -> None:
    """Imports driven by OK-files, and their history (standalone group; ``conveyor import`` attaches the same)."""


for _command in FILE_COMMANDS:
    import_files.add_command(_command)

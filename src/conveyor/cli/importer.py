"""``conveyor import ENTITY FILE…``: import a bunch of Magento CSV files with a progress bar and a report.

One subcommand per entity importer (``products``, ``categories``, ``customers`` …, and any registered through
the ``conveyor.importers`` entry point), made on demand so that ``conveyor`` starts without importing them.
Other modules add their own commands to the group (``watch``, ``history``). Exit codes: 0 the bunch was
imported (invalid rows may have been skipped), 1 the bunch failed and nothing was written, 2 a usage error
(bad option, unknown entity, unusable profile).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from conveyor.cli.common import EXIT_OK, EXIT_STOPPED_ON_ERROR, EXIT_USAGE, ConfigError, console, err_console, opened

if TYPE_CHECKING:
    from conveyor.mq import MessageQueue

EXIT_FAILED = EXIT_STOPPED_ON_ERROR
SHOWN_ERRORS = 20


class ImportGroup(click.Group):
    """A group whose entity subcommands come from the importer registry, beside the file-handling commands
    (``watch``, ``ok-file``, ``history`` from ``conveyor.cli.import_files``), both loaded when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from conveyor.importer.registry import importer_names

        self._attach_file_commands()
        return sorted(set(super().list_commands(ctx)) | set(importer_names()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._attach_file_commands()
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        from conveyor.importer.registry import importer_names

        if cmd_name not in importer_names():
            return None
        return _entity_command(cmd_name)

    def _attach_file_commands(self) -> None:
        if getattr(self, "_files_attached", False):
            return
        self._files_attached = True
        try:
            from conveyor.cli.import_files import FILE_COMMANDS
        except ImportError:  # the file handling is not installed
            return
        for command in FILE_COMMANDS:
            self.add_command(command)


@click.group("import", cls=ImportGroup)
def importer() -> None:
    """Import Magento CSV files: products, categories, customers, attributes, stock, tier prices …"""


def _entity_command(entity: str) -> click.Command:
    @click.command(entity, help=f"Import {entity} from FILES (one bunch, one transaction).")
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--operation",
        type=click.Choice(["add-update", "replace", "delete"]),
        default="add-update",
        show_default=True,
        help="add-update merges, replace makes each entity exactly its rows, delete removes them.",
    )
    @click.option("--profile", "profile", default=None, help="A YAML profile file (or a packaged profile's name).")
    @click.option(
        "--errors",
        type=click.Choice(["skip", "fail"]),
        default="skip",
        show_default=True,
        help="skip: invalid rows are left out; fail: one invalid row and nothing is written.",
    )
    @click.option("--max-errors", type=click.IntRange(min=0), default=None, help="Fail past this many invalid rows.")
    @click.option("--encoding", default=None, help="The files' text encoding (default: the profile's, else utf-8).")
    @click.option("--dry-run", is_flag=True, help="Validate only: report what would happen, write nothing.")
    @click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Processes that read the rows (1: this one). Default: CONVEYOR_IMPORT_WORKERS, else the CPUs.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of a table.")
    @click.option("--database-url", default=None, help="Default: CONVEYOR_DATABASE_URL.")
    def command(
        files: tuple[Path, ...],
        operation: str,
        profile: str | None,
        errors: str,
        max_errors: int | None,
        encoding: str | None,
        dry_run: bool,
        workers: int | None,
        as_json: bool,
        database_url: str | None,
    ) -> None:
        ctx = click.get_current_context()
        options = _Options(operation, profile, errors, max_errors, encoding, dry_run, workers)
        ctx.exit(_run(entity, list(files), options, as_json, database_url))

    return command


@contextmanager
def events_queue(database_url: str | None, wanted: bool = True) -> Iterator[MessageQueue | None]:
    """Where an import's domain events go: the App's message queue (the configured topology), on the database the
    import writes to (``--database-url``, else the settings'). None when not ``wanted`` (a dry run publishes
    nothing, and needs neither the topology nor a broker). Nothing is published unless a queue is bound to the
    events, and then only if the import commits."""
    if not wanted:
        yield None
        return
    with opened(()) as app:
        if database_url is None or database_url == app.settings.database_url:
            yield app.mq
            return
        from conveyor.mq import MessageQueue

        mq = MessageQueue(app.topology, app.settings, database_url=database_url)
        try:
            yield mq
        finally:
            mq.close()


@dataclass(frozen=True)
class _Options:
    """The command's import options, as given."""

    operation: str
    profile: str | None
    errors: str
    max_errors: int | None
    encoding: str | None
    dry_run: bool
    workers: int | None


def _profile(entity: str, options: _Options) -> Any:
    """The profile to import with (None: the defaults), ``--encoding`` applied; ConfigError when unusable."""
    import codecs

    from conveyor.importer import Profile, ProfileError, load_profile

    profile: Any = None
    if options.profile is not None:
        try:
            profile = load_profile(options.profile)
        except ProfileError as exc:
            raise ConfigError(str(exc)) from exc
        if profile.entity != entity:
            raise ConfigError(f"the profile is for {profile.entity}, not {entity}")
    if options.encoding is not None:
        try:
            codecs.lookup(options.encoding)
        except LookupError:
            raise ConfigError(f"--encoding {options.encoding}: no such encoding") from None
        base = profile or Profile(entity=entity)
        profile = base.with_overrides(csv={**base.csv.model_dump(), "encoding": options.encoding})
    return profile


def _run(entity: str, files: list[Path], options: _Options, as_json: bool, database_url: str | None) -> int:
    """Import the bunch with a progress bar; every run but a dry run is recorded in the import history (origin
    ``cli``), as the watcher's, the queue's and the pipelines' runs are."""
    import orjson

    from conveyor.db import get_engine
    from conveyor.importer import ImportReport, run_import
    from conveyor.importer.watch import ImportOptions, Runner, run_files

    profile = _profile(entity, options)
    engine = get_engine(database_url)
    with (
        events_queue(database_url, wanted=not options.dry_run) as mq,
        Progress(
            TextColumn(f"[bold]{entity}[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeElapsedColumn(),
            console=err_console.now(),
            transient=as_json,
            disable=as_json,
        ) as bar,
    ):
        task = bar.add_task(entity, total=None, rate="-")
        started = bar.get_time()

        def on_total(total: int) -> None:
            bar.update(task, total=total)

        def progress(done: int) -> None:
            elapsed = max(bar.get_time() - started, 1e-6)
            bar.update(task, completed=done, rate=f"{done / elapsed:,.0f}")

        def run(paths: Sequence[Path]) -> ImportReport:
            return run_import(
                engine,
                entity,
                list(paths),
                operation=options.operation,
                profile=profile,
                errors=options.errors,
                max_errors=options.max_errors,
                dry_run=options.dry_run,
                progress=progress,
                on_total=on_total,
                workers=options.workers,
                mq=mq,
            )

        if options.dry_run:  # nothing is written, nothing is recorded
            report = run(files)
        else:
            recorded = ImportOptions(
                options.operation, options.profile, options.errors, options.max_errors, options.workers
            )

            def runner(engine: Any, entity: str, options: Any) -> Runner:  # the bar's import, as it is
                return run

            _, report = run_files(engine, entity, files, recorded, runner=runner)
    if report.failure is not None and report.rows == 0 and not report.errors:
        err_console.print(f"[red]{report.failure}[/red]")
        return EXIT_USAGE if "cannot be imported with operation" in report.failure else EXIT_FAILED
    if as_json:
        click.echo(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        _print(report, options.dry_run)
    return EXIT_OK if report.ok else EXIT_FAILED


def skipped_detail(report: Any) -> str:
    """`` (9 unchanged, 3 not newer)`` when timestamp detection skipped rows, else nothing: which detection
    skipped how many of the skipped rows."""
    if not report.skipped_not_newer:
        return ""
    return f" ({report.skipped - report.skipped_not_newer} unchanged, {report.skipped_not_newer} not newer)"


def rolled_back_detail(report: Any) -> str:
    """``, 2 rolled back`` when the bunch failed after valid rows: they were not written either."""
    return f", {report.rolled_back} rolled back" if getattr(report, "rolled_back", 0) else ""


def _print(report: Any, dry_run: bool) -> None:
    table = Table("rows", "created", "updated", "deleted", "skipped", "invalid", "seconds", "rows/s")
    rate = report.rows / report.seconds if report.seconds else 0.0
    table.add_row(
        *(
            str(n)
            for n in (report.rows, report.created, report.updated, report.deleted, report.skipped, report.invalid)
        ),
        f"{report.seconds:.2f}",
        f"{rate:,.0f}",
    )
    console.print(table)
    console.print(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, {report.deleted} deleted, "
        f"{report.skipped} skipped{skipped_detail(report)}, {report.invalid} invalid{rolled_back_detail(report)}",
        highlight=False,
    )
    for warning in report.warnings[:SHOWN_ERRORS]:  # a link per missing sku: there may be hundreds
        console.print(f"[yellow]warning[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    if len(report.warnings) > SHOWN_ERRORS:
        console.print(f"… and {len(report.warnings) - SHOWN_ERRORS} more warnings (--json prints them all)")
    for error in report.errors[:SHOWN_ERRORS]:
        console.print(f"[red]error[/red] {error}")
    if len(report.errors) > SHOWN_ERRORS:
        console.print(f"… and {len(report.errors) - SHOWN_ERRORS} more errors (--json prints them all)")
    if report.failure is not None:
        console.print(f"[red bold]failed[/red bold]: {report.failure}")
    elif dry_run:
        console.print("dry run: nothing written")
    else:
        console.print("[green]committed[/green]" if report.committed else "nothing written")


__all__ = ["ImportGroup", "events_queue", "importer", "rolled_back_detail", "skipped_detail"]

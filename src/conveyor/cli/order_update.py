"""``conveyor orders update watch|apply|show``: ERP documents (shipments, invoices, cancellations, credit memos)
back to the shop.

``watch DIR`` submits the documents OK-files mark ready (their ``orders.update`` pipelines apply them, run by the
heartbeat and runners); ``apply FILE`` submits one file and applies it in this process at once (its pipeline then
finds it applied); ``show`` lists the ledger. The document format is ``conveyor.orders.update``'s docstring.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click
from rich.table import Table

from conveyor.cli.common import ConfigError, console

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from conveyor.orders.update import FileResult

COLOURS = {"accepted": "green", "duplicate": "yellow", "refused": "red", "applied": "green"}


def _engine() -> Engine:
    from conveyor.db.engine import get_engine
    from conveyor.settings import Settings

    return get_engine(Settings().database_url)


def _print(result: FileResult) -> None:
    colour = COLOURS.get(result.status, "white")
    detail = f": {result.reason}" if result.reason else ""
    console.print(f"[{colour}]{result.status}[/] {result.name} → {result.location}", end="", highlight=False)
    console.print(detail, markup=False, highlight=False, soft_wrap=True)


@click.group("update")
def update() -> None:
    """ERP documents back to the shop: shipments, invoices, cancellations, credit memos (JSON or openTRANS)."""


@update.command("watch")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), help="Default: DIRECTORY/archive.")
@click.option("--error", type=click.Path(file_okay=False, path_type=Path), help="Default: DIRECTORY/error.")
@click.option("--once", is_flag=True, help="One pass, then exit (1 if a file was refused).")
@click.option(
    "--interval", type=click.FloatRange(min=0.05), default=5.0, show_default=True, help="Seconds between passes."
)
def watch(directory: Path, archive: Path | None, error: Path | None, once: bool, interval: float) -> None:
    """Submit the documents OK-files mark ready in DIRECTORY: archived when accepted, moved to the error folder
    with a report when refused; their pipelines apply them."""
    from conveyor.orders.update import Directories, process_directory
    from conveyor.orders.update import watch as watch_directory

    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such directory")
    dirs = Directories.of(directory, archive, error)
    engine = _engine()
    if once:
        results = process_directory(engine, dirs)
        for result in results:
            _print(result)
        if any(r.status == "refused" for r in results):
            raise SystemExit(1)
        return
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        console.print(f"stopping after this pass (signal {signum})")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    console.print(f"watching {directory} every {interval:g}s", markup=False, highlight=False)
    watch_directory(engine, dirs, interval=interval, stop=stop, on_result=_print)


@update.command("apply")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), help="Default: the file's folder/archive.")
@click.option("--error", type=click.Path(file_okay=False, path_type=Path), help="Default: the file's folder/error.")
def apply(path: Path, archive: Path | None, error: Path | None) -> None:
    """Submit one document file and apply it now (exit 1 when refused; the file is moved aside with a report)."""
    from conveyor.db.engine import now
    from conveyor.orders.update import Directories, DocumentError, apply_received, submit_file

    engine = _engine()
    result = submit_file(engine, path, Directories.of(path.parent, archive, error))
    if result.received is not None and not result.received.duplicate:
        try:
            applied = apply_received(engine, result.received.document_id, now=now())
        except DocumentError as exc:  # the order changed between the check and now
            result.status, result.reason = "refused", str(exc)
        else:
            if applied is not None:
                result.status = "applied"
                result.reason = f"{applied.kind} {applied.entity_id} of order {applied.increment_id}"
    _print(result)
    if result.status == "refused":
        raise SystemExit(1)


@update.command("show")
@click.option("--status", type=click.Choice(["received", "applied", "refused"]), help="Only documents in this status.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
def show(status: str | None, limit: int) -> None:
    """The newest documents of the ledger."""
    import sqlalchemy as sa

    from conveyor.orders.update import document_table

    d = document_table.c
    query = sa.select(document_table).order_by(d.id.desc()).limit(limit)
    if status is not None:
        query = query.where(d.status == status)
    with _engine().connect() as conn:
        rows = list(conn.execute(query))
    table = Table("id", "type", "external id", "order", "status", "entity", "source", "error")
    for row in rows:
        table.add_row(
            str(row.id),
            row.kind,
            row.external_id,
            row.increment_id or row.order_ref,
            row.status,
            str(row.entity_id or "-"),
            row.source,
            row.error or "",
        )
    console.print(table)

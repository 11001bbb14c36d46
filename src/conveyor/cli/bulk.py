"""``conveyor bulk …``: list, show (and follow), retry and clean up async bulks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from conveyor.cli.common import ConfigError, console, topology_option

# Magento's bulk statuses and operation statuses (conveyor.bulk.schema), kept here so that every ``conveyor``
# start does not import the bulk package
FINISHED = (2, 3)
STATUS_NAMES = {0: "not started", 1: "in progress", 2: "finished", 3: "finished with failure"}
OPERATION_NAMES = {1: "complete", 2: "retriably failed", 3: "not retriably failed", 4: "open", 5: "rejected"}
COMPLETE, OPEN = 1, 4
FAILED = (2, 3, 5)


def _engine() -> Any:
    from conveyor.db.engine import get_engine
    from conveyor.settings import get_settings

    return get_engine(get_settings().database_url)


def _summary(bulk_uuid: str, *, detailed: bool = False) -> dict[str, Any]:
    from conveyor.bulk import status as bulks
    from conveyor.catalog import NotFoundError

    try:
        with _engine().connect() as conn:
            return bulks.summary(conn, bulk_uuid, None, detailed=detailed)
    except NotFoundError as exc:
        raise ConfigError(str(exc)) from exc


def _counts(found: dict[str, Any]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for op in found["operations_list"]:
        counts[op["status"]] = counts.get(op["status"], 0) + 1
    return counts


@click.group()
def bulk() -> None:
    """Async bulks: one operation per item of an async or bulk API request."""


@bulk.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--unacknowledged", is_flag=True, help="Only bulks nobody acknowledged yet.")
def list_command(limit: int, unacknowledged: bool) -> None:
    """The newest bulks with their status and operations by status."""
    from conveyor.bulk import status as bulks

    table = Table("uuid", "started (UTC)", "description", "ops", "complete", "failed", "open", "status", "ack")
    with _engine().connect() as conn:
        found = bulks.list_bulks(conn, limit=limit, include_acknowledged=not unacknowledged)
    for item in found:
        counts = item["counts"]
        failed = sum(counts.get(s, 0) for s in FAILED)
        table.add_row(
            item["bulk_id"],
            item["start_time"],
            item["description"],
            str(item["operation_count"]),
            str(counts.get(COMPLETE, 0)),
            str(failed),
            str(counts.get(OPEN, 0)),
            STATUS_NAMES[item["status"]],
            "yes" if item["acknowledged"] else "",
        )
    console.print(table)


@bulk.command()
@click.argument("bulk_uuid")
@click.option("--follow", is_flag=True, help="Show a progress bar until the bulk is finished.")
@click.option(
    "--interval", type=click.FloatRange(min=0.05), default=0.5, show_default=True, help="Seconds between polls."
)
def show(bulk_uuid: str, follow: bool, interval: float) -> None:
    """The bulk's status and its failed operations (exit 1 if it finished with failures)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    found = _summary(bulk_uuid)
    if follow and found["status"] not in FINISHED:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console.now(),
        ) as progress:
            task = progress.add_task(bulk_uuid, total=found["operation_count"])
            while True:
                done = found["operation_count"] - _counts(found).get(OPEN, 0)
                progress.update(task, completed=done)
                if found["status"] in FINISHED:
                    break
                time.sleep(interval)
                found = _summary(bulk_uuid)
    _print(_summary(bulk_uuid, detailed=True))
    if found["status"] == 3:
        raise SystemExit(1)


def _print(found: dict[str, Any]) -> None:
    counts = _counts(found)
    console.print(f"bulk {found['bulk_id']}: {found['description']}, started {found['start_time']} UTC")
    console.print(
        f"status: {STATUS_NAMES[found['status']]}; "
        + ", ".join(f"{OPERATION_NAMES[s]} {n}" for s, n in sorted(counts.items()))
    )
    failed = [op for op in found["operations_list"] if op["status"] in FAILED]
    if failed:
        table = Table("id", "status", "code", "message")
        for op in failed:
            table.add_row(
                str(op["id"]), OPERATION_NAMES[op["status"]], str(op["error_code"] or ""), op["result_message"] or ""
            )
        console.print(table)


@bulk.command()
@click.argument("bulk_uuid")
@click.option("--operation", "operations", type=int, multiple=True, help="Only this operation id (repeatable).")
@topology_option
def retry(bulk_uuid: str, operations: tuple[int, ...], topology_files: tuple[Path, ...]) -> None:
    """Put the bulk's failed operations back in the queue."""
    from conveyor.app import App
    from conveyor.bulk import status as bulks
    from conveyor.catalog import NotFoundError
    from conveyor.cli.common import topology_paths

    with App(topology_files=topology_paths(topology_files), publishes_operations=True) as app:
        try:
            with app.mq.transaction() as transaction:
                count = bulks.retry(transaction, bulk_uuid, None, list(operations) or None)
        except NotFoundError as exc:
            raise ConfigError(str(exc)) from exc
    console.print(f"retrying {count} operation(s) of {bulk_uuid}")


@bulk.command()
@click.option("--older-than", "days", type=click.FloatRange(min=0), help="Days since acknowledged (default: setting).")
def cleanup(days: float | None) -> None:
    """Delete acknowledged bulks (and their operations) acknowledged longer ago than the retention period."""
    from conveyor.bulk import status as bulks
    from conveyor.settings import get_settings

    retention = days if days is not None else get_settings().bulk_retention_days
    with _engine().begin() as conn:
        removed = bulks.cleanup(conn, retention * 86400)
    console.print(f"removed {removed} acknowledged bulk(s)")

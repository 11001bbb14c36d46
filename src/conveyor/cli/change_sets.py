"""``conveyor sync change-sets``: EDS change sets with their progress and errors (the ``sync`` group adds it)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.table import Table

from conveyor.cli.common import console, err_console

STATUSES = ("open", "processed", "acknowledged", "failed")
COLOURS = {"open": "yellow", "processed": "cyan", "acknowledged": "green", "failed": "red"}


def _at(epoch: float | None) -> str:
    return "" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


@click.command("change-sets")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES), help="Only these statuses.")
@click.option("--failed", is_flag=True, help="Only failed change sets, with the errors of their items.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Rows to show.")
@click.option(
    "--acknowledge",
    is_flag=True,
    help="Queue the acknowledgement again for every processed change set the source was not told about.",
)
@click.option("--retry", is_flag=True, help="Queue the sync command of every failed item of a failed change set again.")
def change_sets(statuses: tuple[str, ...], failed: bool, limit: int, acknowledge: bool, retry: bool) -> None:
    """The newest change sets first: id, entity type, status, items done/failed, times and the last error.

    A retried item that succeeds settles its change set again: processed (and acknowledged) once none is failed.
    """
    from conveyor.cli.bus import opened_bus
    from conveyor.sync import change_sets as store
    from conveyor.sync.commands import AcknowledgeChangeSet, command_for

    wanted = ("failed",) if failed else statuses
    with opened_bus(()) as bus:
        engine = bus.mq.engine
        if acknowledge:
            with engine.connect() as conn:
                pending = store.unacknowledged(conn)
            bus.enqueue([AcknowledgeChangeSet(change_set_id=i) for i in pending])
            console.print(f"{len(pending)} acknowledgement(s) queued")
        if retry:
            with engine.connect() as conn:
                items = store.failed_entities(conn)
            bus.enqueue([command_for(kind, entity_id, change_set_id) for change_set_id, kind, entity_id in items])
            console.print(f"{len(items)} failed item(s) queued again")
        with engine.connect() as conn:
            found = store.listing(conn, wanted, limit)
            errors = {r.change_set_id: store.failed_items(conn, r.change_set_id) for r in found if failed}
    table = Table(
        "change set", "entity", "status", "done", "failed", "items", "received (UTC)", "acknowledged", "error"
    )
    for record in found:
        colour = COLOURS.get(record.status, "white")
        table.add_row(
            record.change_set_id,
            record.entity_type,
            f"[{colour}]{record.status}[/{colour}]",
            str(record.done_count),
            str(record.failed_count),
            str(record.item_count),
            _at(record.received_at),
            _at(record.acknowledged_at),
            (record.last_error or "")[:80],
        )
    console.print(table)
    if not found:
        console.print("no matching change sets")
    for change_set_id, failures in errors.items():
        for entity_id, error in failures:
            err_console.print(f"[red]{change_set_id} {entity_id}[/red]: {error}")

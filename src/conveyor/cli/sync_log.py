"""``conveyor sync log``: the newest runs of commands, with their outcome and error (the ``sync`` group adds it)."""

from __future__ import annotations

import click
from rich.table import Table

from conveyor.cli.common import console


@click.command("log")
@click.option("--failed", is_flag=True, help="Only failed runs.")
@click.option("--entity", "entity_id", help="Only runs about this entity id.")
@click.option("--command", "command_name", help="Only runs of this command (see `conveyor commands list`).")
@click.option("--correlation-id", help="Only runs with this correlation id.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Rows to show.")
def log(failed: bool, entity_id: str | None, command_name: str | None, correlation_id: str | None, limit: int) -> None:
    """The newest handled commands first: time (UTC), command, entity, outcome, duration and error."""
    from conveyor.bus import sync_log
    from conveyor.db.engine import get_engine
    from conveyor.settings import Settings

    engine = get_engine(Settings().database_url)
    with engine.connect() as conn:
        found = sync_log.entries(
            conn, failed=failed, entity=entity_id, command=command_name, correlation_id=correlation_id, limit=limit
        )
    table = Table("at (UTC)", "command", "entity", "outcome", "ms", "correlation id", "error")
    for entry in found:
        entity = f"{entry.entity_type or '?'} {entry.entity_id}" if entry.entity_id else (entry.entity_type or "")
        table.add_row(
            entry.at,
            entry.command,
            entity,
            entry.outcome,
            f"{entry.duration * 1000:.1f}",
            entry.correlation_id,
            entry.error_summary,
        )
    console.print(table)
    if not found:
        console.print("no matching runs")

"""``conveyor sync …``: sync one entity or all of a type from the source of record, queued or inline.

Each entity has a sync command on the bus (``conveyor.sync.commands``), queued by default: ``--inline`` handles it
here, ``--queue`` forces queueing. The ``sync`` group is shared: other modules attach their commands to it
(``sync.add_command``), e.g. ``conveyor sync log`` from ``cli/sync_log.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from conveyor.cli.common import console, err_console, setup_logging, verbosity_option

if TYPE_CHECKING:
    from conveyor.sync import BulkResult

# CLI words → entity type values (plural for bulk, singular for one)
BULK_ENTITIES = {
    "price-groups": "price-group",
    "attributes": "attribute",
    "customers": "customer",
    "products": "product",
    "fulfillments": "fulfillment",
}


def parse_since(text: str) -> datetime:
    """A time from ISO 8601 or Magento's 'YYYY-MM-DD HH:MM:SS' (a time without zone is UTC)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not a time like 2024-05-01 or 2024-05-01 12:00:00") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    return None if value is None else parse_since(value)


@click.group()
def sync() -> None:
    """Sync customers, attributes, price groups, products and fulfilments from the source (CONVEYOR_SOURCE_*)."""


mode_options = (
    click.option("--inline", "mode", flag_value="inline", help="Handle it now, in this process."),
    click.option("--queue", "mode", flag_value="queue", help="Queue it for a worker (`conveyor bus consume`)."),
)


def with_mode(function: Any) -> Any:
    for option in reversed(mode_options):
        function = option(function)
    return function


def _run_one(entity_value: str, entity_id: str, mode: str | None, verbose: int) -> None:
    """Queue the entity's sync command (default), or handle it inline and say what it became."""
    from conveyor.bus import NotQueuedError
    from conveyor.catalog import CatalogError
    from conveyor.cli.bus import opened_bus
    from conveyor.sync import EntityType, SyncError
    from conveyor.sync.commands import command_for

    setup_logging(verbose)
    entity = EntityType(entity_value)
    command = command_for(entity, entity_id)
    try:
        with opened_bus(()) as bus:
            result = bus.handle(command, mode)  # type: ignore[arg-type]
    except (SyncError, CatalogError, NotQueuedError, LookupError) as exc:
        raise click.ClickException(f"{entity.value} {entity_id}: {exc}") from exc
    if result.outcome == "queued":
        console.print(f"{entity.value} {entity_id} queued ({result.command}, message {result.message_id})")
        return
    if entity is EntityType.FULFILLMENT:
        shipped = result.value or []
        assert isinstance(shipped, list)
        text = f"{len(shipped)} new shipment(s)" + (f": {', '.join(map(str, shipped))}" if shipped else "")
    else:
        text = f"store id {result.value}"
    console.print(f"{entity.value} {entity_id} synced: {text}")


def _single(name: str, entity_value: str, metavar: str, what: str) -> None:
    @sync.command(name, help=f"Sync {what}: queued for a worker unless --inline.")
    @click.argument("entity_id", metavar=metavar)
    @with_mode
    @verbosity_option
    def command(entity_id: str, mode: str | None, verbose: int) -> None:
        _run_one(entity_value, entity_id, mode, verbose)


_single("customer", "customer", "CUSTOMER_NO", "one customer with its addresses and group")
_single("attribute", "attribute", "CODE", "one attribute with its options")
_single("price-group", "price-group", "CODE", "one price group (a customer group)")
_single("product", "product", "PRODUCT_NO", "one product with its variants, prices and stock")
_single("fulfillments", "fulfillment", "ORDER_NO", "the fulfilments of one order (as shipments)")


@sync.command("bulk")
@click.argument("entities", type=click.Choice([*BULK_ENTITIES, "all"]))
@click.option("--since", callback=_since, help="Only entities changed at or after this time (UTC unless given).")
@click.option("--page-size", type=click.IntRange(1, 1000), default=None, help="Ids per page (and per transaction).")
@with_mode
@verbosity_option
def bulk(entities: str, since: datetime | None, page_size: int | None, mode: str | None, verbose: int) -> None:
    """Sync every entity of a type (``all``: every type, dependencies first).

    By default one command per entity is queued for the workers (``conveyor bus consume``); ``--inline`` syncs
    here, page by page (one transaction per page), with a progress bar.
    """
    from conveyor.settings import get_settings
    from conveyor.sync import SYNC_ORDER, EntityType

    setup_logging(verbose)
    kinds = list(SYNC_ORDER) if entities == "all" else [EntityType(BULK_ENTITIES[entities])]
    size = page_size or get_settings().source_page_size
    if mode == "inline":
        _bulk_inline(kinds, since, size)
    else:
        _bulk_queue(kinds, since, size)


def _bulk_queue(kinds: list[Any], since: datetime | None, size: int) -> None:
    """List the ids page by page and queue one sync command per id (one publish per page)."""
    from conveyor.cli.common import opened
    from conveyor.sync import Patience
    from conveyor.sync.commands import enqueue_all

    table = Table("entity", "queued")
    with opened(()) as app:
        source, patient = app.sync_source, Patience()
        for kind in kinds:
            queued = enqueue_all(app.bus, source, kind, since=since, page_size=size, call=patient)
            table.add_row(kind.value, str(queued))
    console.print(table)


def _bulk_inline(kinds: list[Any], since: datetime | None, size: int) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from conveyor.cli.common import opened
    from conveyor.sync import run_bulk

    results: list[BulkResult] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with opened(()) as app:
        try:
            source = app.sync_source
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
        with Progress(*columns, console=err_console.now(), transient=False) as progress:
            for kind in kinds:
                task = progress.add_task(kind.value, total=None)

                def advance(done: int, total: int | None, task: Any = task) -> None:
                    progress.update(task, advance=done, total=total)

                results.append(
                    run_bulk(
                        app.mq, source, kind, since=since, page_size=size, options=app.sync_options, progress=advance
                    )
                )
    _report(results)
    if any(not result.ok for result in results):
        raise SystemExit(1)


def _report(results: list[BulkResult]) -> None:
    table = Table("entity", "synced", "failed", "rate-limit waits")
    for result in results:
        table.add_row(
            result.entity.value, str(result.synced), str(len(result.failed)), f"{result.waits} ({result.waited:.1f}s)"
        )
    console.print(table)
    for result in results:
        for entity_id, error in list(result.failed.items())[:20]:
            err_console.print(f"[red]{result.entity.value} {entity_id}[/red]: {error}")
        if len(result.failed) > 20:
            err_console.print(f"… and {len(result.failed) - 20} more {result.entity.value} failures")

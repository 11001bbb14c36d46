"""``conveyor sync …``: sync one entity or all of a type from the source of record, inline.

The ``sync`` group is shared: other modules attach their commands to it (``sync.add_command``), e.g.
``conveyor sync log`` from ``cli/sync_log.py``. Queued runs (``--queue``) come with the command bus.
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


def _context() -> tuple[Any, Any, Any]:
    """The source, the engine and the sync options the settings describe."""
    from conveyor.db.engine import get_engine
    from conveyor.sync import SyncOptions, get_sync_settings, load_source

    settings = get_sync_settings()
    try:
        source = load_source(settings)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    return source, get_engine(settings.database_url), SyncOptions.from_settings(settings)


def _run_one(entity_value: str, entity_id: str, verbose: int) -> None:
    """Fetch one entity, apply it in one transaction, say what it became."""
    from conveyor.catalog import CatalogError
    from conveyor.sync import SYNCS, EntityType, SyncError

    setup_logging(verbose)
    entity = EntityType(entity_value)
    handler = SYNCS[entity]
    source, engine, options = _context()
    try:
        fetched = handler.fetch(source, entity_id)
        with engine.begin() as conn:
            result = handler.apply(conn, source, [fetched], options)
    except (SyncError, CatalogError) as exc:
        raise click.ClickException(f"{entity.value} {entity_id}: {exc}") from exc
    finally:
        source.close()
    outcome = result.get(entity_id)
    if entity is EntityType.FULFILLMENT:
        text = f"{len(outcome or [])} new shipment(s)" + (f": {', '.join(map(str, outcome))}" if outcome else "")
    else:
        text = f"store id {outcome}"
    console.print(f"{entity.value} {entity_id} synced: {text}")


def _single(name: str, entity_value: str, metavar: str, what: str) -> None:
    @sync.command(name, help=f"Sync {what} now (inline), in one transaction.")
    @click.argument("entity_id", metavar=metavar)
    @verbosity_option
    def command(entity_id: str, verbose: int) -> None:
        _run_one(entity_value, entity_id, verbose)


_single("customer", "customer", "CUSTOMER_NO", "one customer with its addresses and group")
_single("attribute", "attribute", "CODE", "one attribute with its options")
_single("price-group", "price-group", "CODE", "one price group (a customer group)")
_single("product", "product", "PRODUCT_NO", "one product with its variants, prices and stock")
_single("fulfillments", "fulfillment", "ORDER_NO", "the fulfilments of one order (as shipments)")


@sync.command("bulk")
@click.argument("entities", type=click.Choice([*BULK_ENTITIES, "all"]))
@click.option("--since", callback=_since, help="Only entities changed at or after this time (UTC unless given).")
@click.option("--page-size", type=click.IntRange(1, 1000), default=None, help="Ids per page (and per transaction).")
@verbosity_option
def bulk(entities: str, since: datetime | None, page_size: int | None, verbose: int) -> None:
    """Sync every entity of a type (``all``: every type, dependencies first), inline with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from conveyor.sync import SYNC_ORDER, EntityType, get_sync_settings, run_bulk

    setup_logging(verbose)
    kinds = list(SYNC_ORDER) if entities == "all" else [EntityType(BULK_ENTITIES[entities])]
    size = page_size or get_sync_settings().source_page_size
    source, engine, options = _context()
    results: list[BulkResult] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err_console, transient=False) as progress:
            for kind in kinds:
                task = progress.add_task(kind.value, total=None)

                def advance(done: int, total: int | None, task: Any = task) -> None:
                    progress.update(task, advance=done, total=total)

                results.append(
                    run_bulk(engine, source, kind, since=since, page_size=size, options=options, progress=advance)
                )
    finally:
        source.close()
    _report(results)
    if any(not result.ok for result in results):
        raise SystemExit(1)


def _report(results: list[BulkResult]) -> None:
    table = Table("entity", "synced", "failed", "rate-limit waits")
    for result in results:
        table.add_row(result.entity.value, str(result.synced), str(len(result.failed)), str(result.waits))
    console.print(table)
    for result in results:
        for entity_id, error in list(result.failed.items())[:20]:
            err_console.print(f"[red]{result.entity.value} {entity_id}[/red]: {error}")
        if len(result.failed) > 20:
            err_console.print(f"… and {len(result.failed) - 20} more {result.entity.value} failures")

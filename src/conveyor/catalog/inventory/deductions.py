"""Source deduction (MSI's ``SourceDeductionService``): a shipment takes its quantities out of the sources, a
credit memo that returns goods to stock puts them back.

A sku is taken from (or returned to) the stock's source of highest priority that has an item of it, as MSI's
default source selection does for a single-source setup; a sku no source of the stock holds is left alone (its
salable quantity is 0 whatever happens). An item that drops to 0 goes out of stock, one that rises above 0 comes
back in stock.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import chunked
from conveyor.catalog.inventory.source_items import IN_STOCK, OUT_OF_STOCK, source_item_table
from conveyor.catalog.inventory.tables import stock_source_link_table

__all__ = ["deduct_sources", "return_to_sources"]

SI, LINK = source_item_table, stock_source_link_table


def deduct_sources(conn: Connection, stock_id: int, quantities: Mapping[str, Decimal]) -> None:
    """Take each sku's quantity out of its source (a shipment)."""
    _move(conn, stock_id, {sku: -qty for sku, qty in quantities.items() if qty})


def return_to_sources(conn: Connection, stock_id: int, quantities: Mapping[str, Decimal]) -> None:
    """Put each sku's quantity back into its source (a refund returned to stock)."""
    _move(conn, stock_id, {sku: qty for sku, qty in quantities.items() if qty})


def _move(conn: Connection, stock_id: int, changes: Mapping[str, Decimal]) -> None:
    if not changes:
        return
    query = (
        sa.select(SI.c.source_item_id, SI.c.sku, SI.c.quantity)
        .join(LINK, LINK.c.source_code == SI.c.source_code)
        .where(LINK.c.stock_id == stock_id)
        .order_by(SI.c.sku, LINK.c.priority, SI.c.source_code)
        .with_for_update()
    )
    chosen: dict[str, tuple[int, Decimal]] = {}
    for part in chunked(sorted(changes)):
        for item_id, sku, quantity in conn.execute(query.where(SI.c.sku.in_(part))):
            chosen.setdefault(sku, (item_id, Decimal(quantity)))
    for sku, (item_id, quantity) in chosen.items():
        new = quantity + changes[sku]
        conn.execute(
            SI.update()
            .where(SI.c.source_item_id == item_id)
            .values(quantity=new, status=IN_STOCK if new > 0 else OUT_OF_STOCK)
        )

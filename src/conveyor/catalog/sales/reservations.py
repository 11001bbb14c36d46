"""MSI reservations of the sales documents (Magento's InventorySales), written in the document's transaction so
that the salable quantity is right the moment the document commits.

- Placing an order reserves what is still open of each item: ``-(ordered - max(shipped, refunded) - canceled)``
  (a new order: its whole quantity; an imported, already shipped one: nothing).
- A shipment deducts its quantities from the sources and compensates the reservation (``+qty``), so the salable
  quantity stays where placing the order put it.
- Cancelling compensates what it canceled (``+qty``).
- A credit memo compensates what it refunds of the unshipped quantity, and puts the shipped part it returns to
  stock back into the sources; without "return to stock" neither happens (Magento's default).

Quantities are those of the stock-keeping items: an item with children (a configurable, a bundle) reserves
through its children, an item without children for itself. The stock is the order's website's (MSI's stock
resolver), else the default stock. ``metadata`` is MSI's JSON text naming the event and the order.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.inventory import (
    DEFAULT_STOCK_ID,
    add_reservations,
    deduct_sources,
    return_to_sources,
    sales_channel_table,
)
from conveyor.catalog.stores import store_table, website_table

__all__ = [
    "ORDER_CANCELED",
    "ORDER_PLACED",
    "SHIPMENT_CREATED",
    "compensate",
    "open_quantity",
    "refund_stock",
    "reserve_placed",
    "ship_stock",
    "stock_of",
]

ORDER_PLACED = "order_placed"
ORDER_CANCELED = "order_canceled"
SHIPMENT_CREATED = "shipment_created"
CREDITMEMO_CREATED = "creditmemo_created"
ZERO = Decimal(0)
Row = Mapping[Any, Any]


def _d(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)


def open_quantity(item: Row) -> Decimal:
    """What of the item is neither shipped, refunded nor canceled: what a reservation holds."""
    done = max(_d(item.get("qty_shipped")), _d(item.get("qty_refunded")))
    return max(_d(item["qty_ordered"]) - done - _d(item.get("qty_canceled")), ZERO)


def stock_of(conn: Connection, store_ids: Iterable[int | None]) -> dict[int | None, int]:
    """The stock each store view's website sells from (the default stock when its website has none)."""
    wanted = sorted({s for s in store_ids if s is not None})
    found: dict[int | None, int] = dict.fromkeys([None, *wanted], DEFAULT_STOCK_ID)
    if not wanted:
        return found
    s, w, ch = store_table.c, website_table.c, sales_channel_table.c
    query = (
        sa.select(s.store_id, ch.stock_id)
        .join(website_table, w.website_id == s.website_id)
        .join(sales_channel_table, sa.and_(ch.type == "website", ch.code == w.code))
        .where(s.store_id.in_(wanted))
    )
    for store_id, stock_id in conn.execute(query):
        found[store_id] = int(stock_id)
    return found


def leaves(items: Sequence[Row]) -> list[Row]:
    """The items that keep stock: those no other item names as its parent."""
    parents = {item.get("parent_item_id") for item in items}
    return [item for item in items if item["item_id"] not in parents]


def _metadata(event: str, object_type: str, object_id: int | str, increment_id: str | None) -> str:
    return json.dumps(
        {
            "event_type": event,
            "object_type": object_type,
            "object_id": str(object_id),
            "object_increment_id": increment_id or "",
        },
        separators=(",", ":"),
    )


def _by_sku(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for sku, qty in pairs:
        if qty:
            total[sku] = total.get(sku, ZERO) + qty
    return total


def reserve_placed(conn: Connection, orders: Sequence[tuple[Row, Sequence[Row]]]) -> None:
    """Reserve the open quantities of newly placed orders: (order row with entity_id, its stock-keeping items)."""
    stocks = stock_of(conn, [order["store_id"] for order, _ in orders])
    by_stock: dict[int, list[tuple[str, Decimal, str]]] = {}
    for order, items in orders:
        metadata = _metadata(ORDER_PLACED, "order", order["entity_id"], order["increment_id"])
        quantities = _by_sku((item["sku"], open_quantity(item)) for item in items)
        by_stock.setdefault(stocks[order["store_id"]], []).extend(
            (sku, -qty, metadata) for sku, qty in quantities.items()
        )
    for stock_id, reservations in by_stock.items():
        add_reservations(conn, stock_id, reservations)


def compensate(
    conn: Connection, order: Row, items: Sequence[Row], quantities: Mapping[int, Decimal], event: str
) -> None:
    """Give back the reservation of ``quantities`` (order item id → qty, children included) of the order."""
    by_sku = _by_sku((item["sku"], quantities.get(item["item_id"], ZERO)) for item in leaves(items))
    if not by_sku:
        return
    stock_id = stock_of(conn, [order["store_id"]])[order["store_id"]]
    metadata = _metadata(event, "order", order["entity_id"], order["increment_id"])
    add_reservations(conn, stock_id, [(sku, qty, metadata) for sku, qty in by_sku.items()])


def ship_stock(conn: Connection, order: Row, items: Sequence[Row], shipped: Mapping[int, Decimal]) -> None:
    """A shipment: deduct ``shipped`` (order item id → qty, children included) from the sources and compensate
    the reservation placing the order made."""
    stock_id = stock_of(conn, [order["store_id"]])[order["store_id"]]
    deduct_sources(conn, stock_id, _by_sku((i["sku"], shipped.get(i["item_id"], ZERO)) for i in leaves(items)))
    compensate(conn, order, items, shipped, SHIPMENT_CREATED)


def refund_stock(
    conn: Connection,
    order: Row,
    items: Sequence[Row],
    refunded: Mapping[int, Decimal],
    back_to_stock: Collection[int],
) -> None:
    """A credit memo of ``refunded`` (order item id → qty, children included; ``items`` as before it): the items
    returned to stock (``back_to_stock``: order item ids; a child follows its parent) give back their unshipped
    part's reservation and their shipped part to the sources."""
    returned: dict[int, Decimal] = {}
    to_source: list[tuple[str, Decimal]] = []
    for item in leaves(items):
        qty = refunded.get(item["item_id"], ZERO)
        if not qty or not (item["item_id"] in back_to_stock or item.get("parent_item_id") in back_to_stock):
            continue
        shipped_left = max(_d(item.get("qty_shipped")) - _d(item.get("qty_refunded")), ZERO)
        from_shipped = min(qty, shipped_left)
        to_source.append((item["sku"], from_shipped))
        returned[item["item_id"]] = qty - from_shipped
    if not returned:
        return
    stock_id = stock_of(conn, [order["store_id"]])[order["store_id"]]
    return_to_sources(conn, stock_id, _by_sku(to_source))
    compensate(conn, order, items, returned, CREDITMEMO_CREATED)

"""Stocks (MSI's StockRepository), their sales channels and their sources (stock-source links).

A stock sells on sales channels (``website``/code); a channel belongs to one stock at a time, so saving a stock with
a channel moves the channel to it. The default stock and the default source are linked once for all (MSI's single
source mode): no other link may name either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.inventory import sources
from conveyor.catalog.inventory.errors import (
    EMPTY,
    InventoryInvalidError,
    InventoryNotFoundError,
    InventoryValidationError,
    Named,
    check_code,
    check_text,
)
from conveyor.catalog.inventory.source_items import DEFAULT_SOURCE
from conveyor.catalog.inventory.tables import (
    DEFAULT_STOCK_ID,
    sales_channel_table,
    stock_source_link_table,
    stock_table,
)
from conveyor.db.upsert import upsert

ST, CH, LINK = stock_table, sales_channel_table, stock_source_link_table
NOT_FOUND = 'Stock with id "%value" does not exist.'
NOT_FOUND_FOR_DELETE = 'There is no stock with "%fieldValue" for "%fieldName". Verify and try again.'
NO_STOCK_FOR_CHANNEL = "No linked stock found"
DEFAULT_NOT_DELETABLE = "Default Stock could not be deleted."
HAS_CHANNELS = "Stock has at least one sale channel and could not be deleted."
DEFAULT_LINK = "Can not save link related to Default Source or Default Stock"
PRIORITY = '"%field" should be greater then 0.'
LINKS_NOT_SAVED = "Could not save StockSourceLinks"
STOCK_FIELDS: dict[str, ColumnElement[Any]] = {"stock_id": ST.c.stock_id, "name": ST.c.name}
LINK_FIELDS: dict[str, ColumnElement[Any]] = {
    "link_id": LINK.c.link_id,
    "stock_id": LINK.c.stock_id,
    "source_code": LINK.c.source_code,
    "priority": LINK.c.priority,
}
Channel = tuple[str, str]  # (type, code)


# --- stocks ------------------------------------------------------------------------------------------------------
def stock_query() -> sa.Select[Any]:
    return sa.select(ST.c.stock_id, ST.c.name)


def channels_of(conn: Connection, stock_ids: Sequence[int]) -> dict[int, list[Channel]]:
    found: dict[int, list[Channel]] = {stock_id: [] for stock_id in stock_ids}
    query = sa.select(CH.c.stock_id, CH.c.type, CH.c.code).where(CH.c.stock_id.in_(list(stock_ids)))
    for stock_id, kind, code in conn.execute(query.order_by(CH.c.type, CH.c.code)):
        found[stock_id].append((kind, code))
    return found


def present_stocks(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Stocks in Magento's shape: ``extension_attributes.sales_channels`` as ``[{"type", "code"}]``."""
    channels = channels_of(conn, [row.stock_id for row in rows])
    return [
        {
            "stock_id": row.stock_id,
            "name": row.name,
            "extension_attributes": {
                "sales_channels": [{"type": kind, "code": code} for kind, code in channels[row.stock_id]]
            },
        }
        for row in rows
    ]


def get_stock(conn: Connection, stock_id: int) -> dict[str, Any]:
    row = conn.execute(stock_query().where(ST.c.stock_id == stock_id)).first()
    if row is None:
        raise InventoryNotFoundError(NOT_FOUND, {"value": str(stock_id)})
    return present_stocks(conn, [row])[0]


def require_stock(conn: Connection, stock_id: int) -> None:
    if conn.execute(sa.select(ST.c.stock_id).where(ST.c.stock_id == stock_id)).first() is None:
        raise InventoryNotFoundError(NOT_FOUND, {"value": str(stock_id)})


def save_stock(conn: Connection, stock_id: int | None, name: str | None, channels: Sequence[Channel] | None) -> int:
    """Create (no id, or an id not stored yet) or save a stock with its sales channels (none when not given, as
    in MSI: a save names every channel the stock keeps).

    Returns the stock id."""
    errors: list[tuple[str, Named]] = []
    check_text("name", name, errors)
    for kind, code in channels or ():
        if not kind.strip():
            errors.append((EMPTY, {"field": "type"}))
        if not code.strip():
            errors.append((EMPTY, {"field": "code"}))
    if errors:
        raise InventoryValidationError(errors)
    if stock_id is None:
        inserted = conn.execute(ST.insert().values(name=name)).inserted_primary_key
        stock_id = int(inserted[0]) if inserted else 0
    else:
        upsert(conn, ST, [{"stock_id": stock_id, "name": name}], key=["stock_id"])
        _advance_sequence(conn)
    _replace_channels(conn, stock_id, channels or ())
    return stock_id


def _replace_channels(conn: Connection, stock_id: int, channels: Sequence[Channel]) -> None:
    """The stock sells on exactly ``channels`` (taken from whichever stock had them); the channels it loses go
    back to the default stock, so no channel is left without a stock (MSI's SaveSalesChannelsLinksPlugin)."""
    wanted = sorted(set(channels))
    lost = [c for c in channels_of(conn, [stock_id])[stock_id] if c not in wanted]
    conn.execute(CH.delete().where(CH.c.stock_id == stock_id))
    rows = [{"type": kind, "code": code, "stock_id": stock_id} for kind, code in wanted]
    rows += [{"type": kind, "code": code, "stock_id": DEFAULT_STOCK_ID} for kind, code in lost]
    if rows:
        upsert(conn, CH, rows, key=["type", "code"], update=["stock_id"], distinct=True)


def delete_stock(conn: Connection, stock_id: int) -> None:
    """Delete a stock and its links; never the default stock, nor one that still sells on a channel."""
    if stock_id == DEFAULT_STOCK_ID:
        raise InventoryInvalidError(DEFAULT_NOT_DELETABLE)
    if channels_of(conn, [stock_id])[stock_id]:
        raise InventoryInvalidError(HAS_CHANNELS)
    if conn.execute(sa.select(ST.c.stock_id).where(ST.c.stock_id == stock_id)).first() is None:
        raise InventoryNotFoundError(NOT_FOUND_FOR_DELETE, {"fieldName": "stock_id", "fieldValue": str(stock_id)})
    conn.execute(LINK.delete().where(LINK.c.stock_id == stock_id))
    conn.execute(ST.delete().where(ST.c.stock_id == stock_id))


def resolve_stock(conn: Connection, kind: str, code: str) -> dict[str, Any]:
    """The stock that sells on a channel (MSI's stock resolver)."""
    stock_id = conn.execute(sa.select(CH.c.stock_id).where(CH.c.type == kind, CH.c.code == code)).scalar()
    if stock_id is None:
        raise InventoryNotFoundError(NO_STOCK_FOR_CHANNEL, {})
    return get_stock(conn, int(stock_id))


def _advance_sequence(conn: Connection) -> None:
    """A stock saved with its own id moves PostgreSQL's sequence past it (the other dialects do it themselves)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('inventory_stock', 'stock_id'), "
                "GREATEST((SELECT COALESCE(MAX(stock_id), 0) FROM inventory_stock), 1))"
            )
        )


# --- stock-source links --------------------------------------------------------------------------------------------
def link_query() -> sa.Select[Any]:
    return sa.select(LINK.c.stock_id, LINK.c.source_code, LINK.c.priority)


def save_links(conn: Connection, links: Sequence[Mapping[str, Any]]) -> None:
    """Create or re-prioritise links (all or none): MSI's validators, then stock and source must exist."""
    errors: list[tuple[str, Named]] = []
    for link in links:
        if not link.get("stock_id"):
            errors.append((EMPTY, {"field": "stock_id"}))
        check_code("source_code", link.get("source_code"), errors)
        if int(link.get("priority") or 0) <= 0:
            errors.append((PRIORITY, {"field": "priority"}))
        initial = link.get("stock_id") == DEFAULT_STOCK_ID and link.get("source_code") == DEFAULT_SOURCE
        if not initial and (link.get("stock_id") == DEFAULT_STOCK_ID or link.get("source_code") == DEFAULT_SOURCE):
            errors.append((DEFAULT_LINK, {}))
    if errors:
        raise InventoryValidationError(errors)
    codes = sorted({str(link["source_code"]) for link in links})
    stock_ids = sorted({int(link["stock_id"]) for link in links})
    known_stocks = set(conn.execute(sa.select(ST.c.stock_id).where(ST.c.stock_id.in_(stock_ids))).scalars())
    if set(codes) - sources.existing_codes(conn, codes) or set(stock_ids) - known_stocks:
        # Magento's message; answered 404 here: the request is well-formed, what it names is missing
        raise InventoryNotFoundError(LINKS_NOT_SAVED, {})
    rows = {(int(link["stock_id"]), str(link["source_code"])): int(link["priority"]) for link in links}
    upsert(
        conn,
        LINK,
        [{"stock_id": s, "source_code": c, "priority": p} for (s, c), p in rows.items()],
        key=["stock_id", "source_code"],
        update=["priority"],
        distinct=True,
    )


def delete_links(conn: Connection, links: Sequence[Mapping[str, Any]]) -> None:
    """Delete links by (stock_id, source_code); the default stock keeps the default source."""
    keys = sorted({(int(link["stock_id"]), str(link["source_code"])) for link in links})
    if (DEFAULT_STOCK_ID, DEFAULT_SOURCE) in keys:
        raise InventoryValidationError([(DEFAULT_LINK, {})])
    for stock_id, code in keys:
        conn.execute(LINK.delete().where(LINK.c.stock_id == stock_id, LINK.c.source_code == code))


def sources_by_priority(conn: Connection, stock_id: int) -> list[dict[str, Any]]:
    """The stock's sources, highest priority (lowest number) first."""
    require_stock(conn, stock_id)
    query = sources.source_query().join(LINK, LINK.c.source_code == sources.SRC.c.source_code)
    rows = conn.execute(query.where(LINK.c.stock_id == stock_id).order_by(LINK.c.priority, LINK.c.source_code))
    return [sources.source_as_dict(row) for row in rows]

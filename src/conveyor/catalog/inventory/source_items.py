"""Stock per source (Magento MSI): sources and source items keyed by (source_code, sku).

Source items refer to products by sku, not id, as in MSI: an ERP may send stock before the product exists,
and deleting a product deletes its source items explicitly (``ProductRepository.delete``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import INVALID_VALUE, chunked, parse_decimal, referring_column
from conveyor.catalog.errors import InvalidValueError
from conveyor.db.metadata import LongText, metadata
from conveyor.db.upsert import upsert

DEFAULT_SOURCE = "default"
IN_STOCK, OUT_OF_STOCK = 1, 0
_QUANTUM = Decimal("0.0001")  # the quantity column's scale

source_table = sa.Table(
    "inventory_source",
    metadata,
    sa.Column("source_code", sa.String(191), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("description", LongText, nullable=True),
    sa.Column("country_id", sa.String(2), nullable=True),
    sa.Column("postcode", sa.String(255), nullable=True),
    sa.Column("contact_name", sa.String(255), nullable=True),
    sa.Column("email", sa.String(255), nullable=True),
    sa.Column("latitude", sa.Numeric(8, 6), nullable=True),
    sa.Column("longitude", sa.Numeric(9, 6), nullable=True),
    sa.Column("region_id", sa.Integer, nullable=True),
    sa.Column("region", sa.String(255), nullable=True),
    sa.Column("city", sa.String(255), nullable=True),
    sa.Column("street", sa.String(255), nullable=True),
    sa.Column("phone", sa.String(255), nullable=True),
    sa.Column("fax", sa.String(255), nullable=True),
    sa.Column("use_default_carrier_config", sa.Boolean, nullable=False, server_default=sa.true()),
)

source_item_table = sa.Table(
    "inventory_source_item",
    metadata,
    sa.Column("source_item_id", sa.Integer, primary_key=True, autoincrement=True),
    # a declared reference, no constraint (write speed; sources are never deleted): ``conveyor db check``
    referring_column(
        "inventory_source_item",
        "source_code",
        sa.String(191),
        "inventory_source.source_code",
        enforced=False,
        nullable=False,
    ),
    sa.Column("sku", sa.String(64), nullable=False, index=True),
    sa.Column("quantity", sa.Numeric(12, 4), nullable=False, server_default="0"),
    sa.Column("status", sa.SmallInteger, nullable=False, server_default="0"),
    sa.UniqueConstraint("source_code", "sku", name="uq_inventory_source_item_source_code_sku"),
)

SI = source_item_table
SRC = source_table


@dataclass(slots=True, kw_only=True)
class Source:
    source_code: str
    name: str
    enabled: bool = True
    description: str | None = None
    country_id: str | None = None
    postcode: str | None = None


@dataclass(slots=True, kw_only=True)
class SourceItem:
    """Magento's source item: quantity of a sku at a source, status 1 in stock / 0 out of stock."""

    sku: str
    source_code: str = DEFAULT_SOURCE
    quantity: float | Decimal | int | str = 0
    status: int = IN_STOCK


@dataclass(frozen=True, slots=True)
class StockLevel:
    """A source item to write, with only the columns its writer gives (None: not given)."""

    source_code: str
    sku: str
    quantity: Decimal | None = None
    status: int | None = None


def write_source_items(conn: Connection, levels: Iterable[StockLevel]) -> None:
    """Upsert source items by (source_code, sku), each updating only the columns it gives: a stock update that
    names only a quantity keeps the stored status. A new item lacking them gets quantity 0 and the status its
    quantity implies. Items are grouped by the columns given, a statement per group (four at most) and per
    thousand items; named twice in a group, the last one wins. Behind the caller on a connection that is
    ``writing_behind`` (an import's)."""
    groups: dict[tuple[str, ...], dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    for level in levels:
        quantity = (level.quantity or Decimal(0)).quantize(_QUANTUM)
        status = (IN_STOCK if quantity > 0 else OUT_OF_STOCK) if level.status is None else level.status
        given = tuple(c for c, v in (("quantity", level.quantity), ("status", level.status)) if v is not None)
        groups[given][(level.source_code, level.sku)] = {
            "source_code": level.source_code,
            "sku": level.sku,
            "quantity": quantity,
            "status": status,
        }
    for given, rows in groups.items():
        upsert(
            conn, SI, list(rows.values()), key=["source_code", "sku"], update=list(given), distinct=True, behind=True
        )


def seed_default_source(conn: Connection) -> None:
    """MSI's installation data (idempotent): the source 'default', the stock 1 'Default Stock' holding it, and the
    base website selling from that stock."""
    from conveyor.catalog.inventory import tables

    upsert(
        conn,
        source_table,
        [
            {
                "source_code": DEFAULT_SOURCE,
                "name": "Default Source",
                "enabled": True,
                "description": "Default Source",
                "latitude": Decimal(0),
                "longitude": Decimal(0),
                "country_id": "US",
                "postcode": "00000",
            }
        ],
        key=["source_code"],
        update=[],
    )
    upsert(
        conn,
        tables.stock_table,
        [{"stock_id": tables.DEFAULT_STOCK_ID, "name": tables.DEFAULT_STOCK_NAME}],
        key=["stock_id"],
        update=[],
    )
    upsert(
        conn,
        tables.stock_source_link_table,
        [{"stock_id": tables.DEFAULT_STOCK_ID, "source_code": DEFAULT_SOURCE, "priority": 1}],
        key=["stock_id", "source_code"],
        update=[],
    )
    upsert(
        conn,
        tables.sales_channel_table,
        [{"type": tables.WEBSITE_CHANNEL, "code": tables.BASE_WEBSITE_CODE, "stock_id": tables.DEFAULT_STOCK_ID}],
        key=["type", "code"],
        update=[],
    )
    if conn.dialect.name == "postgresql":  # stock 1 was inserted with its id: move the sequence past it
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('inventory_stock', 'stock_id'), "
                "GREATEST((SELECT COALESCE(MAX(stock_id), 0) FROM inventory_stock), 1))"
            )
        )


class StockRepository:
    """Sources and source items; every method runs in the caller's transaction."""

    def save_source(self, conn: Connection, source: Source) -> None:
        """Create or update a source by code."""
        if not source.source_code.strip() or len(source.source_code) > 191:
            raise InvalidValueError(INVALID_VALUE, ["source_code", source.source_code])
        row = {
            "source_code": source.source_code,
            "name": source.name,
            "enabled": source.enabled,
            "description": source.description,
            "country_id": source.country_id,
            "postcode": source.postcode,
        }
        upsert(conn, source_table, [row], key=["source_code"])

    def list_sources(self, conn: Connection) -> list[Source]:
        return [
            Source(
                source_code=row.source_code,
                name=row.name,
                enabled=bool(row.enabled),
                description=row.description,
                country_id=row.country_id,
                postcode=row.postcode,
            )
            for row in conn.execute(sa.select(SRC).order_by(SRC.c.source_code))
        ]

    def upsert(self, conn: Connection, items: Sequence[SourceItem]) -> None:
        """Create or update source items (one statement per thousand items, plus one source check)."""
        if not items:
            return
        codes = sorted({item.source_code for item in items})
        known = set(
            conn.execute(sa.select(source_table.c.source_code).where(source_table.c.source_code.in_(codes))).scalars()
        )
        levels: list[StockLevel] = []
        for item in items:
            if item.source_code not in known:
                raise InvalidValueError(INVALID_VALUE, ["source_code", item.source_code])
            if not item.sku or len(item.sku) > 64:
                raise InvalidValueError(INVALID_VALUE, ["sku", item.sku])
            if item.status not in (IN_STOCK, OUT_OF_STOCK):
                raise InvalidValueError(INVALID_VALUE, ["status", str(item.status)])
            levels.append(StockLevel(item.source_code, item.sku, parse_decimal(item.quantity, "quantity"), item.status))
        write_source_items(conn, levels)

    def list_items(
        self, conn: Connection, skus: Sequence[str] | None = None, source_code: str | None = None
    ) -> list[SourceItem]:
        """Source items, optionally for some skus and/or one source, by sku then source."""
        query = sa.select(SI.c.sku, SI.c.source_code, SI.c.quantity, SI.c.status).order_by(SI.c.sku, SI.c.source_code)
        if source_code is not None:
            query = query.where(SI.c.source_code == source_code)
        if skus is None:
            rows = list(conn.execute(query))
        else:
            rows = [row for part in chunked(sorted(set(skus))) for row in conn.execute(query.where(SI.c.sku.in_(part)))]
        return [
            SourceItem(sku=row.sku, source_code=row.source_code, quantity=float(row.quantity), status=row.status)
            for row in rows
        ]

    def delete(self, conn: Connection, keys: Iterable[tuple[str, str]]) -> None:
        """Delete source items by (source_code, sku)."""
        wanted = sorted(set(keys))
        for part in chunked(wanted, 2000):
            conn.execute(SI.delete().where(sa.tuple_(SI.c.source_code, SI.c.sku).in_(part)))

    def delete_skus(self, conn: Connection, skus: Sequence[str]) -> None:
        """Delete every source item, notification threshold and stock setting of the skus (a product's deletion);
        reservations stay, as in MSI (they belong to orders)."""
        from conveyor.catalog.inventory.tables import notification_table, stock_item_setting_table

        for part in chunked(sorted(set(skus))):
            for table in (SI, notification_table, stock_item_setting_table):
                conn.execute(table.delete().where(table.c.sku.in_(part)))

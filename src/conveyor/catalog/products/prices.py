"""Tier and group prices per website and customer group (Magento's catalog_product_entity_tier_price).

A row applies to one customer group, or to all groups (``all_groups``, stored with group 0 as Magento does;
payloads say customer_group_id 32000). Its price is a fixed ``value`` or a ``percentage_value`` discount.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Mapping, Sequence, Set
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import INVALID_VALUE, chunked, foreign_key, parse_decimal, referring_column
from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.products.entity import ids_by_sku
from conveyor.catalog.products.models import ALL_GROUPS, TierPrice
from conveyor.catalog.stores.scopes import customer_group_table, website_table
from conveyor.db.bulk_insert import insert_rows_behind
from conveyor.db.metadata import metadata
from conveyor.db.upsert import upsert

TABLE = "catalog_product_entity_tier_price"
tier_price_table = sa.Table(
    TABLE,
    metadata,
    sa.Column("value_id", sa.Integer, primary_key=True, autoincrement=True),
    # the product: a declared reference (write speed; ``writer.delete_products`` takes a product's prices);
    # the group and website keep their foreign keys: a group's delete relies on them, two rows a product cost little
    referring_column(
        TABLE, "entity_id", sa.Integer, "catalog_product_entity.entity_id", enforced=False, nullable=False
    ),
    sa.Column("all_groups", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column(
        "customer_group_id",
        sa.Integer,
        foreign_key(TABLE, "customer_group_id", "customer_group.customer_group_id"),
        nullable=False,
        server_default="0",
        index=True,
    ),
    sa.Column("qty", sa.Numeric(12, 4), nullable=False, server_default="1"),
    sa.Column("value", sa.Numeric(20, 6), nullable=False, server_default="0"),
    sa.Column(
        "website_id",
        sa.SmallInteger,
        foreign_key(TABLE, "website_id", "store_website.website_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("percentage_value", sa.Numeric(20, 6), nullable=True),
    # Magento's unique key: one price per product, group, quantity and website (the upsert key).
    sa.UniqueConstraint(
        "entity_id", "all_groups", "customer_group_id", "qty", "website_id", name="uq_catalog_product_tier_price_key"
    ),
)
T = tier_price_table
_KEY = ("entity_id", "all_groups", "customer_group_id", "qty", "website_id")


def tier_price_rows(
    conn: Connection, prices: Mapping[int, Sequence[TierPrice]], field: str = "tier_prices"
) -> list[dict[str, Any]]:
    """Checked rows for ``prices`` (entity_id → prices): groups and websites must exist, keys be unique."""
    groups = {p.customer_group_id for ps in prices.values() for p in ps} - {ALL_GROUPS}
    websites = {p.website_id for ps in prices.values() for p in ps}
    known_groups = (
        set(
            conn.execute(
                sa.select(customer_group_table.c.customer_group_id).where(
                    customer_group_table.c.customer_group_id.in_(sorted(groups))
                )
            ).scalars()
        )
        if groups
        else set()
    )
    known_websites = (
        set(
            conn.execute(
                sa.select(website_table.c.website_id).where(website_table.c.website_id.in_(sorted(websites)))
            ).scalars()
        )
        if websites
        else set()
    )
    rows: list[dict[str, Any]] = []
    for entity_id, entity_prices in prices.items():
        seen: set[tuple[Any, ...]] = set()
        for price in entity_prices:
            row = _row(entity_id, price, known_groups, known_websites)
            key = tuple(row[k] for k in _KEY)
            if key in seen:
                raise InvalidValueError("We found a duplicate website, tier price, customer group and quantity.")
            seen.add(key)
            rows.append(row)
    return rows


def _row(entity_id: int, price: TierPrice, groups: set[int], websites: set[int]) -> dict[str, Any]:
    qty = parse_decimal(price.qty, "qty").quantize(Decimal("0.0001"))
    if qty <= 0:
        raise InvalidValueError(INVALID_VALUE, ["qty", str(price.qty)])
    if (price.value is None) == (price.percentage_value is None):
        raise InvalidValueError(INVALID_VALUE, ["value", "give either a value or a percentage_value"])
    value = Decimal(0) if price.value is None else parse_decimal(price.value, "value")
    if value < 0:
        raise InvalidValueError(INVALID_VALUE, ["value", str(price.value)])
    percentage = None
    if price.percentage_value is not None:
        percentage = parse_decimal(price.percentage_value, "percentage_value")
        if not 0 < percentage <= 100:
            raise InvalidValueError(INVALID_VALUE, ["percentage_value", str(price.percentage_value)])
    all_groups = price.customer_group_id == ALL_GROUPS
    if not all_groups and price.customer_group_id not in groups:
        raise InvalidValueError(INVALID_VALUE, ["customer_group_id", str(price.customer_group_id)])
    if price.website_id not in websites:
        raise InvalidValueError(INVALID_VALUE, ["website_id", str(price.website_id)])
    return {
        "entity_id": entity_id,
        "all_groups": all_groups,
        "customer_group_id": 0 if all_groups else price.customer_group_id,
        "qty": qty,
        "value": value,
        "website_id": price.website_id,
        "percentage_value": percentage,
    }


def replace_tier_prices(
    conn: Connection, rows: Sequence[Mapping[str, Any]], entity_ids: Sequence[int], *, new: Set[int] = frozenset()
) -> None:
    """Make the tier prices of ``entity_ids`` exactly ``rows`` (one delete and one insert per batch).

    Products in ``new`` were created in the caller's transaction and have no tier prices yet: their rows are
    plainly inserted (COPY on PostgreSQL), as the shared product writer does (``products.writer``)."""
    for part in chunked(sorted(set(entity_ids) - new)):
        conn.execute(T.delete().where(T.c.entity_id.in_(part)))
    if not rows:
        return
    columns = tuple(rows[0])
    values = operator.itemgetter(*columns)
    insert_rows_behind(conn, T, columns, [values(row) for row in rows if row["entity_id"] in new])
    upsert(conn, T, [row for row in rows if row["entity_id"] not in new], key=list(_KEY))


def load_tier_prices(conn: Connection, entity_ids: Sequence[int]) -> dict[int, list[TierPrice]]:
    """entity_id → its tier prices, by website, group and quantity."""
    found: dict[int, list[TierPrice]] = defaultdict(list)
    for part in chunked(list(entity_ids)):
        for row in conn.execute(
            sa.select(T)
            .where(T.c.entity_id.in_(part))
            .order_by(T.c.entity_id, T.c.website_id, T.c.all_groups.desc(), T.c.customer_group_id, T.c.qty)
        ):
            found[row.entity_id].append(
                TierPrice(
                    qty=float(row.qty),
                    value=None if row.percentage_value is not None else float(row.value),
                    percentage_value=None if row.percentage_value is None else float(row.percentage_value),
                    customer_group_id=ALL_GROUPS if row.all_groups else row.customer_group_id,
                    website_id=row.website_id,
                )
            )
    return found


class TierPriceRepository:
    """Tier prices by sku (Magento's /V1/products/tier-prices); every method runs in the caller's transaction."""

    def get(self, conn: Connection, skus: Sequence[str]) -> dict[str, list[TierPrice]]:
        """sku → tier prices (NotFoundError naming the first unknown sku)."""
        ids = self._ids(conn, skus)
        prices = load_tier_prices(conn, list(ids.values()))
        return {sku: prices.get(entity_id, []) for sku, entity_id in ids.items()}

    def upsert(self, conn: Connection, prices: Mapping[str, Sequence[TierPrice]]) -> None:
        """Add or update tier prices (matched on website, group and quantity); others stay."""
        ids = self._ids(conn, list(prices))
        upsert(conn, T, tier_price_rows(conn, {ids[sku]: ps for sku, ps in prices.items()}), key=list(_KEY))

    def replace(self, conn: Connection, prices: Mapping[str, Sequence[TierPrice]]) -> None:
        """Make each given sku's tier prices exactly the ones given."""
        ids = self._ids(conn, list(prices))
        rows = tier_price_rows(conn, {ids[sku]: ps for sku, ps in prices.items()})
        replace_tier_prices(conn, rows, list(ids.values()))

    def delete(self, conn: Connection, prices: Mapping[str, Sequence[TierPrice]]) -> None:
        """Delete the tier prices matching the given ones' website, group and quantity."""
        ids = self._ids(conn, list(prices))
        keys = [
            (
                ids[sku],
                price.customer_group_id == ALL_GROUPS,
                0 if price.customer_group_id == ALL_GROUPS else price.customer_group_id,
                parse_decimal(price.qty, "qty").quantize(Decimal("0.0001")),
                price.website_id,
            )
            for sku, ps in prices.items()
            for price in ps
        ]
        for part in chunked(keys, 1000):
            conn.execute(T.delete().where(sa.tuple_(*(T.c[k] for k in _KEY)).in_(part)))

    @staticmethod
    def _ids(conn: Connection, skus: Sequence[str]) -> dict[str, int]:
        ids = ids_by_sku(conn, skus)
        missing = [sku for sku in skus if sku not in ids]
        if missing:
            raise NotFoundError(
                'The product with SKU "%1" doesn\'t exist. Verify the product and try again.', [missing[0]]
            )
        return ids

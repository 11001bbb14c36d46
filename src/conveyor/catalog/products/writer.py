"""Set-based writes of products' website and category assignments, and the clearing of replaced products:
the one writer that ``ProductRepository.save_many`` and the product importer share.

Callers pass plain wanted rows per product id and say how to write them. ``replace`` makes each given
product's assignment exactly the given rows (the REST API's save, an import in replace mode or with clean-up);
otherwise the rows are added to what is stored (an import's add-update). Products in ``new`` were created in
the caller's transaction: they own no rows yet (an earlier product of the same id took its rows with it:
``delete_products``), so theirs are plainly inserted and never deleted or looked up.

The high-volume tables (values, websites, category links, product links, tier prices, source items) refer to
products without foreign keys, for write speed; integrity holds by construction because every product deletion
goes through ``delete_products`` here, which takes the product's rows from each of them explicitly. Each call
costs a fixed number of statements for the whole batch (one per thousand rows), never one per product.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.categories.repository import category_product_table
from conveyor.catalog.eav.values import chunked
from conveyor.catalog.inventory.source_items import source_item_table
from conveyor.catalog.products.entity import product_table, product_values, product_website_table
from conveyor.catalog.products.media import gallery_table
from conveyor.catalog.products.prices import tier_price_table
from conveyor.catalog.products.relations import (
    bundle_option_table,
    link_table,
    super_attribute_table,
    super_link_table,
)
from conveyor.db.bulk_insert import insert_rows_behind
from conveyor.db.upsert import upsert

PW, CP = product_website_table, category_product_table
_NONE: frozenset[int] = frozenset()


def write_websites(
    conn: Connection, wanted: Mapping[int, Iterable[int]], *, new: Set[int] = _NONE, replace: bool
) -> None:
    """product id → website ids it belongs to (an empty list under ``replace`` takes it off every website)."""
    rows = sorted({(product_id, website_id) for product_id, websites in wanted.items() for website_id in websites})
    if replace:
        _delete(conn, PW.c.product_id, [product_id for product_id in wanted if product_id not in new])
    insert_rows_behind(conn, PW, ("product_id", "website_id"), [row for row in rows if row[0] in new])
    stored = [{"product_id": p, "website_id": w} for p, w in rows if p not in new]
    upsert(conn, PW, stored, key=["product_id", "website_id"], update=[], distinct=True)


def write_categories(
    conn: Connection,
    wanted: Mapping[int, Iterable[tuple[int, int | None]]],
    *,
    new: Set[int] = _NONE,
    replace: bool,
) -> None:
    """product id → (category id, position) links. A link without a position (None) keeps the position a
    stored link has (Magento's import leaves it alone) and starts at 0; named twice, the positioned one wins."""
    links: dict[tuple[int, int], int | None] = {}
    for product_id, pairs in wanted.items():
        for category_id, position in pairs:
            pair = (category_id, product_id)
            if position is not None or pair not in links:
                links[pair] = position
    if replace:
        _delete(conn, CP.c.product_id, [product_id for product_id in wanted if product_id not in new])
    columns = ("category_id", "product_id", "position")
    insert_rows_behind(conn, CP, columns, [(c, p, position or 0) for (c, p), position in links.items() if p in new])
    positioned: list[dict[str, Any]] = []
    unpositioned: list[dict[str, Any]] = []
    for (category_id, product_id), position in links.items():
        if product_id not in new:
            row = {"category_id": category_id, "product_id": product_id, "position": position or 0}
            (unpositioned if position is None else positioned).append(row)
    key = ["category_id", "product_id"]
    upsert(conn, CP, positioned, key=key, distinct=True)
    upsert(conn, CP, unpositioned, key=key, update=[], distinct=True)


def clear_products(conn: Connection, entity_ids: Sequence[int], skus: Sequence[str]) -> None:
    """Everything the products have besides their entity rows goes — values at every store view, websites,
    categories, gallery, links, configurable and bundle relations, tier prices, source items — so that what is
    written next makes each exactly what the caller says (an import in replace mode)."""
    if not entity_ids:
        return
    for table in product_values.values():
        _delete(conn, table.c.entity_id, entity_ids)
    for column in (
        PW.c.product_id,
        CP.c.product_id,
        gallery_table.c.entity_id,
        link_table.c.product_id,
        super_attribute_table.c.product_id,
        super_link_table.c.parent_id,
        bundle_option_table.c.parent_id,
        tier_price_table.c.entity_id,
    ):
        _delete(conn, column, entity_ids)
    _delete(conn, source_item_table.c.sku, skus)


def delete_products(conn: Connection, ids: Mapping[str, int]) -> None:
    """Delete products (sku → id) with everything that refers to them: what ``clear_products`` clears, the
    links of other products to them, then the entity rows (the low-volume tables that keep their foreign keys —
    gallery values, configurable children, bundle selections, custom options — cascade from there). The one
    way a product goes, whichever caller deletes it (the REST API, a bulk operation, an import)."""
    if not ids:
        return
    entity_ids = sorted(set(ids.values()))
    clear_products(conn, entity_ids, list(ids))
    _delete(conn, link_table.c.linked_product_id, entity_ids)
    _delete(conn, product_table.c.entity_id, entity_ids)


def _delete(conn: Connection, column: sa.Column[Any], keys: Iterable[Any]) -> None:
    """Delete the rows whose ``column`` is among ``keys``, a statement per chunk of keys."""
    table = column.table
    assert isinstance(table, sa.Table)
    for part in chunked(sorted(set(keys))):
        conn.execute(table.delete().where(column.in_(part)))


__all__ = ["clear_products", "delete_products", "write_categories", "write_websites"]

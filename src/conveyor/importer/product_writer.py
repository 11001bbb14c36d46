"""Writing a batch of validated product rows: a fixed number of statements per batch, whatever its size.

Built on the catalog's set-based writers (``write_values``, ``write_websites``, ``write_categories``,
``write_source_items``, ``clear_products``, ``replace_super_attributes``, ``replace_children``,
``replace_bundle_options``, ``replace_tier_prices``) rather than on ``ProductRepository.save_many``, whose
websites, categories and stock go through the same writers, because an import needs what the REST API's
save does not do: per-row errors instead of one exception for the batch, store-view rows, merge-or-replace
per relation, galleries that grow image by image, links replaced per type, and Magento's configurables whose
children share a combination of super attribute values (the Luma catalogue has them; the API refuses them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav import SCOPE_STORE, Scopes, ValueWrite, chunked, format_url_key, utc_now, write_values
from conveyor.catalog.inventory import DEFAULT_SOURCE, StockLevel
from conveyor.catalog.products import (
    ALL_GROUPS,
    LINK_TYPES,
    BundleOptionRow,
    SelectionRow,
    SuperAttributeRow,
    gallery_table,
    gallery_value_table,
    ids_by_sku,
    link_table,
    match_skus,
    product_table,
    product_values,
    replace_bundle_options,
    replace_children,
    replace_super_attributes,
    replace_tier_prices,
)
from conveyor.db.bulk_insert import insert_copied, insert_rows, insert_rows_behind
from conveyor.db.upsert import upsert
from conveyor.db.write_behind import is_writing_behind, reserve_ids
from conveyor.importer.changes import fold
from conveyor.importer.product_items import ProductItem

P = product_table
G, GV, LK = gallery_table, gallery_value_table, link_table
_QTY = Decimal("0.0001")
VALUE_COLUMNS = ("entity_id", "attribute_id", "store_id", "value")
ENTITY_COLUMNS = ("sku", "type_id", "attribute_set_id", "created_at", "updated_at")
TIER_COLUMNS = ("entity_id", "all_groups", "customer_group_id", "qty", "value", "website_id", "percentage_value")


def _in(conn: Connection, statement: Any, column: sa.ColumnElement[Any], ids: Iterable[Any]) -> None:
    for part in chunked(sorted(set(ids))):
        conn.execute(statement.where(column.in_(part)))


# -- entities -------------------------------------------------------------------------------------------------


def write_entities(
    conn: Connection, items: Sequence[ProductItem], known: Mapping[str, int], reserved: Mapping[str, int]
) -> None:
    """Create the new products and update type / attribute set of the others; sets each item's entity_id.

    ``known`` maps the skus that exist (looked up for the batch) to their ids; ``reserved`` the bunch's new skus
    (folded) to ids taken from the sequence for them when the connection writes behind: their rows go behind.
    """
    now = utc_now()
    new = [item for item in items if item.sku not in known]
    ids = [reserved.get(fold(item.sku)) for item in new]
    if new and None not in ids:
        _insert_reserved(conn, new, [int(i or 0) for i in ids], now)
    elif new:
        _insert_new(conn, new, now)
    old = [item for item in items if item.sku in known]
    for item in old:
        item.entity_id = known[item.sku]
    changes = [item for item in old if item.type_id is not None or item.set_id is not None]
    plain = [item for item in old if item.type_id is None and item.set_id is None]
    if changes:
        conn.execute(
            P.update()
            .where(P.c.entity_id == sa.bindparam("b_id"))
            .values(
                type_id=sa.func.coalesce(sa.bindparam("b_type", type_=sa.String), P.c.type_id),
                attribute_set_id=sa.func.coalesce(sa.bindparam("b_set", type_=sa.Integer), P.c.attribute_set_id),
                updated_at=now,
            ),
            [{"b_id": item.entity_id, "b_type": item.type_id, "b_set": item.set_id} for item in changes],
        )
    if plain:
        _in(conn, P.update().values(updated_at=now), P.c.entity_id, [item.entity_id for item in plain])


def _insert_reserved(conn: Connection, new: Sequence[ProductItem], ids: Sequence[int], now: Any) -> None:
    """New products (distinct skus: the scan keeps one default row per sku) with the ids taken for them, inserted
    behind. (A sku another writer creates meanwhile fails the bunch when its row arrives: the import then runs
    again without writing behind, see ``run_import``.)"""
    rows = [(i, item.sku, item.type_id or "simple", item.set_id, now, now) for i, item in zip(ids, new, strict=True)]
    insert_rows_behind(conn, P, ("entity_id", *ENTITY_COLUMNS), rows)
    for entity_id, item in zip(ids, new, strict=True):
        item.entity_id = entity_id
        item.is_new = True


def _insert_new(conn: Connection, new: Sequence[ProductItem], now: Any) -> None:
    """New products inserted at once, their ids read back; a sku another writer created meanwhile is updated."""
    rows = {item.sku: (item.sku, item.type_id or "simple", item.set_id, now, now) for item in new}
    # ids given from here on are above the highest one now: the new rows are read back as a key range
    before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(P.c.entity_id), 0))).scalar_one()
    try:  # a plain bulk insert (COPY, executemany): the skus were looked up in this transaction
        with conn.begin_nested():
            insert_rows(conn, P, ENTITY_COLUMNS, list(rows.values()))
        inserted = conn.execute(sa.select(P.c.sku, P.c.entity_id).where(P.c.entity_id > before))
        created = match_skus(list(rows), dict(inserted.all()))
    except sa.exc.IntegrityError:  # created meanwhile by another writer: insert what is still missing
        upsert(conn, P, [dict(zip(ENTITY_COLUMNS, row, strict=True)) for row in rows.values()], ["sku"], [])
        created = ids_by_sku(conn, list(rows))
    for item in new:  # (a product another writer created meanwhile has an id below ours: it is updated)
        item.entity_id = created[item.sku]
        item.is_new = item.entity_id > before


def clean_store_values(conn: Connection, by_store: Mapping[int, Sequence[int]]) -> None:
    """Replace for store-view rows: the product's own values at that store view go."""
    for store_id, entity_ids in by_store.items():
        for table in product_values.values():
            for part in chunked(sorted(set(entity_ids))):
                conn.execute(table.delete().where(table.c.entity_id.in_(part), table.c.store_id == store_id))


# -- values ---------------------------------------------------------------------------------------------------


def write_product_values(
    conn: Connection,
    items: Sequence[ProductItem],
    scopes: Scopes,
    created: AbstractSet[int] = frozenset(),
    written: set[tuple[int, int]] | None = None,
) -> None:
    """Every item's values at the store views its attributes' scopes put them (None removes a value).

    Values of products created in this transaction are plainly inserted (nothing can conflict): a new product's
    default row, and the store-scoped values of a store-view row of a product in ``created`` (the ids this import
    created) at a store view it has not written yet (``written``: the (product, store view) pairs inserted so
    far, kept by the caller for the import). The others are upserted and deleted through the catalog's
    ``write_values``.
    """
    writes: list[ValueWrite] = []
    fresh: dict[str, list[tuple[int, int, int, Any]]] = defaultdict(list)
    copied: dict[str, list[bytes]] = defaultdict(list)  # rows a reading worker formatted (``copy_text``)
    fresh_store_views: dict[str, dict[tuple[int, int, int], Any]] = defaultdict(dict)  # the last row's value wins
    stores_for = scopes.stores_for
    taken = written if written is not None else set()
    for item in items:
        entity_id = int(item.entity_id or 0)
        if item.is_new:  # one default row per new product in a batch: its values cannot repeat
            if item.copied_values is not None and entity_id == item.row.reserved_id:
                for backend, data in item.copied_values.items():
                    copied[backend].append(data)
                continue
            new_value_rows(item, entity_id, fresh)
            continue
        store_id = item.store_id
        plain = store_id != 0 and entity_id in created and (entity_id, store_id) not in taken
        for meta, value in item.values.values():
            if plain and value is not None and meta.scope == SCOPE_STORE:
                fresh_store_views[meta.backend_type][(entity_id, meta.attribute_id, store_id)] = value
                continue
            for store in stores_for(meta, store_id):
                writes.append(ValueWrite(meta.backend_type, entity_id, meta.attribute_id, store, value))
        if plain:
            taken.add((entity_id, store_id))
    for backend, values in fresh_store_views.items():
        fresh[backend].extend((*key, value) for key, value in values.items())
    for backend, rows in fresh.items():
        insert_rows_behind(conn, product_values[backend], VALUE_COLUMNS, rows)
    for backend, chunks in copied.items():
        insert_copied(conn, product_values[backend], VALUE_COLUMNS, b"".join(chunks))
    write_values(conn, product_values, writes)


def new_value_rows(
    item: ProductItem, entity_id: int, rows: dict[str, list[tuple[int, int, int, Any]]] | None = None
) -> dict[str, list[tuple[int, int, int, Any]]]:
    """A new product's value rows (``VALUE_COLUMNS``) by backend type: its default row's values but None, added
    to ``rows`` (a batch's, in the writer) or to a new dict."""
    if rows is None:
        rows = defaultdict(list)
    for meta, value in item.values.values():
        if value is not None:
            rows[meta.backend_type].append((entity_id, meta.attribute_id, 0, value))
    return rows


def url_key_for(item: ProductItem) -> str | None:
    """A new product's url_key from its name, as Magento makes it."""
    name = next((value for meta, value in item.values.values() if meta.code == "name"), None)
    key = format_url_key(str(name or ""))
    return key or None


# -- websites, categories, stock ------------------------------------------------------------------------------


def stock_levels(items: Iterable[ProductItem]) -> list[StockLevel]:
    """The default source's item from qty / is_in_stock, and any inventory_source_items, keyed by sku."""
    levels: list[StockLevel] = []
    for item in items:
        if item.stock is not None:
            qty, in_stock = item.stock
            levels.append(StockLevel(DEFAULT_SOURCE, item.sku, qty, None if in_stock is None else int(in_stock)))
        for source in item.sources or []:
            levels.append(StockLevel(source.source_code, item.sku, source.quantity, source.status))
    return levels


def write_tier_prices(conn: Connection, items: Sequence[ProductItem]) -> None:
    """Each item's tier prices replace its stored ones (checked by the row reader: groups and websites exist)."""
    priced = {int(item.entity_id or 0): item.tier_prices for item in items if item.tier_prices is not None}
    if not priced:
        return
    new = frozenset(int(item.entity_id or 0) for item in items if item.is_new)
    rows: list[dict[str, Any]] = []
    for entity_id, prices in priced.items():
        for price in prices or []:
            all_groups = price.customer_group_id == ALL_GROUPS
            row = (
                entity_id,
                all_groups,
                0 if all_groups else price.customer_group_id,
                Decimal(price.qty).quantize(_QTY),
                Decimal(price.value if price.value is not None else 0),
                price.website_id,
                None if price.percentage_value is None else Decimal(price.percentage_value),
            )
            rows.append(dict(zip(TIER_COLUMNS, row, strict=True)))
    replace_tier_prices(conn, rows, list(priced), new=new)


# -- media ----------------------------------------------------------------------------------------------------


def write_media(conn: Connection, items: Sequence[ProductItem], exact_ids: set[int]) -> None:
    """Gallery entries for the images each row names (added to the gallery; for ``exact_ids`` the gallery
    becomes exactly those images), their label / position / hidden flag at the row's store view."""
    with_media = [item for item in items if item.media is not None]
    if not with_media and not exact_ids:
        return
    created = {int(item.entity_id or 0) for item in items if item.is_new}  # in this batch: no gallery yet
    entity_ids = sorted(({int(item.entity_id or 0) for item in with_media} | exact_ids) - created)
    current: dict[tuple[int, str], int] = {}
    for part in chunked(entity_ids):
        for value_id, entity_id, file in conn.execute(
            sa.select(G.c.value_id, G.c.entity_id, G.c.value).where(G.c.entity_id.in_(part))
        ):
            current.setdefault((entity_id, file), value_id)
    wanted: dict[tuple[int, str], None] = {}
    for item in with_media:
        for image in item.media.images if item.media else []:
            wanted[(int(item.entity_id or 0), image.file)] = None
    gone = [value_id for key, value_id in current.items() if key[0] in exact_ids and key not in wanted]
    _in(conn, G.delete(), G.c.value_id, gone)
    new = [key for key in wanted if key not in current]
    new_keys = set(new)
    if new and is_writing_behind(conn):  # their ids from the sequence, the rows behind
        ids = reserve_ids(conn, G.c.value_id, len(new))
        columns = ("value_id", "entity_id", "value", "media_type", "disabled")
        rows = [(value_id, e, f, "image", False) for value_id, (e, f) in zip(ids, new, strict=True)]
        insert_rows_behind(conn, G, columns, rows)
        current.update(zip(new, ids, strict=True))
    elif new:  # inserted in one statement, their ids read back in one (RETURNING in order is a row at a time):
        # every id given from here on is above the highest one now (sequence, auto-increment, SQLite's rowid), so
        # the new rows are a range of the primary key, not a search of the entity index
        before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(G.c.value_id), 0))).scalar_one()
        insert_rows(conn, G, ("entity_id", "value", "media_type", "disabled"), [(e, f, "image", False) for e, f in new])
        for value_id, entity_id, file in conn.execute(
            sa.select(G.c.value_id, G.c.entity_id, G.c.value).where(G.c.value_id > before).order_by(G.c.value_id)
        ):
            if (entity_id, file) in new_keys:  # another writer's rows, committed meanwhile, are not ours
                current.setdefault((entity_id, file), int(value_id))
    # (value_id, store_id, label, position, disabled) by (value_id, store_id): the last row naming it wins
    values: dict[tuple[int, int], tuple[int, int, str | None, int, bool]] = {}
    for item in with_media:
        entity_id = int(item.entity_id or 0)
        store_id = item.store_id
        for index, image in enumerate(item.media.images if item.media else [], start=1):
            value_id = current[(entity_id, image.file)]
            position = image.position if image.position is not None else index
            values[(value_id, store_id)] = (value_id, store_id, image.label, position, image.hidden)
            if store_id != 0 and (entity_id, image.file) in new_keys:
                values.setdefault((value_id, 0), (value_id, 0, None, index, False))
    fresh = {current[key] for key in new}
    columns = ("value_id", "store_id", "label", "position", "disabled")
    insert_rows_behind(conn, GV, columns, [row for key, row in values.items() if key[0] in fresh])
    stored = [dict(zip(columns, row, strict=True)) for key, row in values.items() if key[0] not in fresh]
    upsert(conn, GV, stored, key=["value_id", "store_id"])


# -- relations ------------------------------------------------------------------------------------------------


def write_links(
    conn: Connection, links: Mapping[int, Mapping[str, Sequence[tuple[int, int, Decimal | None]]]], exact: bool
) -> None:
    """product → link type → (linked id, position, qty): per link type given, the product's links of that type
    (replaced when ``exact``, else added / updated)."""
    if not links:
        return
    if exact:
        by_type: dict[int, list[int]] = defaultdict(list)
        for product_id, types in links.items():
            for link_type in types:
                by_type[LINK_TYPES[link_type]].append(product_id)
        for type_id, product_ids in by_type.items():
            for part in chunked(sorted(set(product_ids))):
                conn.execute(LK.delete().where(LK.c.link_type_id == type_id, LK.c.product_id.in_(part)))
    rows = {
        (product_id, LINK_TYPES[link_type], linked): {
            "product_id": product_id,
            "linked_product_id": linked,
            "link_type_id": LINK_TYPES[link_type],
            "position": position,
            "qty": qty,
        }
        for product_id, types in links.items()
        for link_type, targets in types.items()
        for linked, position, qty in targets
    }
    upsert(conn, LK, list(rows.values()), key=["link_type_id", "product_id", "linked_product_id"])


def write_variants(
    conn: Connection,
    supers: Mapping[int, Sequence[SuperAttributeRow]],
    children: Mapping[int, Sequence[int]],
) -> None:
    replace_super_attributes(conn, supers)
    replace_children(conn, children)


def write_bundles(conn: Connection, bundles: Mapping[int, Sequence[BundleOptionRow]]) -> None:
    replace_bundle_options(conn, bundles, 0)


__all__ = [
    "BundleOptionRow",
    "SelectionRow",
    "SuperAttributeRow",
    "clean_store_values",
    "new_value_rows",
    "stock_levels",
    "url_key_for",
    "write_bundles",
    "write_entities",
    "write_links",
    "write_media",
    "write_product_values",
    "write_tier_prices",
    "write_variants",
]

"""Price attribute values by sku and store view, for Magento's price storage routes (base price, cost, special
price): every stored row of the attributes, as Magento's PricePersistence reads them. Writes go through the
product repository (``save_many`` per store view), so they are checked and announced as any product save.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.attributes import PRODUCT_ENTITY_TYPE_ID, load_attributes
from conveyor.catalog.eav.values import chunked, present
from conveyor.catalog.products.entity import product_table, product_values
from conveyor.catalog.stores.scopes import store_table

P = product_table


def stored_prices(conn: Connection, skus: Sequence[str], codes: Sequence[str]) -> dict[tuple[str, int], dict[str, Any]]:
    """(stored sku, store id) → attribute code → value, for every store holding a value of one of ``codes``."""
    attributes = load_attributes(conn, PRODUCT_ENTITY_TYPE_ID)
    metas = [attributes[code] for code in codes if code in attributes]
    found: dict[tuple[str, int], dict[str, Any]] = defaultdict(dict)
    for backend in sorted({meta.backend_type for meta in metas}):
        table = product_values[backend]
        by_id = {meta.attribute_id: meta.code for meta in metas if meta.backend_type == backend}
        for part in chunked(sorted(set(skus))):
            rows = conn.execute(
                sa.select(P.c.sku, table.c.store_id, table.c.attribute_id, table.c.value)
                .select_from(table.join(P, P.c.entity_id == table.c.entity_id))
                .where(P.c.sku.in_(part), table.c.attribute_id.in_(sorted(by_id)), table.c.value.is_not(None))
                .order_by(P.c.sku, table.c.store_id)
            )
            for sku, store_id, attribute_id, value in rows:
                found[(sku, int(store_id))][by_id[attribute_id]] = present(backend, value)
    return dict(sorted(found.items()))


def store_ids(conn: Connection) -> set[int]:
    """The store ids that exist, the admin store (0) included."""
    return {int(i) for i in conn.execute(sa.select(store_table.c.store_id)).scalars()}

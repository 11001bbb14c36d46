"""A product named by sku, as the single-relation services (configurable, bundle) look their products up."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.errors import NotFoundError
from conveyor.catalog.products.entity import ids_by_sku, product_table
from conveyor.catalog.products.repository import NOT_FOUND


@dataclass(frozen=True, slots=True)
class ProductRef:
    """A product's id, stored sku (the spelling may differ from the one asked for) and type."""

    entity_id: int
    sku: str
    type_id: str


def find_product(conn: Connection, sku: str | None) -> ProductRef:
    """The product with ``sku`` (Magento's 404 "The product that was requested doesn't exist" otherwise)."""
    entity_id = None if sku is None else ids_by_sku(conn, [sku]).get(sku)
    if entity_id is None:
        raise NotFoundError(NOT_FOUND)
    row = conn.execute(
        sa.select(product_table.c.sku, product_table.c.type_id).where(product_table.c.entity_id == entity_id)
    ).one()
    return ProductRef(entity_id, row.sku, row.type_id)

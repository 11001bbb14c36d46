"""A category's product assignments one at a time, as Magento's category link repository keeps them.

Products are named by id here (categories sit below products); the API turns skus into ids and back through
the products' face.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.categories.repository import _not_found, category_ids_existing, category_product_table
from conveyor.catalog.errors import InvalidValueError
from conveyor.db.upsert import upsert

CP = category_product_table
NOT_IN_CATEGORY = "The category doesn't contain the specified product."


def check_category(conn: Connection, category_id: int) -> None:
    """NotFoundError with Magento's message when no category has this id."""
    if not category_ids_existing(conn, [category_id]):
        raise _not_found(category_id)


def assigned_products(conn: Connection, category_id: int) -> list[tuple[int, int]]:
    """(product id, position) of the category's products, by position then id."""
    check_category(conn, category_id)
    rows = conn.execute(
        sa.select(CP.c.product_id, CP.c.position)
        .where(CP.c.category_id == category_id)
        .order_by(CP.c.position, CP.c.product_id)
    )
    return [(int(product_id), int(position)) for product_id, position in rows]


def link_product(conn: Connection, category_id: int, product_id: int, position: int) -> None:
    """Assign the product to the category at ``position`` (a new position when it is already there)."""
    check_category(conn, category_id)
    upsert(
        conn,
        CP,
        [{"category_id": category_id, "product_id": product_id, "position": position}],
        key=["category_id", "product_id"],
    )


def unlink_product(conn: Connection, category_id: int, product_id: int) -> None:
    """Take the product out of the category; InvalidValueError (Magento's) when it is not in it."""
    check_category(conn, category_id)
    deleted = conn.execute(CP.delete().where(CP.c.category_id == category_id, CP.c.product_id == product_id))
    if not deleted.rowcount:
        raise InvalidValueError(NOT_IN_CATEGORY)


__all__ = ["assigned_products", "check_category", "link_product", "unlink_product"]

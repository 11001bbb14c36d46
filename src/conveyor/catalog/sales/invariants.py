"""What must hold before an order from outside is stored: the REST API calls these rather than query the tables.

They raise the catalog's errors with Magento's messages, so a request, a bulk operation and any other caller
that saves an order fail alike (400 for both: the order exists, or a value is not acceptable).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.errors import DuplicateError, NotFoundError
from conveyor.catalog.sales.models import OrderInput
from conveyor.catalog.sales.tables import order_table
from conveyor.catalog.stores.scopes import store_table

ORDER_EXISTS = 'The order "%1" exists already; an existing order cannot be saved again.'
STORE_NOT_FOUND = "The store that was requested wasn't found. Verify the store and try again."  # Magento's 404


def order_exists(conn: Connection, order_id: int) -> bool:
    """Whether an order has the entity id ``order_id``."""
    o = order_table.c
    return conn.execute(sa.select(o.entity_id).where(o.entity_id == order_id)).first() is not None


def check_new_order(conn: Connection, order: OrderInput) -> None:
    """Refuse an order that names a stored order's entity id, or an item whose store view does not exist (Magento's
    404 for a store: the request is valid, the store is not there). The repository stores an item's store id
    unchecked, which for an unknown one would be a database error rather than this message.
    """
    if order.entity_id is not None and order_exists(conn, order.entity_id):
        raise DuplicateError(ORDER_EXISTS, [str(order.entity_id)])
    given = {item.store_id for item in order.items if item.store_id is not None}
    if not given:
        return
    s = store_table.c
    if given - set(conn.execute(sa.select(s.store_id).where(s.store_id.in_(given))).scalars()):
        raise NotFoundError(STORE_NOT_FOUND)

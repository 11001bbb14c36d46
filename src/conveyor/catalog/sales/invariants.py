"""What must hold before an order from outside is stored: the REST API calls these rather than query the tables.

They raise the catalog's errors with Magento's messages, so a request, a bulk operation and any other caller
that saves an order fail alike (400 for both: the order exists, or a value is not acceptable).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.errors import DuplicateError, InvalidValueError
from conveyor.catalog.sales.models import OrderInput
from conveyor.catalog.sales.tables import order_table
from conveyor.catalog.stores.scopes import store_table

ORDER_EXISTS = 'The order "%1" exists already; an existing order cannot be saved again.'
INVALID = 'Invalid value of "%1" provided for the %2 field.'


def order_exists(conn: Connection, order_id: int) -> bool:
    """Whether an order has the entity id ``order_id``."""
    o = order_table.c
    return conn.execute(sa.select(o.entity_id).where(o.entity_id == order_id)).first() is not None


def check_new_order(conn: Connection, order: OrderInput, field: str = "entity") -> None:
    """Refuse an order that names a stored order's entity id, or an item whose store view does not exist.

    ``field`` is the path of the order in the caller's payload (Magento's ``entity``), for the message naming
    an item's ``store_id``. The repository stores an item's store id unchecked, which for an unknown one would
    be a database error rather than this message.
    """
    if order.entity_id is not None and order_exists(conn, order.entity_id):
        raise DuplicateError(ORDER_EXISTS, [str(order.entity_id)])
    given = {n: item.store_id for n, item in enumerate(order.items) if item.store_id is not None}
    if not given:
        return
    s = store_table.c
    known = set(conn.execute(sa.select(s.store_id).where(s.store_id.in_(set(given.values())))).scalars())
    for n, store_id in given.items():
        if store_id not in known:
            raise InvalidValueError(INVALID, [str(store_id), f"{field}.items.{n}.store_id"])

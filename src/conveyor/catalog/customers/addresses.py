"""One customer address by id (Magento's ``AddressRepositoryInterface``: getById, deleteById)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.customers.models import AddressRecord
from conveyor.catalog.customers.repository import NO_SUCH_ENTITY, _address_record
from conveyor.catalog.customers.tables import address_table, customer_table, utc_now
from conveyor.catalog.errors import NotFoundError

A, C = address_table, customer_table


def get(conn: Connection, address_id: int) -> AddressRecord:
    """The address with its default flags as its customer has them; Magento's 404 naming ``addressId``."""
    query = sa.select(A, C.c.default_billing.label("billing"), C.c.default_shipping.label("shipping")).join(
        C, C.c.entity_id == A.c.parent_id
    )
    row = conn.execute(query.where(A.c.entity_id == address_id)).mappings().first()
    if row is None:
        raise NotFoundError(NO_SUCH_ENTITY, ["addressId", str(address_id)])
    return _address_record(row, row["billing"], row["shipping"])


def delete(conn: Connection, address_id: int) -> bool:
    """Delete the address; a customer's default billing/shipping pointing at it is cleared, as Magento's is."""
    owner = conn.execute(sa.select(A.c.parent_id).where(A.c.entity_id == address_id)).scalar_one_or_none()
    if owner is None:
        raise NotFoundError(NO_SUCH_ENTITY, ["addressId", str(address_id)])
    conn.execute(A.delete().where(A.c.entity_id == address_id))
    for column in (C.c.default_billing, C.c.default_shipping):
        cleared = {column.name: None, "updated_at": utc_now()}
        conn.execute(C.update().where(C.c.entity_id == owner, column == address_id).values(cleared))
    return True

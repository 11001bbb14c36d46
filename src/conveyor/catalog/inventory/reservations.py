"""Reservations (MSI's ``inventory_reservation``): append-only quantity changes per (stock, sku) that the
salable quantity adds to the sources' stock until the sources themselves are updated (shipment, cancellation).

Placing an order appends a negative reservation, shipping or cancelling it a positive one that compensates it;
rows are never updated, so concurrent orders need no lock. ``metadata`` is MSI's JSON text, e.g.
``{"event_type":"order_placed","object_type":"order","object_id":"12","object_increment_id":"000000012"}``.
The stock of a sales channel: ``resolve_stock(conn, "website", code)["stock_id"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import chunked
from conveyor.catalog.errors import InvalidValueError
from conveyor.catalog.inventory.tables import reservation_table

R = reservation_table
_QUANTUM = Decimal("0.0001")
_LIMIT = Decimal(10) ** 6  # the column is NUMERIC(10, 4)
INVALID = 'Invalid value of "%1" provided for the %2 field.'

Reservation = tuple[str, "Decimal | float | int | str", "str | None"]  # (sku, quantity, metadata JSON)


def add_reservations(conn: Connection, stock_id: int, reservations: Iterable[Reservation]) -> None:
    """Append reservations of one stock: ``(sku, quantity, metadata_json)``, negative quantities reserve.

    All or nothing: an invalid sku or quantity raises before anything is written.
    """
    rows = []
    for sku, quantity, metadata in reservations:
        if not sku or len(sku) > 64:
            raise InvalidValueError(INVALID, [sku, "sku"])
        try:
            amount = Decimal(str(quantity)).quantize(_QUANTUM)
        except (InvalidOperation, ValueError):
            raise InvalidValueError(INVALID, [str(quantity), "quantity"]) from None
        if not amount.is_finite() or abs(amount) >= _LIMIT:
            raise InvalidValueError(INVALID, [str(quantity), "quantity"])
        if metadata is not None and len(metadata) > 255:
            raise InvalidValueError(INVALID, [metadata[:40], "metadata"])
        rows.append({"stock_id": stock_id, "sku": sku, "quantity": amount, "metadata": metadata})
    if rows:
        conn.execute(R.insert(), rows)


def reserved_quantities(conn: Connection, stock_id: int, skus: Sequence[str]) -> dict[str, Decimal]:
    """The sum of each sku's reservations on a stock (absent skus: none)."""
    found: dict[str, Decimal] = {}
    query = sa.select(R.c.sku, sa.func.sum(R.c.quantity)).where(R.c.stock_id == stock_id).group_by(R.c.sku)
    for part in chunked(sorted(set(skus))):
        for sku, total in conn.execute(query.where(R.c.sku.in_(part))):
            found[sku] = Decimal(total or 0)
    return found

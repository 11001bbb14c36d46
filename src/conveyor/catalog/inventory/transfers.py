"""MSI's bulk source operations on products: assign sources, unassign them, move all of a source's stock to
another source, or move given quantities. The caller passes only skus whose product type keeps source items."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import chunked
from conveyor.catalog.inventory.errors import InventoryValidationError, Named
from conveyor.catalog.inventory.source_items import IN_STOCK, OUT_OF_STOCK, source_item_table
from conveyor.catalog.inventory.sources import existing_codes
from conveyor.db.upsert import upsert

SI = source_item_table
NO_SOURCE = "Source %sourceCode does not exist"
NO_ORIGIN = "Origin source %sourceCode does not exist"
NO_DESTINATION = "Destination source %sourceCode does not exist"
SAME_SOURCE = "Cannot transfer a source on itself"
TRANSFER_FAILED = "Validation Error: Select different sources for origin and destination."
PARTIAL_FAILED = "Transfer validation failed"
NOT_AVAILABLE = "Requested transfer amount for sku %sku is not available"
NO_ITEM = "Source item for %sku and %sourceCode does not exist"


def _require_sources(conn: Connection, codes: Sequence[str]) -> None:
    known = existing_codes(conn, sorted(set(codes)))
    errors: list[tuple[str, Named]] = [(NO_SOURCE, {"sourceCode": c}) for c in codes if c not in known]
    if errors:
        raise InventoryValidationError(errors, missing=True)


def _check_transfer(conn: Connection, origin: str, destination: str, headline: str) -> None:
    known = existing_codes(conn, sorted({origin, destination}))
    errors: list[tuple[str, Named]] = []
    if origin not in known:
        errors.append((NO_ORIGIN, {"sourceCode": origin}))
    if destination not in known:
        errors.append((NO_DESTINATION, {"sourceCode": destination}))
    if errors:  # what is missing first: a source that does not exist is not a transfer on itself yet
        raise InventoryValidationError(errors, headline, missing=True)
    if origin == destination:
        errors.append((SAME_SOURCE, {}))
    if errors:
        raise InventoryValidationError(errors, headline)


def _items(conn: Connection, skus: Sequence[str], code: str) -> dict[str, tuple[Decimal, int]]:
    found: dict[str, tuple[Decimal, int]] = {}
    query = sa.select(SI.c.sku, SI.c.quantity, SI.c.status).where(SI.c.source_code == code)
    for part in chunked(sorted(set(skus))):
        for sku, quantity, status in conn.execute(query.where(SI.c.sku.in_(part))):
            found[sku] = (Decimal(quantity), int(status))
    return found


def assign_sources(conn: Connection, skus: Sequence[str], codes: Sequence[str]) -> int:
    """Give each sku an item (quantity 0, out of stock) at each source that lacks one; the number created."""
    _require_sources(conn, codes)
    created = 0
    for code in sorted(set(codes)):
        present = _items(conn, skus, code)
        rows = [
            {"source_code": code, "sku": sku, "quantity": Decimal(0), "status": OUT_OF_STOCK}
            for sku in sorted(set(skus))
            if sku not in present
        ]
        if rows:
            upsert(conn, SI, rows, key=["source_code", "sku"], update=[], distinct=True)
            created += len(rows)
    return created


def unassign_sources(conn: Connection, skus: Sequence[str], codes: Sequence[str]) -> int:
    """Delete the skus' items at the sources; the number deleted."""
    _require_sources(conn, codes)
    deleted = 0
    for part in chunked(sorted(set(skus))):
        result = conn.execute(SI.delete().where(SI.c.source_code.in_(sorted(set(codes))), SI.c.sku.in_(part)))
        deleted += int(result.rowcount or 0)
    return deleted


def transfer_all(conn: Connection, skus: Sequence[str], origin: str, destination: str, unassign: bool) -> None:
    """Add each sku's origin quantity to its destination item (created if missing, taking the origin's status),
    then empty the origin item (quantity 0, out of stock) or delete it (``unassign``)."""
    _check_transfer(conn, origin, destination, TRANSFER_FAILED)
    wanted = sorted(set(skus))
    at_origin, at_destination = _items(conn, wanted, origin), _items(conn, wanted, destination)
    rows = []
    for sku in wanted:
        source, target = at_origin.get(sku), at_destination.get(sku)
        if source is None:
            continue  # nothing to move; the destination keeps what it has
        quantity = source[0] + (target[0] if target else Decimal(0))
        rows.append({"source_code": destination, "sku": sku, "quantity": quantity, "status": source[1]})
    if rows:
        upsert(conn, SI, rows, key=["source_code", "sku"], update=["quantity", "status"], distinct=True)
    for part in chunked(wanted):
        at = SI.c.source_code == origin, SI.c.sku.in_(part)
        if unassign:
            conn.execute(SI.delete().where(*at))
        else:
            conn.execute(SI.update().where(*at).values(quantity=0, status=OUT_OF_STOCK))


def transfer_partially(conn: Connection, origin: str, destination: str, items: Sequence[tuple[str, Decimal]]) -> None:
    """Move each (sku, quantity) from the origin item to the destination item, which both must exist and the
    origin must hold enough; the destination item becomes in stock."""
    _check_transfer(conn, origin, destination, PARTIAL_FAILED)
    skus = [sku for sku, _ in items]
    at_origin, at_destination = _items(conn, skus, origin), _items(conn, skus, destination)
    errors: list[tuple[str, Named]] = []
    moved: dict[str, Decimal] = {}
    for sku, quantity in items:
        if sku not in at_origin:
            errors.append((NO_ITEM, {"sku": sku, "sourceCode": origin}))
            continue
        if at_origin[sku][0] - moved.get(sku, Decimal(0)) < quantity:
            errors.append((NOT_AVAILABLE, {"sku": sku}))
        if sku not in at_destination:
            errors.append((NO_ITEM, {"sku": sku, "sourceCode": destination}))
        moved[sku] = moved.get(sku, Decimal(0)) + quantity
    if errors:
        raise InventoryValidationError(errors, PARTIAL_FAILED)
    for sku, quantity in moved.items():
        conn.execute(
            SI.update().where(SI.c.source_code == origin, SI.c.sku == sku).values(quantity=at_origin[sku][0] - quantity)
        )
        conn.execute(
            SI.update()
            .where(SI.c.source_code == destination, SI.c.sku == sku)
            .values(quantity=at_destination[sku][0] + quantity, status=IN_STOCK)
        )

"""MSI's source item validators (sku, source code, status) and its refusal of items at unknown sources, checked
before any item of a save is written."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from conveyor.catalog.inventory.errors import (
    EMPTY,
    InventoryNotFoundError,
    InventoryValidationError,
    Named,
    check_code,
)
from conveyor.catalog.inventory.source_items import IN_STOCK, OUT_OF_STOCK, SourceItem
from conveyor.catalog.inventory.sources import existing_codes

UNKNOWN_STATUS = '"%field" should a known status.'
NOT_SAVED = "Could not save Source Item"


def validate_source_items(conn: Connection, items: Sequence[SourceItem]) -> None:
    """Every rule of every item, reported together; then every source must exist."""
    errors: list[tuple[str, Named]] = []
    for item in items:
        if not item.sku.strip():
            errors.append((EMPTY, {"field": "sku"}))
        check_code("source_code", item.source_code, errors)
        if item.status not in (IN_STOCK, OUT_OF_STOCK):
            errors.append((UNKNOWN_STATUS, {"field": "status"}))
    if errors:
        raise InventoryValidationError(errors)
    codes = sorted({item.source_code for item in items})
    if set(codes) - existing_codes(conn, codes):
        raise InventoryNotFoundError(NOT_SAVED, {})  # Magento's message; 404: a named source is missing

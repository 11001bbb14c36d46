"""Low-quantity notification thresholds per (source, sku) (MSI's source item configuration): a sku's stock at a
source is "low" at or below ``notify_stock_qty``; without a row, or with NULL, the configuration's default holds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import chunked
from conveyor.catalog.inventory.errors import (
    EMPTY,
    InventoryInvalidError,
    InventoryNotFoundError,
    InventoryValidationError,
    Named,
)
from conveyor.catalog.inventory.sources import existing_codes
from conveyor.catalog.inventory.stock_settings import CONFIG_DEFAULTS
from conveyor.catalog.inventory.tables import notification_table
from conveyor.db.upsert import upsert

N = notification_table
DEFAULT_NOTIFY_QTY: Decimal = CONFIG_DEFAULTS["notify_stock_qty"]
WRONG_INPUT = "Wrong input data"
NOT_SAVED = "Could not save Source Item Configuration"


def thresholds(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Decimal | None]:
    """The stored threshold of each (source_code, sku) that has a row (None: the row uses the default)."""
    found: dict[tuple[str, str], Decimal | None] = {}
    query = sa.select(N.c.source_code, N.c.sku, N.c.notify_stock_qty)
    for part in chunked(sorted(set(keys))):
        for code, sku, qty in conn.execute(query.where(sa.tuple_(N.c.source_code, N.c.sku).in_(part))):
            found[(code, sku)] = None if qty is None else Decimal(qty)
    return found


def get_configuration(conn: Connection, source_code: str, sku: str) -> dict[str, Any]:
    """Magento's SourceItemConfiguration for (source, sku): the stored threshold or the default. The caller checks
    that the sku names a product; the source must exist."""
    if not source_code or not sku:
        raise InventoryInvalidError(WRONG_INPUT)
    if not existing_codes(conn, [source_code]):
        raise InventoryNotFoundError(WRONG_INPUT, {})  # Magento's message; 404: the source is missing
    stored = thresholds(conn, [(source_code, sku)]).get((source_code, sku))
    return {
        "source_code": source_code,
        "sku": sku,
        "notify_stock_qty": stored if stored is not None else DEFAULT_NOTIFY_QTY,
    }


def save_configurations(conn: Connection, items: Sequence[tuple[str, str, Decimal | None]]) -> None:
    """Store (source_code, sku, notify_stock_qty) thresholds, all or none; None goes back to the default."""
    errors: list[tuple[str, Named]] = []
    for code, sku, _qty in items:
        if not code.strip():
            errors.append((EMPTY, {"field": "source_code"}))
        if not sku.strip():
            errors.append((EMPTY, {"field": "sku"}))
    if errors:
        raise InventoryValidationError(errors)
    codes = sorted({code for code, _s, _q in items})
    if set(codes) - existing_codes(conn, codes):
        raise InventoryNotFoundError(NOT_SAVED, {})  # Magento's message; 404: a named source is missing
    rows = {(code, sku): qty for code, sku, qty in items}
    upsert(
        conn,
        N,
        [{"source_code": code, "sku": sku, "notify_stock_qty": qty} for (code, sku), qty in rows.items()],
        key=["source_code", "sku"],
        distinct=True,
    )


def delete_configurations(conn: Connection, keys: Iterable[tuple[str, str]]) -> None:
    for part in chunked(sorted(set(keys))):
        conn.execute(N.delete().where(sa.tuple_(N.c.source_code, N.c.sku).in_(part)))

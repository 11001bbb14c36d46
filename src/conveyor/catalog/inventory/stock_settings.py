"""A sku's stock item settings (Magento's legacy stock item options): each either the sku's own value or the
configuration's default (``use_config_*``), shared by every stock as in MSI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import chunked
from conveyor.catalog.inventory.tables import stock_item_setting_table
from conveyor.db.upsert import upsert

S = stock_item_setting_table

# Magento's cataloginventory/item_options defaults
CONFIG_DEFAULTS: dict[str, Any] = {
    "min_qty": Decimal(0),
    "min_sale_qty": Decimal(1),
    "max_sale_qty": Decimal(10000),
    "backorders": 0,
    "notify_stock_qty": Decimal(1),
    "qty_increments": Decimal(1),
    "enable_qty_increments": False,
    "manage_stock": True,
}
OVERRIDABLE = ("min_qty", "min_sale_qty", "max_sale_qty", "backorders", "qty_increments")
OVERRIDABLE_FLAGS = ("enable_qty_increments", "manage_stock")
FLAGS = ("is_qty_decimal", "is_decimal_divided")


@dataclass(frozen=True, slots=True)
class StockSettings:
    """A sku's effective settings; ``own`` names the ones the sku sets itself (the rest are the config's)."""

    min_qty: Decimal
    min_sale_qty: Decimal
    max_sale_qty: Decimal
    backorders: int
    qty_increments: Decimal
    enable_qty_increments: bool
    manage_stock: bool
    is_qty_decimal: bool = False
    is_decimal_divided: bool = False
    low_stock_date: datetime | None = None
    own: frozenset[str] = frozenset()

    def uses_config(self, name: str) -> bool:
        return name not in self.own


DEFAULT_SETTINGS = StockSettings(**{k: v for k, v in CONFIG_DEFAULTS.items() if k != "notify_stock_qty"})


def load_settings(conn: Connection, skus: Sequence[str]) -> dict[str, StockSettings]:
    """Each sku's effective settings (the defaults for a sku without a row)."""
    found = dict.fromkeys(skus, DEFAULT_SETTINGS)
    for part in chunked(sorted(set(skus))):
        for row in conn.execute(sa.select(S).where(S.c.sku.in_(part))):
            values = row._mapping
            own = frozenset(name for name in (*OVERRIDABLE, *OVERRIDABLE_FLAGS) if values[name] is not None)
            merged = {name: CONFIG_DEFAULTS[name] if values[name] is None else values[name] for name in OVERRIDABLE}
            merged |= {
                name: CONFIG_DEFAULTS[name] if values[name] is None else bool(values[name])
                for name in OVERRIDABLE_FLAGS
            }
            found[row.sku] = StockSettings(
                **merged,
                is_qty_decimal=bool(values["is_qty_decimal"]),
                is_decimal_divided=bool(values["is_decimal_divided"]),
                low_stock_date=values["low_stock_date"],
                own=own,
            )
    return found


def save_settings(conn: Connection, sku: str, changes: Mapping[str, Any]) -> None:
    """Merge ``changes`` into the sku's row: a name set to None goes back to the configuration's value."""
    current = load_settings(conn, [sku])[sku]
    row: dict[str, Any] = {"sku": sku}
    for name in (*OVERRIDABLE, *OVERRIDABLE_FLAGS):
        row[name] = changes[name] if name in changes else (getattr(current, name) if name in current.own else None)
    for name in FLAGS:
        row[name] = bool(changes.get(name, getattr(current, name)))
    row["low_stock_date"] = changes.get("low_stock_date", current.low_stock_date)
    upsert(conn, S, [row], key=["sku"])


def delete_settings(conn: Connection, skus: Sequence[str]) -> None:
    for part in chunked(sorted(set(skus))):
        conn.execute(S.delete().where(S.c.sku.in_(part)))

"""Magento's legacy stock item (CatalogInventory's StockItemInterface) over MSI's data: the default source's item
(qty, is_in_stock), the sku's stock settings, and the default source's low-quantity threshold.

A product has one legacy stock item, in the default stock; its ``item_id`` is the product's id (Magento keeps a
separate counter, but one item per product makes them equivalent, and the id then never dangles).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.errors import InvalidValueError
from conveyor.catalog.inventory import notifications
from conveyor.catalog.inventory.source_items import (
    DEFAULT_SOURCE,
    IN_STOCK,
    OUT_OF_STOCK,
    StockLevel,
    source_item_table,
    write_source_items,
)
from conveyor.catalog.inventory.stock_settings import (
    FLAGS,
    OVERRIDABLE,
    OVERRIDABLE_FLAGS,
    load_settings,
    save_settings,
)
from conveyor.catalog.inventory.tables import DEFAULT_STOCK_ID

SI = source_item_table
WRONG_STOCK = 'The "%1" value is invalid for stock ID. Enter stock with a default value of %2 to try again.'
USE_CONFIG = {  # Magento's flag for each setting
    "min_qty": "use_config_min_qty",
    "min_sale_qty": "use_config_min_sale_qty",
    "max_sale_qty": "use_config_max_sale_qty",
    "backorders": "use_config_backorders",
    "qty_increments": "use_config_qty_increments",
    "enable_qty_increments": "use_config_enable_qty_inc",
    "manage_stock": "use_config_manage_stock",
    "notify_stock_qty": "use_config_notify_stock_qty",
}


def default_items(conn: Connection, skus: Sequence[str]) -> dict[str, tuple[Decimal, int]]:
    """(quantity, status) of each sku's item at the default source."""
    query = sa.select(SI.c.sku, SI.c.quantity, SI.c.status).where(SI.c.source_code == DEFAULT_SOURCE)
    found: dict[str, tuple[Decimal, int]] = {}
    for start in range(0, len(skus), 5000):
        part = sorted(set(skus[start : start + 5000]))
        for sku, quantity, status in conn.execute(query.where(SI.c.sku.in_(part))):
            found[sku] = (Decimal(quantity), int(status))
    return found


def legacy_stock_items(conn: Connection, products: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    """Each product's legacy stock item in Magento's keys and order, from sku → product id."""
    skus = list(products)
    items = default_items(conn, skus)
    settings = load_settings(conn, skus)
    limits = notifications.thresholds(conn, [(DEFAULT_SOURCE, sku) for sku in skus])
    found = {}
    for sku, product_id in products.items():
        quantity, status = items.get(sku, (Decimal(0), OUT_OF_STOCK))
        own = settings[sku]
        notify = limits.get((DEFAULT_SOURCE, sku))
        found[sku] = {
            "item_id": product_id,
            "product_id": product_id,
            "stock_id": DEFAULT_STOCK_ID,
            "qty": float(quantity),
            "is_in_stock": status == IN_STOCK,
            "is_qty_decimal": own.is_qty_decimal,
            "show_default_notification_message": False,
            "use_config_min_qty": own.uses_config("min_qty"),
            "min_qty": float(own.min_qty),
            "use_config_min_sale_qty": int(own.uses_config("min_sale_qty")),
            "min_sale_qty": float(own.min_sale_qty),
            "use_config_max_sale_qty": own.uses_config("max_sale_qty"),
            "max_sale_qty": float(own.max_sale_qty),
            "use_config_backorders": own.uses_config("backorders"),
            "backorders": own.backorders,
            "use_config_notify_stock_qty": notify is None,
            "notify_stock_qty": float(notifications.DEFAULT_NOTIFY_QTY if notify is None else notify),
            "use_config_qty_increments": own.uses_config("qty_increments"),
            "qty_increments": float(own.qty_increments) if own.enable_qty_increments else 0,
            "use_config_enable_qty_inc": own.uses_config("enable_qty_increments"),
            "enable_qty_increments": own.enable_qty_increments,
            "use_config_manage_stock": own.uses_config("manage_stock"),
            "manage_stock": own.manage_stock,
            "low_stock_date": None if own.low_stock_date is None else own.low_stock_date.isoformat(sep=" "),
            "is_decimal_divided": own.is_decimal_divided,
            "stock_status_changed_auto": 0,
        }
    return found


def update_stock_item(conn: Connection, sku: str, product_id: int, data: Mapping[str, Any]) -> int:
    """Merge a stock item payload into the product's stock (Magento's updateStockItemBySku); its item id.

    A setting is the sku's own when given without ``use_config_*: true``, the configuration's when that flag is
    true; ``qty`` and ``is_in_stock`` write the default source's item (a quantity alone sets the status it implies
    against the minimum quantity)."""
    stock_id = data.get("stock_id")
    if stock_id is not None and int(stock_id) != DEFAULT_STOCK_ID:
        raise InvalidValueError(WRONG_STOCK, [str(stock_id), str(DEFAULT_STOCK_ID)])
    changes: dict[str, Any] = {}
    for name in (*OVERRIDABLE, *OVERRIDABLE_FLAGS):
        if data.get(USE_CONFIG[name]) in (True, 1):
            changes[name] = None
        elif data.get(name) is not None:
            changes[name] = data[name]
    for name in FLAGS:
        if data.get(name) is not None:
            changes[name] = bool(data[name])
    if changes:
        save_settings(conn, sku, changes)
    if data.get("use_config_notify_stock_qty") in (True, 1):
        notifications.save_configurations(conn, [(DEFAULT_SOURCE, sku, None)])
    elif data.get("notify_stock_qty") is not None:
        notifications.save_configurations(conn, [(DEFAULT_SOURCE, sku, Decimal(str(data["notify_stock_qty"])))])
    qty, in_stock = data.get("qty"), data.get("is_in_stock")
    if qty is not None or in_stock is not None:
        quantity = None if qty is None else Decimal(str(qty))
        if in_stock is not None:
            status: int | None = IN_STOCK if in_stock else OUT_OF_STOCK
        elif quantity is not None:
            status = IN_STOCK if quantity > load_settings(conn, [sku])[sku].min_qty else OUT_OF_STOCK
        else:
            status = None
        write_source_items(conn, [StockLevel(DEFAULT_SOURCE, sku, quantity, status)])
    return product_id


def low_stock_skus(conn: Connection, qty: Decimal) -> list[str]:
    """Skus whose default-source quantity is at most ``qty`` and whose stock is managed, by sku."""
    query = sa.select(SI.c.sku).where(SI.c.source_code == DEFAULT_SOURCE, SI.c.quantity <= qty).order_by(SI.c.sku)
    skus = list(conn.execute(query).scalars())
    settings = load_settings(conn, skus)
    return [sku for sku in skus if settings[sku].manage_stock]

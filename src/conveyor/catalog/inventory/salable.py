"""Salable quantity as MSI computes it: the stock's quantity (enabled sources linked to the stock, items in stock)
minus the sku's minimum quantity plus its reservations (negative for placed orders)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import chunked
from conveyor.catalog.inventory.reservations import reserved_quantities
from conveyor.catalog.inventory.source_items import IN_STOCK, source_item_table, source_table
from conveyor.catalog.inventory.stock_settings import StockSettings, load_settings
from conveyor.catalog.inventory.tables import stock_source_link_table

SI, SRC, LINK = source_item_table, source_table, stock_source_link_table

NO_DATA = ("is_salable_with_reservations-no_data", "The requested sku is not assigned to given stock.")
NOT_ENOUGH = ("is_salable_with_reservations-not_enough_qty", "The requested qty is not available")
MIN_SALE = ("is_correct_qty-min_sale_qty", "The fewest you may purchase is %1")
MAX_SALE = ("is_correct_qty-max_sale_qty", "The requested qty exceeds the maximum qty allowed in shopping cart")
INCREMENTS = ("is_correct_qty-qty_increments", "You can buy this product only in quantities of %1 at a time.")
DECIMAL = ("is_correct_qty-is_qty_decimal", "You cannot use decimal quantity for this product.")


@dataclass(frozen=True, slots=True)
class StockQuantity:
    """A sku's stock index row: the sum over the stock's enabled sources, and whether any of them has it in stock."""

    quantity: Decimal
    in_stock: bool


@dataclass(frozen=True, slots=True)
class SalableResult:
    """Whether a quantity can be sold, with MSI's (code, message) of each reason it cannot."""

    is_salable: bool
    errors: list[tuple[str, str]] = field(default_factory=list)


def stock_quantities(conn: Connection, stock_id: int, skus: Sequence[str]) -> dict[str, StockQuantity]:
    """The stock index rows of the skus that have an item at one of the stock's enabled sources (others are
    absent): the quantity of the items in stock, and whether any is."""
    in_stock = sa.case((SI.c.status == IN_STOCK, SI.c.quantity), else_=0)
    salable = sa.case((SI.c.status == IN_STOCK, 1), else_=0)
    query = (
        sa.select(SI.c.sku, sa.func.sum(in_stock), sa.func.max(salable))
        .join(SRC, SRC.c.source_code == SI.c.source_code)
        .join(LINK, LINK.c.source_code == SI.c.source_code)
        .where(LINK.c.stock_id == stock_id, SRC.c.enabled == sa.true())
        .group_by(SI.c.sku)
    )
    found: dict[str, StockQuantity] = {}
    for part in chunked(sorted(set(skus))):
        for sku, quantity, any_in_stock in conn.execute(query.where(SI.c.sku.in_(part))):
            found[sku] = StockQuantity(Decimal(quantity or 0), bool(any_in_stock))
    return found


def salable_quantities(conn: Connection, stock_id: int, skus: Sequence[str]) -> dict[str, Decimal]:
    """Each sku's salable quantity on the stock: 0 when no source of the stock has the sku."""
    stock = stock_quantities(conn, stock_id, skus)
    reserved = reserved_quantities(conn, stock_id, list(stock))
    settings = load_settings(conn, list(stock))
    found = dict.fromkeys(skus, Decimal(0))
    for sku, row in stock.items():
        found[sku] = _salable(row, reserved.get(sku, Decimal(0)), settings[sku])
    return found


def _salable(row: StockQuantity, reserved: Decimal, settings: StockSettings) -> Decimal:
    return row.quantity + reserved - (settings.min_qty if settings.manage_stock else Decimal(0))


def are_salable(conn: Connection, stock_id: int, skus: Sequence[str]) -> dict[str, bool]:
    """MSI's is-salable: the sku is in stock at one of the stock's sources with a positive salable quantity, or
    its stock is not managed or backordered (then in stock suffices)."""
    stock = stock_quantities(conn, stock_id, skus)
    reserved = reserved_quantities(conn, stock_id, list(stock))
    settings = load_settings(conn, list(skus))
    found = {}
    for sku in skus:
        own = settings[sku]
        row = stock.get(sku)
        if not own.manage_stock:
            found[sku] = True
        elif row is None or not row.in_stock:
            found[sku] = False
        else:
            found[sku] = own.backorders > 0 or _salable(row, reserved.get(sku, Decimal(0)), own) > 0
    return found


def is_salable_for_quantity(conn: Connection, stock_id: int, sku: str, requested: Decimal) -> SalableResult:
    """MSI's is-salable-for-requested-qty: the quantity rules (min/max sale, increments, decimals), then the
    salable quantity with reservations."""
    own = load_settings(conn, [sku])[sku]
    errors: list[tuple[str, str]] = []
    if not own.is_qty_decimal and requested != requested.to_integral_value():
        errors.append(DECIMAL)
    if requested < own.min_sale_qty:
        errors.append((MIN_SALE[0], MIN_SALE[1].replace("%1", _number(own.min_sale_qty))))
    if own.max_sale_qty and requested > own.max_sale_qty:
        errors.append(MAX_SALE)
    if own.enable_qty_increments and own.qty_increments > 0 and requested % own.qty_increments != 0:
        errors.append((INCREMENTS[0], INCREMENTS[1].replace("%1", _number(own.qty_increments))))
    if errors:
        return SalableResult(False, errors)
    if not own.manage_stock:
        return SalableResult(True)
    row = stock_quantities(conn, stock_id, [sku]).get(sku)
    if row is None:
        return SalableResult(False, [NO_DATA])
    if own.backorders > 0 and row.in_stock:
        return SalableResult(True)
    available = _salable(row, reserved_quantities(conn, stock_id, [sku]).get(sku, Decimal(0)), own)
    if not row.in_stock or available - requested < 0:
        return SalableResult(False, [NOT_ENOUGH])
    return SalableResult(True)


def _number(value: Decimal) -> str:
    """A quantity as Magento prints it in messages (no trailing zeros)."""
    text = format(value.normalize(), "f")
    return text

"""Tier prices by sku: Magento's ``/V1/products/tier-prices`` storage routes over ``TierPriceRepository``.

As in Magento's ``TierPriceStorageInterface``, each price is checked on its own: the valid ones are saved and
the answer lists one ``{"message", "parameters"}`` (Magento's PriceUpdateResult) per failed check, with
Magento's messages and their placeholders' values in order; ``[]`` means everything was saved. A price names
its customer group by code ("ALL GROUPS" for all) and is ``fixed`` or a ``discount`` in percent.
Not checked, unlike Magento: a price for all websites clashing with one for a single website already stored.

The writes also exist asynchronously and in bulk (``async.V1.products.tier-prices.POST``, ``….PUT`` and
``async.V1.products.tier-prices-delete.POST``); reading (``tier-prices-information``) is synchronous only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from conveyor.api.errors import ApiError
from conveyor.api.operations import OperationContext, operations
from conveyor.catalog import TierPrice, TierPriceRepository
from conveyor.catalog.eav import chunked
from conveyor.catalog.products import ALL_GROUPS, match_skus, product_table
from conveyor.catalog.stores import customer_group_table, website_table

RESOURCE = "Magento_Catalog::catalog"  # as webapi.xml declares the price storage routes
FIXED, DISCOUNT = "fixed", "discount"
ALL_GROUPS_CODE = "ALL GROUPS"
# Product types that take tier prices (Magento's TierPriceValidator::$allowedProductTypes).
PRICED_TYPES = ("simple", "virtual", "bundle", "downloadable")
MAX_PRICE = Decimal(10) ** 14  # the repository's bound for prices
MAX_QTY = Decimal(10) ** 8  # qty is NUMERIC(12, 4)
MISSING_PRODUCTS = "Requested products don't exist: %sku"
ROW = "Row ID: SKU = %SKU, Website ID: %websiteId, Customer Group: %customerGroup, Quantity: %qty."
INVALID_SKU = "Invalid attribute SKU = %SKU. " + ROW
INVALID_PRICE = "Invalid attribute Price = %price. " + ROW
INVALID_PRICE_TYPE = "Invalid attribute Price Type = %priceType. " + ROW
INVALID_QUANTITY = "Invalid attribute Quantity = %qty. " + ROW
INVALID_WEBSITE = "Invalid attribute Website ID = %websiteId. " + ROW
DUPLICATE = (
    "We found a duplicate website, tier price, customer group and quantity: "
    "Customer Group = %customerGroup, Website ID = %websiteId, Quantity = %qty. " + ROW
)
UNKNOWN_GROUP = "No such entity with Customer Group = %customerGroup. " + ROW

repository = TierPriceRepository()
# a JSON number, as the document says: pydantic's lax float would also take true and false (as 1 and 0)
Number = Annotated[float, Field(allow_inf_nan=False, strict=True)]


class TierPriceData(BaseModel):
    """Magento's TierPriceInterface: ``price`` is an amount (fixed) or a percentage (discount)."""

    price: Number
    price_type: str
    website_id: int
    sku: str
    customer_group: str
    quantity: Number
    extension_attributes: dict[str, Any] | None = None


class TierPricesRequest(BaseModel):
    prices: list[TierPriceData]


class SkusRequest(BaseModel):
    skus: list[str]


class PriceUpdateResult(BaseModel):
    """One failed check of one price: Magento's message and its placeholders' values in order."""

    message: str
    parameters: list[str]


@operations.write("POST", "/V1/products/tier-prices", resource=RESOURCE)
def update_tier_prices(
    ctx: OperationContext, params: dict[str, str], body: TierPricesRequest
) -> list[PriceUpdateResult]:
    """Add or update the valid prices (matched on sku, website, group and quantity); others stay."""
    checked = check(ctx.conn, body.prices)
    if checked.valid:
        repository.upsert(ctx.conn, checked.valid)
    return checked.failures


@operations.write("PUT", "/V1/products/tier-prices", resource=RESOURCE)
def replace_tier_prices(
    ctx: OperationContext, params: dict[str, str], body: TierPricesRequest
) -> list[PriceUpdateResult]:
    """Make the valid prices the only tier prices of their skus."""
    checked = check(ctx.conn, body.prices)
    if checked.valid:
        repository.replace(ctx.conn, checked.valid)
    return checked.failures


@operations.write("POST", "/V1/products/tier-prices-delete", resource=RESOURCE)
def delete_tier_prices(
    ctx: OperationContext, params: dict[str, str], body: TierPricesRequest
) -> list[PriceUpdateResult]:
    """Delete the tier prices matching the valid ones' sku, website, group and quantity."""
    checked = check(ctx.conn, body.prices)
    if checked.valid:
        repository.delete(ctx.conn, checked.valid)
    return checked.failures


@operations.write("POST", "/V1/products/tier-prices-information", asynchronous=False, resource=RESOURCE)
def get_tier_prices(ctx: OperationContext, params: dict[str, str], body: SkusRequest) -> list[TierPriceData]:
    """The tier prices of the skus (404 naming the unknown ones)."""
    found = require_products(ctx.conn, body.skus)
    codes = _group_codes(ctx.conn)
    prices = repository.get(ctx.conn, list(dict.fromkeys(body.skus)))
    return [
        TierPriceData(
            price=float(price.value or 0) if price.percentage_value is None else float(price.percentage_value),
            price_type=FIXED if price.percentage_value is None else DISCOUNT,
            website_id=price.website_id,
            sku=found[sku][0],
            customer_group=codes.get(price.customer_group_id, str(price.customer_group_id)),
            quantity=float(price.qty),
        )
        for sku, sku_prices in prices.items()
        for price in sku_prices
    ]


# --- checking ----------------------------------------------------------------------------------------------------
@dataclass
class Checked:
    """The prices that passed every check, by sku, and one result per failed check."""

    valid: dict[str, list[TierPrice]]
    failures: list[PriceUpdateResult]


def check(conn: Connection, prices: Sequence[TierPriceData]) -> Checked:
    """Magento's TierPriceValidator checks, each price on its own, in a fixed number of statements."""
    products = products_by_sku(conn, [price.sku for price in prices])
    groups = _groups(conn)
    websites = set(conn.execute(sa.select(website_table.c.website_id)).scalars())
    keys = [_key(price) for price in prices]
    repeated = {key for key, count in Counter(keys).items() if count > 1}
    valid: dict[str, list[TierPrice]] = defaultdict(list)
    failures: list[PriceUpdateResult] = []
    for price, key in zip(prices, keys, strict=True):
        product = products.get(price.sku)
        row = [price.sku, php_number(price.website_id), price.customer_group, php_number(price.quantity)]
        amount, quantity = Decimal(str(price.price)), Decimal(str(price.quantity))
        checks: list[tuple[bool, str, list[str]]] = [
            (not price.sku or product is None or product[1] not in PRICED_TYPES, INVALID_SKU, row),
            (
                amount < 0 or amount >= MAX_PRICE or (price.price_type == DISCOUNT and not 0 < amount <= 100),
                INVALID_PRICE,
                [php_number(price.price), *row],
            ),
            (
                price.price_type not in (FIXED, DISCOUNT)
                or (product is not None and product[1] == "bundle" and price.price_type != DISCOUNT),
                INVALID_PRICE_TYPE,
                [price.price_type, *row],
            ),
            (not 0 < quantity < MAX_QTY, INVALID_QUANTITY, row),
            (price.website_id not in websites, INVALID_WEBSITE, row),
            (key in repeated, DUPLICATE, row),
            (price.customer_group.lower() not in groups, UNKNOWN_GROUP, row),
        ]
        failed = failed_checks(checks)
        if failed:
            failures += failed
            continue
        valid[price.sku].append(
            TierPrice(
                qty=quantity,
                value=amount if price.price_type == FIXED else None,
                percentage_value=amount if price.price_type == DISCOUNT else None,
                customer_group_id=groups[price.customer_group.lower()],
                website_id=price.website_id,
            )
        )
    return Checked(dict(valid), failures)


def failed_checks(checks: Sequence[tuple[bool, str, list[str]]]) -> list[PriceUpdateResult]:
    """The failed checks of one price, as Magento's PriceUpdateResults (``(failed, message, parameters)``)."""
    return [PriceUpdateResult(message=message, parameters=values) for bad, message, values in checks if bad]


def _key(price: TierPriceData) -> tuple[str, str, Decimal, int]:
    quantity = Decimal(str(price.quantity)).quantize(Decimal("0.0001")) if abs(price.quantity) < MAX_QTY else Decimal(0)
    return (price.sku.casefold(), price.customer_group.lower(), quantity, price.website_id)


def require_products(conn: Connection, skus: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``products_by_sku``, or Magento's 404 naming every unknown sku."""
    found = products_by_sku(conn, skus)
    missing = [sku for sku in dict.fromkeys(skus) if sku not in found]
    if missing:
        raise ApiError(404, MISSING_PRODUCTS, {"sku": ", ".join(missing)})
    return found


def products_by_sku(conn: Connection, skus: Sequence[str]) -> dict[str, tuple[str, str]]:
    """sku asked for → (stored sku, type_id) of the products that exist."""
    products = product_table
    stored: dict[str, tuple[str, str]] = {}
    for part in chunked(sorted(set(skus))):
        stored.update(
            (sku, (sku, type_id))
            for sku, type_id in conn.execute(
                sa.select(products.c.sku, products.c.type_id).where(products.c.sku.in_(part))
            )
        )
    return match_skus(skus, stored)


def _group_codes(conn: Connection) -> dict[int, str]:
    """Customer group id → code, with 32000 "ALL GROUPS" (the table is small: one statement)."""
    groups = customer_group_table
    found = {
        int(group_id): str(code)
        for group_id, code in conn.execute(sa.select(groups.c.customer_group_id, groups.c.customer_group_code))
    }
    found[ALL_GROUPS] = ALL_GROUPS_CODE
    return found


def _groups(conn: Connection) -> dict[str, int]:
    """Group code in lower case (codes are unique case-insensitively) → id."""
    return {code.lower(): group_id for group_id, code in _group_codes(conn).items()}


def php_number(value: float | int | None) -> str:
    """A number as PHP prints it: ``5`` rather than ``5.0`` (None as PHP's empty text)."""
    if value is None:
        return ""
    number = Decimal(str(value))
    return str(int(number)) if number == number.to_integral_value() else format(number.normalize(), "f")

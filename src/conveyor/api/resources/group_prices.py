"""Tier prices of one product and customer group: Magento's ``/V1/products/{sku}/group-prices`` routes
(ProductTierPriceManagementInterface).

``customerGroupId`` is a group id or ``all`` (the prices for all groups). Prices are saved for all websites
(website 0), the price attribute being global. Storage is ``TierPriceRepository``'s, as for the price storage
routes (``tier_prices``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from conveyor.api.errors import ApiError
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.products import ProductTierPriceData, present_tier_price
from conveyor.api.resources.products import repository as products
from conveyor.catalog import NotFoundError, TierPrice, TierPriceRepository
from conveyor.catalog.customers import groups
from conveyor.catalog.products import ALL_GROUPS

RESOURCE = "Magento_Catalog::catalog"
INVALID_DATA = "The data was invalid. Verify the data and try again."
NO_GROUP_PRICE = "Product hasn't group price with such data: customerGroupId = '%1',website = %2, qty = %3"
ALL = "all"
WEBSITE_ID = 0
MAX_QTY, MAX_PRICE = Decimal(10) ** 8, Decimal(10) ** 14  # the columns' bounds

tier_prices = TierPriceRepository()


# the path's quantity and price: positive numbers below the columns' bounds (``_positive``)
QTY = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": int(MAX_QTY)}
PRICE = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": int(MAX_PRICE)}


@operations.read("/V1/products/{sku}/group-prices/{customerGroupId}/tiers", resource=RESOURCE)
def list_tiers(ctx: OperationContext, params: dict[str, str]) -> list[ProductTierPriceData]:
    """The product's tier prices of the group (``all``: those for all groups)."""
    product = products.get(ctx.conn, params["sku"])
    group_id = _group(params)
    return [
        present_tier_price(price, product.price) for price in product.tier_prices if price.customer_group_id == group_id
    ]


@operations.write(
    "POST",
    "/V1/products/{sku}/group-prices/{customerGroupId}/tiers/{qty}/price/{price}",
    resource=RESOURCE,
    params={"qty": QTY, "price": PRICE},
)
def add_tier(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Add the tier price, or change the price of the group's tier at this quantity."""
    qty, amount = _positive(params["qty"], MAX_QTY), _positive(params["price"], MAX_PRICE)
    product = products.get(ctx.conn, params["sku"])
    group_id = _group(params)
    if group_id != ALL_GROUPS:
        groups.get(ctx.conn, group_id)  # Magento's 404 for an unknown group
    price = TierPrice(qty=qty, value=amount, customer_group_id=group_id, website_id=WEBSITE_ID)
    tier_prices.upsert(ctx.conn, {product.sku: [price]})
    return True


@operations.write(
    "DELETE", "/V1/products/{sku}/group-prices/{customerGroupId}/tiers/{qty}", resource=RESOURCE, params={"qty": QTY}
)
def remove_tier(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Remove the group's tier at this quantity."""
    qty = _positive(params["qty"], MAX_QTY)
    product = products.get(ctx.conn, params["sku"])
    group_id = _group(params)
    stored = [
        price
        for price in product.tier_prices
        if price.customer_group_id == group_id and price.website_id == WEBSITE_ID and Decimal(str(price.qty)) == qty
    ]
    if not stored:
        raise NotFoundError(NO_GROUP_PRICE, [params["customerGroupId"], str(WEBSITE_ID), params["qty"]])
    tier_prices.delete(ctx.conn, {product.sku: stored})
    return True


def _group(params: dict[str, str]) -> int:
    return ALL_GROUPS if params["customerGroupId"] == ALL else int_param(params, "customerGroupId")


def _positive(text: str, bound: Decimal) -> Decimal:
    """A quantity or price of the path: a positive number, else Magento's 400."""
    try:
        number = Decimal(text) if text.isascii() else Decimal(-1)
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number <= 0 or number >= bound:
        raise ApiError(400, INVALID_DATA, [])
    return number

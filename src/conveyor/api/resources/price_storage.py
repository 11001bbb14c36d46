"""Base prices, costs and special prices by sku and store view: Magento's price storage routes
(BasePriceStorageInterface, CostStorageInterface, SpecialPriceStorageInterface).

As with tier prices (``tier_prices``, whose checks and PriceUpdateResults these share), each price is checked on
its own: the valid ones are saved, the answer lists one ``{"message", "parameters"}`` per failed check (``[]``:
all saved). Values are the ``price``, ``cost`` and ``special_price`` (with ``special_from_date`` and
``special_to_date``) attribute values, written through the product repository at the price's store view.
Not checked, unlike Magento: a store view price while the price scope is global.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field

from conveyor.api.operations import OperationContext, operations
from conveyor.api.resources.products import repository
from conveyor.api.resources.tier_prices import (
    PRICED_TYPES,
    PriceUpdateResult,
    SkusRequest,
    failed_checks,
    php_number,
    products_by_sku,
    require_products,
)
from conveyor.catalog import ProductInput
from conveyor.catalog.products import store_ids, stored_prices

RESOURCE = "Magento_Catalog::catalog"
STORE_ROW = "Row ID: SKU = %SKU, Store ID: %storeId."
SPECIAL_ROW = "Row ID: SKU = %SKU, Store ID: %storeId, Price From: %priceFrom, Price To: %priceTo."
INVALID_FIELD = "Invalid attribute %fieldName = %fieldValue."
NO_STORE = "Requested store is not found. "
NO_PRODUCT = "The product that was requested doesn't exist. Verify the product and try again. "
INVALID_DATE = "Invalid attribute %label = %priceTo. "
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

Number = Annotated[float, Field(allow_inf_nan=False, lt=10**14, strict=True)]  # a JSON number (not true/false)
StoreId = Annotated[int, Field(ge=0, le=2**15 - 1)]
P = TypeVar("P", bound=BaseModel)


class BasePriceData(BaseModel):
    price: Number | None = None
    store_id: StoreId
    sku: str | None = None
    extension_attributes: dict[str, Any] | None = None


class CostData(BaseModel):
    cost: Number | None = None
    store_id: StoreId
    sku: str | None = None
    extension_attributes: dict[str, Any] | None = None


class SpecialPriceData(BaseModel):
    price: Number | None = None
    store_id: StoreId
    sku: str | None = None
    price_from: str | None = None
    price_to: str | None = None
    extension_attributes: dict[str, Any] | None = None


class BasePricesRequest(BaseModel):
    prices: list[BasePriceData]


class CostsRequest(BaseModel):
    prices: list[CostData]


class SpecialPricesRequest(BaseModel):
    prices: list[SpecialPriceData]


# --- base prices -----------------------------------------------------------------------------------------------
@operations.write("POST", "/V1/products/base-prices-information", asynchronous=False, resource=RESOURCE)
def get_base_prices(ctx: OperationContext, params: dict[str, str], body: SkusRequest) -> list[BasePriceData]:
    """The stored prices of the skus, one per store view holding one (404 naming the unknown skus)."""
    require_products(ctx.conn, body.skus)
    return [
        BasePriceData(price=values["price"], store_id=store_id, sku=sku)
        for (sku, store_id), values in stored_prices(ctx.conn, body.skus, ["price"]).items()
    ]


@operations.write("POST", "/V1/products/base-prices", resource=RESOURCE)
def update_base_prices(
    ctx: OperationContext, params: dict[str, str], body: BasePricesRequest
) -> list[PriceUpdateResult]:
    """Save the valid prices at their store views."""
    return _update(ctx, body.prices, _amount_checks("Price", lambda p: p.price), lambda p: {"price": p.price})


# --- costs -----------------------------------------------------------------------------------------------------
@operations.write("POST", "/V1/products/cost-information", asynchronous=False, resource=RESOURCE)
def get_costs(ctx: OperationContext, params: dict[str, str], body: SkusRequest) -> list[CostData]:
    """The stored costs of the skus, one per store view holding one (404 naming the unknown skus)."""
    require_products(ctx.conn, body.skus)
    return [
        CostData(cost=values["cost"], store_id=store_id, sku=sku)
        for (sku, store_id), values in stored_prices(ctx.conn, body.skus, ["cost"]).items()
    ]


@operations.write("POST", "/V1/products/cost", resource=RESOURCE)
def update_costs(ctx: OperationContext, params: dict[str, str], body: CostsRequest) -> list[PriceUpdateResult]:
    """Save the valid costs at their store views."""
    return _update(ctx, body.prices, _amount_checks("Cost", lambda p: p.cost), lambda p: {"cost": p.cost})


@operations.write("POST", "/V1/products/cost-delete", resource=RESOURCE)
def delete_costs(ctx: OperationContext, params: dict[str, str], body: SkusRequest) -> bool:
    """Remove the skus' costs at every store view (404 naming the unknown skus)."""
    found = require_products(ctx.conn, body.skus)
    stored = stored_prices(ctx.conn, [sku for sku, _ in found.values()], ["cost"])
    _save(ctx, [(store_id, sku, {"cost": None}) for sku, store_id in stored])
    return True


# --- special prices ----------------------------------------------------------------------------------------------
@operations.write("POST", "/V1/products/special-price-information", asynchronous=False, resource=RESOURCE)
def get_special_prices(ctx: OperationContext, params: dict[str, str], body: SkusRequest) -> list[SpecialPriceData]:
    """The stored special prices of the skus with their dates, one per store view holding one."""
    require_products(ctx.conn, body.skus)
    codes = ["special_price", "special_from_date", "special_to_date"]
    return [
        SpecialPriceData(
            price=values["special_price"],
            store_id=store_id,
            sku=sku,
            price_from=values.get("special_from_date"),
            price_to=values.get("special_to_date"),
        )
        for (sku, store_id), values in stored_prices(ctx.conn, body.skus, codes).items()
        if values.get("special_price") is not None
    ]


@operations.write("POST", "/V1/products/special-price", resource=RESOURCE)
def update_special_prices(
    ctx: OperationContext, params: dict[str, str], body: SpecialPricesRequest
) -> list[PriceUpdateResult]:
    """Save the valid special prices with their dates at their store views."""
    return _update(
        ctx,
        body.prices,
        _special_checks,
        lambda p: {"special_price": p.price, "special_from_date": p.price_from, "special_to_date": p.price_to},
    )


@operations.write("POST", "/V1/products/special-price-delete", resource=RESOURCE)
def delete_special_prices(
    ctx: OperationContext, params: dict[str, str], body: SpecialPricesRequest
) -> list[PriceUpdateResult]:
    """Remove the valid ones' special prices and dates at their store views."""
    return _update(
        ctx,
        body.prices,
        _special_checks,
        lambda p: {"special_price": None, "special_from_date": None, "special_to_date": None},
    )


# --- checking and saving -----------------------------------------------------------------------------------------
Checks = Callable[[Any, bool, set[int]], list[tuple[bool, str, list[str]]]]


def _update(
    ctx: OperationContext, prices: Sequence[P], checks: Checks, values: Callable[[P], dict[str, Any]]
) -> list[PriceUpdateResult]:
    """Check each price on its own (a fixed number of lookups), save the valid ones; the failures."""
    products = products_by_sku(ctx.conn, [price.sku for price in prices if price.sku])  # type: ignore[attr-defined]
    stores = store_ids(ctx.conn)
    found: list[PriceUpdateResult] = []
    valid: list[tuple[int, str, dict[str, Any]]] = []
    for price in prices:
        product = products.get(price.sku or "")  # type: ignore[attr-defined]
        known = product is not None and product[1] in PRICED_TYPES
        failed = failed_checks(checks(price, known, stores))
        found += failed
        if not failed and product is not None:
            valid.append((price.store_id, product[0], values(price)))  # type: ignore[attr-defined]
    _save(ctx, valid)
    return found


def _save(ctx: OperationContext, values: Sequence[tuple[int, str, dict[str, Any]]]) -> None:
    """One repository save per store view (the last value given for a sku wins)."""
    by_store: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for store_id, sku, attributes in values:
        by_store[store_id].setdefault(sku, {}).update(attributes)
    for store_id, products in sorted(by_store.items()):
        inputs = [ProductInput(sku=sku, custom_attributes=attributes) for sku, attributes in products.items()]
        repository.save_many(ctx.conn, inputs, store_id, events=ctx.events)


def _amount_checks(label: str, amount: Callable[[Any], float | None]) -> Checks:
    """CostStorage's and BasePriceStorage's checks, for the field ``label`` read by ``amount``."""

    def checks(price: Any, known: bool, stores: set[int]) -> list[tuple[bool, str, list[str]]]:
        value, sku, store = amount(price), price.sku or "", str(price.store_id)
        return [
            (not known, INVALID_FIELD, ["SKU", sku]),
            (
                value is None or value < 0,
                f"Invalid attribute {label} = %{label.lower()}. {STORE_ROW}",
                [php_number(value), sku, store],
            ),
            (price.store_id not in stores, NO_STORE + STORE_ROW, [sku, store]),
        ]

    return checks


def _special_checks(price: SpecialPriceData, known: bool, stores: set[int]) -> list[tuple[bool, str, list[str]]]:
    """SpecialPriceStorage's checks: product, store, price and the two dates (Magento's ``Y-m-d H:i:s``)."""
    row = [price.sku or "", str(price.store_id), price.price_from or "", price.price_to or ""]
    return [
        (not known, NO_PRODUCT + SPECIAL_ROW, row),
        (price.store_id not in stores, NO_STORE + SPECIAL_ROW, row),
        (
            price.price is None or price.price < 0,
            "Invalid attribute Price = %price. " + SPECIAL_ROW,
            [
                php_number(price.price),
                *row,
            ],
        ),
        (not _date(price.price_from), INVALID_DATE + SPECIAL_ROW, ["Price From", *row]),
        (not _date(price.price_to), INVALID_DATE + SPECIAL_ROW, ["Price To", *row]),
    ]


def _date(text: str | None) -> bool:
    """Empty, or a date as Magento accepts it: exactly ``Y-m-d H:i:s``."""
    if not text:
        return True
    try:
        return datetime.strptime(text, DATE_FORMAT).strftime(DATE_FORMAT) == text
    except ValueError:
        return False

"""MSI's sales checks (InventorySalesApi): salable quantity, is-salable (with or without a requested quantity, one
sku or many) and the stock resolver, over the inventory domain's salable quantity."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from pydantic import BaseModel

from conveyor.api.errors import REQUIRED, ApiError
from conveyor.api.operations import MAX_ID, OperationContext, int_param, operations
from conveyor.api.resources.inventory_errors import magento_errors
from conveyor.api.resources.inventory_params import LIMIT, parse_number
from conveyor.api.resources.inventory_stocks import Stock
from conveyor.catalog import InvalidValueError, inventory
from conveyor.catalog.products import ProductRepository

RESOURCE = "Magento_InventorySalesApi::stock"
NO_SOURCE_ITEMS = "Can't check requested quantity for products without Source Items support."
_SKUS = re.compile(r"skus\[([0-9]{0,9})\]")
_REQUEST = re.compile(r"skuRequests\[([0-9]{1,9})\]\[(sku|qty)\]")
products = ProductRepository()


class SalabilityError(BaseModel):
    code: str
    message: str


class ProductSalableResult(BaseModel):
    salable: bool
    errors: list[SalabilityError]


class IsProductSalableResult(BaseModel):
    sku: str
    stock_id: int
    salable: bool


class IsProductSalableForQtyResult(IsProductSalableResult):
    errors: list[SalabilityError]


def _managed_sku(ctx: OperationContext, sku: str) -> None:
    """Magento's product type check: the product exists and its type keeps source items."""
    if products.get(ctx.conn, sku).type_id not in inventory.SOURCE_ITEM_TYPES:
        raise InvalidValueError(NO_SOURCE_ITEMS)


def _stock_id(ctx: OperationContext, params: Mapping[str, str]) -> int:
    if "stockId" in params:
        stock_id = int_param(params, "stockId")
    else:
        if "stockId" not in ctx.query:
            raise ApiError(400, REQUIRED, ["stockId"])
        stock_id = int_param(ctx.query, "stockId")
    inventory.require_stock(ctx.conn, stock_id)
    return stock_id


def parse_skus(query: Mapping[str, str]) -> list[str]:
    """``skus[0]=…&skus[1]=…`` (or ``skus[]``/``skus`` once) in index order; at least one."""
    indexed = sorted((int(m.group(1) or 0), value) for key, value in query.items() if (m := _SKUS.fullmatch(key)))
    skus = [value for _, value in indexed] or ([query["skus"]] if "skus" in query else [])
    if not skus:
        raise ApiError(400, REQUIRED, ["skus"])
    return skus


def parse_sku_requests(query: Mapping[str, str]) -> list[tuple[str, Decimal]]:
    """``skuRequests[i][sku]`` and ``skuRequests[i][qty]`` pairs in index order; each needs both."""
    requests: dict[int, dict[str, str]] = {}
    for key, value in query.items():
        match = _REQUEST.fullmatch(key)
        if match:
            requests.setdefault(int(match.group(1)), {})[match.group(2)] = value
    pairs = []
    for index in sorted(requests):
        request = requests[index]
        for part in ("sku", "qty"):
            if part not in request:
                raise ApiError(400, REQUIRED, [f"skuRequests[{index}][{part}]"])
        pairs.append((request["sku"], parse_number(request["qty"], f"skuRequests[{index}][qty]")))
    return pairs


STOCK_ID_QUERY = {
    "name": "stockId",
    "required": True,
    "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    "description": "The stock.",
}
QTY_SCHEMA = {"type": "number", "exclusiveMinimum": -int(LIMIT), "exclusiveMaximum": int(LIMIT)}


def _result(result: inventory.SalableResult) -> list[SalabilityError]:
    return [SalabilityError(code=code, message=message) for code, message in result.errors]


@operations.read("/V1/inventory/get-product-salable-quantity/{sku}/{stockId}", resource=RESOURCE)
@magento_errors
def salableparse_number(ctx: OperationContext, params: dict[str, str]) -> float:
    """The quantity of the sku the stock can still sell: its sources' stock - minimum quantity + reservations."""
    stock_id = _stock_id(ctx, params)
    _managed_sku(ctx, params["sku"])
    return float(inventory.salable_quantities(ctx.conn, stock_id, [params["sku"]])[params["sku"]])


@operations.read("/V1/inventory/is-product-salable/{sku}/{stockId}", resource=RESOURCE)
@magento_errors
def is_salable(ctx: OperationContext, params: dict[str, str]) -> bool:
    """Whether the stock can sell the sku at all."""
    stock_id = _stock_id(ctx, params)
    return inventory.are_salable(ctx.conn, stock_id, [params["sku"]])[params["sku"]]


@operations.read(
    "/V1/inventory/are-products-salable",
    resource=RESOURCE,
    query=[STOCK_ID_QUERY, {"name": "skus[0]", "required": True, "schema": {"type": "string"}}],
)
@magento_errors
def are_salable(ctx: OperationContext, params: dict[str, str]) -> list[IsProductSalableResult]:
    """``skus[0]=…&skus[1]=…&stockId=…``: whether the stock can sell each sku."""
    stock_id = _stock_id(ctx, params)
    skus = parse_skus(ctx.query)
    found = inventory.are_salable(ctx.conn, stock_id, skus)
    return [IsProductSalableResult(sku=sku, stock_id=stock_id, salable=found[sku]) for sku in skus]


@operations.read(
    "/V1/inventory/is-product-salable-for-requested-qty/{sku}/{stockId}/{requestedQty}",
    resource=RESOURCE,
    params={"requestedQty": QTY_SCHEMA},
)
@magento_errors
def is_salable_for_quantity(ctx: OperationContext, params: dict[str, str]) -> ProductSalableResult:
    """Whether the stock can sell the requested quantity, with MSI's reasons when not."""
    stock_id = _stock_id(ctx, params)
    requested = parse_number(params["requestedQty"], "requestedQty")
    result = inventory.is_salable_for_quantity(ctx.conn, stock_id, params["sku"], requested)
    return ProductSalableResult(salable=result.is_salable, errors=_result(result))


@operations.read(
    "/V1/inventory/are-product-salable-for-requested-qty",
    resource=RESOURCE,
    query=[
        STOCK_ID_QUERY,
        {"name": "skuRequests[0][sku]", "required": True, "schema": {"type": "string"}},
        {"name": "skuRequests[0][qty]", "required": True, "schema": QTY_SCHEMA},
    ],
)
@magento_errors
def are_salable_for_quantity(ctx: OperationContext, params: dict[str, str]) -> list[IsProductSalableForQtyResult]:
    """``skuRequests[0][sku]=…&skuRequests[0][qty]=…&stockId=…``: each request's answer, in order."""
    stock_id = _stock_id(ctx, params)
    answers = []
    for sku, qty in parse_sku_requests(ctx.query):
        result = inventory.is_salable_for_quantity(ctx.conn, stock_id, sku, qty)
        answers.append(
            IsProductSalableForQtyResult(sku=sku, stock_id=stock_id, salable=result.is_salable, errors=_result(result))
        )
    return answers


@operations.read("/V1/inventory/stock-resolver/{type}/{code}", resource=RESOURCE)
@magento_errors
def resolve_stock(ctx: OperationContext, params: dict[str, str]) -> Stock:
    """The stock that sells on a sales channel (``website``/code)."""
    return Stock.model_validate(inventory.resolve_stock(ctx.conn, params["type"], params["code"]))

"""CatalogInventory's legacy stock routes (StockRegistryInterface): a product's stock item, its update, the
low-stock report and the stock status, over MSI's default source and the sku's stock settings."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

from conveyor.api.errors import REQUIRED, ApiError
from conveyor.api.operations import MAX_ID, OperationContext, int_param, operations
from conveyor.api.resources.inventory_errors import magento_errors
from conveyor.api.resources.inventory_params import LIMIT as QTY_LIMIT
from conveyor.api.resources.inventory_params import parse_number
from conveyor.catalog import NotFoundError, inventory
from conveyor.catalog.products import ProductRepository

RESOURCE = "Magento_Catalog::catalog_inventory"
NO_PRODUCT = 'The Product with the "%1" SKU doesn\'t exist.'
CRITERIA_MAPPER = "Magento\\CatalogInventory\\Model\\ResourceModel\\Stock\\Item\\StockItemCriteriaMapper"
MAX_INT = 2**31 - 1
Qty = Annotated[float, Field(allow_inf_nan=False, gt=-(10**8), lt=10**8)]
products = ProductRepository()


class StockItem(BaseModel):
    """Magento's StockItemInterface, key by key."""

    item_id: int | None = None
    product_id: int | None = None
    stock_id: int | None = None
    qty: Qty | None = None
    is_in_stock: bool | None = None
    is_qty_decimal: bool | None = None
    show_default_notification_message: bool | None = None
    use_config_min_qty: bool | None = None
    min_qty: Qty | None = None
    use_config_min_sale_qty: int | None = None
    min_sale_qty: Qty | None = None
    use_config_max_sale_qty: bool | None = None
    max_sale_qty: Qty | None = None
    use_config_backorders: bool | None = None
    backorders: Annotated[int, Field(ge=0, le=2)] | None = None
    use_config_notify_stock_qty: bool | None = None
    notify_stock_qty: Qty | None = None
    use_config_qty_increments: bool | None = None
    qty_increments: Annotated[float, Field(allow_inf_nan=False, ge=0, lt=10**8)] | None = None
    use_config_enable_qty_inc: bool | None = None
    enable_qty_increments: bool | None = None
    use_config_manage_stock: bool | None = None
    manage_stock: bool | None = None
    low_stock_date: str | None = None
    is_decimal_divided: bool | None = None
    stock_status_changed_auto: int | None = None
    extension_attributes: dict[str, Any] | None = None

    @model_serializer(mode="wrap")
    def _with_low_stock_date(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        """A stored item answers ``low_stock_date`` even when null, as Magento does (responses drop nulls)."""
        data = handler(self)
        if not isinstance(data, dict) or self.item_id is None or "low_stock_date" in data:
            return data
        with_date = {**data, "low_stock_date": None}
        return {key: with_date[key] for key in type(self).model_fields if key in with_date}


class StockItemRequest(BaseModel):
    stockItem: StockItem  # noqa: N815  (Magento's name)


class StockStatus(BaseModel):
    product_id: int
    stock_id: int
    qty: float
    stock_status: int
    stock_item: StockItem


class StockItemCriteria(BaseModel):
    mapper_interface_name: str
    criteria_list: list[Any]
    filters: list[Any]
    orders: list[Any]
    limit: list[int]


class StockItemCollection(BaseModel):
    items: list[StockItem]
    search_criteria: StockItemCriteria
    total_count: int


def _product_id(ctx: OperationContext, sku: str) -> int:
    found = products.ids_by_sku(ctx.conn, [sku])
    if sku not in found:
        raise NotFoundError(NO_PRODUCT, [sku])
    return found[sku]


def _item(ctx: OperationContext, sku: str) -> dict[str, Any]:
    return inventory.legacy_stock_items(ctx.conn, {sku: _product_id(ctx, sku)})[sku]


def _query_number(ctx: OperationContext, name: str, default: str | None = None) -> str:
    text = ctx.query.get(name, default)
    if text is None:
        raise ApiError(400, REQUIRED, [name])
    return text


@operations.read(
    "/V1/stockItems/lowStock",
    resource=RESOURCE,
    query=[
        {"name": "scopeId", "required": True, "schema": {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID}},
        {
            "name": "qty",
            "required": True,
            "schema": {"type": "number", "exclusiveMinimum": -int(QTY_LIMIT), "exclusiveMaximum": int(QTY_LIMIT)},
        },
        {"name": "currentPage", "schema": {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID}},
        {"name": "pageSize", "schema": {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID}},
    ],
)
@magento_errors
def low_stock(ctx: OperationContext, params: dict[str, str]) -> StockItemCollection:
    """Stock items whose quantity is at most ``qty`` (``scopeId`` and ``qty`` required; ``pageSize`` 0: all)."""
    int_param({"scopeId": _query_number(ctx, "scopeId")}, "scopeId")
    qty = parse_number(_query_number(ctx, "qty"), "qty")
    page = int_param({"currentPage": _query_number(ctx, "currentPage", "1")}, "currentPage")
    size = int_param({"pageSize": _query_number(ctx, "pageSize", "0")}, "pageSize")
    skus = inventory.low_stock_skus(ctx.conn, qty)
    ids = products.ids_by_sku(ctx.conn, skus)
    known = [sku for sku in skus if sku in ids]
    shown = known[(max(page, 1) - 1) * size : max(page, 1) * size] if size > 0 else known
    items = inventory.legacy_stock_items(ctx.conn, {sku: ids[sku] for sku in shown})
    criteria = StockItemCriteria(
        mapper_interface_name=CRITERIA_MAPPER, criteria_list=[], filters=[], orders=[], limit=[page, size]
    )
    return StockItemCollection(
        items=[StockItem(**items[sku]) for sku in shown], search_criteria=criteria, total_count=len(known)
    )


@operations.read("/V1/stockItems/{productSku}", resource=RESOURCE)
@magento_errors
def get_stock_item(ctx: OperationContext, params: dict[str, str]) -> StockItem:
    """The product's stock item (default stock)."""
    return StockItem(**_item(ctx, params["productSku"]))


@operations.write("PUT", "/V1/products/{productSku}/stockItems/{itemId}", resource=RESOURCE)
@magento_errors
def update_stock_item(ctx: OperationContext, params: dict[str, str], body: StockItemRequest) -> int:
    """Merge the payload into the product's stock item (the path's item id is not used, as in Magento);
    answers the item id."""
    int_param(params, "itemId")
    sku = params["productSku"]
    data = body.stockItem.model_dump(exclude_none=True)
    return inventory.update_stock_item(ctx.conn, sku, _product_id(ctx, sku), data)


@operations.read("/V1/stockStatuses/{productSku}", resource=RESOURCE)
@magento_errors
def get_stock_status(ctx: OperationContext, params: dict[str, str]) -> StockStatus:
    """The product's stock status in the default stock, with its stock item."""
    item = _item(ctx, params["productSku"])
    return StockStatus(
        product_id=item["product_id"],
        stock_id=item["stock_id"],
        qty=item["qty"],
        stock_status=int(item["is_in_stock"]),
        stock_item=StockItem(**item),
    )

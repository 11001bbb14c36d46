"""MSI's low-quantity notification thresholds per source and sku (InventoryLowQuantityNotificationApi)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from conveyor.api.document import MSI_CODE, NON_BLANK, NOT_EMPTY, pattern
from conveyor.api.errors import ApiError
from conveyor.api.operations import OperationContext, operations
from conveyor.api.resources.inventory_errors import magento_errors
from conveyor.catalog import inventory
from conveyor.catalog.products import ProductRepository

READ = "Magento_InventoryLowQuantityNotificationApi::low_quantity_notification"
SAVE = "Magento_InventoryLowQuantityNotificationApi::stock_create_low_quantity_notification"
DELETE = "Magento_InventoryLowQuantityNotificationApi::stock_delete_low_quantity_notification"
EMPTY = "Input data is empty"
WRONG_INPUT = "Wrong input data"
products = ProductRepository()
Sku = Annotated[str, Field(max_length=64)]
Code = Annotated[str, Field(max_length=191)]
Threshold = Annotated[float, Field(gt=-(10**8), lt=10**8, allow_inf_nan=False)]


class SourceItemConfiguration(BaseModel):
    # MSI's validators (answered with their messages): a source code and a sku
    source_code: Annotated[str, Field(max_length=191, json_schema_extra=pattern(MSI_CODE))]
    sku: Annotated[str, Field(max_length=64, json_schema_extra=pattern(NON_BLANK))]
    notify_stock_qty: Threshold | None = None


class SaveRequest(BaseModel):
    sourceItemConfigurations: Annotated[  # noqa: N815  (Magento's name)
        list[SourceItemConfiguration], Field(json_schema_extra=NOT_EMPTY)
    ]


class SourceItemKey(BaseModel):
    """A source item naming the configuration to delete: only sku and source_code count."""

    sku: Sku
    source_code: Code
    quantity: Annotated[float, Field(allow_inf_nan=False, strict=True)] | None = None  # a number, not true/false
    status: Annotated[int, Field(ge=-(2**31), le=2**31 - 1)] | None = None


class DeleteRequest(BaseModel):
    sourceItems: list[SourceItemKey]  # noqa: N815


@operations.read("/V1/inventory/low-quantity-notification/{sourceCode}/{sku}", resource=READ)
@magento_errors
def get_configuration(ctx: OperationContext, params: dict[str, str]) -> SourceItemConfiguration:
    """The threshold of a sku at a source (the configuration's default when none is set)."""
    if params["sku"] not in products.ids_by_sku(ctx.conn, [params["sku"]]):
        raise ApiError(404, WRONG_INPUT)  # Magento's message; 404: the product is missing
    found = inventory.get_configuration(ctx.conn, params["sourceCode"], params["sku"])
    return SourceItemConfiguration(**{**found, "notify_stock_qty": float(found["notify_stock_qty"])})


@operations.write("POST", "/V1/inventory/low-quantity-notification", resource=SAVE)
@magento_errors
def save_configurations(ctx: OperationContext, params: dict[str, str], body: SaveRequest) -> list[Any]:
    """Set thresholds (all or none); a missing ``notify_stock_qty`` means the default. Answers ``[]``."""
    if not body.sourceItemConfigurations:
        raise ApiError(400, EMPTY)
    items = [
        (c.source_code, c.sku, None if c.notify_stock_qty is None else Decimal(str(c.notify_stock_qty)))
        for c in body.sourceItemConfigurations
    ]
    inventory.save_configurations(ctx.conn, items)
    return []


@operations.write("POST", "/V1/inventory/low-quantity-notifications-delete", resource=DELETE)
@magento_errors
def delete_configurations(ctx: OperationContext, params: dict[str, str], body: DeleteRequest) -> list[Any]:
    """Forget the thresholds of the given source items (back to the default). Answers ``[]``."""
    inventory.delete_configurations(ctx.conn, [(item.source_code, item.sku) for item in body.sourceItems])
    return []

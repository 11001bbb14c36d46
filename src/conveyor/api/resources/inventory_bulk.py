"""MSI's bulk source operations on products (InventoryCatalogApi): assign and unassign sources, transfer a
source's whole stock or given quantities to another source."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from conveyor.api.document import MSI_CODE, NOT_EMPTY, pattern
from conveyor.api.errors import ApiError
from conveyor.api.operations import OperationContext, operations
from conveyor.api.resources.inventory_errors import magento_errors
from conveyor.catalog import NotFoundError, inventory
from conveyor.catalog.products import ProductRepository

RESOURCE = "Magento_Catalog::products"
EMPTY = "Input data is empty"
SKUS_NOT_FOUND = "Following products with requested skus were not found: %1"
Sku = Annotated[str, Field(max_length=64)]
Code = Annotated[str, Field(max_length=191, json_schema_extra=pattern(MSI_CODE))]
products = ProductRepository()


class AssignRequest(BaseModel):
    skus: Annotated[list[Sku], Field(json_schema_extra=NOT_EMPTY)]
    sourceCodes: Annotated[list[Code], Field(json_schema_extra=NOT_EMPTY)]  # noqa: N815  (Magento's name)


class TransferRequest(BaseModel):
    skus: Annotated[list[Sku], Field(json_schema_extra=NOT_EMPTY)]
    originSource: Code  # noqa: N815
    destinationSource: Code  # noqa: N815
    unassignFromOrigin: bool  # noqa: N815


class TransferItem(BaseModel):
    sku: Sku
    qty: Annotated[float, Field(gt=0, lt=10**8, allow_inf_nan=False)]


class PartialTransferRequest(BaseModel):
    originSourceCode: Code  # noqa: N815
    destinationSourceCode: Code  # noqa: N815
    items: Annotated[list[TransferItem], Field(json_schema_extra=NOT_EMPTY)]


def managed_skus(ctx: OperationContext, skus: Sequence[str]) -> list[str]:
    """The skus whose products keep source items; every sku must name a product (Magento's type lookup)."""
    if not skus:
        raise ApiError(400, EMPTY)
    records = {record.sku: record.type_id for record in products.get_many(ctx.conn, list(dict.fromkeys(skus)))}
    missing = [sku for sku in dict.fromkeys(skus) if sku not in records]
    if missing:
        raise NotFoundError(SKUS_NOT_FOUND, [", ".join(missing)])  # Magento's message; 404: products missing
    return [sku for sku, type_id in records.items() if type_id in inventory.SOURCE_ITEM_TYPES]


@operations.write("POST", "/V1/inventory/bulk-product-source-assign", resource=RESOURCE)
@magento_errors
def assign(ctx: OperationContext, params: dict[str, str], body: AssignRequest) -> int:
    """Give the products an item (quantity 0, out of stock) at each source; answers how many were created."""
    return inventory.assign_sources(ctx.conn, managed_skus(ctx, body.skus), body.sourceCodes)


@operations.write("POST", "/V1/inventory/bulk-product-source-unassign", resource=RESOURCE)
@magento_errors
def unassign(ctx: OperationContext, params: dict[str, str], body: AssignRequest) -> int:
    """Delete the products' items at the sources; answers how many were deleted."""
    if not body.skus:
        raise ApiError(400, EMPTY)
    return inventory.unassign_sources(ctx.conn, body.skus, body.sourceCodes)


@operations.write("POST", "/V1/inventory/bulk-product-source-transfer", resource=RESOURCE)
@magento_errors
def transfer(ctx: OperationContext, params: dict[str, str], body: TransferRequest) -> bool:
    """Move the products' whole stock from the origin source to the destination (emptying or unassigning the
    origin); answers true."""
    skus = managed_skus(ctx, body.skus)
    inventory.transfer_all(ctx.conn, skus, body.originSource, body.destinationSource, body.unassignFromOrigin)
    return True


@operations.write("POST", "/V1/inventory/bulk-partial-source-transfer", resource=RESOURCE)
@magento_errors
def transfer_partially(ctx: OperationContext, params: dict[str, str], body: PartialTransferRequest) -> list[Any]:
    """Move given quantities from the origin source's items to the destination's; answers ``[]``."""
    if not body.items:
        raise ApiError(400, EMPTY)
    items = [(item.sku, Decimal(str(item.qty))) for item in body.items]
    inventory.transfer_partially(ctx.conn, body.originSourceCode, body.destinationSourceCode, items)
    return []

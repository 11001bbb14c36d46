"""Source items (Magento MSI): ``/V1/inventory/source-items`` save, search and delete over ``StockRepository``.

Items are keyed by (source_code, sku) and may name skus that do not exist yet (an ERP may send stock first).
The writes also exist asynchronously and in bulk (``async.V1.inventory.source-items.POST`` and
``async.V1.inventory.source-items-delete.POST``).
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.sql.elements import ColumnElement

from conveyor.api.document import MSI_CODE, NON_BLANK, NOT_EMPTY, pattern
from conveyor.api.errors import ApiError
from conveyor.api.operations import OperationContext, operations
from conveyor.api.resources.inventory_errors import magento_errors
from conveyor.api.search import SearchCriteria, SearchResults, results, search_rows
from conveyor.catalog import SourceItem, StockRepository
from conveyor.catalog.inventory import source_item_table, validate_source_items

RESOURCE = "Magento_InventoryApi::source"
ASSIGN = "Magento_InventoryApi::stock_source_item_assign"
EMPTY = "Input data is empty"
MAX_QTY = 10**8  # quantity is NUMERIC(12, 4)

repository = StockRepository()
SI = source_item_table
FIELDS: dict[str, ColumnElement[Any]] = {
    "source_item_id": SI.c.source_item_id,
    "sku": SI.c.sku,
    "source_code": SI.c.source_code,
    "quantity": SI.c.quantity,
    "status": SI.c.status,
}

# a JSON number, as the document says (pydantic's lax float also took true and false, as 1 and 0)
Quantity = Annotated[float, Field(allow_inf_nan=False, gt=-MAX_QTY, lt=MAX_QTY, strict=True)]


class SourceItemData(BaseModel):
    """Quantity of a sku at a source; status 1 in stock, 0 out of stock."""

    quantity: Quantity
    # MSI's validators (answered with their messages): a sku, a source code, a status of 0 or 1
    sku: Annotated[str, Field(max_length=64, json_schema_extra=pattern(NON_BLANK))]
    source_code: Annotated[str, Field(max_length=191, json_schema_extra=pattern(MSI_CODE))]
    status: Annotated[int, Field(json_schema_extra={"minimum": 0, "maximum": 1})]


class SourceItemKey(BaseModel):
    """A source item to delete: only sku and source_code count (the rest of Magento's item is ignored)."""

    sku: str
    source_code: str
    quantity: Quantity | None = None
    status: int | None = None  # ignored, but an integer as documented (5.0 is one, a boolean is not)

    @field_validator("status", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("an integer, not a boolean")
        return value


class SourceItemsSaveRequest(BaseModel):
    sourceItems: Annotated[list[SourceItemData], Field(json_schema_extra=NOT_EMPTY)]  # noqa: N815  (Magento's)


class SourceItemsDeleteRequest(BaseModel):
    sourceItems: Annotated[list[SourceItemKey], Field(json_schema_extra=NOT_EMPTY)]  # noqa: N815


@operations.write("POST", "/V1/inventory/source-items", resource=ASSIGN)
@magento_errors
def save_source_items(ctx: OperationContext, params: dict[str, str], body: SourceItemsSaveRequest) -> list[Any]:
    """Create or update source items (all or none); answers ``[]`` as Magento does."""
    if not body.sourceItems:
        raise ApiError(400, EMPTY)
    items = [
        SourceItem(sku=item.sku, source_code=item.source_code, quantity=item.quantity, status=item.status)
        for item in body.sourceItems
    ]
    validate_source_items(ctx.conn, items)
    repository.upsert(ctx.conn, items)
    return []


@operations.search("/V1/inventory/source-items", resource=RESOURCE)
def search_source_items(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[SourceItemData]:
    """Source items matching searchCriteria (fields: source_item_id, sku, source_code, quantity, status)."""
    query = sa.select(SI.c.sku, SI.c.source_code, SI.c.quantity, SI.c.status)
    rows, total = search_rows(ctx.conn, query, criteria, FIELDS, tiebreak=SI.c.source_item_id)
    items = [
        SourceItemData(sku=row.sku, source_code=row.source_code, quantity=float(row.quantity), status=row.status)
        for row in rows
    ]
    return SearchResults[SourceItemData](**results(items, criteria, total))


@operations.write("POST", "/V1/inventory/source-items-delete", resource=ASSIGN)
def delete_source_items(ctx: OperationContext, params: dict[str, str], body: SourceItemsDeleteRequest) -> list[Any]:
    """Delete source items by (source_code, sku); unknown ones are ignored. Answers ``[]``."""
    if not body.sourceItems:
        raise ApiError(400, EMPTY)
    repository.delete(ctx.conn, [(item.source_code, item.sku) for item in body.sourceItems])
    return []

"""MSI stocks and stock-source links: ``/V1/inventory/stocks`` (search, read, create, update, delete) and
``/V1/inventory/stock-source-links`` (search, save, delete)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor.api.document import MSI_CODE, MSI_NAME, NON_BLANK, declares, pattern, requires
from conveyor.api.errors import ApiError
from conveyor.api.operations import MAX_ID, OperationContext, int_param, operations
from conveyor.api.resources.inventory_errors import magento_errors
from conveyor.api.search import SearchCriteria, SearchResults, results, search_rows
from conveyor.catalog import inventory

STOCK = "Magento_InventoryApi::stock"
STOCK_EDIT = "Magento_InventoryApi::stock_edit"
STOCK_DELETE = "Magento_InventoryApi::stock_delete"
LINKS = "Magento_InventoryApi::stock_source_link"
EMPTY = "Input data is empty"
StockId = Annotated[int, Field(ge=0, le=2**31 - 1)]


class SalesChannel(BaseModel):
    type: Annotated[str, Field(max_length=64, json_schema_extra=pattern(NON_BLANK))]
    code: Annotated[str, Field(max_length=64, json_schema_extra=pattern(NON_BLANK))]


class StockExtension(BaseModel):
    sales_channels: list[SalesChannel] | None = None


class StockData(BaseModel):
    """A stock as sent: its name is required, not empty (MSI's validator answers it; the document declares it).
    In a PUT, the path's id wins (Magento's ParamsOverrider)."""

    model_config = ConfigDict(json_schema_extra=requires("name"))

    stock_id: StockId | None = None
    name: Annotated[str | None, Field(max_length=255, json_schema_extra=pattern(MSI_NAME))] = None
    extension_attributes: StockExtension | None = None


class Stock(BaseModel):
    stock_id: int
    name: str
    extension_attributes: StockExtension


class StockSaveRequest(BaseModel):
    stock: StockData


class Link(BaseModel):
    stock_id: StockId
    source_code: Annotated[str, Field(max_length=191)]
    priority: Annotated[int, Field(ge=-(2**31), le=2**31 - 1)] | None = None


class NewLink(Link):
    """A link to save: MSI's validators (answered with their messages) want a stock, a source code and a
    positive priority, and the default source only on the default stock and back."""

    model_config = ConfigDict(
        json_schema_extra=declares(
            "priority",
            properties={
                "stock_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                "source_code": {"type": "string", "maxLength": 191, "pattern": MSI_CODE},
                "priority": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            },
            anyOf=[
                {"properties": {"stock_id": {"const": 1}, "source_code": {"const": "default"}}},
                {"properties": {"stock_id": {"minimum": 2}, "source_code": {"not": {"const": "default"}}}},
            ],
        )
    )


class LinksRequest(BaseModel):
    links: Annotated[list[Link], Field(json_schema_extra={"minItems": 1})]


class NewLinksRequest(BaseModel):
    links: Annotated[list[NewLink], Field(json_schema_extra={"minItems": 1})]


def _save(ctx: OperationContext, stock_id: int | None, data: StockData) -> int:
    ext = data.extension_attributes
    channels = None if ext is None or ext.sales_channels is None else [(c.type, c.code) for c in ext.sales_channels]
    return inventory.save_stock(ctx.conn, stock_id, data.name, channels)


@operations.search("/V1/inventory/stocks", resource=STOCK)
def search_stocks(ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria) -> SearchResults[Stock]:
    """Stocks matching searchCriteria (fields: stock_id, name), with their sales channels."""
    rows, total = search_rows(
        ctx.conn, inventory.stock_query(), criteria, inventory.STOCK_FIELDS, tiebreak=inventory.stock_table.c.stock_id
    )
    return SearchResults[Stock].model_validate(results(inventory.present_stocks(ctx.conn, rows), criteria, total))


@operations.read("/V1/inventory/stocks/{stockId}", resource=STOCK)
@magento_errors
def get_stock(ctx: OperationContext, params: dict[str, str]) -> Stock:
    """One stock by id."""
    return Stock.model_validate(inventory.get_stock(ctx.conn, int_param(params, "stockId")))


@operations.write("POST", "/V1/inventory/stocks", resource=STOCK_EDIT)
@magento_errors
def create_stock(ctx: OperationContext, params: dict[str, str], body: StockSaveRequest) -> int:
    """Create a stock (or save the one ``stock_id`` names); answers its id."""
    return _save(ctx, body.stock.stock_id, body.stock)


@operations.write("PUT", "/V1/inventory/stocks/{stockId}", resource=STOCK_EDIT)
@magento_errors
def update_stock(ctx: OperationContext, params: dict[str, str], body: StockSaveRequest) -> int:
    """Save the stock of the path's id (name, and sales channels when given); answers its id."""
    return _save(ctx, int_param(params, "stockId"), body.stock)


@operations.write(
    "DELETE",
    "/V1/inventory/stocks/{stockId}",
    resource=STOCK_DELETE,
    params={"stockId": {"type": "integer", "minimum": 0, "maximum": MAX_ID, "not": {"const": 1}}},
)
@magento_errors
def delete_stock(ctx: OperationContext, params: dict[str, str], body: None) -> list[Any]:
    """Delete a stock and its links; not the default stock, nor one with sales channels. Answers ``[]``."""
    inventory.delete_stock(ctx.conn, int_param(params, "stockId"))
    return []


@operations.search("/V1/inventory/stock-source-links", resource=LINKS)
def search_links(ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria) -> SearchResults[Link]:
    """Stock-source links matching searchCriteria (fields: link_id, stock_id, source_code, priority)."""
    query, fields = inventory.link_query(), inventory.LINK_FIELDS
    rows, total = search_rows(ctx.conn, query, criteria, fields, tiebreak=inventory.stock_source_link_table.c.link_id)
    return SearchResults[Link].model_validate(results([dict(r._mapping) for r in rows], criteria, total))


@operations.write("POST", "/V1/inventory/stock-source-links", resource=LINKS)
@magento_errors
def save_links(ctx: OperationContext, params: dict[str, str], body: NewLinksRequest) -> list[Any]:
    """Link sources to stocks with a priority (1 first), all or none. Answers ``[]``."""
    if not body.links:
        raise ApiError(400, EMPTY)
    inventory.save_links(ctx.conn, [link.model_dump() for link in body.links])
    return []


@operations.write("POST", "/V1/inventory/stock-source-links-delete", resource=LINKS)
@magento_errors
def delete_links(ctx: OperationContext, params: dict[str, str], body: LinksRequest) -> list[Any]:
    """Unlink sources from stocks (the default source stays on the default stock). Answers ``[]``."""
    if not body.links:
        raise ApiError(400, EMPTY)
    inventory.delete_links(ctx.conn, [link.model_dump() for link in body.links])
    return []

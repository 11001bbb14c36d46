"""MSI sources: ``/V1/inventory/sources`` search, read, create and update (sources are never deleted), and the
sources of a stock by priority."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor.api.document import MSI_CODE, MSI_NAME, NON_BLANK, pattern, requires
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.inventory_errors import magento_errors
from conveyor.api.search import SearchCriteria, SearchResults, results, search_rows
from conveyor.catalog import inventory

RESOURCE = "Magento_InventoryApi::source"
EDIT = "Magento_InventoryApi::source_edit"
Text = Annotated[str, Field(max_length=255)]


class CarrierLink(BaseModel):
    carrier_code: str
    position: int | None = None


class SourceData(BaseModel):
    """Magento's SourceInterface: code, name, country and postcode are required (MSI's validators, whose messages
    the answer keeps; the document declares them). In a PUT, the path's code wins (Magento's ParamsOverrider)."""

    model_config = ConfigDict(json_schema_extra=requires("name", "country_id", "postcode"))

    source_code: Annotated[str, Field(max_length=191)] | None = None
    name: Annotated[Text | None, Field(json_schema_extra=pattern(MSI_NAME))] = None
    email: Text | None = None
    contact_name: Text | None = None
    enabled: bool | None = None
    description: str | None = None
    latitude: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    country_id: Annotated[str | None, Field(max_length=2, json_schema_extra=pattern(NON_BLANK))] = None
    region_id: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    region: Text | None = None
    city: Text | None = None
    street: Text | None = None
    postcode: Annotated[Text | None, Field(json_schema_extra=pattern(NON_BLANK))] = None
    phone: Text | None = None
    fax: Text | None = None
    use_default_carrier_config: bool | None = None
    carrier_links: list[CarrierLink] | None = None
    extension_attributes: dict[str, Any] | None = None


class NewSourceData(SourceData):
    """A source to create: its code too (not empty, no whitespace)."""

    model_config = ConfigDict(json_schema_extra=requires("source_code", "name", "country_id", "postcode"))

    source_code: Annotated[str | None, Field(max_length=191, json_schema_extra=pattern(MSI_CODE))] = None


class Source(SourceData):
    model_config = ConfigDict(json_schema_extra=None)

    source_code: str
    name: str
    enabled: bool
    use_default_carrier_config: bool
    carrier_links: list[CarrierLink] = []


class SourceSaveRequest(BaseModel):
    source: NewSourceData


class SourceUpdateRequest(BaseModel):
    source: SourceData


@operations.search("/V1/inventory/sources", resource=RESOURCE)
def search_sources(ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria) -> SearchResults[Source]:
    """Sources matching searchCriteria (any source field)."""
    rows, total = search_rows(
        ctx.conn,
        inventory.source_query(),
        criteria,
        inventory.SOURCE_FIELDS,
        tiebreak=inventory.source_table.c.source_code,
    )
    return SearchResults[Source].model_validate(results([inventory.source_as_dict(r) for r in rows], criteria, total))


@operations.read("/V1/inventory/sources/{sourceCode}", resource=RESOURCE)
@magento_errors
def get_source(ctx: OperationContext, params: dict[str, str]) -> Source:
    """One source by code."""
    return Source(**inventory.get_source(ctx.conn, params["sourceCode"]))


@operations.write("POST", "/V1/inventory/sources", resource=EDIT)
@magento_errors
def create_source(ctx: OperationContext, params: dict[str, str], body: SourceSaveRequest) -> list[Any]:
    """Create a source, or replace the one with the same code (MSI's save); answers ``[]``."""
    inventory.save_source(ctx.conn, body.source.model_dump(exclude={"carrier_links", "extension_attributes"}))
    return []


@operations.write("PUT", "/V1/inventory/sources/{sourceCode}", resource=EDIT)
@magento_errors
def update_source(ctx: OperationContext, params: dict[str, str], body: SourceUpdateRequest) -> list[Any]:
    """Save the path's source; the path's code wins over the body's (Magento's ParamsOverrider). Answers ``[]``."""
    data = body.source.model_dump(exclude={"carrier_links", "extension_attributes"})
    data["source_code"] = params["sourceCode"]
    inventory.save_source(ctx.conn, data)
    return []


@operations.read("/V1/inventory/get-sources-assigned-to-stock-ordered-by-priority/{stockId}", resource=RESOURCE)
@magento_errors
def sources_of_stock(ctx: OperationContext, params: dict[str, str]) -> list[Source]:
    """The stock's sources, highest priority first."""
    return [Source(**row) for row in inventory.sources_by_priority(ctx.conn, int_param(params, "stockId"))]

"""Customer groups: Magento's ``/V1/customerGroups`` routes and payloads (the reference resource).

Reads are ``operations.read`` / ``operations.search``; the writes are ``operations.write`` and so also exist as
``/rest/async/V1/customerGroups…`` and ``/rest/async/bulk/V1/customerGroups[/byId]`` on the topics
``async.V1.customerGroups.POST``, ``async.V1.customerGroups.byId.PUT`` and ``async.V1.customerGroups.byId.DELETE``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from conveyor.api.document import NON_BLANK
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.search import SearchCriteria, SearchResults, results, search_rows
from conveyor.catalog.customers import groups

RESOURCE = "Magento_Customer::group"
MAX_INT = 2**31 - 1


class CustomerGroupData(BaseModel):
    """A group as sent: ``id`` only when updating through POST (Magento's save), the tax class defaults to 3."""

    id: int | None = Field(default=None, ge=0, le=MAX_INT)
    # the rules ``groups`` checks with Magento's messages: a code not blank, of at most 32 characters; a tax class
    code: str = Field(json_schema_extra={"pattern": NON_BLANK, "maxLength": groups.CODE_MAX_LENGTH})
    tax_class_id: int = Field(default=groups.DEFAULT_TAX_CLASS_ID, ge=0, le=MAX_INT, json_schema_extra={"minimum": 1})
    tax_class_name: str | None = None  # read-only, accepted and ignored as Magento does
    extension_attributes: dict[str, Any] | None = None


class GroupSaveRequest(BaseModel):
    group: CustomerGroupData


class CustomerGroup(BaseModel):
    id: int
    code: str
    tax_class_id: int
    tax_class_name: str | None = None


@operations.read("/V1/customerGroups/default", resource=RESOURCE)
def get_default_group(ctx: OperationContext, params: dict[str, str]) -> CustomerGroup:
    """The default group of the request's store (the group new customers join)."""
    return CustomerGroup(**groups.get_default(ctx.conn, ctx.store.store_id))


@operations.read("/V1/customerGroups/default/{storeId}", resource=RESOURCE)
def get_default_group_of_store(ctx: OperationContext, params: dict[str, str]) -> CustomerGroup:
    """The default group of a store."""
    return CustomerGroup(**groups.get_default(ctx.conn, int_param(params, "storeId")))


@operations.write("PUT", "/V1/customerGroups/default/{id}", resource=RESOURCE)
def set_default_group(ctx: OperationContext, params: dict[str, str], body: None) -> int:
    """Make a group the one new customers join, in every store (Magento's setDefaultCustomerGroup); its id."""
    return groups.set_default(ctx.conn, int_param(params, "id"))


@operations.read("/V1/customerGroups/{id}/permissions", resource=RESOURCE)
def is_group_readonly(ctx: OperationContext, params: dict[str, str]) -> bool:
    """Whether the group is read-only: NOT LOGGED IN and the default group are (they cannot be deleted)."""
    return groups.is_readonly(ctx.conn, int_param(params, "id"))


@operations.search("/V1/customerGroups/search", resource=RESOURCE)
def search_groups(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[CustomerGroup]:
    """Groups matching searchCriteria (fields: id, code, tax_class_id)."""
    rows, total = search_rows(ctx.conn, groups.query(), criteria, groups.FIELDS, tiebreak=groups.G.c.customer_group_id)
    return SearchResults[CustomerGroup].model_validate(results([groups.as_dict(r) for r in rows], criteria, total))


@operations.read("/V1/customerGroups/{id}", resource=RESOURCE)
def get_group(ctx: OperationContext, params: dict[str, str]) -> CustomerGroup:
    """One group by id."""
    return CustomerGroup(**groups.get(ctx.conn, int_param(params, "id")))


@operations.write("POST", "/V1/customerGroups", resource=RESOURCE)
def create_group(ctx: OperationContext, params: dict[str, str], body: GroupSaveRequest) -> CustomerGroup:
    """Create a group (new id = largest + 1); with ``group.id``, update that group as Magento's save does."""
    data = body.group
    if data.id is not None:
        return CustomerGroup(**groups.update(ctx.conn, data.id, data.code, data.tax_class_id))
    return CustomerGroup(**groups.create(ctx.conn, data.code, data.tax_class_id))


@operations.write("PUT", "/V1/customerGroups/{id}", resource=RESOURCE)
def update_group(ctx: OperationContext, params: dict[str, str], body: GroupSaveRequest) -> CustomerGroup:
    """Update a group's code and tax class; the id comes from the path."""
    group_id = int_param(params, "id")
    return CustomerGroup(**groups.update(ctx.conn, group_id, body.group.code, body.group.tax_class_id))


@operations.write("DELETE", "/V1/customerGroups/{id}", resource=RESOURCE)
def delete_group(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete a group; NOT LOGGED IN (0) and the default group cannot be deleted."""
    return groups.delete(ctx.conn, int_param(params, "id"))

"""Attribute sets and groups for products: Magento's ``/V1/products/attribute-sets…`` routes.

A new set copies its skeleton's groups and attribute assignments; the entity type's default set cannot be
deleted; a group holding system attributes stays; only user-defined attributes leave a set. The Catalog
routes refuse a set of another entity type as Magento does ("Provided Attribute set non product Attribute set.");
``eav.py`` serves the same sets for any entity type under ``/V1/eav/attribute-sets``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor.api.document import NON_BLANK, declares, requires
from conveyor.api.errors import INVALID, ApiError
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.configurable import TextId, text_id
from conveyor.api.resources.product_attributes import ProductAttribute, attributes, present_all
from conveyor.api.search import SearchCriteria, SearchResults, results, search_rows
from conveyor.catalog import InvalidValueError, NotFoundError
from conveyor.catalog.eav import (
    GROUP_FIELDS,
    NOT_IN_SET,
    PRODUCT_ENTITY_TYPE_ID,
    SET_FIELDS,
    SET_NAME_TAKEN,
    SYSTEM_ATTRIBUTE,
    AttributeGroupRow,
    AttributeSetRow,
    assign_attribute,
    delete_group,
    delete_set,
    get_set_row,
    group_query,
    group_row,
    save_group,
    set_attribute_codes,
    set_query,
    set_row,
    unassign_attribute,
    update_set,
)

RESOURCE = "Magento_Catalog::sets"
NO_SUCH_ENTITY = "No such entity with %1 = %2"
NOT_A_PRODUCT_SET = "Provided Attribute set non product Attribute set."
MAX_INT = 2**31 - 1

Id = Annotated[int, Field(ge=0, le=MAX_INT)]
SortOrder = Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
Name = Annotated[str, Field(max_length=191)]


# --- payloads ----------------------------------------------------------------------------------------------------
class AttributeSetData(BaseModel):
    """Magento's ``AttributeSetInterface`` as sent (``entity_type_id`` is read-only here)."""

    attribute_set_id: Id | None = None
    attribute_set_name: Name | None = None
    sort_order: SortOrder | None = None
    entity_type_id: Id | None = None
    extension_attributes: dict[str, Any] | None = None


class AttributeSet(BaseModel):
    attribute_set_id: int
    attribute_set_name: str
    sort_order: int
    entity_type_id: int


class NewAttributeSet(AttributeSetData):
    """A set to create, as Magento's set management takes it: no id (one given is refused naming ``id``), a name
    not blank (``SET_NAME_EMPTY`` otherwise)."""

    model_config = ConfigDict(
        json_schema_extra=declares(
            "attribute_set_name",
            properties={
                "attribute_set_id": {"type": "null"},
                "attribute_set_name": {"type": "string", "pattern": NON_BLANK, "maxLength": 191},
            },
        )
    )


# a skeleton from 1 (Magento refuses 0 naming ``skeletonId``)
Skeleton = Annotated[int, Field(ge=0, le=MAX_INT, json_schema_extra={"minimum": 1})]
# a valid new set the stored sets refuse: its name taken, a skeleton of another entity type
CREATE_REFUSALS = {400: [SET_NAME_TAKEN, INVALID]}


class AttributeSetCreateRequest(BaseModel):
    attributeSet: NewAttributeSet  # noqa: N815  (Magento's names)
    skeletonId: Skeleton  # noqa: N815


class AttributeSetSaveRequest(BaseModel):
    attributeSet: AttributeSetData  # noqa: N815


# a group's sort order as text (Magento's extension attribute is a string): ASCII digits, a minus, 10 characters
GROUP_SORT_ORDER = "-?[0-9]{1,9}|[0-9]{10}"
GROUP_SORT_ORDER_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": "^(?:" + GROUP_SORT_ORDER + ")?(?![\\s\\S])"},
        {"type": "integer", "minimum": -999_999_999, "maximum": MAX_INT},
        {"type": "null"},
    ]
}


class AttributeGroupExtension(BaseModel):
    model_config = ConfigDict(json_schema_extra=declares(properties={"sort_order": GROUP_SORT_ORDER_SCHEMA}))

    attribute_group_code: Name | None = None
    sort_order: str | int | None = None


class AttributeGroupData(BaseModel):
    """Magento's ``AttributeGroupInterface`` as sent; code and order travel in ``extension_attributes``."""

    attribute_group_id: TextId = None  # ASCII digits (``text_id``), as the group's id is read
    attribute_group_name: Name | None = None
    attribute_set_id: Id | None = None
    extension_attributes: AttributeGroupExtension | None = None


class AttributeGroup(BaseModel):
    attribute_group_id: str
    attribute_group_name: str
    attribute_set_id: int
    extension_attributes: AttributeGroupExtension


class AttributeGroupSaveRequest(BaseModel):
    group: AttributeGroupData


class NewAttributeGroupData(AttributeGroupData):
    """``POST /V1/products/attribute-sets/groups`` names the set in the group (no path does)."""

    model_config = ConfigDict(json_schema_extra=requires("attribute_set_id"))


class AttributeGroupCreateRequest(BaseModel):
    group: NewAttributeGroupData


class AttributeAssignRequest(BaseModel):
    attributeSetId: Id  # noqa: N815
    attributeGroupId: Id  # noqa: N815
    attributeCode: str  # noqa: N815
    sortOrder: SortOrder  # noqa: N815


# --- sets ----------------------------------------------------------------------------------------------------------
@operations.search("/V1/products/attribute-sets/sets/list", resource=RESOURCE)
def search_sets(ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria) -> SearchResults[AttributeSet]:
    """Product attribute sets matching searchCriteria (fields: attribute_set_id, attribute_set_name, sort_order)."""
    return search_attribute_sets(ctx, criteria, PRODUCT_ENTITY_TYPE_ID)


@operations.read("/V1/products/attribute-sets/{attributeSetId}", resource=RESOURCE)
def get_set(ctx: OperationContext, params: dict[str, str]) -> AttributeSet:
    """One product attribute set."""
    return as_set(product_set(ctx, params))


@operations.write("POST", "/V1/products/attribute-sets", resource=RESOURCE, refuses=CREATE_REFUSALS)
def create_set(ctx: OperationContext, params: dict[str, str], body: AttributeSetCreateRequest) -> AttributeSet:
    """A new product set with the groups and attributes of the skeleton set ``skeletonId``."""
    return create_attribute_set(ctx, body.attributeSet, body.skeletonId, PRODUCT_ENTITY_TYPE_ID)


@operations.write("PUT", "/V1/products/attribute-sets/{attributeSetId}", resource=RESOURCE)
def update_set_route(ctx: OperationContext, params: dict[str, str], body: AttributeSetSaveRequest) -> AttributeSet:
    """Rename or reorder a product attribute set."""
    found = product_set(ctx, params)
    data = body.attributeSet
    return as_set(update_set(ctx.conn, found.attribute_set_id, data.attribute_set_name, data.sort_order))


@operations.write("DELETE", "/V1/products/attribute-sets/{attributeSetId}", resource=RESOURCE)
def delete_set_route(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete a product attribute set (never the default one)."""
    delete_set(ctx.conn, product_set(ctx, params).attribute_set_id)
    return True


# --- a set's attributes --------------------------------------------------------------------------------------------
@operations.read("/V1/products/attribute-sets/{attributeSetId}/attributes", resource=RESOURCE)
def list_set_attributes(ctx: OperationContext, params: dict[str, str]) -> list[ProductAttribute]:
    """The attributes of a product set, group by group."""
    found = set_by_id(ctx, params)
    if found.entity_type_id != PRODUCT_ENTITY_TYPE_ID:
        raise NotFoundError(NO_SUCH_ENTITY, ["attributeSetId", str(found.attribute_set_id)])
    codes = set_attribute_codes(ctx.conn, found.attribute_set_id)
    return present_all(ctx, attributes.get_many(ctx.conn, codes), PRODUCT_ENTITY_TYPE_ID)


@operations.write("POST", "/V1/products/attribute-sets/attributes", resource=RESOURCE)
def assign_route(ctx: OperationContext, params: dict[str, str], body: AttributeAssignRequest) -> int:
    """Put an attribute into a group of a product set; answers the assignment's id."""
    return assign_attribute(
        ctx.conn, body.attributeSetId, body.attributeGroupId, body.attributeCode, body.sortOrder, PRODUCT_ENTITY_TYPE_ID
    )


# Magento's 400s (InputException) when the attribute is not in the set or is a system one: stored data decides
@operations.write(
    "DELETE",
    "/V1/products/attribute-sets/{attributeSetId}/attributes/{attributeCode}",
    resource=RESOURCE,
    refuses={400: [NOT_IN_SET, SYSTEM_ATTRIBUTE]},
)
def unassign_route(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Take a user-defined attribute out of a product set."""
    unassign_attribute(ctx.conn, int_param(params, "attributeSetId"), params["attributeCode"])
    return True


# --- groups --------------------------------------------------------------------------------------------------------
@operations.search("/V1/products/attribute-sets/groups/list", resource=RESOURCE)
def search_groups(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[AttributeGroup]:
    """Groups of product sets matching searchCriteria (fields: attribute_group_id, attribute_group_name,
    attribute_group_code, attribute_set_id, sort_order)."""
    rows, total = search_rows(
        ctx.conn,
        group_query(PRODUCT_ENTITY_TYPE_ID),
        criteria,
        GROUP_FIELDS,
        tiebreak=GROUP_FIELDS["attribute_group_id"],
    )
    items = [as_group(group_row(row)) for row in rows]
    return SearchResults[AttributeGroup](**results(items, criteria, total))


@operations.write("POST", "/V1/products/attribute-sets/groups", resource=RESOURCE)
def create_group(ctx: OperationContext, params: dict[str, str], body: AttributeGroupCreateRequest) -> AttributeGroup:
    """A new group in a product set (with ``attribute_group_id``: update that group)."""
    data = body.group
    if data.attribute_set_id is None:
        raise ApiError(400, '"%1" is required. Enter and try again.', ["group.attribute_set_id"])
    return _save_group(ctx, data, data.attribute_set_id)


@operations.write("PUT", "/V1/products/attribute-sets/{attributeSetId}/groups", resource=RESOURCE)
def update_group(ctx: OperationContext, params: dict[str, str], body: AttributeGroupSaveRequest) -> AttributeGroup:
    """Rename or reorder a group of the set in the path (``group.attribute_group_id`` names it)."""
    return _save_group(ctx, body.group, int_param(params, "attributeSetId"))


@operations.write("DELETE", "/V1/products/attribute-sets/groups/{groupId}", resource=RESOURCE)
def delete_group_route(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete a group without system attributes (its user attributes leave the set)."""
    delete_group(ctx.conn, int_param(params, "groupId"), PRODUCT_ENTITY_TYPE_ID)
    return True


# --- shared with the Eav routes ------------------------------------------------------------------------------------
def as_set(row: AttributeSetRow) -> AttributeSet:
    return AttributeSet(
        attribute_set_id=row.attribute_set_id,
        attribute_set_name=row.attribute_set_name,
        sort_order=row.sort_order,
        entity_type_id=row.entity_type_id,
    )


def as_group(row: AttributeGroupRow) -> AttributeGroup:
    return AttributeGroup(
        attribute_group_id=str(row.attribute_group_id),
        attribute_group_name=row.attribute_group_name,
        attribute_set_id=row.attribute_set_id,
        extension_attributes=AttributeGroupExtension(
            attribute_group_code=row.attribute_group_code, sort_order=str(row.sort_order)
        ),
    )


def set_by_id(ctx: OperationContext, params: dict[str, str]) -> AttributeSetRow:
    """The set of the path (Magento's repository: 404 "No such entity with id = …")."""
    set_id = int_param(params, "attributeSetId")
    try:
        return get_set_row(ctx.conn, set_id)
    except NotFoundError:
        raise NotFoundError(NO_SUCH_ENTITY, ["id", str(set_id)]) from None


def product_set(ctx: OperationContext, params: dict[str, str]) -> AttributeSetRow:
    found = set_by_id(ctx, params)
    if found.entity_type_id != PRODUCT_ENTITY_TYPE_ID:
        raise InvalidValueError(NOT_A_PRODUCT_SET)
    return found


def search_attribute_sets(
    ctx: OperationContext, criteria: SearchCriteria, entity_type_id: int | None
) -> SearchResults[AttributeSet]:
    query = set_query(entity_type_id)
    rows, total = search_rows(ctx.conn, query, criteria, SET_FIELDS, tiebreak=SET_FIELDS["attribute_set_id"])
    return SearchResults[AttributeSet](**results([as_set(set_row(r)) for r in rows], criteria, total))


def create_attribute_set(
    ctx: OperationContext, data: AttributeSetData, skeleton_id: int, entity_type_id: int
) -> AttributeSet:
    """Magento's set management create: no id, a skeleton of the same entity type, a new unique name."""
    if data.attribute_set_id is not None:
        raise ApiError(400, INVALID, [str(data.attribute_set_id), "id"])
    if skeleton_id == 0:
        raise ApiError(400, INVALID, ["0", "skeletonId"])
    skeleton = set_by_id(ctx, {"attributeSetId": str(skeleton_id)})
    if skeleton.entity_type_id != entity_type_id:
        raise ApiError(400, INVALID, [str(skeleton_id), "skeletonId"])
    new_id = attributes.create_set(ctx.conn, data.attribute_set_name or "", skeleton_id, data.sort_order or 0)
    return as_set(get_set_row(ctx.conn, new_id))


def _save_group(ctx: OperationContext, data: AttributeGroupData, set_id: int) -> AttributeGroup:
    ext = data.extension_attributes or AttributeGroupExtension()
    group_id = text_id(data.attribute_group_id, "group.attribute_group_id")
    sort_order = None
    if ext.sort_order not in (None, ""):
        text = str(ext.sort_order)
        if not re.fullmatch(GROUP_SORT_ORDER, text):  # "--5" passed a check of lstrip("-"), then failed int()
            raise ApiError(400, INVALID, [text, "group.extension_attributes.sort_order"])
        sort_order = int(text)
    return as_group(
        save_group(
            ctx.conn,
            attribute_set_id=set_id,
            name=data.attribute_group_name,
            group_id=group_id,
            code=ext.attribute_group_code,
            sort_order=sort_order,
            entity_type_id=PRODUCT_ENTITY_TYPE_ID,
        )
    )

"""Attribute sets of any entity type: Magento's ``/V1/eav/attribute-sets…`` (Eav module) routes.

The same sets as ``/V1/products/attribute-sets``, without the product-only check: the request names the entity
type (``entityTypeCode``: catalog_product or catalog_category) when it creates one.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from conveyor.api.errors import ApiError
from conveyor.api.operations import OperationContext, operations
from conveyor.api.resources.attribute_sets import (
    CREATE_REFUSALS,
    AttributeSet,
    AttributeSetSaveRequest,
    NewAttributeSet,
    Skeleton,
    as_set,
    create_attribute_set,
    search_attribute_sets,
    set_by_id,
)
from conveyor.api.search import SearchCriteria, SearchResults
from conveyor.catalog.eav import ENTITY_TYPES, delete_set, update_set

RESOURCE = "Magento_Catalog::sets"


class EavAttributeSetCreateRequest(BaseModel):
    # the answer names an unknown one with Magento's message
    entityTypeCode: Annotated[str, Field(json_schema_extra={"enum": sorted(ENTITY_TYPES)})]  # noqa: N815
    attributeSet: NewAttributeSet  # noqa: N815
    skeletonId: Skeleton  # noqa: N815


@operations.search("/V1/eav/attribute-sets/list", resource=RESOURCE)
def search_eav_sets(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[AttributeSet]:
    """Attribute sets of every entity type matching searchCriteria (fields: attribute_set_id, attribute_set_name,
    sort_order, entity_type_id, entity_type_code)."""
    return search_attribute_sets(ctx, criteria, None)


@operations.read("/V1/eav/attribute-sets/{attributeSetId}", resource=RESOURCE)
def get_eav_set(ctx: OperationContext, params: dict[str, str]) -> AttributeSet:
    """One attribute set."""
    return as_set(set_by_id(ctx, params))


@operations.write("POST", "/V1/eav/attribute-sets", resource=RESOURCE, refuses=CREATE_REFUSALS)
def create_eav_set(ctx: OperationContext, params: dict[str, str], body: EavAttributeSetCreateRequest) -> AttributeSet:
    """A new set of ``entityTypeCode`` copying the skeleton set's groups and attributes."""
    type_id = ENTITY_TYPES.get(body.entityTypeCode)
    if type_id is None:
        raise ApiError(400, "Invalid entity_type specified: %1", [body.entityTypeCode])
    return create_attribute_set(ctx, body.attributeSet, body.skeletonId, type_id)


@operations.write("PUT", "/V1/eav/attribute-sets/{attributeSetId}", resource=RESOURCE)
def update_eav_set(ctx: OperationContext, params: dict[str, str], body: AttributeSetSaveRequest) -> AttributeSet:
    """Rename or reorder an attribute set."""
    found = set_by_id(ctx, params)
    data = body.attributeSet
    return as_set(update_set(ctx.conn, found.attribute_set_id, data.attribute_set_name, data.sort_order))


@operations.write("DELETE", "/V1/eav/attribute-sets/{attributeSetId}", resource=RESOURCE)
def delete_eav_set(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete an attribute set (never an entity type's default one)."""
    delete_set(ctx.conn, set_by_id(ctx, params).attribute_set_id)
    return True

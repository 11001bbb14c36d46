"""Customer and address attribute metadata: Magento's ``/V1/attributeMetadata/customer[Address]…`` routes."""

from __future__ import annotations

from pydantic import BaseModel

from conveyor.api.operations import OperationContext, operations
from conveyor.api.resources.customers import RESOURCE, magento_errors
from conveyor.catalog.customers import metadata


class ValidationRule(BaseModel):
    name: str
    value: str


class Option(BaseModel):
    label: str
    value: str


class AttributeMetadata(BaseModel):
    """Magento's ``AttributeMetadataInterface`` as REST returns it, key by key."""

    frontend_input: str
    input_filter: str
    store_label: str
    validation_rules: list[ValidationRule]
    multiline_count: int
    visible: bool
    required: bool
    data_model: str
    options: list[Option]
    frontend_class: str
    user_defined: bool
    sort_order: int
    frontend_label: str
    note: str
    system: bool
    backend_type: str
    is_used_in_grid: bool
    is_visible_in_grid: bool
    is_filterable_in_grid: bool
    is_searchable_in_grid: bool
    attribute_code: str


def _declare(entity: str, path: str) -> None:
    """The four metadata routes of one entity type (customer or customer_address)."""

    @operations.read(f"/V1/attributeMetadata/{path}", resource=RESOURCE)
    def all_attributes(ctx: OperationContext, params: dict[str, str]) -> list[AttributeMetadata]:
        """Every attribute of the entity type."""
        return [AttributeMetadata(**a) for a in metadata.all_attributes(ctx.conn, entity)]

    @operations.read(f"/V1/attributeMetadata/{path}/custom", resource=RESOURCE)
    def custom_attributes(ctx: OperationContext, params: dict[str, str]) -> list[AttributeMetadata]:
        """The user-defined attributes."""
        return [AttributeMetadata(**a) for a in metadata.custom_attributes(ctx.conn, entity)]

    @operations.read(f"/V1/attributeMetadata/{path}/attribute/{{attributeCode}}", resource=RESOURCE)
    def attribute(ctx: OperationContext, params: dict[str, str]) -> AttributeMetadata:
        """One attribute by code."""
        with magento_errors():
            return AttributeMetadata(**metadata.attribute(ctx.conn, entity, params["attributeCode"]))

    @operations.read(f"/V1/attributeMetadata/{path}/form/{{formCode}}", resource=RESOURCE)
    def form(ctx: OperationContext, params: dict[str, str]) -> list[AttributeMetadata]:
        """The attributes of a form (``adminhtml_customer``, ``customer_account_create``, …)."""
        with magento_errors():
            return [AttributeMetadata(**a) for a in metadata.form(ctx.conn, entity, params["formCode"])]

    for handler in (all_attributes, custom_attributes, attribute, form):  # distinct names in the OpenAPI document
        handler.__name__ = f"{handler.__name__}_{path}"


_declare(metadata.CUSTOMER, "customer")
_declare(metadata.ADDRESS, "customerAddress")

"""Configurable products: Magento's ``/V1/configurable-products`` routes (children, options, variations).

Payloads are Magento's ``ConfigurableProduct\\Api\\Data\\OptionInterface`` (``attribute_id`` is text, as Magento
answers it) and ``ProductInterface`` for children and variations. As in Magento, ``PUT …/options/{id}`` updates the
option the path names whatever ``option.id`` says, and ``POST …/options`` for an attribute the product already has
updates that option.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr, WithJsonSchema

from conveyor.api.document import declares
from conveyor.api.errors import INVALID, ApiError, first_error
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.products import Label, Position, ProductData, present_many
from conveyor.catalog.products import ConfigurableOption, configurable

RESOURCE = "Magento_Catalog::products"
MAX_INT = 2**31 - 1

OptionId = Annotated[int, Field(ge=0, le=MAX_INT)]


class OptionValueData(BaseModel):
    value_index: OptionId | None = None
    extension_attributes: dict[str, Any] | None = None


# ``text_id``'s ids: ASCII digits up to 2**31 - 1 as text (or empty: none), or such a number
TEXT_ID = (
    "^(|0*([0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}"
    "|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7]))(?![\\s\\S])"
)
TextIdSchema = WithJsonSchema(
    {
        "anyOf": [
            {"type": "string", "pattern": TEXT_ID},
            {"type": "integer", "minimum": 0, "maximum": MAX_INT},
            {"type": "null"},
        ]
    }
)


def _whole_number(value: Any) -> Any:
    """A JSON number with no fraction is an integer (``5.0`` as JSON Schema reads it), not a refused float."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


TextId = Annotated[StrictStr | StrictInt | None, BeforeValidator(_whole_number), TextIdSchema]
"""An id Magento sends as text or a number, as ``text_id`` reads it (attribute ids, attribute group ids)."""


class OptionData(BaseModel):
    """A super attribute; ``values`` are the option ids the children use (read-only but required on create)."""

    id: OptionId | None = None
    attribute_id: TextId = None
    label: Label | None = None
    position: Position | None = None
    is_use_default: bool | None = None
    values: list[OptionValueData] | None = None
    extension_attributes: dict[str, Any] | None = None
    product_id: int | None = None


class NewOptionData(OptionData):
    """A super attribute to add (without an ``id``): attribute, label and values are required (Magento's
    validateNewOptionData, whose messages the answer keeps)."""

    model_config = ConfigDict(
        json_schema_extra=declares(
            anyOf=[
                {"required": ["id"], "properties": {"id": {"type": "integer"}}},
                {
                    "required": ["attribute_id", "label", "values"],
                    "properties": {
                        "attribute_id": {
                            "anyOf": [
                                {"type": "string", "pattern": "^[0-9]{1,9}(?![\\s\\S])", "not": {"pattern": "^0+$"}},
                                {"type": "integer", "minimum": 1, "maximum": MAX_INT},
                            ]
                        },
                        "label": {"type": "string", "minLength": 1},
                        "values": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"required": ["value_index"], "properties": {"value_index": {"type": "integer"}}},
                        },
                    },
                },
            ]
        )
    )


class OptionRequest(BaseModel):
    option: OptionData


class NewOptionRequest(BaseModel):
    option: NewOptionData


class ChildRequest(BaseModel):
    childSku: str  # noqa: N815  (Magento's name)


class VariationOption(OptionData):
    """An option of a variation names its attribute (``generate_variation`` refuses one without)."""

    model_config = ConfigDict(
        json_schema_extra=declares(
            "attribute_id",
            properties={
                "attribute_id": {
                    "anyOf": [
                        {"type": "string", "pattern": TEXT_ID, "minLength": 1},
                        {"type": "integer", "minimum": 0, "maximum": MAX_INT},
                    ]
                }
            },
        )
    )


class VariationRequest(BaseModel):
    product: ProductData
    options: list[VariationOption]


def present_option(option: ConfigurableOption, product_id: int) -> OptionData:
    """Magento's answer for a super attribute."""
    return OptionData(
        id=option.id,
        attribute_id=str(option.attribute_id),
        label=option.label,
        position=option.position,
        values=[OptionValueData(value_index=value) for value in option.values],
        product_id=product_id,
    )


def text_id(value: str | int | None, field: str) -> int | None:
    """An id Magento sends as text (attribute ids, bundle link ids): ASCII digits only; None when absent."""
    if value is None or value == "":
        return None
    text = str(value)
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_INT:
        raise ApiError(400, INVALID, [text, field])
    return int(text)


# --- children (LinkManagementInterface) ------------------------------------------------------------------------
@operations.read("/V1/configurable-products/{sku}/children", resource=RESOURCE)
def get_children(ctx: OperationContext, params: dict[str, str]) -> list[ProductData]:
    """The children as the path's store view sees them; an empty list for a product that is not configurable."""
    return present_many(ctx.conn, configurable.children(ctx.conn, params["sku"], ctx.store.store_id))


@operations.write("POST", "/V1/configurable-products/{sku}/child", resource=RESOURCE)
def add_child(ctx: OperationContext, params: dict[str, str], body: ChildRequest) -> bool:
    """Attach a child: it needs a value for every super attribute, in a combination no sibling has."""
    return configurable.add_child(ctx.conn, params["sku"], body.childSku, events=ctx.events)


@operations.write("DELETE", "/V1/configurable-products/{sku}/children/{childSku}", resource=RESOURCE)
def remove_child(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Detach a child (the child product stays)."""
    return configurable.remove_child(ctx.conn, params["sku"], params["childSku"], events=ctx.events)


# --- options (OptionRepositoryInterface) -----------------------------------------------------------------------
@operations.read("/V1/configurable-products/{sku}/options/all", resource=RESOURCE)
def get_options(ctx: OperationContext, params: dict[str, str]) -> list[OptionData]:
    """Every super attribute of the configurable product."""
    sku = params["sku"]
    found = configurable.options(ctx.conn, sku)
    product_id = configurable.product_id(ctx.conn, sku)
    return [present_option(option, product_id) for option in found]


@operations.read("/V1/configurable-products/{sku}/options/{id}", resource=RESOURCE)
def get_option(ctx: OperationContext, params: dict[str, str]) -> OptionData:
    """One super attribute by its id."""
    sku = params["sku"]
    found = configurable.option(ctx.conn, sku, int_param(params, "id"))
    return present_option(found, configurable.product_id(ctx.conn, sku))


def _save(ctx: OperationContext, sku: str, option: OptionData, option_id: int | None) -> int:
    attribute_id = text_id(option.attribute_id, "option.attribute_id")
    values = None if option.values is None else [value.value_index for value in option.values]
    problems = [] if option_id else configurable.new_option_problems(attribute_id, option.label, values)
    if problems:  # all of them at once, as Magento's InputException
        raise first_error([ApiError(400, problem) for problem in problems])
    return configurable.save_option(
        ctx.conn,
        sku,
        option_id=option_id,
        attribute_id=attribute_id,
        label=option.label,
        position=option.position,
        values=values,
        events=ctx.events,
    )


@operations.write("POST", "/V1/configurable-products/{sku}/options", resource=RESOURCE)
def save_option(ctx: OperationContext, params: dict[str, str], body: NewOptionRequest) -> int:
    """Add a super attribute (a simple or virtual product becomes configurable); with ``option.id``, update it."""
    return _save(ctx, params["sku"], body.option, body.option.id)


@operations.write("PUT", "/V1/configurable-products/{sku}/options/{id}", resource=RESOURCE)
def update_option(ctx: OperationContext, params: dict[str, str], body: OptionRequest) -> int:
    """Update the label and position of the super attribute the path names."""
    return _save(ctx, params["sku"], body.option, int_param(params, "id"))


@operations.write("DELETE", "/V1/configurable-products/{sku}/options/{id}", resource=RESOURCE)
def delete_option(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Remove a super attribute; the product loses its children with it (as in Magento)."""
    return configurable.delete_option(ctx.conn, params["sku"], int_param(params, "id"), events=ctx.events)


# --- variations (ConfigurableProductManagementInterface) -------------------------------------------------------
@operations.write("PUT", "/V1/configurable-products/variation", resource=RESOURCE)
def generate_variation(ctx: OperationContext, params: dict[str, str], body: VariationRequest) -> list[ProductData]:
    """The products a configurable with these options would have (nothing is saved): the given product once per
    combination of option values, its sku and name suffixed ``-<option id>`` per attribute, not visible alone."""
    wanted = []
    for n, option in enumerate(body.options):
        attribute_id = text_id(option.attribute_id, f"options.{n}.attribute_id")
        if attribute_id is None:
            raise ApiError(400, INVALID, ["", f"options.{n}.attribute_id"])
        values = [value.value_index for value in option.values or [] if value.value_index is not None]
        wanted.append((attribute_id, values))
    product = body.product
    given = product.model_dump(exclude_none=True)
    base = list(product.custom_attributes or [])
    variations = []
    for variation in configurable.variations(ctx.conn, wanted):
        codes = {code for code, _ in variation.values}
        custom = [item.model_dump() for item in base if item.attribute_code not in codes]
        custom += [{"attribute_code": code, "value": str(value)} for code, value in variation.values]
        variations.append(
            ProductData.model_validate(
                {
                    **given,
                    "sku": f"{product.sku or ''}{variation.suffix}",
                    "name": f"{product.name or ''}{variation.suffix}",
                    "visibility": 1,
                    "custom_attributes": custom,
                }
            )
        )
    return variations

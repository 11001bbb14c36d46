"""A product's custom options: Magento's ``/V1/products/options`` and ``/V1/products/{sku}/options`` routes
(ProductCustomOptionRepositoryInterface, ProductCustomOptionTypeListInterface).

An option names its product by ``product_sku``; saving one with an ``option_id`` of that product updates it (its
values replaced), otherwise adds it. The product's save event is emitted as for any product change (by the domain).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from conveyor.api.errors import ApiError
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.products import CustomOptionData, option_rules, present_option, repository, to_option
from conveyor.catalog import InvalidValueError
from conveyor.catalog.products import OPTION_TYPES, delete_option, save_option

RESOURCE = "Magento_Catalog::catalog"
NO_SUCH_ENTITY = "No such entity with %fieldName = %fieldValue"
NO_PRODUCT_SKU = "The ProductSku is empty. Set the ProductSku and try again."


class OptionType(BaseModel):
    """ProductCustomOptionTypeInterface."""

    label: str
    code: str
    group: str


class ProductOptionData(CustomOptionData):
    """An option of the option routes names its product (Magento's "The ProductSku is empty" otherwise)."""

    model_config = ConfigDict(
        json_schema_extra=option_rules("product_sku", product_sku={"type": "string", "minLength": 1})
    )


class OptionRequest(BaseModel):
    option: ProductOptionData


@operations.read("/V1/products/options/types", resource=RESOURCE)
def option_types(ctx: OperationContext, params: dict[str, str]) -> list[OptionType]:
    """The custom option types, with their groups."""
    return [OptionType(label=label, code=code, group=group) for code, (label, group) in OPTION_TYPES.items()]


@operations.read("/V1/products/{sku}/options", resource=RESOURCE)
def list_options(ctx: OperationContext, params: dict[str, str]) -> list[CustomOptionData]:
    """The product's custom options."""
    product = repository.get(ctx.conn, params["sku"])
    return [present_option(product.sku, option) for option in product.options]


@operations.read("/V1/products/{sku}/options/{optionId}", resource=RESOURCE)
def get_option(ctx: OperationContext, params: dict[str, str]) -> CustomOptionData:
    """One custom option of the product."""
    option_id = int_param(params, "optionId")
    product = repository.get(ctx.conn, params["sku"])
    for option in product.options:
        if option.option_id == option_id:
            return present_option(product.sku, option)
    raise _no_option(option_id)


@operations.write("POST", "/V1/products/options", resource=RESOURCE)
def create_option(ctx: OperationContext, params: dict[str, str], body: OptionRequest) -> CustomOptionData:
    """Add the option to its product (or update it, given one of the product's option ids); the saved option."""
    return _save(ctx, body.option, body.option.option_id)


@operations.write("PUT", "/V1/products/options/{optionId}", resource=RESOURCE)
def update_option(ctx: OperationContext, params: dict[str, str], body: OptionRequest) -> CustomOptionData:
    """Update the product's option of this id; the saved option."""
    option_id = int_param(params, "optionId")
    sku = body.option.product_sku
    if sku and not any(o.option_id == option_id for o in repository.get(ctx.conn, sku).options):
        raise _no_option(option_id)
    return _save(ctx, body.option, option_id)


@operations.write("DELETE", "/V1/products/{sku}/options/{optionId}", resource=RESOURCE)
def remove_option(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Remove the product's option."""
    option_id = int_param(params, "optionId")
    product = repository.get(ctx.conn, params["sku"])
    if not delete_option(ctx.conn, product.id, product.sku, option_id, events=ctx.events):
        raise _no_option(option_id)
    return True


def _save(ctx: OperationContext, data: CustomOptionData, option_id: int | None) -> CustomOptionData:
    if not data.product_sku:
        raise InvalidValueError(NO_PRODUCT_SKU)
    product = repository.get(ctx.conn, data.product_sku)
    option = to_option(data)
    option.option_id = option_id
    saved_id = save_option(ctx.conn, product.id, product.sku, option, events=ctx.events)
    saved = repository.get(ctx.conn, product.sku)
    return next(present_option(saved.sku, o) for o in saved.options if o.option_id == saved_id)


def _no_option(option_id: int) -> ApiError:
    return ApiError(404, NO_SUCH_ENTITY, {"fieldName": "optionId", "fieldValue": str(option_id)})

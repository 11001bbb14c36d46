"""Bundle products: Magento's ``/V1/bundle-products`` routes (selections, options, option types).

Payloads are Magento's ``Bundle\\Api\\Data\\LinkInterface`` (``id`` is text, as Magento answers it; ``price`` and
``price_type`` only for a bundle of fixed price, as Magento's link list) and ``OptionInterface``. As in Magento, the
last path parameter of a PUT names the entity whatever the body says (``linkedProduct.id``, ``option.option_id``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.configurable import TextId, text_id
from conveyor.api.resources.products import Label, Position, write_store_id
from conveyor.catalog.products import BundleOption, BundleSelection, bundle

RESOURCE = "Magento_Catalog::products"
MAX_INT = 2**31 - 1
MAX_QTY = 10**8  # the quantity columns are NUMERIC(12, 4)

Id = Annotated[int, Field(ge=0, le=MAX_INT)]
Quantity = Annotated[float, Field(allow_inf_nan=False, ge=0, lt=MAX_QTY)]
Price = Annotated[float, Field(allow_inf_nan=False, gt=-(10**14), lt=10**14)]


class LinkData(BaseModel):
    """A bundle selection; ``price_type`` 0 fixed, 1 percent."""

    id: TextId = None  # ASCII digits, as ``text_id`` reads it
    sku: str | None = None
    option_id: Id | None = None
    qty: Quantity | None = None
    position: Position | None = None
    is_default: bool | None = None
    price: Price | None = None
    price_type: Annotated[int, Field(ge=0, le=1)] | None = None
    can_change_quantity: Annotated[int, Field(ge=0, le=1)] | None = None
    extension_attributes: dict[str, Any] | None = None


class OptionData(BaseModel):
    option_id: Id | None = None
    title: Label | None = None
    required: bool | None = None
    type: Annotated[str, Field(max_length=32)] | None = None
    position: Position | None = None
    sku: str | None = None
    product_links: list[LinkData] | None = None
    extension_attributes: dict[str, Any] | None = None


class OptionType(BaseModel):
    label: str
    code: str
    extension_attributes: dict[str, Any] | None = None


class LinkRequest(BaseModel):
    linkedProduct: LinkData  # noqa: N815  (Magento's name)


class OptionRequest(BaseModel):
    option: OptionData


# --- presenting ------------------------------------------------------------------------------------------------
def present_link(selection: BundleSelection, fixed_price: bool) -> LinkData:
    return LinkData(
        id=str(selection.id),
        sku=selection.sku,
        option_id=selection.option_id,
        qty=float(selection.qty),
        position=selection.position,
        is_default=selection.is_default,
        price=float(selection.price) if fixed_price else None,
        price_type=selection.price_type if fixed_price else None,
        can_change_quantity=int(selection.can_change_quantity),
    )


def present_option(option: BundleOption, found: bundle.Bundle) -> OptionData:
    return OptionData(
        option_id=option.option_id,
        title=option.title,
        required=option.required,
        type=option.type,
        position=option.position,
        sku=found.sku,
        product_links=[present_link(selection, found.fixed_price) for selection in option.product_links],
    )


# --- payloads to domain input ----------------------------------------------------------------------------------
def _link(data: LinkData, field: str, link_id: int | None = None) -> bundle.LinkInput:
    return bundle.LinkInput(
        sku=data.sku,
        id=text_id(data.id, f"{field}.id") if link_id is None else link_id,
        option_id=data.option_id,
        qty=data.qty,
        position=data.position,
        is_default=data.is_default,
        price=data.price,
        price_type=data.price_type,
        can_change_quantity=data.can_change_quantity,
    )


def _option(data: OptionData, option_id: int | None) -> bundle.OptionInput:
    return bundle.OptionInput(
        sku=data.sku,
        option_id=option_id,
        title=data.title,
        required=data.required,
        type=data.type,
        position=data.position,
        product_links=None
        if data.product_links is None
        else [_link(link, f"option.product_links.{n}") for n, link in enumerate(data.product_links)],
    )


# --- selections (ProductLinkManagementInterface) ---------------------------------------------------------------
@operations.read("/V1/bundle-products/{productSku}/children", resource=RESOURCE)
def get_children(ctx: OperationContext, params: dict[str, str]) -> list[LinkData]:
    """Every selection of the bundle, or of the option ``?optionId=`` only."""
    wanted = ctx.query.get("optionId")
    option_id = None if wanted is None else int_param({"optionId": wanted}, "optionId")
    found = bundle.bundle(ctx.conn, params["productSku"], ctx.store.store_id)
    return [
        present_link(selection, found.fixed_price)
        for option in found.options
        if option_id is None or option.option_id == option_id
        for selection in option.product_links
    ]


@operations.write("POST", "/V1/bundle-products/{sku}/links/{optionId}", resource=RESOURCE)
def add_child(ctx: OperationContext, params: dict[str, str], body: LinkRequest) -> int:
    """Add a product to the option; the new selection's id."""
    link = _link(body.linkedProduct, "linkedProduct")
    return bundle.add_child(ctx.conn, params["sku"], int_param(params, "optionId"), link, events=ctx.events)


@operations.write("PUT", "/V1/bundle-products/{sku}/links/{id}", resource=RESOURCE)
def save_child(ctx: OperationContext, params: dict[str, str], body: LinkRequest) -> bool:
    """Update the selection the path names with the fields given."""
    link = _link(body.linkedProduct, "linkedProduct", int_param(params, "id"))
    return bundle.save_child(ctx.conn, params["sku"], link, events=ctx.events)


@operations.write("DELETE", "/V1/bundle-products/{sku}/options/{optionId}/children/{childSku}", resource=RESOURCE)
def remove_child(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Take a product out of the option."""
    option_id = int_param(params, "optionId")
    return bundle.remove_child(ctx.conn, params["sku"], option_id, params["childSku"], events=ctx.events)


# --- options (ProductOptionRepositoryInterface, ProductOptionManagementInterface, ProductOptionTypeList) -------
@operations.read("/V1/bundle-products/options/types", resource=RESOURCE)
def get_option_types(ctx: OperationContext, params: dict[str, str]) -> list[OptionType]:
    """The input types an option may have."""
    return [OptionType(label=label, code=code) for label, code in bundle.OPTION_TYPES]


@operations.read("/V1/bundle-products/{sku}/options/all", resource=RESOURCE)
def get_options(ctx: OperationContext, params: dict[str, str]) -> list[OptionData]:
    """Every option of the bundle with its selections."""
    found = bundle.bundle(ctx.conn, params["sku"], ctx.store.store_id)
    return [present_option(option, found) for option in found.options]


@operations.read("/V1/bundle-products/{sku}/options/{optionId}", resource=RESOURCE)
def get_option(ctx: OperationContext, params: dict[str, str]) -> OptionData:
    """One option of the bundle with its selections."""
    found = bundle.option(ctx.conn, params["sku"], int_param(params, "optionId"), ctx.store.store_id)
    return present_option(found.options[0], found)


@operations.write("POST", "/V1/bundle-products/options/add", resource=RESOURCE)
def add_option(ctx: OperationContext, params: dict[str, str], body: OptionRequest) -> int:
    """Add an option (with its ``product_links``) to the bundle ``option.sku``; with an ``option_id`` of that
    bundle, update that option. The option's id."""
    given = _option(body.option, body.option.option_id)
    return bundle.save_option(ctx.conn, given, write_store_id(ctx), events=ctx.events)


@operations.write("PUT", "/V1/bundle-products/options/{optionId}", resource=RESOURCE)
def update_option(ctx: OperationContext, params: dict[str, str], body: OptionRequest) -> int:
    """Update the option the path names; given ``product_links`` become its selections."""
    given = _option(body.option, int_param(params, "optionId"))
    return bundle.save_option(ctx.conn, given, write_store_id(ctx), events=ctx.events)


@operations.write("DELETE", "/V1/bundle-products/{sku}/options/{optionId}", resource=RESOURCE)
def delete_option(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete the option with its selections."""
    return bundle.delete_option(ctx.conn, params["sku"], int_param(params, "optionId"), events=ctx.events)

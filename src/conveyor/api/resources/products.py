"""Products: Magento's ``/V1/products`` routes and payloads over ``ProductRepository``.

The writes are ``operations.write`` and so also exist asynchronously and in bulk, on the topics
``async.V1.products.POST`` (``POST /rest/async/bulk/V1/products`` with ``[{"product": {...}}, ...]``),
``async.V1.products.bySku.PUT`` (``PUT /rest/async/bulk/V1/products/bySku`` with ``[{"sku": ..., "product":
{...}}, ...]``) and ``async.V1.products.bySku.DELETE``.

Store scope. Reads see the path's store view: ``/rest/<code>/V1`` that view's values over the defaults,
``/rest/V1`` the default store view's, ``/rest/all/V1`` the defaults. Writes (``write_store_id``) save the
defaults through ``/rest/all/V1`` and ``/rest/V1``, and overrides of the view through ``/rest/<code>/V1``;
with a single store view they save the defaults, as Magento does in single-store mode. Magento itself reads
``/rest/V1`` as ``/rest/default/V1`` for writes too, so that every update sent there becomes an override of the
default view that the admin's "All Store Views" never shows (magento/magento2#7612, #9186); we keep that
meaning for ``/rest/default/V1`` only. A new product's values are always its defaults.

Payloads are Magento's ``ProductInterface``: custom attribute values come back as text as Magento's do
(select values as option ids, decimals with six places), relations name products by sku except
``configurable_product_links`` (child ids, mapped to skus here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from conveyor.api.document import declares, pattern
from conveyor.api.errors import INVALID, ApiError
from conveyor.api.operations import OperationContext, operations
from conveyor.api.resources.stock_items import StockItem
from conveyor.api.search import Filter, FilterGroup, SearchCriteria, SearchResults, apply, results
from conveyor.catalog import (
    BundleOption,
    BundleSelection,
    CategoryLink,
    ConfigurableOption,
    InvalidValueError,
    MediaEntry,
    NotFoundError,
    ProductInput,
    ProductLink,
    ProductRecord,
    ProductRepository,
    StockInput,
    TierPrice,
    inventory,
)
from conveyor.catalog.products import (
    MAX_IMAGE_BYTES,
    MEDIA_ROLES,
    OPTION_TYPES,
    PRICE_TYPES,
    PRODUCT_TYPES,
    STORED_DATA_REFUSALS,
    CustomOption,
    CustomOptionValue,
    decode_image,
    store_image,
)
from conveyor.catalog.stores import ADMIN_STORE_ID, store_table

RESOURCE = "Magento_Catalog::products"
NOT_FOUND = "The product that was requested doesn't exist. Verify the product and try again."
INVALID_CONTENT = "The image content is invalid. Verify the content and try again."
MIXED_GROUP = 'The filter on "%1" cannot share a filter group with other fields (%2).'
MAX_INT = 2**31 - 1
MAX_SMALL = 2**15 - 1
MAX_QTY = 10**8  # the quantity columns are NUMERIC(12, 4)

repository = ProductRepository()

Id = Annotated[int, Field(ge=0, le=MAX_INT)]
WebsiteId = Annotated[int, Field(ge=0, le=MAX_SMALL)]
Position = Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
Number = Annotated[float, Field(allow_inf_nan=False)]
MAX_AMOUNT = 10**14  # a decimal attribute's column: 20 digits, 6 of them decimals (``parse_decimal``)
Amount = Annotated[float, Field(allow_inf_nan=False, gt=-MAX_AMOUNT, lt=MAX_AMOUNT)]
Quantity = Annotated[float, Field(allow_inf_nan=False, gt=-MAX_QTY, lt=MAX_QTY)]
Label = Annotated[str, Field(max_length=255)]
# Ids Magento answers as text (a configurable option's attribute_id, a bundle link's id); read as numbers.
TextId = Annotated[int, Field(ge=0, le=MAX_INT), PlainSerializer(str, when_used="json")]


# --- payloads (Magento's ProductInterface; the same model in and out, so a client can send back what it got) --
class CustomAttribute(BaseModel):
    attribute_code: str
    value: Any = None


class CategoryLinkData(BaseModel):
    position: Position = 0
    category_id: Id


class OptionValue(BaseModel):
    value_index: int


class ConfigurableOptionData(BaseModel):
    """A super attribute; ``values`` are read-only (the children's option ids)."""

    id: int | None = None
    attribute_id: TextId
    label: Label | None = None
    position: Position = 0
    values: list[OptionValue] | None = None
    product_id: int | None = None


class BundleLinkData(BaseModel):
    """A bundle selection; ``price_type`` 0 fixed, 1 percent."""

    id: TextId | None = None
    sku: str
    option_id: int | None = None
    qty: Annotated[float, Field(allow_inf_nan=False, ge=0, lt=MAX_QTY)] = 1
    position: Position = 0
    is_default: bool = False
    price: Number | None = None  # answered only when set, and with price_type only for a fixed-price bundle
    price_type: int | None = None
    can_change_quantity: int = 0


class BundleOptionData(BaseModel):
    option_id: Id | None = None
    title: Label
    required: bool = True
    type: str = "select"
    position: Position = 0
    sku: str | None = None
    product_links: list[BundleLinkData] = []


class ProductExtension(BaseModel):
    website_ids: list[WebsiteId] | None = None
    category_links: list[CategoryLinkData] | None = None
    # answered in full (Magento's StockItemInterface); a save takes its qty and is_in_stock, the rest is ignored
    stock_item: StockItem | None = None
    configurable_product_options: list[ConfigurableOptionData] | None = None
    configurable_product_links: list[Id] | None = None
    bundle_product_options: list[BundleOptionData] | None = None


class ProductLinkExtension(BaseModel):
    qty: Annotated[float, Field(allow_inf_nan=False, ge=0, lt=MAX_QTY)] | None = None


class ProductLinkData(BaseModel):
    """related / upsell / crosssell, or associated (a grouped product's child, its default qty in the extension)."""

    sku: str | None = None
    link_type: str
    linked_product_sku: str
    linked_product_type: str | None = None
    position: Position = 0
    extension_attributes: ProductLinkExtension | None = None


# What ``decode_image`` takes, for the document: base64 (padded, no line breaks) of a jpeg, png or gif whose first
# bytes are its type's signature, named without Magento's forbidden characters. The base64 of the signatures:
# FF D8 FF is "/9j/"; "GIF87a"/"GIF89a" are "R0lGODdh"/"R0lGODlh"; 89 "PNG" 0D 0A 1A 0A is "iVBORw0KGg" and a 6-bit
# group whose first four bits are 0A's last (o, p, q or r)
_B64 = "[A-Za-z0-9+/]"
_B64_REST = f"(?:{_B64}{{4}})*(?:{_B64}{{2}}==|{_B64}{{3}}=)?(?![\\s\\S])"
IMAGE_SIGNATURES = {
    "image/jpeg": "^/9j/" + _B64_REST,
    "image/png": f"^iVBORw0KGg[o-r](?:=(?![\\s\\S])|{_B64}{_B64_REST})",
    "image/gif": "^R0lGOD[dl]h" + _B64_REST,
}
IMAGE_NAME = '^[^\\\\/?*:";<>()|{}\\u0000]+$'


def _image_rules(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [
        {"properties": {"type": {"const": mime}, "base64_encoded_data": {"pattern": data}}}
        for mime, data in IMAGE_SIGNATURES.items()
    ]


class ImageContent(BaseModel):
    """ImageContentInterface: an image posted with a gallery entry."""

    model_config = ConfigDict(json_schema_extra=_image_rules)

    base64_encoded_data: Annotated[str, Field(max_length=MAX_IMAGE_BYTES * 4 // 3 + 4)]
    type: str = Field(max_length=64)
    name: str = Field(max_length=200, json_schema_extra=pattern(IMAGE_NAME))


class MediaEntryData(BaseModel):
    """A gallery entry: an image stored at ``file``, or a new one posted as ``content`` (stored, then named by
    ``file``); one of the two is required (``upload`` answers "The image content is invalid." without)."""

    model_config = ConfigDict(
        json_schema_extra=declares(
            anyOf=[
                {"required": ["content"], "properties": {"content": {"type": "object"}}},
                {"required": ["file"], "properties": {"file": {"type": "string", "minLength": 1}}},
            ]
        )
    )

    id: int | None = None
    media_type: Annotated[str, Field(max_length=32)] = "image"
    label: Label | None = None
    position: Position = 0
    disabled: bool = False
    # Magento's image roles, each once (``check_entries``)
    types: Annotated[
        list[str], Field(json_schema_extra={"items": {"enum": list(MEDIA_ROLES)}, "uniqueItems": True})
    ] = []
    file: Annotated[str, Field(max_length=255)] | None = None
    content: ImageContent | None = None


# What ``check_option`` refuses with Magento's option messages ("Missed values for option required fields",
# "Invalid option type", "Invalid option value"), said in the document: a title, a known type, a known price type,
# a price below 10^14, and a select type's values
_OPTION_TITLE = {"type": "string", "minLength": 1, "maxLength": 255}
_OPTION_PRICE = {"type": "number", "exclusiveMinimum": -(10**14), "exclusiveMaximum": 10**14}
_PRICE_TYPE = {"type": "string", "enum": list(PRICE_TYPES)}
_SELECT_TYPES = [code for code, (_, group) in OPTION_TYPES.items() if group == "Select"]


def option_rules(*required: str, **properties: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """The option's schema rules (``declares``), with more required fields and properties for a subclass."""
    return declares(
        *required,
        properties={
            "title": _OPTION_TITLE,
            "type": {"type": "string", "enum": list(OPTION_TYPES)},
            "price": {"anyOf": [_OPTION_PRICE, {"type": "null"}]},
            "price_type": {"anyOf": [_PRICE_TYPE, {"type": "null"}]},
            **properties,
        },
        **{
            "if": {"properties": {"type": {"enum": _SELECT_TYPES}}, "required": ["type"]},
            "then": {"required": ["values"], "properties": {"values": {"type": "array", "minItems": 1}}},
        },
    )


class CustomOptionValueData(BaseModel):
    """ProductCustomOptionValuesInterface: one value of a select option."""

    model_config = ConfigDict(
        json_schema_extra=declares(
            properties={"title": _OPTION_TITLE, "price": _OPTION_PRICE, "price_type": _PRICE_TYPE}
        )
    )

    title: Label
    sort_order: Position = 0
    price: Number = 0
    price_type: str = "fixed"
    sku: Annotated[str, Field(max_length=64)] | None = None
    option_type_id: int | None = None


class CustomOptionData(BaseModel):
    """ProductCustomOptionInterface: a select type has ``values``, the others their own price and sku."""

    model_config = ConfigDict(json_schema_extra=option_rules())

    product_sku: str | None = None
    option_id: int | None = None
    title: Label
    type: str
    sort_order: Position = 0
    is_require: bool = True
    price: Number | None = None
    price_type: str | None = None
    sku: Annotated[str, Field(max_length=64)] | None = None
    file_extension: Annotated[str, Field(max_length=50)] | None = None
    max_characters: Annotated[int, Field(ge=0, le=MAX_INT)] | None = None
    image_size_x: Annotated[int, Field(ge=0, le=MAX_SMALL)] | None = None
    image_size_y: Annotated[int, Field(ge=0, le=MAX_SMALL)] | None = None
    values: list[CustomOptionValueData] | None = None
    extension_attributes: dict[str, Any] | None = None


class TierPriceExtension(BaseModel):
    percentage_value: Number | None = None
    website_id: WebsiteId = 0


class ProductTierPriceData(BaseModel):
    """A tier price of the product payload: group 32000 is all groups; a percentage_value wins over value."""

    customer_group_id: Id
    qty: Annotated[float, Field(allow_inf_nan=False, gt=0, lt=MAX_QTY)]
    value: Number | None = None
    extension_attributes: TierPriceExtension | None = None


class ProductData(BaseModel):
    """Magento's product payload; read-only fields (id, created_at, updated_at) are ignored when sent."""

    id: int | None = None
    sku: str | None = None
    name: str | None = None
    attribute_set_id: Id | None = None
    price: Amount | None = None
    # the options of Magento's Status and Visibility sources, the only values a save takes
    status: Annotated[int, Field(json_schema_extra={"enum": [1, 2]})] | None = None
    visibility: Annotated[int, Field(json_schema_extra={"enum": [1, 2, 3, 4]})] | None = None
    type_id: Annotated[str, Field(json_schema_extra={"enum": list(PRODUCT_TYPES)})] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    weight: Amount | None = None
    extension_attributes: ProductExtension | None = None
    product_links: list[ProductLinkData] | None = None
    options: list[CustomOptionData] | None = None
    media_gallery_entries: list[MediaEntryData] | None = None
    tier_prices: list[ProductTierPriceData] | None = None
    custom_attributes: list[CustomAttribute] | None = None


class NewProductData(ProductData):
    sku: Annotated[str, Field(min_length=1)]  # "The "sku" attribute value is empty."


class ProductSaveRequest(BaseModel):
    product: NewProductData
    saveOptions: bool | None = None  # noqa: N815  (Magento's name; every option is always saved)


class ProductUpdateRequest(BaseModel):
    product: ProductData
    saveOptions: bool | None = None  # noqa: N815


# --- batch implementations (the bulk consumer's: one save_many for a run of operations) --------------------------
def save_products(ctx: OperationContext, items: list[tuple[dict[str, str], ProductSaveRequest]]) -> list[ProductData]:
    """``save_product`` for many items at once."""
    return _save_batch(ctx, [(body.product.sku, body.product) for _, body in items])


def update_products(
    ctx: OperationContext, items: list[tuple[dict[str, str], ProductUpdateRequest]]
) -> list[ProductData]:
    """``update_product`` for many items at once."""
    return _save_batch(ctx, [(params["sku"], body.product) for params, body in items])


def _save_batch(ctx: OperationContext, pairs: list[tuple[str, ProductData]]) -> list[ProductData]:
    """Save and read back through one ``save_and_get_many``: a fixed number of statements for the batch.

    A sku twice in the batch is refused (the consumer then saves the items one by one, in order), since one
    ``save_many`` would merge the two payloads instead of applying them in turn.
    """
    if len({sku.casefold() for sku, _ in pairs}) != len(pairs):
        raise ApiError(400, INVALID, ["duplicate sku in one batch", "product.sku"])
    inputs = [to_input(ctx.conn, data, sku, ctx.settings.media_dir) for sku, data in pairs]
    records = repository.save_and_get_many(
        ctx.conn, inputs, write_store_id(ctx), ctx.store.store_id, events=ctx.events, unique_url_keys=True
    )
    return present_many(ctx.conn, records)


# --- routes ----------------------------------------------------------------------------------------------------
# A save may be refused for what is stored (a new product's required attributes, which its set decides; values that
# name no stored option, set, website or category; a url key taken): Magento's 400s, listed in the document
@operations.write("POST", "/V1/products", resource=RESOURCE, batch=save_products, refuses={400: STORED_DATA_REFUSALS})
def save_product(ctx: OperationContext, params: dict[str, str], body: ProductSaveRequest) -> ProductData:
    """Create a product, or update the one with this sku (Magento's POST saves by sku); the saved product."""
    (saved,) = _save_batch(ctx, [(body.product.sku, body.product)])
    return saved


@operations.read("/V1/products/{sku}", resource=RESOURCE)
def get_product(ctx: OperationContext, params: dict[str, str]) -> ProductData:
    """The product as the path's store view sees it."""
    (product,) = present_many(ctx.conn, [repository.get(ctx.conn, params["sku"], ctx.store.store_id)])
    return product


@operations.write(
    "PUT",
    "/V1/products/{sku}",
    resource=RESOURCE,
    batch=update_products,
    bulk_params={"sku": "product.sku"},
    refuses={400: STORED_DATA_REFUSALS},
)
def update_product(ctx: OperationContext, params: dict[str, str], body: ProductUpdateRequest) -> ProductData:
    """Merge the given fields into the product (fields left out keep their values); creates it if new.

    The path's sku names the product whatever ``product.sku`` says, as Magento's ``ParamsOverrider`` puts the
    path's id into the body: a sku is never renamed."""
    (saved,) = _save_batch(ctx, [(params["sku"], body.product)])
    return saved


@operations.write("DELETE", "/V1/products/{sku}", resource=RESOURCE)
def delete_product(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Delete the product with its values, relations, prices and stock."""
    if not repository.delete(ctx.conn, [params["sku"]], events=ctx.events):
        raise NotFoundError(NOT_FOUND)
    return True


@operations.search("/V1/products", resource=RESOURCE)
def search_products(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[ProductData]:
    """Products matching searchCriteria, as the path's store view sees them.

    Fields: id, sku, type_id, attribute_set_id, created_at, updated_at and every attribute code (name, price,
    status, visibility, custom attributes; the store view's value, else the default); ``category_id`` and
    ``website_id`` (eq, in, neq, nin) in filter groups of their own.
    """
    store_id = ctx.store.store_id
    plain, memberships = split_memberships(criteria)
    translation = apply(plain, repository.search_fields(ctx.conn, store_id))
    where = sa.and_(translation.where, *memberships)
    records, total = repository.search(
        ctx.conn, where, translation.order_by, translation.limit, translation.offset or 0, store_id
    )
    return SearchResults[ProductData](**results(present_many(ctx.conn, records), criteria, total))


TYPE_LABELS = {
    "simple": "Simple Product",
    "virtual": "Virtual Product",
    "downloadable": "Downloadable Product",
    "configurable": "Configurable Product",
    "grouped": "Grouped Product",
    "bundle": "Bundle Product",
    "giftcard": "Gift Card",
}


class ProductType(BaseModel):
    """ProductTypeInterface."""

    name: str
    label: str


@operations.read("/V1/products/types", resource=RESOURCE)
def product_types(ctx: OperationContext, params: dict[str, str]) -> list[ProductType]:
    """The product types a product may have."""
    return [ProductType(name=name, label=TYPE_LABELS.get(name, name)) for name in PRODUCT_TYPES]


# --- store scope of writes -------------------------------------------------------------------------------------
def write_store_id(ctx: OperationContext) -> int:
    """Where a write saves store-scoped values: store 0 (the defaults) or the path's store view.

    See the module docstring; ``explicit`` is False when the path named no store (``/rest/V1``).
    """
    store = ctx.store
    if store.is_admin or not store.explicit:
        return ADMIN_STORE_ID
    views = ctx.conn.execute(
        sa.select(sa.func.count()).select_from(store_table).where(store_table.c.store_id != ADMIN_STORE_ID)
    ).scalar_one()
    return ADMIN_STORE_ID if int(views) <= 1 else store.store_id


# --- payload to repository input -------------------------------------------------------------------------------
def to_input(conn: Connection, data: ProductData, sku: str, media_dir: Path) -> ProductInput:
    """The repository's input for a payload: fields left out stay None (merge), given lists replace; images
    posted with gallery entries are stored under ``media_dir`` first."""
    ext = data.extension_attributes or ProductExtension()
    custom: dict[str, Any] = {}
    for item in data.custom_attributes or []:
        _check_integers(item.value, item.attribute_code)
        custom[item.attribute_code] = item.value
    stock = (
        None if ext.stock_item is None else StockInput(qty=ext.stock_item.qty, is_in_stock=ext.stock_item.is_in_stock)
    )
    return ProductInput(
        sku=sku,
        name=data.name,
        type_id=data.type_id,
        attribute_set_id=data.attribute_set_id,
        price=data.price,
        status=data.status,
        visibility=data.visibility,
        weight=data.weight,
        custom_attributes=custom,
        website_ids=ext.website_ids,
        category_links=None
        if ext.category_links is None
        else [CategoryLink(category_id=link.category_id, position=link.position) for link in ext.category_links],
        stock=stock,
        configurable_options=None
        if ext.configurable_product_options is None
        else [
            ConfigurableOption(attribute_id=option.attribute_id, label=option.label, position=option.position)
            for option in ext.configurable_product_options
        ],
        configurable_children=_child_skus(conn, ext.configurable_product_links),
        product_links=None if data.product_links is None else [to_link(link) for link in data.product_links],
        bundle_options=None
        if ext.bundle_product_options is None
        else [
            BundleOption(
                title=option.title,
                type=option.type,
                required=option.required,
                position=option.position,
                option_id=option.option_id,
                product_links=[
                    BundleSelection(
                        sku=selection.sku,
                        qty=selection.qty,
                        can_change_quantity=bool(selection.can_change_quantity),
                        price_type=selection.price_type or 0,
                        price=selection.price or 0,
                        is_default=selection.is_default,
                        position=selection.position,
                    )
                    for selection in option.product_links
                ],
            )
            for option in ext.bundle_product_options
        ],
        media_gallery_entries=None
        if data.media_gallery_entries is None
        else [to_media(upload(entry, media_dir)) for entry in data.media_gallery_entries],
        tier_prices=None if data.tier_prices is None else [_tier_price(price) for price in data.tier_prices],
        options=None if data.options is None else [to_option(option) for option in data.options],
    )


def _tier_price(price: ProductTierPriceData) -> TierPrice:
    ext = price.extension_attributes or TierPriceExtension()
    percentage = ext.percentage_value
    return TierPrice(
        qty=price.qty,
        value=price.value if percentage is None else None,
        percentage_value=percentage,
        customer_group_id=price.customer_group_id,
        website_id=ext.website_id,
    )


def _child_skus(conn: Connection, ids: Sequence[int] | None) -> list[str] | None:
    """Magento names a configurable's children by id; the repository by sku."""
    if ids is None:
        return None
    skus = repository.skus_by_id(conn, ids)
    for child_id in ids:
        if child_id not in skus:  # a product that does not exist: Magento's 404 for an entity it cannot find
            raise NotFoundError(NOT_FOUND)
    return [skus[child_id] for child_id in dict.fromkeys(ids)]


def _check_integers(value: Any, code: str) -> None:
    """Integers no integer column holds are a 400 naming the attribute (not a database error)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and not -MAX_INT - 1 <= item <= MAX_INT:
            raise ApiError(400, INVALID, [str(item), f"custom_attributes.{code}"])


# --- repository record to payload ------------------------------------------------------------------------------
def present_many(conn: Connection, records: Sequence[ProductRecord]) -> list[ProductData]:
    """Magento's payloads of stored products, with their full stock items read for all of them at once (a fixed
    number of queries for a search page, not one per product)."""
    stocked = {record.sku: record.id for record in records if record.stock is not None and record.id is not None}
    stock_items = inventory.legacy_stock_items(conn, stocked) if stocked else {}
    return [present(record, stock_items.get(record.sku)) for record in records]


def present(record: ProductRecord, stock_item: Mapping[str, Any] | None) -> ProductData:
    """Magento's payload of a stored product; ``stock_item`` is its legacy stock item
    (``conveyor.catalog.inventory.legacy_stock_items``), answered when the product has stock."""
    custom = [
        CustomAttribute(attribute_code=code, value=as_text(value)) for code, value in record.custom_attributes.items()
    ]
    if record.category_links:
        custom.append(
            CustomAttribute(
                attribute_code="category_ids", value=[str(link.category_id) for link in record.category_links]
            )
        )
    ext = ProductExtension(
        website_ids=list(record.website_ids),
        category_links=[
            CategoryLinkData(position=link.position, category_id=link.category_id) for link in record.category_links
        ],
    )
    if record.stock is not None and stock_item is not None:
        ext.stock_item = StockItem(**stock_item)
    if record.type_id == "configurable":
        ext.configurable_product_options = [
            ConfigurableOptionData(
                id=option.id,
                attribute_id=option.attribute_id or 0,
                label=option.label,
                position=option.position,
                values=[OptionValue(value_index=value) for value in option.values],
                product_id=record.id,
            )
            for option in record.configurable_options
        ]
        ext.configurable_product_links = list(record.configurable_product_links)
    if record.type_id == "bundle":
        fixed = record.custom_attributes.get("price_type") == 1  # Magento's LinksList: prices of a fixed bundle
        ext.bundle_product_options = [
            BundleOptionData(
                option_id=option.option_id,
                title=option.title,
                required=option.required,
                type=option.type,
                position=option.position,
                sku=record.sku,
                product_links=[
                    BundleLinkData(
                        id=selection.id,
                        sku=selection.sku,
                        option_id=selection.option_id,
                        qty=float(selection.qty),
                        position=selection.position,
                        is_default=selection.is_default,
                        price=float(selection.price) if float(selection.price) > 0 else None,
                        price_type=selection.price_type if fixed else None,
                        can_change_quantity=int(selection.can_change_quantity),
                    )
                    for selection in option.product_links
                ],
            )
            for option in record.bundle_options
        ]
    return ProductData(
        id=record.id,
        sku=record.sku,
        name=record.name,
        attribute_set_id=record.attribute_set_id,
        price=record.price,
        status=record.status,
        visibility=record.visibility,
        type_id=record.type_id,
        created_at=record.created_at,
        updated_at=record.updated_at,
        weight=record.weight,
        extension_attributes=ext,
        product_links=[present_link(record.sku, link) for link in record.product_links],
        options=[present_option(record.sku, option) for option in record.options],
        media_gallery_entries=[present_media(entry) for entry in record.media_gallery_entries],
        tier_prices=[present_tier_price(price, record.price) for price in record.tier_prices],
        custom_attributes=custom,
    )


def present_option(sku: str, option: CustomOption) -> CustomOptionData:
    """Magento's ProductCustomOptionInterface of a stored option of ``sku``."""
    select = option.is_select
    return CustomOptionData(
        product_sku=sku,
        option_id=option.option_id,
        title=option.title,
        type=option.type,
        sort_order=option.sort_order,
        is_require=option.is_require,
        price=None if select or option.price is None else float(option.price),
        price_type=None if select else option.price_type,
        sku=None if select else option.sku,
        file_extension=option.file_extension,
        max_characters=option.max_characters,
        image_size_x=option.image_size_x,
        image_size_y=option.image_size_y,
        values=[
            CustomOptionValueData(
                title=value.title,
                sort_order=value.sort_order,
                price=float(value.price),
                price_type=value.price_type,
                sku=value.sku,
                option_type_id=value.option_type_id,
            )
            for value in option.values
        ]
        if select
        else None,
    )


def to_option(data: CustomOptionData) -> CustomOption:
    """The repository's custom option for a payload's."""
    return CustomOption(
        option_id=data.option_id,
        title=data.title,
        type=data.type,
        is_require=data.is_require,
        sort_order=data.sort_order,
        price=data.price,
        price_type=data.price_type,
        sku=data.sku,
        max_characters=data.max_characters,
        file_extension=data.file_extension,
        image_size_x=data.image_size_x,
        image_size_y=data.image_size_y,
        values=[
            CustomOptionValue(
                title=value.title,
                price=value.price,
                price_type=value.price_type,
                sku=value.sku,
                sort_order=value.sort_order,
                option_type_id=value.option_type_id,
            )
            for value in data.values or []
        ],
    )


def present_media(entry: MediaEntry) -> MediaEntryData:
    """Magento's gallery entry of a stored one."""
    return MediaEntryData(
        id=entry.id,
        media_type=entry.media_type,
        label=entry.label,
        position=entry.position,
        disabled=entry.disabled,
        types=list(entry.types),
        file=entry.file,
    )


def upload(entry: MediaEntryData, media_dir: Path) -> MediaEntryData:
    """The entry with its posted image checked and stored (Magento's ImageProcessor); ``file`` names it."""
    if entry.content is None:
        if not entry.file:
            raise InvalidValueError(INVALID_CONTENT)
        return entry
    content = entry.content
    data = decode_image(content.base64_encoded_data, content.type, content.name)
    return entry.model_copy(update={"file": store_image(media_dir, content.name, content.type, data), "content": None})


def to_media(entry: MediaEntryData) -> MediaEntry:
    """The repository's gallery entry for a payload's (its ``file`` given)."""
    return MediaEntry(
        file=entry.file or "",
        media_type=entry.media_type,
        label=entry.label,
        position=entry.position,
        disabled=entry.disabled,
        types=list(entry.types),
        id=entry.id,
    )


def present_link(sku: str, link: ProductLink) -> ProductLinkData:
    """Magento's ProductLinkInterface of a stored link of ``sku``."""
    return ProductLinkData(
        sku=sku,
        link_type=link.link_type,
        linked_product_sku=link.linked_product_sku,
        linked_product_type=link.linked_product_type,
        position=link.position,
        extension_attributes=None if link.qty is None else ProductLinkExtension(qty=float(link.qty)),
    )


def to_link(link: ProductLinkData) -> ProductLink:
    """The repository's link for a ProductLinkInterface payload."""
    return ProductLink(
        link_type=link.link_type,
        linked_product_sku=link.linked_product_sku,
        position=link.position,
        qty=None if link.extension_attributes is None else link.extension_attributes.qty,
    )


def present_tier_price(price: TierPrice, product_price: float | None) -> ProductTierPriceData:
    """As Magento shows it: a discount's ``value`` is the discounted product price."""
    value = None if price.value is None else float(price.value)
    if price.percentage_value is not None and product_price is not None:
        value = float(Decimal(str(product_price)) * (100 - Decimal(str(price.percentage_value))) / 100)
    return ProductTierPriceData(
        customer_group_id=price.customer_group_id,
        qty=float(price.qty),
        value=value,
        extension_attributes=TierPriceExtension(
            percentage_value=None if price.percentage_value is None else float(price.percentage_value),
            website_id=price.website_id,
        ),
    )


def as_text(value: Any) -> Any:
    """A custom attribute value as Magento shows it: text (decimals with six places), lists item by item."""
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float | Decimal):
        return f"{Decimal(str(value)):.6f}"
    if isinstance(value, int):
        return str(value)
    return value


# --- category and website filters ------------------------------------------------------------------------------
def split_memberships(criteria: SearchCriteria) -> tuple[SearchCriteria, list[ColumnElement[bool]]]:
    """Take the ``category_id`` / ``website_id`` filter groups out of ``criteria`` as membership conditions.

    A product belongs to many categories, so these are no column ``apply`` could compare. Their groups are
    replaced by an always-true filter so that ``apply`` still names the other filters by their positions.
    """
    groups: list[FilterGroup] = []
    conditions: list[ColumnElement[bool]] = []
    for g, group in enumerate(criteria.filter_groups):
        special = [(f, item) for f, item in enumerate(group.filters) if item.field in _MEMBERSHIPS]
        if not special:
            groups.append(group)
            continue
        if len(special) != len(group.filters):
            other = next(item.field for item in group.filters if item.field not in _MEMBERSHIPS)
            raise ApiError(400, MIXED_GROUP, [special[0][1].field, other])
        prefix = f"searchCriteria[filter_groups][{g}][filters]"
        conditions.append(sa.or_(*(_membership(item, f"{prefix}[{f}]") for f, item in special)))
        groups.append(FilterGroup((Filter("sku", None, "notnull"),)))
    return replace(criteria, filter_groups=tuple(groups)), conditions


def _membership(item: Filter, prefix: str) -> ColumnElement[bool]:
    condition = item.condition_type
    if condition not in ("eq", "in", "neq", "nin"):
        raise ApiError(400, INVALID, [condition, f"{prefix}[condition_type]"])
    ids = parse_ids(item.value or "", f"{prefix}[value]")
    member = _MEMBERSHIPS[item.field](ids)
    return member if condition in ("eq", "in") else sa.not_(member)


def parse_ids(text: str, key: str) -> list[int]:
    """Comma-separated ids of a filter value; anything else is a 400 naming the parameter."""
    ids = []
    for part in text.split(","):
        digits = part.strip()
        if not digits.isascii() or not digits.isdigit() or len(digits) > 10 or int(digits) > MAX_INT:
            raise ApiError(400, INVALID, [text, key])
        ids.append(int(digits))
    return ids


_MEMBERSHIPS = {"category_id": ProductRepository.in_categories, "website_id": ProductRepository.in_websites}

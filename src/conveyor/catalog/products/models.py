"""Product payloads: what callers hand to ``ProductRepository.save_many`` and what ``get`` returns.

Close to Magento's product payload (``custom_attributes`` keyed by code, select values as option ids, the
extension attributes as plain fields) but with Python types: numbers as numbers, timestamps as Magento text.
Relations referring to other products use skus, so an import can link products created in the same batch.
On input, a relation left as None is left alone; a list (even empty) replaces what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Magento's type ids. ``giftcard`` is Magento Commerce's: a childless type stored like ``simple`` (its amounts and
# card settings are not kept; the Luma catalogue's gift cards carry none).
PRODUCT_TYPES = ("simple", "configurable", "grouped", "bundle", "virtual", "downloadable", "giftcard")
# Magento's catalog_product_link_type ids.
LINK_TYPES = {"related": 1, "associated": 3, "upsell": 4, "crosssell": 5}
LINK_TYPE_CODES = {number: code for code, number in LINK_TYPES.items()}
# Magento's customer group id meaning "all groups" in product payloads (GroupManagement::CUST_GROUP_ALL).
ALL_GROUPS = 32000
MEDIA_ROLES = ("image", "small_image", "thumbnail", "swatch_image")
BUNDLE_OPTION_TYPES = ("select", "radio", "checkbox", "multi")
# Attributes that are top-level fields of the payload rather than custom attributes.
MAIN_ATTRIBUTES = ("name", "price", "status", "visibility", "weight")

Number = int | float | Decimal | str


@dataclass(slots=True, kw_only=True)
class CategoryLink:
    category_id: int
    position: int = 0


@dataclass(slots=True, kw_only=True)
class StockInput:
    """Magento's stock_item subset: quantity and availability of the default source."""

    qty: Number | None = None
    is_in_stock: bool | None = None


@dataclass(slots=True, kw_only=True)
class StockRecord:
    qty: float
    is_in_stock: bool


@dataclass(slots=True, kw_only=True)
class ConfigurableOption:
    """A super attribute: ``attribute_id`` (Magento's payload) or ``attribute_code`` (imports).

    ``id`` and ``values`` (the option ids the children use) are filled in on read.
    """

    attribute_id: int | None = None
    attribute_code: str | None = None
    label: str | None = None
    position: int = 0
    id: int | None = None
    values: list[int] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class ProductLink:
    """related / upsell / crosssell, or associated (a grouped product's child, with its default ``qty``)."""

    link_type: str
    linked_product_sku: str
    position: int = 0
    qty: Number | None = None
    linked_product_type: str | None = None  # filled in on read


@dataclass(slots=True, kw_only=True)
class BundleSelection:
    """A product of a bundle option; ``price_type`` 0 is fixed, 1 is percent (Magento's values)."""

    sku: str
    qty: Number = 1
    can_change_quantity: bool = False
    price_type: int = 0
    price: Number = 0
    is_default: bool = False
    position: int = 0
    id: int | None = None  # filled in on read
    option_id: int | None = None  # filled in on read


@dataclass(slots=True, kw_only=True)
class BundleOption:
    """A bundle option; an ``option_id`` of the product keeps that option (and its id) when saving."""

    title: str
    type: str = "select"
    required: bool = True
    position: int = 0
    option_id: int | None = None
    product_links: list[BundleSelection] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class MediaEntry:
    """A gallery entry; ``types`` are the roles (image, small_image, thumbnail, swatch_image) it holds."""

    file: str
    media_type: str = "image"
    label: str | None = None
    position: int = 0
    disabled: bool = False
    types: list[str] = field(default_factory=list)
    id: int | None = None


@dataclass(slots=True, kw_only=True)
class TierPrice:
    """A tier or group price: a fixed ``value`` or a ``percentage_value`` discount, from ``qty`` up."""

    qty: Number = 1
    value: Number | None = None
    percentage_value: Number | None = None
    customer_group_id: int = ALL_GROUPS
    website_id: int = 0


# Magento's option types by group (ProductCustomOptionTypeListInterface), in its order.
OPTION_TYPES: dict[str, tuple[str, str]] = {
    "field": ("Field", "Text"),
    "area": ("Area", "Text"),
    "file": ("File", "File"),
    "drop_down": ("Drop-down", "Select"),
    "radio": ("Radio Buttons", "Select"),
    "checkbox": ("Checkbox", "Select"),
    "multiple": ("Multiple Select", "Select"),
    "date": ("Date", "Date"),
    "date_time": ("Date & Time", "Date"),
    "time": ("Time", "Date"),
}
PRICE_TYPES = ("fixed", "percent")


@dataclass(slots=True, kw_only=True)
class CustomOptionValue:
    title: str
    price: Decimal | float = 0
    price_type: str = "fixed"
    sku: str | None = None
    sort_order: int = 0
    option_type_id: int | None = None


@dataclass(slots=True, kw_only=True)
class CustomOption:
    """A custom option; a select type (drop_down, radio, checkbox, multiple) has ``values``, others a price."""

    title: str
    type: str
    is_require: bool = True
    sort_order: int = 0
    price: Decimal | float | None = None
    price_type: str | None = None
    sku: str | None = None
    max_characters: int | None = None
    file_extension: str | None = None
    image_size_x: int | None = None
    image_size_y: int | None = None
    values: list[CustomOptionValue] = field(default_factory=list)
    option_id: int | None = None

    @property
    def is_select(self) -> bool:
        return OPTION_TYPES.get(self.type, ("", ""))[1] == "Select"


@dataclass(slots=True, kw_only=True)
class ProductInput:
    """A product to create or update by sku; fields left None are left alone (merge semantics).

    ``custom_attributes`` maps attribute codes to values; a None value removes the value at the store
    (a store view then falls back to the default).
    """

    sku: str
    name: str | None = None
    type_id: str | None = None
    attribute_set_id: int | None = None
    price: Number | None = None
    status: int | None = None
    visibility: int | None = None
    weight: Number | None = None
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    website_ids: list[int] | None = None
    category_links: list[CategoryLink] | None = None
    stock: StockInput | None = None
    configurable_options: list[ConfigurableOption] | None = None
    configurable_children: list[str] | None = None
    product_links: list[ProductLink] | None = None
    bundle_options: list[BundleOption] | None = None
    media_gallery_entries: list[MediaEntry] | None = None
    tier_prices: list[TierPrice] | None = None
    options: list[CustomOption] | None = None


@dataclass(slots=True, kw_only=True)
class ProductRecord:
    """A stored product as seen from a store view (its values overlaid on the defaults), with its relations."""

    id: int
    sku: str
    name: str | None
    attribute_set_id: int
    price: float | None
    status: int | None
    visibility: int | None
    type_id: str
    created_at: str
    updated_at: str
    weight: float | None
    store_id: int = 0
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    website_ids: list[int] = field(default_factory=list)
    category_links: list[CategoryLink] = field(default_factory=list)
    stock: StockRecord | None = None
    configurable_options: list[ConfigurableOption] = field(default_factory=list)
    configurable_product_links: list[int] = field(default_factory=list)
    configurable_children: list[str] = field(default_factory=list)
    product_links: list[ProductLink] = field(default_factory=list)
    bundle_options: list[BundleOption] = field(default_factory=list)
    media_gallery_entries: list[MediaEntry] = field(default_factory=list)
    tier_prices: list[TierPrice] = field(default_factory=list)
    options: list[CustomOption] = field(default_factory=list)

"""Source entities in the source's own vocabulary (a retail ERP's), as its JSON API sends them.

These are not Magento's shapes: handlers map them (``conveyor.sync.mapping``). Unknown fields are ignored so
that a source adding fields does not break a sync; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class EntityType(StrEnum):
    """What a source can be asked for; the values are the CLI's and the change sets' words."""

    CUSTOMER = "customer"
    ATTRIBUTE = "attribute"
    PRICE_GROUP = "price-group"
    PRODUCT = "product"
    FULFILLMENT = "fulfillment"


class SourceModel(BaseModel):
    """Lenient on input (extra fields ignored), immutable once read."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def as_utc(value: datetime) -> datetime:
    """A naive time is taken as UTC; an aware one is converted to UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Stamped(SourceModel):
    """An entity with the time the source last changed it (what ``since`` filters on)."""

    updated_at: datetime

    @field_validator("updated_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return as_utc(value)


class PriceGroup(Stamped):
    """A price list customers belong to (Magento: a customer group)."""

    code: str
    name: str


class AttributeValue(SourceModel):
    """One value of a list attribute: ``code`` is stable, ``name`` is what shoppers read."""

    code: str
    name: str
    sort: int = 0


class Attribute(Stamped):
    """A product characteristic: a ``list`` of values (colour, size …) or free ``text``."""

    code: str
    name: str
    type: Literal["list", "text"] = "list"
    values: list[AttributeValue] = Field(default_factory=list)


class CustomerAddress(SourceModel):
    """A postal address; ``billing`` / ``delivery`` mark the customer's default ones."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    street: list[str]
    zip: str | None = None
    city: str
    country: str
    phone: str | None = None
    billing: bool = False
    delivery: bool = False


class Customer(Stamped):
    """A customer account of the ERP; ``price_group`` is a price group code (None: the standard prices)."""

    customer_no: str
    email: str
    first_name: str
    last_name: str
    birth_date: date | None = None
    gender: Literal["female", "male"] | None = None
    phone: str | None = None
    vat_number: str | None = None
    price_group: str | None = None
    active: bool = True
    created_at: datetime | None = None
    addresses: list[CustomerAddress] = Field(default_factory=list)


class Outlet(SourceModel):
    """A shop, warehouse or the web shop: where stock lies and prices may differ (Magento: a source)."""

    code: str
    name: str
    country: str | None = None
    zip: str | None = None


class OutletPrice(SourceModel):
    outlet: str
    price: Decimal


class GroupPrice(SourceModel):
    price_group: str
    price: Decimal


class StockLevel(SourceModel):
    outlet: str
    on_hand: Decimal


class Variant(SourceModel):
    """One sellable article of a product: its values on the product's axes, price, prices and stock."""

    sku: str
    name: str | None = None
    barcode: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    weight: Decimal | None = None
    price: Decimal
    outlet_prices: list[OutletPrice] = Field(default_factory=list)
    group_prices: list[GroupPrice] = Field(default_factory=list)
    stock: list[StockLevel] = Field(default_factory=list)


class Product(Stamped):
    """A product (a style) with its variants; ``axes`` are the attributes its variants differ by.

    ``attributes`` holds product-level values (a list attribute's value code, or text); None clears one.
    """

    product_no: str
    name: str
    description: str | None = None
    active: bool = True
    axes: list[str] = Field(default_factory=list)
    attributes: dict[str, str | None] = Field(default_factory=dict)
    variants: list[Variant]


class FulfillmentLine(SourceModel):
    sku: str
    quantity: Decimal


class Fulfillment(SourceModel):
    """A parcel that left for an order: its lines and tracking numbers."""

    id: str
    order_no: str
    shipped_at: datetime
    carrier: str
    carrier_name: str | None = None
    tracking_numbers: list[str] = Field(default_factory=list)
    lines: list[FulfillmentLine]


class IdPage(SourceModel):
    """One page of ids; ``next_cursor`` None means the last page; ``total`` counts every page when known."""

    ids: list[str]
    next_cursor: str | None = None
    total: int | None = None


class ChangeSet(SourceModel):
    """What the source posts when entities change: their type and ids, under an id to acknowledge."""

    id: str
    entity_type: EntityType
    entity_ids: list[str]
    created_at: datetime

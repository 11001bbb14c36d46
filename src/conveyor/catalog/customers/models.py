"""Customer payloads shaped like Magento's REST ``CustomerInterface`` / ``AddressInterface``.

Inputs are lenient on purpose (most fields optional, ids as text or numbers): the repository checks them
and answers with Magento's messages naming the field, rather than a generic schema error.
Records carry timestamps as Magento's 'YYYY-MM-DD HH:MM:SS' text and dates as 'YYYY-MM-DD'.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, field_validator, model_serializer


class AttributeValue(BaseModel):
    """One custom attribute (``{"attribute_code": ..., "value": ...}``); values are kept as text."""

    attribute_code: str
    value: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> str | None:
        """Numbers and booleans as text, a list (multiselect) comma-joined, as Magento stores them."""
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, list | tuple):
            return ",".join(str(item) for item in value)
        return str(value)


class Region(BaseModel):
    """An address's region: code, name and directory id."""

    region_code: str | None = None
    region: str | None = None
    region_id: int | None = None


class AddressInput(BaseModel):
    """A customer address in a request; ``id`` names an existing address of the same customer."""

    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    customer_id: int | None = None
    region: Region | None = None
    region_id: int | None = None
    country_id: str | None = None
    street: list[str] | None = None
    company: str | None = None
    telephone: str | None = None
    fax: str | None = None
    postcode: str | None = None
    city: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    middlename: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    vat_id: str | None = None
    default_shipping: bool = False
    default_billing: bool = False

    @field_validator("street", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        """One string is one line (Magento accepts both)."""
        return [value] if isinstance(value, str) else value


class AddressRecord(BaseModel):
    """A stored customer address as Magento's API returns it."""

    id: int
    customer_id: int
    region: Region
    region_id: int | None = None
    country_id: str
    street: list[str]
    company: str | None = None
    telephone: str
    fax: str | None = None
    postcode: str | None = None
    city: str
    firstname: str
    lastname: str
    middlename: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    vat_id: str | None = None
    default_shipping: bool = False
    default_billing: bool = False


class CustomerInput(BaseModel):
    """A customer in a request (create, update or import).

    ``addresses`` None keeps the stored addresses; a list (even empty) replaces them, as Magento's PUT does.
    ``custom_attributes`` are merged by code; a null value removes that attribute.
    """

    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    group_id: int | None = None
    default_billing: str | int | None = None
    default_shipping: str | int | None = None
    created_at: str | datetime | None = None
    created_in: str | None = None
    dob: str | date | None = None
    email: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    middlename: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    gender: int | None = None
    store_id: int | None = None
    website_id: int | None = None
    taxvat: str | None = None
    is_active: bool | None = None
    disable_auto_group_change: int | bool | None = None
    addresses: list[AddressInput] | None = None
    custom_attributes: list[AttributeValue] | None = None
    extension_attributes: dict[str, Any] | None = None


class CustomerRecord(BaseModel):
    """A stored customer as Magento's API returns it (``default_billing``/``default_shipping`` are id text).

    Serialized as Magento's ``CustomerInterface``: ``is_active`` (Conveyor's own) is left out, and so are
    ``custom_attributes`` when there are none, as Magento leaves them out.
    """

    id: int
    group_id: int
    default_billing: str | None = None
    default_shipping: str | None = None
    confirmation: str | None = None
    created_at: str
    updated_at: str
    created_in: str | None = None
    dob: str | None = None
    email: str
    firstname: str
    lastname: str
    middlename: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    gender: int | None = None
    store_id: int | None = None
    website_id: int
    taxvat: str | None = None
    is_active: bool = True
    disable_auto_group_change: int = 0
    addresses: list[AddressRecord] = Field(default_factory=list)
    custom_attributes: list[AttributeValue] = Field(default_factory=list)
    extension_attributes: dict[str, Any] = Field(default_factory=dict)

    @model_serializer(mode="wrap")
    def _magento_keys(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        data.pop("is_active", None)
        if not data.get("custom_attributes"):
            data.pop("custom_attributes", None)
        return data

"""An ERP document as Conveyor reads it, whatever it came as (JSON, openTRANS): the one shape every source
parses into and the ledger stores. The JSON schema is in the package's docstring (``conveyor.orders.update``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from conveyor.catalog.customers import Money
from conveyor.db.decimal_schema import bounded_decimal

# an amount within its column, not negative: a number, or decimal text the document can bound (no exponent)
_AMOUNT: dict[str, Any] = {
    "anyOf": [*bounded_decimal(Money.largest, Money.places, Decimal(0))["anyOf"], {"type": "null"}]
}

__all__ = ["KINDS", "DocumentLine", "DocumentTrack", "ErpDocument", "ParseError", "explain", "parse_json"]

Kind = Literal["shipment", "invoice", "cancellation", "creditmemo"]
KINDS: tuple[str, ...] = ("shipment", "invoice", "cancellation", "creditmemo")
MAX_LINES = 1000  # an order has far fewer; bounds what one document may ask
MAX_BYTES = 5 * 1024 * 1024


class ParseError(ValueError):
    """A document that cannot be read: the message names the field (or XML element) at fault."""


def _named_schema(schema: dict[str, Any]) -> None:
    """What ``_named`` checks, for the API's document: a line number or a sku (not null)."""
    schema["anyOf"] = [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("line_number", "sku")
    ]


def _kind_schema(schema: dict[str, Any]) -> None:
    """What ``_fits_kind`` checks, for the API's document: tracks on a shipment only, no items on a cancellation."""
    none = {"type": "array", "maxItems": 0}
    schema["anyOf"] = [
        {"properties": {"type": {"const": "shipment"}}},
        {"properties": {"type": {"enum": ["invoice", "creditmemo"]}, "tracks": none}},
        {"properties": {"type": {"const": "cancellation"}, "tracks": none, "items": none}},
    ]


class DocumentLine(BaseModel):
    """One item of the order: by its line number (``extension_attributes.line_number``) or its sku."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_named_schema)

    line_number: str | None = Field(default=None, min_length=1, max_length=64)
    sku: str | None = Field(default=None, min_length=1, max_length=64)
    qty: Decimal = Field(gt=0, le=Decimal(10) ** 8, allow_inf_nan=False)
    return_to_stock: bool = False  # credit memos: the refunded quantity goes back to stock

    @model_validator(mode="after")
    def _named(self) -> DocumentLine:
        if self.line_number is None and self.sku is None:
            raise ValueError("an item needs a line_number or a sku")
        return self

    def label(self) -> str:
        """How messages name the item: ``line 0010 (sku SOCKS)``."""
        parts = []
        if self.line_number is not None:
            parts.append(f"line {self.line_number}")
        if self.sku is not None:
            parts.append(f"sku {self.sku}" if not parts else f"(sku {self.sku})")
        return " ".join(parts)


class DocumentTrack(BaseModel):
    """A tracking number of a shipment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    track_number: str = Field(min_length=1, max_length=255)
    carrier_code: str = Field(default="custom", min_length=1, max_length=32)
    title: str | None = Field(default=None, max_length=255)


class ErpDocument(BaseModel):
    """A shipment, invoice, cancellation or credit memo the ERP sends for one order."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_kind_schema)

    type: Kind
    external_id: str = Field(min_length=1, max_length=191)
    order: str = Field(min_length=1, max_length=191)
    items: tuple[DocumentLine, ...] = Field(default=(), max_length=MAX_LINES)
    tracks: tuple[DocumentTrack, ...] = Field(default=(), max_length=100)
    comment: str | None = Field(default=None, max_length=65535)
    notify: bool = False
    capture: bool = False
    shipping_amount: Decimal | None = Field(default=None, ge=0, le=Money.largest, json_schema_extra=_AMOUNT)
    adjustment_positive: Decimal | None = Field(default=None, ge=0, le=Money.largest, json_schema_extra=_AMOUNT)
    adjustment_negative: Decimal | None = Field(default=None, ge=0, le=Money.largest, json_schema_extra=_AMOUNT)

    @model_validator(mode="after")
    def _fits_kind(self) -> ErpDocument:
        if self.type == "cancellation" and self.items:
            raise ValueError("a cancellation cancels what is left of the whole order: it takes no items")
        if self.type != "shipment" and self.tracks:
            raise ValueError(f"only a shipment has tracks, not a {self.type}")
        return self

    @property
    def title(self) -> str:
        """How messages name the document: ``shipment LA86``."""
        return f"{self.type} {self.external_id}"

    def to_json(self) -> str:
        return self.model_dump_json(exclude_defaults=True)


def _where(error: Any) -> str:
    return ".".join(str(part) for part in error["loc"]) or "document"


def parse_json(data: bytes | str | dict[str, Any]) -> ErpDocument:
    """A JSON document (text or already decoded); ``ParseError`` naming the field when it does not fit."""
    if isinstance(data, bytes | str):
        if len(data) > MAX_BYTES:
            raise ParseError(f"larger than {MAX_BYTES} bytes")
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ParseError("a document must be a JSON object")
    try:
        return ErpDocument.model_validate(data)
    except ValidationError as exc:
        raise ParseError(explain(exc)) from None


def explain(exc: ValidationError) -> str:
    """The first problem of a document that does not fit, naming its field: ``items.0.qty: …``."""
    first = exc.errors()[0]
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{_where(first)}: {first['msg']}{more}"

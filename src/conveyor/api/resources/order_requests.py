"""The order that ``POST /V1/orders`` and ``PUT /V1/orders/create`` take, as the document declares it.

``OrderRepository.create`` checks Magento's rules itself, with Magento's messages: a customer email, items with a
sku and a quantity, a billing address with a name, street, city and country, currencies of three letters, amounts
within their columns, timestamps. These models are the catalog's order inputs with those rules declared (each text
and amount bounded by its column through ``columns``), so that a request the document calls valid is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, create_model

from conveyor.api.document import BLANK, DATE_OF_BIRTH, DAY, EMAIL, NON_BLANK, columns, requires
from conveyor.catalog.customers import Quantity
from conveyor.catalog.sales import (
    MAX_QTY_ORDERED,
    OrderAddressInput,
    OrderExtensionInput,
    OrderInput,
    OrderItemInput,
    PaymentInput,
    ShippingAssignmentInput,
    ShippingData,
    StatusHistoryInput,
    order_address_table,
    order_item_table,
    order_table,
    payment_table,
    status_history_table,
)
from conveyor.db.decimal_schema import bounded_decimal

M = TypeVar("M", bound=BaseModel)
# blank (none), or a date and time as ``parse_timestamp`` reads it (Magento's 'YYYY-MM-DD HH:MM:SS' or ISO 8601)
TIMESTAMP = {
    "anyOf": [
        {
            "type": "string",
            "pattern": "^"
            + BLANK
            + "(?:(?:19|20)[0-9]{2}"
            + DAY
            + "[ T](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])?"
            + BLANK
            + "(?![\\s\\S])",
        },
        {"type": "null"},
    ]
}
CURRENCY = {
    "anyOf": [
        {"type": "string", "pattern": "^(?:" + BLANK + "[A-Za-z]{3}" + BLANK + ")?(?![\\s\\S])"},
        {"type": "null"},
    ]
}
COUNTRY = {"type": "string", "pattern": "^" + BLANK + "[A-Za-z]{2}" + BLANK + "(?![\\s\\S])"}
TEXT = {"type": "string", "pattern": NON_BLANK, "maxLength": 255}
STREET = {
    "anyOf": [
        {"type": "string", "pattern": NON_BLANK},
        {"type": "array", "items": {"type": "string"}, "contains": {"type": "string", "pattern": NON_BLANK}},
    ]
}


def _some(name: str, *also: str) -> Callable[[dict[str, Any]], None]:
    """``name`` a required non-empty list (and ``also`` required)."""
    needed = requires(name, *also)

    def apply(schema: dict[str, Any]) -> None:
        needed(schema)
        schema["properties"][name]["minItems"] = 1

    return apply


def _declared(model: type[M], extra: Any, replace: dict[type[BaseModel], type[BaseModel]]) -> type[M]:
    """``model`` with ``extra`` as its ``json_schema_extra`` and the nested models of ``replace`` swapped."""

    def swap(annotation: Any) -> Any:
        if isinstance(annotation, type) and annotation in replace:
            return replace[annotation]
        args = get_args(annotation)
        if not args:
            return annotation
        swapped = tuple(swap(arg) for arg in args)
        if swapped == args:  # nothing of ``replace`` inside: as declared (``dict[str, Any]`` stays a mapping)
            return annotation
        origin = get_origin(annotation)
        return list[swapped[0]] if origin is list else Union[swapped]  # type: ignore[valid-type]  # noqa: UP007

    fields = {name: (swap(info.annotation), info) for name, info in model.model_fields.items()}
    config = ConfigDict(**{**model.model_config, "json_schema_extra": extra})
    base: type[M] = type(f"{model.__name__}Base", (model,), {"__module__": __name__, "model_config": config})
    name = model.__name__.replace("Input", "") + "Request"
    return create_model(name, __base__=base, __module__=__name__, **fields)  # type: ignore[call-overload,no-any-return]


# an order address's rules, as ``_order_address`` checks them (an order's addresses, an address saved alone)
ADDRESS_RULES = columns(
    order_address_table,
    "firstname",
    "lastname",
    "street",
    "city",
    "country_id",
    properties={"firstname": TEXT, "lastname": TEXT, "city": TEXT, "street": STREET, "country_id": COUNTRY},
)
OrderAddressRequest = _declared(OrderAddressInput, ADDRESS_RULES, {})
# a shipping address unless every item is virtual: declared as always (an order of virtual items may leave it out)
ShippingRequest = _declared(ShippingData, requires("address"), {OrderAddressInput: OrderAddressRequest})
ShippingAssignmentRequest = _declared(ShippingAssignmentInput, requires("shipping"), {ShippingData: ShippingRequest})
OrderExtensionRequest = _declared(
    OrderExtensionInput, _some("shipping_assignments"), {ShippingAssignmentInput: ShippingAssignmentRequest}
)
OrderItemRequest = _declared(
    OrderItemInput,
    columns(
        order_item_table,
        "sku",
        "qty_ordered",
        properties={
            "sku": {"type": "string", "pattern": NON_BLANK},
            "qty_ordered": bounded_decimal(MAX_QTY_ORDERED, Quantity.places, minimum=Quantity.quantum),
        },
    ),
    {},
)
PaymentRequest = _declared(
    PaymentInput, columns(payment_table, "method", properties={"method": {**TEXT, "maxLength": 128}}), {}
)
StatusHistoryRequest = _declared(
    StatusHistoryInput, columns(status_history_table, properties={"created_at": TIMESTAMP}), {}
)


def _order(schema: dict[str, Any]) -> None:
    _order_columns(schema)
    _some("items", "extension_attributes")(schema)


_order_columns = columns(
    order_table,
    "customer_email",
    "items",
    "billing_address",
    properties={
        "customer_email": {"type": "string", "pattern": EMAIL, "maxLength": 128},
        "customer_gender": {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 3}, {"type": "null"}]},
        "customer_dob": DATE_OF_BIRTH,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        **{f"{kind}_currency_code": CURRENCY for kind in ("base", "global", "order", "store")},
    },
)
OrderRequest = _declared(
    OrderInput,
    _order,
    {
        OrderItemInput: OrderItemRequest,
        OrderAddressInput: OrderAddressRequest,
        PaymentInput: PaymentRequest,
        StatusHistoryInput: StatusHistoryRequest,
        OrderExtensionInput: OrderExtensionRequest,
    },
)

"""Orders and shipments: Magento's ``/V1/orders…``, ``/V1/order/{orderId}/ship`` and ``/V1/shipment…`` routes.

Orders: read, search, create (``POST /V1/orders``, ``PUT /V1/orders/create``), comments, statuses, cancel, hold,
unhold, emails, their items and addresses. Every write is also served asynchronously and in bulk (``async.V1.…``).
Invoices, credit memos, the other shipment routes and transactions have their own modules.

Amounts and quantities are ``Decimal`` in the repository and JSON numbers on the wire, as Magento (PHP floats)
sends them: the response models (``Order``, ``Shipment``…) are the records with every Decimal typed ``Number``,
written as an integer when whole, else as the nearest float — whose shortest text is the decimal itself for
every value of up to 15 significant digits (all money below 10^11 at 4 places) — and documented as numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, create_model
from sqlalchemy import Connection

from conveyor.api.operations import MAX_ID, OperationContext, int_param, operations
from conveyor.api.resources.customers import SnakeKeys, snake_keys
from conveyor.api.resources.order_requests import ADDRESS_RULES, OrderRequest
from conveyor.api.resources.order_requests import OrderAddressRequest as DeclaredAddress
from conveyor.api.search import Filter, FilterGroup, R, SearchCriteria, SearchResults, apply, results, search_page
from conveyor.catalog.customers import Quantity
from conveyor.catalog.sales import (
    MAX_QTY_ORDERED,
    ORDER_CREATE_REFUSALS,
    SHIPMENT_REFUSALS,
    OrderAddressRecord,
    OrderExtensionRecord,
    OrderInput,
    OrderItemRecord,
    OrderRecord,
    OrderRepository,
    PaymentRecord,
    ShipmentItemRecord,
    ShipmentRecord,
    ShippingAssignmentRecord,
    StatusHistoryRecord,
    TrackInput,
    cancel_order,
    check_new_order,
    hold_order,
    notify,
    order_status,
    unhold_order,
)
from conveyor.db.decimal_schema import bounded_decimal
from conveyor.orders import of_orders

VIEW = "Magento_Sales::actions_view"
API_ACTIONS = "Magento_Sales::api_actions"
CREATE = "Magento_Sales::create"
COMMENT = "Magento_Sales::comment"
SHIP_RESOURCE = "Magento_Sales::ship"
SHIPMENT_RESOURCE = "Magento_Sales::shipment"
FREE_FORM = ("product_options",)  # kept as sent (stored as JSON), never renamed
SnakeKeysFreeForm = BeforeValidator(partial(snake_keys, verbatim=FREE_FORM))

repository = OrderRepository()


def json_number(value: Decimal) -> int | float:
    """An amount as Magento writes it: an integer when whole, else the nearest float."""
    return int(value) if value == value.to_integral_value() else float(value)


Number = Annotated[Decimal, PlainSerializer(json_number, return_type=float, when_used="json")]
"""A Decimal that is a JSON number on the wire (pydantic would write a string) and documented as one."""

M = TypeVar("M", bound=BaseModel)


def _rewrite(annotation: Any, replace: Mapping[Any, Any]) -> Any:
    """``annotation`` with Decimal as ``Number`` and the models of ``replace`` swapped, inside unions and lists."""
    if annotation is Decimal:
        return Number
    if isinstance(annotation, type) and annotation in replace:
        return replace[annotation]
    args = get_args(annotation)
    if not args or get_origin(annotation) is Annotated:
        return annotation
    rewritten = tuple(_rewrite(arg, replace) for arg in args)
    if rewritten == args:
        return annotation
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return Union[rewritten]  # noqa: UP007  (built from a tuple)
    return origin[rewritten]


def with_numbers(model: type[M], name: str, replace: Mapping[Any, Any] | None = None) -> type[M]:
    """A subclass of ``model`` whose amounts serialize as JSON numbers (nested models as given in ``replace``)."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        annotation = _rewrite(info.annotation, replace or {})
        if annotation is not info.annotation:
            fields[field_name] = (annotation, info)
    subclass: type[M] = create_model(name, __base__=model, __module__=__name__, __doc__=model.__doc__, **fields)
    return subclass


ShipmentItem = with_numbers(ShipmentItemRecord, "ShipmentItem")
Shipment = with_numbers(ShipmentRecord, "Shipment", {ShipmentItemRecord: ShipmentItem})
Payment = with_numbers(PaymentRecord, "Payment")
OrderItem = with_numbers(OrderItemRecord, "OrderItem", {OrderItemRecord: "OrderItem"})  # a child's parent_item
OrderItem.model_rebuild(_types_namespace={"OrderItem": OrderItem})
ShippingAssignment = with_numbers(ShippingAssignmentRecord, "ShippingAssignment", {OrderItemRecord: OrderItem})
NumberedOrderExtension = with_numbers(
    OrderExtensionRecord, "NumberedOrderExtension", {ShippingAssignmentRecord: ShippingAssignment}
)


class ErpExport(BaseModel):
    """One export of the order to an ERP target: where it stands, and the ERP's order id once it answered."""

    target: str
    status: str  # scheduled, transformed, sent, accepted, notified, error
    erp_order_id: str | None = None
    attempts: int = 0
    sent_at: str | None = None
    accepted_at: str | None = None
    notified_at: str | None = None
    error: str | None = None


class OrderExtension(NumberedOrderExtension):  # type: ignore[valid-type,misc]
    """``extension_attributes`` of an order response: Magento's, and ``erp_exports`` once the order is exported."""

    erp_exports: list[ErpExport] | None = None


Order = with_numbers(
    OrderRecord,
    "Order",
    {OrderItemRecord: OrderItem, PaymentRecord: Payment, OrderExtensionRecord: OrderExtension},
)
OrderSearchResults = with_numbers(SearchResults[OrderRecord], "OrderSearchResults", {OrderRecord: Order})
ShipmentSearchResults = with_numbers(SearchResults[ShipmentRecord], "ShipmentSearchResults", {ShipmentRecord: Shipment})
OrderItemSearchResults = with_numbers(
    SearchResults[OrderItemRecord], "OrderItemSearchResults", {OrderItemRecord: OrderItem}
)


def _time(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def erp_exports(conn: Connection, order_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The ``erp_exports`` extension attribute of each order that has been exported."""
    return {
        order_id: [
            {
                "target": row.target,
                "status": row.status,
                "erp_order_id": row.erp_order_id,
                "attempts": row.attempts,
                "sent_at": _time(row.sent_at),
                "accepted_at": _time(row.accepted_at),
                "notified_at": _time(row.notified_at),
                "error": row.error,
            }
            for row in rows
        ]
        for order_id, rows in of_orders(conn, order_ids).items()
    }


def _with_exports(data: dict[str, Any], exports: Mapping[int, list[dict[str, Any]]]) -> dict[str, Any]:
    found = exports.get(data["entity_id"])
    if found:
        data["extension_attributes"] = {**data.get("extension_attributes", {}), "erp_exports": found}
    return data


def as_order(record: OrderRecord, conn: Connection | None = None) -> OrderRecord:
    """The record as an ``Order`` response; with ``conn``, its ERP exports in ``extension_attributes``."""
    exports = erp_exports(conn, [record.entity_id]) if conn is not None else {}
    return Order.model_validate(_with_exports(record.model_dump(), exports))


def as_shipment(record: ShipmentRecord) -> ShipmentRecord:
    """The record as a ``Shipment`` response."""
    return Shipment.model_validate(record.model_dump())


# --- payloads -----------------------------------------------------------------------------------------------
class OrderSaveRequest(BaseModel):
    """``POST /V1/orders``: Magento's order save, here creating the order (``entity_id`` names no stored order)."""

    entity: Annotated[OrderRequest, SnakeKeysFreeForm]  # type: ignore[valid-type]  # OrderInput with its rules declared


class OrderComment(BaseModel):
    """Magento's ``OrderStatusHistoryInterface`` as ``addComment`` reads it; a status changes the order's."""

    comment: str
    is_customer_notified: int | bool | None = None
    is_visible_on_front: int | bool | None = None
    status: str | None = None


class OrderCommentRequest(BaseModel):
    """``POST /V1/orders/{id}/comments``."""

    statusHistory: Annotated[OrderComment, SnakeKeys]  # noqa: N815  (Magento's parameter name)


# a quantity to ship: at least what a column keeps (0.0001), at most what an order item holds: a shipment refuses
# less naming ``qty`` (more is Magento's "must not be greater than" refusal anyway)
SHIP_QTY = bounded_decimal(MAX_QTY_ORDERED, Quantity.places, minimum=Quantity.quantum)


# a valid order the stored ones refuse (its increment or entity id taken), or whose items link to no item of the
# payload (``parent_item_id``, ``parent_item``: the document cannot say which ids the payload holds), naming it
CREATE_REFUSALS = {400: [*ORDER_CREATE_REFUSALS, 'Invalid value of "%1" provided for the %2 field.']}
# a valid shipment its order refuses (its state, more than is left, a child or virtual item, an item not in it)
SHIP_REFUSALS = {400: [*SHIPMENT_REFUSALS, 'Invalid value of "%1" provided for the %2 field.']}


class ShipItem(BaseModel):
    """Magento's ``ShipmentItemCreationInterface``."""

    order_item_id: int
    qty: Decimal = Field(allow_inf_nan=False, json_schema_extra=SHIP_QTY)


class ShipComment(BaseModel):
    """Magento's ``ShipmentCommentCreationInterface``."""

    comment: str
    is_visible_on_front: int | bool | None = None


class ShipOrderRequest(BaseModel):
    """``POST /V1/order/{orderId}/ship``: no items ships everything left; ``packages``/``arguments`` are ignored."""

    items: Annotated[list[ShipItem], SnakeKeys] = Field(default_factory=list)
    notify: bool = False
    appendComment: bool = False  # noqa: N815  (Magento's parameter name)
    comment: Annotated[ShipComment | None, SnakeKeys] = None
    tracks: Annotated[list[TrackInput], SnakeKeys] = Field(default_factory=list)
    packages: list[Any] | None = None
    arguments: dict[str, Any] | None = None


# --- orders -------------------------------------------------------------------------------------------------
@operations.read("/V1/orders/{id}", resource=VIEW, response=Order)
def get_order(ctx: OperationContext, params: dict[str, str]) -> OrderRecord:
    """One order with items, addresses, payment and status history (newest first)."""
    return as_order(repository.get(ctx.conn, int_param(params, "id")), ctx.conn)


@operations.search("/V1/orders", resource=VIEW, response=OrderSearchResults)
def search_orders(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[OrderRecord]:
    """Orders matching searchCriteria (increment_id, status, state, customer_email, created_at, grand_total, …)."""
    translation = apply(criteria, repository.search_fields())
    found, total = repository.search(
        ctx.conn, translation.where, translation.order_by, translation.limit, translation.offset
    )
    exports = erp_exports(ctx.conn, [o.entity_id for o in found])
    return OrderSearchResults.model_validate(
        results([_with_exports(o.model_dump(), exports) for o in found], criteria, total)
    )


@operations.write("POST", "/V1/orders", resource=API_ACTIONS, response=Order, refuses=CREATE_REFUSALS)
def save_order(ctx: OperationContext, params: dict[str, str], body: OrderSaveRequest) -> OrderRecord:
    """Create an order; without ``store_id`` it belongs to the request's store view.

    Items link children to parents by the payload's ``item_id``/``parent_item_id``; new ids are assigned, and
    line numbers by the website's rule (``extension_attributes.line_number``).
    """
    data: OrderInput = body.entity
    check_new_order(ctx.conn, data)
    if data.store_id is None and not ctx.store.is_admin:
        data = data.model_copy(update={"store_id": ctx.store.store_id})
    return as_order(repository.create(ctx.conn, data, events=ctx.events, numbering=ctx.settings))


@operations.write("PUT", "/V1/orders/create", resource=CREATE, response=Order, refuses=CREATE_REFUSALS)
def create_order(ctx: OperationContext, params: dict[str, str], body: OrderSaveRequest) -> OrderRecord:
    """Create an order (Magento's ``OrderRepository::save`` under ``Magento_Sales::create``), as ``POST /V1/orders``."""
    return save_order(ctx, params, body)


@operations.read("/V1/orders/{id}/statuses", resource=VIEW)
def get_order_status(ctx: OperationContext, params: dict[str, str]) -> str:
    """The order's status code (Magento's ``getStatus``)."""
    return order_status(ctx.conn, int_param(params, "id"))


@operations.write("POST", "/V1/orders/{id}/cancel", resource="Magento_Sales::cancel")
def cancel(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Cancel what is neither invoiced nor shipped; false when the order cannot be canceled (as Magento)."""
    return cancel_order(ctx.conn, int_param(params, "id"), events=ctx.events)


@operations.write("POST", "/V1/orders/{id}/hold", resource="Magento_Sales::hold")
def hold(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Put the order on hold ("A hold action is not available." when it cannot be)."""
    return hold_order(ctx.conn, int_param(params, "id"), events=ctx.events)


@operations.write("POST", "/V1/orders/{id}/unhold", resource="Magento_Sales::unhold")
def unhold(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Release the hold: the order gets back the state and status it had."""
    return unhold_order(ctx.conn, int_param(params, "id"), events=ctx.events)


@operations.write("POST", "/V1/orders/{id}/emails", resource="Magento_Sales::emails")
def email_order(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Record the order email as sent (``email_sent``); no mail leaves Conveyor."""
    return notify(ctx.conn, "order", int_param(params, "id"), events=ctx.events)


@operations.read("/V1/orders/{id}/comments", resource=VIEW)
def order_comments(ctx: OperationContext, params: dict[str, str]) -> SearchResults[StatusHistoryRecord]:
    """The order's status history, newest first."""
    order_id = int_param(params, "id")
    found = repository.status_histories(ctx.conn, order_id)
    return comments_page(found, order_id, SearchResults[StatusHistoryRecord])


def parent_criteria(parent_id: int) -> SearchCriteria:
    """The criteria Magento echoes with a ``getCommentsList``: the comments of one parent."""
    return SearchCriteria(filter_groups=(FilterGroup(filters=(Filter("parent_id", str(parent_id)),)),))


def comments_page(found: Sequence[BaseModel], parent_id: int, model: type[R]) -> R:
    """A ``getCommentsList`` answer (order, invoice, credit memo, shipment): every comment of one parent."""
    return model.model_validate(results([c.model_dump() for c in found], parent_criteria(parent_id), len(found)))


class OrderAddressRequest(BaseModel):
    """``PUT /V1/orders/{parent_id}``: Magento's ``OrderAddressInterface`` as ``entity``."""

    entity: Annotated[OrderAddressData, SnakeKeys]


def _names_the_address(schema: dict[str, Any]) -> None:
    """An order address's rules (as an order's, ``OrderAddressRequest``), and ``entity_id`` or ``address_type``
    to name which of the order's addresses it replaces (``save_address`` refuses neither: "address_type" is
    required)."""
    ADDRESS_RULES(schema)
    schema["anyOf"] = [
        {"required": [name], "properties": {name: {"type": kind}}}
        for name, kind in (("entity_id", "integer"), ("address_type", "string"))
    ]


class OrderAddressData(DeclaredAddress):  # type: ignore[misc,valid-type]  # a model made by _declared
    """An order address to save: ``entity_id`` (or ``address_type``) names which of the order's addresses."""

    model_config = ConfigDict(json_schema_extra=_names_the_address)

    entity_id: int | None = None
    parent_id: int | None = None


OrderAddressRequest.model_rebuild()


@operations.write(
    "PUT",
    "/V1/orders/{parent_id}",
    resource=CREATE,
    params={"parent_id": {"type": "integer", "minimum": 0, "maximum": MAX_ID}},  # an order id (int_param's)
)
def save_order_address(ctx: OperationContext, params: dict[str, str], body: OrderAddressRequest) -> OrderAddressRecord:
    """Replace one of the order's addresses (billing or shipping) with the one sent."""
    data = body.entity
    return repository.save_address(ctx.conn, int_param(params, "parent_id"), data, data.entity_id)


@operations.read("/V1/orders/items/{id}", resource=VIEW, response=OrderItem)
def get_order_item(ctx: OperationContext, params: dict[str, str]) -> OrderItemRecord:
    """One order item with its line number (``extension_attributes.line_number``)."""
    return OrderItem.model_validate(repository.get_item(ctx.conn, int_param(params, "id")).model_dump())


@operations.search("/V1/orders/items", resource=VIEW, response=OrderItemSearchResults)
def search_order_items(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[OrderItemRecord]:
    """Order items matching searchCriteria (order_id, sku, product_type, qty_*, …)."""
    return search_page(
        ctx.conn, criteria, repository.item_search_fields(), repository.search_items, OrderItemSearchResults
    )


@operations.write("POST", "/V1/orders/{id}/comments", resource=COMMENT)
def add_order_comment(ctx: OperationContext, params: dict[str, str], body: OrderCommentRequest) -> bool:
    """Add a comment to the order's history (Magento's ``addComment``); a ``status`` becomes the order's status."""
    entry = body.statusHistory
    repository.add_status_history(
        ctx.conn,
        int_param(params, "id"),
        entry.comment,
        status=entry.status,
        notify=bool(entry.is_customer_notified),
        visible_on_front=bool(entry.is_visible_on_front),
        events=ctx.events,
    )
    return True


# --- shipments ----------------------------------------------------------------------------------------------
@operations.write("POST", "/V1/order/{orderId}/ship", resource=SHIP_RESOURCE, refuses=SHIP_REFUSALS)
def ship_order(ctx: OperationContext, params: dict[str, str], body: ShipOrderRequest) -> int:
    """Ship the order's items (all that is left when none are given) with tracking numbers; the shipment id.

    More than is left of an item is a 400 naming its sku; the order becomes ``complete`` once everything is
    shipped and invoiced, else ``processing``.
    """
    items = [(item.order_item_id, item.qty) for item in body.items]
    comment = body.comment.comment if body.comment is not None else None
    visible = bool(body.comment.is_visible_on_front) if body.comment is not None else False
    shipment = repository.create_shipment(
        ctx.conn,
        int_param(params, "orderId"),
        items,
        body.tracks,
        comment=comment,
        notify=body.notify,
        visible_on_front=visible,
        events=ctx.events,
    )
    return shipment.entity_id


@operations.read("/V1/shipment/{id}", resource=SHIPMENT_RESOURCE, response=Shipment)
def get_shipment(ctx: OperationContext, params: dict[str, str]) -> ShipmentRecord:
    """One shipment with its items and tracks."""
    return as_shipment(repository.get_shipment(ctx.conn, int_param(params, "id")))


@operations.search("/V1/shipments", resource=SHIPMENT_RESOURCE, response=ShipmentSearchResults)
def search_shipments(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[ShipmentRecord]:
    """Shipments matching searchCriteria (order_id, increment_id, created_at, …) with items and tracks."""
    return search_page(
        ctx.conn, criteria, repository.shipment_search_fields(), repository.search_shipments, ShipmentSearchResults
    )

"""Invoices: Magento's ``/V1/invoices…``, ``/V1/invoice/{invoiceId}/refund`` and ``/V1/order/{orderId}/invoice``.

The writes are also served asynchronously and in bulk (``async.V1.order.byOrderId.invoice.POST``…). Amounts are
JSON numbers, as in ``orders``. ``POST /V1/order/{orderId}/invoice`` answers the new invoice's id and refuses with
Magento's ``Invoice Document Validation Error(s):`` messages; ``POST /V1/invoice/{invoiceId}/refund`` answers the
credit memo's id.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor.api.document import decimal_text, requires
from conveyor.api.errors import ApiError
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.customers import SnakeKeys
from conveyor.api.resources.orders import comments_page, with_numbers
from conveyor.api.search import SearchCriteria, SearchResults, search_page
from conveyor.catalog.customers import Money
from conveyor.catalog.sales import (
    CAPTURE_UNAVAILABLE,
    CREDITMEMO_REFUSAL,
    INVOICE_REFUSAL,
    MAX_QTY_ORDERED,
    VOID_UNAVAILABLE,
    CommentRecord,
    DocumentItemRecord,
    InvoiceRecord,
    add_comment,
    capture_invoice,
    create_creditmemo,
    create_invoice,
    get_invoice,
    invoice_comment_table,
    invoice_search_fields,
    invoice_table,
    notify,
    search_invoices,
    void_invoice,
)
from conveyor.db.decimal_schema import bounded_decimal

RESOURCE = "Magento_Sales::sales_invoice"
# a valid document its order refuses (its state, items not in it, more than is left): Magento's document validation
# message, the reasons one a line (``%1``)
INVOICE_REFUSALS = {400: [INVOICE_REFUSAL]}
# a refund: the same for a credit memo; return_to_stock_items (free extension attributes) not a list of item ids
REFUND_REFUSALS = {400: [CREDITMEMO_REFUSAL, 'Invalid value of "%1" provided for the %2 field.']}
REQUIRED = '"%1" is required. Enter and try again.'

InvoiceItem = with_numbers(DocumentItemRecord, "InvoiceItem")
Invoice = with_numbers(InvoiceRecord, "Invoice", {DocumentItemRecord: InvoiceItem})
InvoiceSearchResults = with_numbers(SearchResults[InvoiceRecord], "InvoiceSearchResults", {InvoiceRecord: Invoice})


# a quantity as an invoice or credit memo reads it: not negative (0 asks for nothing), at most what an order item
# holds (more is Magento's "must not be greater than" refusal anyway); other numbers are refused naming ``qty``
DOCUMENT_QTY: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": float(MAX_QTY_ORDERED)},
        {"type": "string", "pattern": decimal_text({"minimum": 0, "maximum": MAX_QTY_ORDERED})},
    ]
}


class DocumentItem(BaseModel):
    """Magento's ``InvoiceItemCreationInterface`` / ``CreditmemoItemCreationInterface``."""

    order_item_id: int
    qty: Decimal = Field(allow_inf_nan=False, json_schema_extra=DOCUMENT_QTY)
    extension_attributes: dict[str, Any] | None = None


class DocumentComment(BaseModel):
    """Magento's ``InvoiceCommentCreationInterface`` and its credit memo twin."""

    comment: str
    is_visible_on_front: int | bool | None = None
    extension_attributes: dict[str, Any] | None = None


class InvoiceOrderRequest(BaseModel):
    """``POST /V1/order/{orderId}/invoice``: none ``items`` invoices everything left; ``capture`` captures online."""

    capture: bool = False
    items: Annotated[list[DocumentItem], SnakeKeys] = Field(default_factory=list)
    notify: bool = False
    appendComment: bool = False  # noqa: N815  (Magento's parameter name)
    comment: Annotated[DocumentComment | None, SnakeKeys] = None
    arguments: dict[str, Any] | None = None


# an amount of a refund, within its column (``Money``); a credit memo refuses more naming the field
AMOUNT: dict[str, Any] = {"anyOf": [*bounded_decimal(Money.largest, Money.places)["anyOf"], {"type": "null"}]}


class RefundArguments(BaseModel):
    """``arguments`` of a refund: shipping to give back and adjustments."""

    shipping_amount: Decimal | None = Field(default=None, allow_inf_nan=False, json_schema_extra=AMOUNT)
    adjustment_positive: Decimal | None = Field(default=None, allow_inf_nan=False, json_schema_extra=AMOUNT)
    adjustment_negative: Decimal | None = Field(default=None, allow_inf_nan=False, json_schema_extra=AMOUNT)
    extension_attributes: dict[str, Any] | None = None


class RefundRequest(BaseModel):
    """``POST /V1/order/{orderId}/refund`` and ``POST /V1/invoice/{invoiceId}/refund`` (with ``isOnline``)."""

    items: Annotated[list[DocumentItem], SnakeKeys] = Field(default_factory=list)
    isOnline: bool = False  # noqa: N815  (Magento's parameter name)
    notify: bool = False
    appendComment: bool = False  # noqa: N815  (Magento's parameter name)
    comment: Annotated[DocumentComment | None, SnakeKeys] = None
    arguments: Annotated[RefundArguments | None, SnakeKeys] = None


class CommentEntity(BaseModel):
    """Magento's ``InvoiceCommentInterface`` (and its credit memo and shipment twins) as sent."""

    parent_id: int | None = None
    comment: str
    is_customer_notified: int | bool | None = None
    is_visible_on_front: int | bool | None = None
    extension_attributes: dict[str, Any] | None = None


class CommentRequest(BaseModel):
    """``{"entity": {...}}`` of the comment routes."""

    entity: Annotated[CommentEntity, SnakeKeys]


class InvoiceCommentEntity(CommentEntity):
    """``POST /V1/invoices/comments``: no path names the invoice, so ``parent_id`` must."""

    model_config = ConfigDict(json_schema_extra=requires("parent_id"))


class InvoiceCommentRequest(CommentRequest):
    entity: Annotated[InvoiceCommentEntity, SnakeKeys]


class InvoiceEntity(BaseModel):
    """``POST /V1/invoices``: the order and the items to invoice (Magento's ``InvoiceInterface``)."""

    order_id: int
    items: list[DocumentItem] = Field(default_factory=list)
    extension_attributes: dict[str, Any] | None = None


class InvoiceSaveRequest(BaseModel):
    entity: Annotated[InvoiceEntity, SnakeKeys]


def return_to_stock_items(arguments: RefundArguments) -> list[int]:
    """``arguments.extension_attributes.return_to_stock_items``: the order item ids whose refund goes back to
    stock (Magento's ``CreditmemoCreationArgumentsExtension``)."""
    found = (arguments.extension_attributes or {}).get("return_to_stock_items") or []
    if not isinstance(found, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in found):
        raise ApiError(400, 'Invalid value of "%1" provided for the %2 field.', [str(found), "return_to_stock_items"])
    return found


def comment_of(comment: DocumentComment | None) -> tuple[str | None, bool]:
    """The comment's text and whether it shows on the storefront."""
    if comment is None:
        return None, False
    return comment.comment, bool(comment.is_visible_on_front)


def refund(ctx: OperationContext, order_id: int, body: RefundRequest, invoice_id: int | None = None) -> int:
    """Run a refund request as a credit memo of the order (against ``invoice_id`` when given)."""
    text, visible = comment_of(body.comment)
    arguments = body.arguments or RefundArguments()
    return create_creditmemo(
        ctx.conn,
        order_id,
        [(item.order_item_id, item.qty) for item in body.items],
        invoice_id=invoice_id,
        online=body.isOnline,
        shipping_amount=arguments.shipping_amount,
        adjustment_positive=arguments.adjustment_positive,
        adjustment_negative=arguments.adjustment_negative,
        return_to_stock=return_to_stock_items(arguments),
        notify=body.notify,
        comment=text,
        visible_on_front=visible,
        events=ctx.events,
    )


def as_invoice(record: InvoiceRecord) -> InvoiceRecord:
    return Invoice.model_validate(record.model_dump())


@operations.write("POST", "/V1/order/{orderId}/invoice", resource="Magento_Sales::invoice", refuses=INVOICE_REFUSALS)
def invoice_order(ctx: OperationContext, params: dict[str, str], body: InvoiceOrderRequest) -> int:
    """Invoice the order's items (all that is left when none are given); the invoice id."""
    text, visible = comment_of(body.comment)
    return create_invoice(
        ctx.conn,
        int_param(params, "orderId"),
        [(item.order_item_id, item.qty) for item in body.items],
        capture=body.capture,
        notify=body.notify,
        comment=text,
        visible_on_front=visible,
        events=ctx.events,
    )


@operations.write("POST", "/V1/invoices", resource=RESOURCE, response=Invoice, refuses=INVOICE_REFUSALS)
def save_invoice(ctx: OperationContext, params: dict[str, str], body: InvoiceSaveRequest) -> InvoiceRecord:
    """Create an invoice of ``entity.order_id`` for ``entity.items`` (all left when none); the invoice."""
    data = body.entity
    items = [(item.order_item_id, item.qty) for item in data.items]
    invoice_id = create_invoice(ctx.conn, data.order_id, items, events=ctx.events)
    return as_invoice(get_invoice(ctx.conn, invoice_id))


@operations.read("/V1/invoices/{id}", resource=RESOURCE, response=Invoice)
def read_invoice(ctx: OperationContext, params: dict[str, str]) -> InvoiceRecord:
    """One invoice with its items and comments."""
    return as_invoice(get_invoice(ctx.conn, int_param(params, "id")))


@operations.search("/V1/invoices", resource=RESOURCE, response=InvoiceSearchResults)
def list_invoices(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[InvoiceRecord]:
    """Invoices matching searchCriteria (order_id, increment_id, state, created_at, grand_total, …)."""
    return search_page(ctx.conn, criteria, invoice_search_fields(), search_invoices, InvoiceSearchResults)


@operations.read("/V1/invoices/{id}/comments", resource=RESOURCE)
def invoice_comments(ctx: OperationContext, params: dict[str, str]) -> SearchResults[CommentRecord]:
    """The invoice's comments, oldest first."""
    invoice_id = int_param(params, "id")
    found = get_invoice(ctx.conn, invoice_id).comments
    return comments_page(found, invoice_id, SearchResults[CommentRecord])


@operations.write("POST", "/V1/invoices/comments", resource=RESOURCE)
def comment_invoice(ctx: OperationContext, params: dict[str, str], body: InvoiceCommentRequest) -> CommentRecord:
    """Add a comment to the invoice ``entity.parent_id``."""
    return save_comment(ctx, body, invoice_comment_table, invoice_table, body.entity.parent_id)


def save_comment(
    ctx: OperationContext, body: CommentRequest, table: Any, parent: Any, parent_id: int | None
) -> CommentRecord:
    """A comment route's work: the comment on ``parent_id`` (the path's id when the entity names none)."""
    data = body.entity
    if parent_id is None:
        raise ApiError(400, REQUIRED, ["parent_id"])
    return add_comment(
        ctx.conn,
        table,
        parent,
        parent_id,
        data.comment,
        notify=data.is_customer_notified,
        visible=data.is_visible_on_front,
    )


@operations.write("POST", "/V1/invoices/{id}/emails", resource=RESOURCE)
def email_invoice(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Record the invoice email as sent (``email_sent``)."""
    return notify(ctx.conn, "invoice", int_param(params, "id"), events=ctx.events)


@operations.write("POST", "/V1/invoices/{id}/capture", resource=RESOURCE, refuses={400: [CAPTURE_UNAVAILABLE]})
def capture(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Capture an open invoice of an online payment ("The capture action is not available." otherwise)."""
    return capture_invoice(ctx.conn, int_param(params, "id"), events=ctx.events)


@operations.write("POST", "/V1/invoices/{id}/void", resource=RESOURCE, refuses={400: [VOID_UNAVAILABLE]})
def void(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Void a paid invoice captured online ("The void action is not available." otherwise)."""
    return void_invoice(ctx.conn, int_param(params, "id"), events=ctx.events)


@operations.write("POST", "/V1/invoice/{invoiceId}/refund", resource=RESOURCE, refuses=REFUND_REFUSALS)
def refund_invoice(ctx: OperationContext, params: dict[str, str], body: RefundRequest) -> int:
    """Refund against the invoice (online with ``isOnline``, which needs an invoice captured online); the credit
    memo id."""
    invoice = get_invoice(ctx.conn, int_param(params, "invoiceId"))
    return refund(ctx, invoice.order_id, body, invoice.entity_id)

"""Credit memos: Magento's ``/V1/creditmemo…``, ``/V1/creditmemos`` and ``/V1/order/{orderId}/refund`` routes.

``POST /V1/order/{orderId}/refund`` refunds offline and answers the credit memo's id; ``POST /V1/creditmemo/refund``
and ``POST /V1/creditmemo`` take a ``CreditmemoInterface`` and refund it — online when it names an invoice captured
online and ``offlineRequested`` is not set, as Magento's ``CreditmemoService::refund`` does — answering the memo.
``PUT /V1/creditmemo/{id}`` (cancel) is refused, as in Magento 2.4. The writes are also served async and in bulk.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.api.resources.customers import SnakeKeys
from conveyor.api.resources.invoices import (
    AMOUNT,
    REFUND_REFUSALS,
    CommentRequest,
    DocumentItem,
    RefundRequest,
    refund,
    save_comment,
)
from conveyor.api.resources.orders import comments_page, with_numbers
from conveyor.api.search import SearchCriteria, SearchResults, search_page
from conveyor.catalog.sales import (
    CommentRecord,
    CreditmemoRecord,
    DocumentItemRecord,
    cancel_creditmemo,
    create_creditmemo,
    creditmemo_comment_table,
    creditmemo_search_fields,
    creditmemo_table,
    get_creditmemo,
    notify,
    search_creditmemos,
)

RESOURCE = "Magento_Sales::sales_creditmemo"

CreditmemoItem = with_numbers(DocumentItemRecord, "CreditmemoItem")
Creditmemo = with_numbers(CreditmemoRecord, "Creditmemo", {DocumentItemRecord: CreditmemoItem})
CreditmemoSearchResults = with_numbers(
    SearchResults[CreditmemoRecord], "CreditmemoSearchResults", {CreditmemoRecord: Creditmemo}
)


class CreditmemoEntity(BaseModel):
    """A credit memo to refund (Magento's ``CreditmemoInterface``, the fields read)."""

    order_id: int
    invoice_id: int | None = None
    items: list[DocumentItem] = Field(default_factory=list)
    shipping_amount: Decimal | None = Field(default=None, allow_inf_nan=False, json_schema_extra=AMOUNT)
    adjustment_positive: Decimal | None = Field(default=None, allow_inf_nan=False, json_schema_extra=AMOUNT)
    adjustment_negative: Decimal | None = Field(default=None, allow_inf_nan=False, json_schema_extra=AMOUNT)
    extension_attributes: dict[str, Any] | None = None


class CreditmemoSaveRequest(BaseModel):
    """``POST /V1/creditmemo``."""

    entity: Annotated[CreditmemoEntity, SnakeKeys]


class CreditmemoRefundRequest(BaseModel):
    """``POST /V1/creditmemo/refund``."""

    creditmemo: Annotated[CreditmemoEntity, SnakeKeys]
    offlineRequested: bool = False  # noqa: N815  (Magento's parameter name)


def as_creditmemo(record: CreditmemoRecord) -> CreditmemoRecord:
    return Creditmemo.model_validate(record.model_dump())


def refund_entity(ctx: OperationContext, data: CreditmemoEntity, offline: bool) -> CreditmemoRecord:
    """Refund the credit memo sent; online when it names an invoice and ``offline`` is not asked."""
    memo_id = create_creditmemo(
        ctx.conn,
        data.order_id,
        [(item.order_item_id, item.qty) for item in data.items],
        invoice_id=data.invoice_id,
        online=data.invoice_id is not None and not offline,
        shipping_amount=data.shipping_amount,
        adjustment_positive=data.adjustment_positive,
        adjustment_negative=data.adjustment_negative,
        events=ctx.events,
    )
    return as_creditmemo(get_creditmemo(ctx.conn, memo_id))


@operations.write("POST", "/V1/order/{orderId}/refund", resource="Magento_Sales::creditmemo", refuses=REFUND_REFUSALS)
def refund_order(ctx: OperationContext, params: dict[str, str], body: RefundRequest) -> int:
    """Refund the order offline (all refundable items when none are given); the credit memo id."""
    return refund(ctx, int_param(params, "orderId"), body.model_copy(update={"isOnline": False}))


@operations.write("POST", "/V1/creditmemo/refund", resource=RESOURCE, response=Creditmemo, refuses=REFUND_REFUSALS)
def refund_creditmemo(ctx: OperationContext, params: dict[str, str], body: CreditmemoRefundRequest) -> CreditmemoRecord:
    """Refund the credit memo sent (Magento's ``CreditmemoManagement::refund``)."""
    return refund_entity(ctx, body.creditmemo, body.offlineRequested)


@operations.write("POST", "/V1/creditmemo", resource=RESOURCE, response=Creditmemo, refuses=REFUND_REFUSALS)
def save_creditmemo(ctx: OperationContext, params: dict[str, str], body: CreditmemoSaveRequest) -> CreditmemoRecord:
    """Create and refund the credit memo sent (online against its invoice when that was captured online)."""
    return refund_entity(ctx, body.entity, offline=False)


@operations.read("/V1/creditmemo/{id}", resource=RESOURCE, response=Creditmemo)
def read_creditmemo(ctx: OperationContext, params: dict[str, str]) -> CreditmemoRecord:
    """One credit memo with its items and comments."""
    return as_creditmemo(get_creditmemo(ctx.conn, int_param(params, "id")))


@operations.search("/V1/creditmemos", resource=RESOURCE, response=CreditmemoSearchResults)
def list_creditmemos(
    ctx: OperationContext, params: dict[str, str], criteria: SearchCriteria
) -> SearchResults[CreditmemoRecord]:
    """Credit memos matching searchCriteria (order_id, invoice_id, state, created_at, grand_total, …)."""
    return search_page(ctx.conn, criteria, creditmemo_search_fields(), search_creditmemos, CreditmemoSearchResults)


@operations.write("PUT", "/V1/creditmemo/{id}", resource=RESOURCE)
def cancel(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Refused, as Magento 2.4 refuses it: "You can not cancel Credit Memo"."""
    return cancel_creditmemo(ctx.conn, int_param(params, "id"))


@operations.read("/V1/creditmemo/{id}/comments", resource=RESOURCE)
def creditmemo_comments(ctx: OperationContext, params: dict[str, str]) -> SearchResults[CommentRecord]:
    """The credit memo's comments, oldest first."""
    memo_id = int_param(params, "id")
    found = get_creditmemo(ctx.conn, memo_id).comments
    return comments_page(found, memo_id, SearchResults[CommentRecord])


@operations.write("POST", "/V1/creditmemo/{id}/comments", resource=RESOURCE)
def comment_creditmemo(ctx: OperationContext, params: dict[str, str], body: CommentRequest) -> CommentRecord:
    """Add a comment to the credit memo (``entity.parent_id``, else the path's id)."""
    parent_id = body.entity.parent_id if body.entity.parent_id is not None else int_param(params, "id")
    return save_comment(ctx, body, creditmemo_comment_table, creditmemo_table, parent_id)


@operations.write("POST", "/V1/creditmemo/{id}/emails", resource=RESOURCE)
def email_creditmemo(ctx: OperationContext, params: dict[str, str], body: None) -> bool:
    """Record the credit memo email as sent (``email_sent``)."""
    return notify(ctx.conn, "creditmemo", int_param(params, "id"), events=ctx.events)

"""Credit memos: refunds of invoiced items, offline (``RefundOrder``) or online against an invoice
(``RefundInvoice``, ``CreditmemoManagement::refund``), and what each does to the order.

Magento's rules, as this store models them:

- A credit memo refunds quantities invoiced and not yet refunded (children follow their parent); none asked
  refunds all of them. Shipping refunded defaults to what was invoiced and not refunded; adjustments add
  (``adjustment_positive``) or keep back (``adjustment_negative``) money. No more than paid minus refunded goes back.
- An online refund needs an invoice captured online and records a ``refund`` transaction under its capture.
- After the refund the order is ``closed`` when everything paid went back, ``complete`` when nothing is left to
  ship, else it keeps its state.

Refusals carry Magento's ``Creditmemo Document Validation Error(s):`` messages.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.customers.tables import to_decimal, utc_now
from conveyor.catalog.customers.validation import invalid
from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.events import CREDITMEMO_CREATED, EventSink
from conveyor.catalog.paging import page_ids
from conveyor.catalog.sales.documents import (
    ENTITY_MISSING,
    ZERO,
    Asked,
    Refusals,
    add_history,
    added_totals,
    amount_text,
    check_external_id,
    document_lines,
    insert_document,
    item_changes,
    load_documents,
    lock_order,
    move_order,
    order_items,
    payment_of,
    record_comment,
    refuse,
    update_items,
)
from conveyor.catalog.sales.documents import as_decimal as _d
from conveyor.catalog.sales.events import document_event
from conveyor.catalog.sales.models import CreditmemoRecord
from conveyor.catalog.sales.reservations import refund_stock
from conveyor.catalog.sales.states import (
    CANCELED,
    CLOSED,
    HOLDED,
    PAYMENT_REVIEW,
    can_creditmemo,
    qty_to_refund,
    state_after,
)
from conveyor.catalog.sales.tables import (
    DOCUMENT_AMOUNTS,
    creditmemo_comment_table,
    creditmemo_item_table,
    creditmemo_table,
    invoice_item_table,
    invoice_table,
    payment_table,
)
from conveyor.catalog.sales.transactions import record_transaction

__all__ = [
    "CANNOT_CANCEL",
    "REFUNDED",
    "cancel_creditmemo",
    "create_creditmemo",
    "creditmemo_search_fields",
    "get_creditmemo",
    "search_creditmemos",
]

REFUNDED = 2
PREFIX = "Creditmemo Document Validation Error(s):\n"
CREDITMEMO_REFUSAL = PREFIX + "%1"  # a valid credit memo its order refuses, the reasons one a line
WRONG_STATE = "A creditmemo can not be created when an order has a status of %1"
CANNOT_REFUND = "The order does not allow a creditmemo to be created."
NOT_IN_ORDER = 'The creditmemo contains product item id "%1" that is not part of the original order.'
TOO_MANY = 'The quantity to creditmemo must not be greater than the unrefunded quantity for product SKU "%1".'
NO_PRODUCTS = "You can't create a creditmemo without products."
TOO_MUCH_MONEY = "The most money available to refund is %1."
TOO_MUCH_SHIPPING = "Maximum shipping amount allowed to refund is: %1"
INVOICE_CANNOT_REFUND = "We can't create creditmemo for the invoice."
CANNOT_CANCEL = "You can not cancel Credit Memo"
REFUSALS = Refusals(
    PREFIX, frozenset({PAYMENT_REVIEW, HOLDED, CANCELED, CLOSED}), WRONG_STATE, CANNOT_REFUND, NOT_IN_ORDER, TOO_MANY
)
_REFUNDED = {
    "subtotal_refunded": "subtotal",
    "tax_refunded": "tax_amount",
    "shipping_refunded": "shipping_amount",
    "discount_refunded": "discount_amount",
    "total_refunded": "grand_total",
    "adjustment_positive": "adjustment_positive",
    "adjustment_negative": "adjustment_negative",
}
# Item totals a credit memo adds to (item column → memo line column), in both currencies.
_ITEM_REFUNDED = {"amount_refunded": "row_total", "tax_refunded": "tax_amount", "discount_refunded": "discount_amount"}


def _amount(field: str, value: Any) -> Decimal:
    """An amount of the request at 4 places; one past what ``decimal`` can round (``1E+999``) is invalid, naming
    the field (it was a 500)."""
    try:
        return to_decimal(value)
    except (ValueError, ArithmeticError):
        raise invalid(field, value) from None


def create_creditmemo(
    conn: Connection,
    order_id: int,
    items: Asked = (),
    *,
    invoice_id: int | None = None,
    online: bool = False,
    shipping_amount: Decimal | None = None,
    adjustment_positive: Decimal | None = None,
    adjustment_negative: Decimal | None = None,
    notify: bool = False,
    comment: str | None = None,
    visible_on_front: bool = False,
    external_id: str | None = None,
    return_to_stock: Collection[int] = (),
    events: EventSink,
) -> int:
    """Refund ``items`` (order item id, qty) of the order — all refundable when none — and return the memo's id.

    ``return_to_stock``: the order item ids whose refunded quantity goes back to stock (Magento's
    ``return_to_stock_items``): the sources get the shipped part, the reservation gives up the unshipped part.

    ``external_id``: the memo's id in the system it came from; applying it twice is a ``DuplicateError``.
    """
    order = lock_order(conn, order_id)
    check_external_id(conn, creditmemo_table, order, external_id, "creditmemo")
    rows = order_items(conn, order_id)
    invoice = _invoice(conn, invoice_id, order_id) if invoice_id is not None else None
    messages = REFUSALS.of_order(order, can_creditmemo(order))
    if invoice is not None and (
        invoice["state"] != 2
        or _d(invoice["base_total_refunded"]) >= _d(invoice["base_grand_total"])
        or (online and not invoice["transaction_id"])
    ):
        messages.append(INVOICE_CANNOT_REFUND)
    refundable: Callable[[Mapping[Any, Any]], Decimal] = qty_to_refund
    if invoice is not None:  # against an invoice: no more than it billed and its memos did not refund
        left = _left_on_invoice(conn, invoice["entity_id"])
        refundable = lambda item: min(qty_to_refund(item), left.get(item["item_id"], ZERO))  # noqa: E731
    asked = REFUSALS.asked(rows, items, refundable)
    messages += asked.messages
    quantities = asked.quantities
    shipping_left = _d(order["shipping_invoiced"]) - _d(order["shipping_refunded"])
    shipping = shipping_left if shipping_amount is None else _amount("shipping_amount", shipping_amount)
    if shipping < 0 or shipping > shipping_left:
        messages.append(TOO_MUCH_SHIPPING.replace("%1", amount_text(shipping_left)))
    positive = _amount("adjustment_positive", adjustment_positive or 0)
    negative = _amount("adjustment_negative", adjustment_negative or 0)
    if not messages and not quantities and not shipping and not positive:
        messages.append(NO_PRODUCTS)
    refuse(PREFIX, messages)
    lines = document_lines(rows, quantities)
    last = shipping == shipping_left and all(
        qty_to_refund(r) - quantities.get(r["item_id"], ZERO) <= 0 for r in rows if r["parent_item_id"] is None
    )
    amounts = _amounts(order, lines, shipping, positive, negative, last)
    available = _d(order["base_total_paid"]) - _d(order["base_total_refunded"])
    if round(_d(order["base_total_refunded"]) + amounts["base_grand_total"], 2) > round(
        _d(order["base_total_paid"]), 2
    ):
        raise InvalidValueError(PREFIX + TOO_MUCH_MONEY, [amount_text(available)])
    now = utc_now()
    online = online and invoice is not None
    memo_id = insert_document(
        conn,
        creditmemo_table,
        "creditmemo",
        order,
        REFUNDED,
        amounts,
        notify=notify,
        external_id=external_id,
        now=now,
        invoice_id=invoice_id,
    )
    if lines:
        conn.execute(creditmemo_item_table.insert(), [{**line, "parent_id": memo_id} for line in lines])
    record_comment(conn, creditmemo_comment_table, memo_id, comment, notify=notify, visible=visible_on_front, now=now)
    by_id = {r["item_id"]: r for r in rows}
    changes = item_changes(rows, quantities, lines, "qty_refunded", _ITEM_REFUNDED)
    update_items(conn, changes, now)
    refund_stock(
        conn,
        order,
        rows,
        {n: c["qty_refunded"] - _d(by_id[n]["qty_refunded"]) for n, c in changes.items()},
        return_to_stock,
    )
    values = added_totals(order, amounts, _REFUNDED)
    way = "online" if online else "offline"
    for base in ("", "base_"):
        column = f"{base}total_{way}_refunded"
        values[column] = _d(order[column]) + amounts[f"{base}grand_total"]
    new_rows = [{**r, **changes.get(r["item_id"], {})} for r in rows]
    state = state_after({**order, **values}, new_rows)
    announce = (CREDITMEMO_CREATED, document_event("creditmemo_id", memo_id, order, REFUNDED))
    status = move_order(conn, order, values, state, events=events, announce=announce)
    add_history(conn, order, comment, status, notify=notify, visible=visible_on_front, entity_name="creditmemo")
    payment = payment_of(conn, order_id)
    if payment is not None:
        _refund_payment(conn, payment, amounts)
    if invoice is not None:
        refunded = _d(invoice["base_total_refunded"]) + amounts["base_grand_total"]
        i = invoice_table
        conn.execute(i.update().where(i.c.entity_id == invoice["entity_id"]).values(base_total_refunded=refunded))
    if online and invoice is not None and payment is not None:
        txn_id = f"{invoice['transaction_id']}-refund-{memo_id}"
        record_transaction(conn, payment, txn_id, "refund", parent_txn_id=invoice["transaction_id"])
        c = creditmemo_table
        conn.execute(c.update().where(c.c.entity_id == memo_id).values(transaction_id=txn_id))
    return memo_id


def cancel_creditmemo(conn: Connection, creditmemo_id: int) -> bool:
    """Magento 2.4 refuses to cancel any credit memo (``CreditmemoService::cancel``): so does this store."""
    get_creditmemo(conn, creditmemo_id)
    raise InvalidValueError(CANNOT_CANCEL)


def get_creditmemo(conn: Connection, creditmemo_id: int) -> CreditmemoRecord:
    found = _creditmemos(conn, [creditmemo_id])
    if not found:
        raise NotFoundError(ENTITY_MISSING)
    return found[0]


def creditmemo_search_fields() -> Mapping[str, ColumnElement[Any]]:
    """Magento's searchCriteria field names for credit memos."""
    c = creditmemo_table.c
    names = (
        "entity_id",
        "increment_id",
        "order_id",
        "invoice_id",
        "store_id",
        "state",
        "grand_total",
        "base_grand_total",
        "created_at",
        "updated_at",
    )
    return {n: c[n] for n in names}


def search_creditmemos(
    conn: Connection,
    where: ColumnElement[bool] | None = None,
    order_by: Sequence[ColumnElement[Any]] = (),
    limit: int | None = None,
    offset: int | None = None,
) -> tuple[list[CreditmemoRecord], int]:
    ids, total = page_ids(conn, creditmemo_table.c.entity_id, where, order_by, limit, offset)
    return _creditmemos(conn, ids), total


def _left_on_invoice(conn: Connection, invoice_id: int) -> dict[int, Decimal]:
    """What of each order item the invoice billed and its credit memos have not refunded yet."""
    ii, c, ci = invoice_item_table.c, creditmemo_table.c, creditmemo_item_table.c
    left: dict[int, Decimal] = {}
    for order_item_id, qty in conn.execute(sa.select(ii.order_item_id, ii.qty).where(ii.parent_id == invoice_id)):
        left[order_item_id] = left.get(order_item_id, ZERO) + Decimal(qty)
    query = (
        sa.select(ci.order_item_id, ci.qty)
        .join_from(creditmemo_item_table, creditmemo_table, ci.parent_id == c.entity_id)
        .where(c.invoice_id == invoice_id)
    )
    for order_item_id, qty in conn.execute(query):
        left[order_item_id] = left.get(order_item_id, ZERO) - Decimal(qty)
    return left


def _invoice(conn: Connection, invoice_id: int, order_id: int) -> dict[str, Any]:
    i = invoice_table
    row = conn.execute(sa.select(i).where(i.c.entity_id == invoice_id).with_for_update()).mappings().first()
    if row is None or row["order_id"] != order_id:
        raise NotFoundError(ENTITY_MISSING)
    return dict(row)


def _amounts(
    order: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    shipping: Decimal,
    positive: Decimal,
    negative: Decimal,
    last: bool,
) -> dict[str, Decimal]:
    """The memo's totals; the last one refunds what is left of the paid total (no cent left over by rounding)."""
    rate = _d(order["base_to_order_rate"]) or Decimal(1)
    amounts: dict[str, Decimal] = {}
    for base in ("", "base_"):
        factor = Decimal(1) if not base else 1 / rate
        subtotal = sum((line[f"{base}row_total"] for line in lines), ZERO)
        tax = sum((line[f"{base}tax_amount"] for line in lines), ZERO)
        discount = -sum((line[f"{base}discount_amount"] for line in lines), ZERO)
        ship = to_decimal(shipping * factor)
        pos, neg = to_decimal(positive * factor), to_decimal(negative * factor)
        grand = subtotal + tax + discount + ship + pos - neg
        if last:
            grand = _d(order[f"{base}total_paid"]) - _d(order[f"{base}total_refunded"]) + pos - neg
        amounts.update(
            {
                f"{base}subtotal": subtotal,
                f"{base}subtotal_incl_tax": subtotal + tax,
                f"{base}tax_amount": tax,
                f"{base}shipping_amount": ship,
                f"{base}shipping_tax_amount": ZERO,
                f"{base}shipping_incl_tax": ship,
                f"{base}discount_amount": discount,
                f"{base}grand_total": grand,
                f"{base}adjustment_positive": pos,
                f"{base}adjustment_negative": neg,
                f"{base}adjustment": pos - neg,
            }
        )
    return {name: amounts[name] for name in (*DOCUMENT_AMOUNTS, *_ADJUSTMENTS) if name in amounts}


_ADJUSTMENTS = (
    "base_adjustment",
    "adjustment",
    "base_adjustment_positive",
    "adjustment_positive",
    "base_adjustment_negative",
    "adjustment_negative",
)


def _refund_payment(conn: Connection, payment: Mapping[str, Any], memo: Mapping[str, Decimal]) -> None:
    p = payment_table
    values: dict[str, Decimal] = {}
    for base in ("", "base_"):
        values[f"{base}amount_refunded"] = _d(payment[f"{base}amount_refunded"]) + memo[f"{base}grand_total"]
        values[f"{base}shipping_refunded"] = _d(payment[f"{base}shipping_refunded"]) + memo[f"{base}shipping_amount"]
    conn.execute(p.update().where(p.c.entity_id == payment["entity_id"]).values(values))


def _creditmemos(conn: Connection, ids: Sequence[int]) -> list[CreditmemoRecord]:
    docs = load_documents(conn, creditmemo_table, creditmemo_item_table, creditmemo_comment_table, ids)
    return [CreditmemoRecord.model_validate(doc) for doc in docs]

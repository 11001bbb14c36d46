"""Invoices: create (Magento's ``InvoiceOrder``), capture, void, and what each does to the order.

Magento's rules, as this store models them:

- An invoice bills quantities of the items a customer ordered (children follow their parent); none asked bills
  everything left to invoice. The first invoice carries the order's shipping; the last one takes what is left of
  each order total, so the invoices of an order add up to it exactly.
- An offline payment (check, bank transfer…) is paid when invoiced. An online one is paid when captured — at once
  with ``capture``, else later through ``capture_invoice`` — and records a ``capture`` transaction; a paid online
  invoice can be voided (a ``void`` transaction), which takes back its quantities and amounts.
- Invoicing moves a new order to ``processing``, and to ``complete`` once nothing is left to invoice or ship.

Refusals carry Magento's ``Invoice Document Validation Error(s):`` messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.customers.tables import utc_now
from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.events import INVOICE_CAPTURED, INVOICE_CREATED, INVOICE_VOIDED, EventSink
from conveyor.catalog.paging import page_ids
from conveyor.catalog.sales.documents import (
    ENTITY_MISSING,
    ZERO,
    Asked,
    Refusals,
    add_history,
    added_totals,
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
from conveyor.catalog.sales.models import InvoiceRecord
from conveyor.catalog.sales.states import (
    CANCELED,
    CLOSED,
    COMPLETE,
    HOLDED,
    PAYMENT_REVIEW,
    PROCESSING,
    can_invoice,
    qty_to_invoice,
    state_after,
)
from conveyor.catalog.sales.tables import (
    DOCUMENT_AMOUNTS,
    invoice_comment_table,
    invoice_item_table,
    invoice_table,
    payment_table,
)
from conveyor.catalog.sales.transactions import is_online, record_transaction

__all__ = [
    "OPEN",
    "PAID",
    "VOIDED",
    "capture_invoice",
    "create_invoice",
    "get_invoice",
    "invoice_search_fields",
    "search_invoices",
    "void_invoice",
]

OPEN, PAID, VOIDED = 1, 2, 3
PREFIX = "Invoice Document Validation Error(s):\n"
WRONG_STATE = "An invoice cannot be created when an order has a status of %1"
CANNOT_INVOICE = "The order does not allow an invoice to be created."
NOT_IN_ORDER = "The invoice contains one or more items that are not part of the original order."
TOO_MANY = 'The quantity to invoice must not be greater than the uninvoiced quantity for product SKU "%1".'
NO_PRODUCTS = "The invoice can't be created without products. Add products and try again."
CAPTURE_UNAVAILABLE = "The capture action is not available."
VOID_UNAVAILABLE = "The void action is not available."
# a valid invoice its order refuses: Magento's document validation message, the reasons one a line (``%1``)
INVOICE_REFUSAL = PREFIX + "%1"
REFUSALS = Refusals(
    PREFIX,
    frozenset({PAYMENT_REVIEW, HOLDED, CANCELED, COMPLETE, CLOSED}),
    WRONG_STATE,
    CANNOT_INVOICE,
    NOT_IN_ORDER,
    TOO_MANY,
)
# Order totals an invoice adds to (order column → invoice column), in both currencies.
_INVOICED = {
    "subtotal_invoiced": "subtotal",
    "tax_invoiced": "tax_amount",
    "shipping_invoiced": "shipping_amount",
    "discount_invoiced": "discount_amount",
    "total_invoiced": "grand_total",
}
# Item totals an invoice adds to (item column → invoice line column), in both currencies.
_ITEM_INVOICED = {"row_invoiced": "row_total", "tax_invoiced": "tax_amount", "discount_invoiced": "discount_amount"}


def create_invoice(
    conn: Connection,
    order_id: int,
    items: Asked = (),
    *,
    capture: bool = False,
    notify: bool = False,
    comment: str | None = None,
    visible_on_front: bool = False,
    external_id: str | None = None,
    events: EventSink,
) -> int:
    """Invoice ``items`` (order item id, qty) of the order — everything left when none — and return the id.

    ``external_id`` names the invoice in the system it came from (an ERP): a second one of the order with the same
    id is a ``DuplicateError``, so a document applied twice invoices once.
    """
    order = lock_order(conn, order_id)
    check_external_id(conn, invoice_table, order, external_id, "invoice")
    rows = order_items(conn, order_id)
    messages = REFUSALS.of_order(order, can_invoice(order, rows))
    asked = REFUSALS.asked(rows, items, qty_to_invoice)
    messages += asked.messages
    if not messages and not asked.quantities:
        messages.append(NO_PRODUCTS)
    refuse(PREFIX, messages)
    quantities = asked.quantities
    lines = document_lines(rows, quantities)
    now = utc_now()
    # the items after this invoice, to tell whether it is the last one
    after = {r["item_id"]: _d(r["qty_invoiced"]) + quantities.get(r["item_id"], ZERO) for r in rows}
    last = all(
        _d(r["qty_ordered"]) - after[r["item_id"]] - _d(r["qty_canceled"]) <= 0
        for r in rows
        if r["parent_item_id"] is None
    )
    amounts = _invoice_amounts(order, lines, last)
    payment = payment_of(conn, order_id)
    online = is_online(payment)
    paid = capture or not online
    invoice_id = insert_document(
        conn,
        invoice_table,
        "invoice",
        order,
        PAID if paid else OPEN,
        amounts,
        notify=notify,
        external_id=external_id,
        now=now,
        total_qty=sum(quantities.values(), ZERO),
        can_void_flag=0,
        base_total_refunded=None,
    )
    conn.execute(invoice_item_table.insert(), [{**line, "parent_id": invoice_id} for line in lines])
    record_comment(conn, invoice_comment_table, invoice_id, comment, notify=notify, visible=visible_on_front, now=now)
    changes = item_changes(rows, quantities, lines, "qty_invoiced", _ITEM_INVOICED)
    update_items(conn, changes, now)
    values = added_totals(order, amounts, _INVOICED)
    if paid:
        values.update(_paid(order, amounts))
    new_rows = [{**r, **changes.get(r["item_id"], {})} for r in rows]
    state = state_after({**order, **values}, new_rows, in_progress=True)
    announce = (INVOICE_CREATED, document_event("invoice_id", invoice_id, order, PAID if paid else OPEN))
    status = move_order(conn, order, values, state, events=events, announce=announce)
    add_history(conn, order, comment, status, notify=notify, visible=visible_on_front, entity_name="invoice")
    if paid and payment is not None:
        _pay_payment(conn, payment, amounts)
        if online:
            _capture_transaction(conn, order, payment, invoice_id)
    return invoice_id


def capture_invoice(conn: Connection, invoice_id: int, *, events: EventSink) -> bool:
    """Capture an open (authorized) invoice of an online payment: it becomes paid and the order's paid total grows."""
    invoice = _lock_invoice(conn, invoice_id)
    order = lock_order(conn, invoice["order_id"])
    payment = payment_of(conn, order["entity_id"])
    if invoice["state"] != OPEN or not is_online(payment) or payment is None:
        raise InvalidValueError(CAPTURE_UNAVAILABLE)
    values = _paid(order, invoice)
    announce = (INVOICE_CAPTURED, document_event("invoice_id", invoice_id, order, PAID))
    move_order(conn, order, values, str(order["state"]), events=events, announce=announce)
    _pay_payment(conn, payment, invoice)
    _capture_transaction(conn, order, payment, invoice_id)
    return True


def void_invoice(conn: Connection, invoice_id: int, *, events: EventSink) -> bool:
    """Void a paid invoice captured online: its quantities and amounts leave the order, which goes back to
    ``processing`` (Magento's ``Invoice::void`` and ``cancel``)."""
    invoice = _lock_invoice(conn, invoice_id)
    order = lock_order(conn, invoice["order_id"])
    payment = payment_of(conn, order["entity_id"])
    if invoice["state"] != PAID or not invoice["can_void_flag"] or payment is None:
        raise InvalidValueError(VOID_UNAVAILABLE)
    rows = order_items(conn, order["entity_id"])
    lines = load_documents(conn, invoice_table, invoice_item_table, invoice_comment_table, [invoice_id])[0]["items"]
    quantities = {line["order_item_id"]: Decimal(line["qty"]) for line in lines}
    now = utc_now()
    update_items(conn, item_changes(rows, quantities, lines, "qty_invoiced", _ITEM_INVOICED, sign=-1), now)
    values = added_totals(order, invoice, _INVOICED, sign=-1)
    values.update(_paid(order, invoice, sign=-1))
    announce = (INVOICE_VOIDED, document_event("invoice_id", invoice_id, order, VOIDED))
    move_order(conn, order, values, PROCESSING, events=events, announce=announce)
    _pay_payment(conn, payment, invoice, sign=-1)
    record_transaction(
        conn, payment, f"{invoice['transaction_id']}-void", "void", parent_txn_id=invoice["transaction_id"]
    )
    conn.execute(
        invoice_table.update().where(invoice_table.c.entity_id == invoice_id).values(state=VOIDED, updated_at=now)
    )
    return True


def get_invoice(conn: Connection, invoice_id: int) -> InvoiceRecord:
    found = _invoices(conn, [invoice_id])
    if not found:
        raise NotFoundError(ENTITY_MISSING)
    return found[0]


def invoice_search_fields() -> Mapping[str, ColumnElement[Any]]:
    """Magento's searchCriteria field names for invoices."""
    i = invoice_table.c
    names = ("entity_id", "increment_id", "order_id", "store_id", "state", "grand_total", "base_grand_total")
    return {**{n: i[n] for n in names}, "created_at": i.created_at, "updated_at": i.updated_at}


def search_invoices(
    conn: Connection,
    where: ColumnElement[bool] | None = None,
    order_by: Sequence[ColumnElement[Any]] = (),
    limit: int | None = None,
    offset: int | None = None,
) -> tuple[list[InvoiceRecord], int]:
    ids, total = page_ids(conn, invoice_table.c.entity_id, where, order_by, limit, offset)
    return _invoices(conn, ids), total


# -- helpers ---------------------------------------------------------------------------------------------


def _invoice_amounts(order: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], last: bool) -> dict[str, Any]:
    """The invoice's totals from its lines; the first carries the shipping, the last what is left of each total."""
    amounts: dict[str, Any] = {}
    for base in ("", "base_"):
        subtotal = sum((line[f"{base}row_total"] for line in lines), ZERO)
        tax = sum((line[f"{base}tax_amount"] for line in lines), ZERO)
        discount = -sum((line[f"{base}discount_amount"] for line in lines), ZERO)
        shipping = _d(order[f"{base}shipping_amount"]) - _d(order[f"{base}shipping_invoiced"])
        shipping_tax = ZERO if not shipping else _d(order[f"{base}shipping_tax_amount"])
        tax += shipping_tax
        grand = subtotal + tax + shipping + discount
        if last:
            subtotal = _d(order[f"{base}subtotal"]) - _d(order[f"{base}subtotal_invoiced"])
            tax = _d(order[f"{base}tax_amount"]) - _d(order[f"{base}tax_invoiced"])
            discount = _d(order[f"{base}discount_amount"]) - _d(order[f"{base}discount_invoiced"])
            grand = _d(order[f"{base}grand_total"]) - _d(order[f"{base}total_invoiced"])
        amounts.update(
            {
                f"{base}subtotal": subtotal,
                f"{base}subtotal_incl_tax": subtotal + sum((line[f"{base}tax_amount"] for line in lines), ZERO),
                f"{base}tax_amount": tax,
                f"{base}shipping_amount": shipping,
                f"{base}shipping_tax_amount": shipping_tax,
                f"{base}shipping_incl_tax": shipping + shipping_tax,
                f"{base}discount_amount": discount,
                f"{base}grand_total": grand,
            }
        )
    return {name: amounts.get(name) for name in DOCUMENT_AMOUNTS if name in amounts}


def _paid(order: Mapping[str, Any], invoice: Mapping[str, Any], sign: int = 1) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for base in ("", "base_"):
        paid = _d(order[f"{base}total_paid"]) + sign * _d(invoice[f"{base}grand_total"])
        values[f"{base}total_paid"] = paid
        values[f"{base}total_due"] = _d(order[f"{base}grand_total"]) - paid
    return values


def _pay_payment(conn: Connection, payment: Mapping[str, Any], invoice: Mapping[str, Any], sign: int = 1) -> None:
    p = payment_table
    values: dict[str, Decimal] = {}
    for base in ("", "base_"):
        values[f"{base}amount_paid"] = _d(payment[f"{base}amount_paid"]) + sign * _d(invoice[f"{base}grand_total"])
        values[f"{base}shipping_captured"] = _d(payment[f"{base}shipping_captured"]) + sign * _d(
            invoice[f"{base}shipping_amount"]
        )
    conn.execute(p.update().where(p.c.entity_id == payment["entity_id"]).values(values))


def _capture_transaction(
    conn: Connection, order: Mapping[str, Any], payment: Mapping[str, Any], invoice_id: int
) -> None:
    txn_id = f"{order['increment_id']}-capture-{invoice_id}"
    record_transaction(conn, payment, txn_id, "capture")
    i = invoice_table
    conn.execute(
        i.update().where(i.c.entity_id == invoice_id).values(state=PAID, transaction_id=txn_id, can_void_flag=1)
    )
    conn.execute(
        payment_table.update().where(payment_table.c.entity_id == payment["entity_id"]).values(last_trans_id=txn_id)
    )


def _lock_invoice(conn: Connection, invoice_id: int) -> dict[str, Any]:
    i = invoice_table
    row = conn.execute(sa.select(i).where(i.c.entity_id == invoice_id).with_for_update()).mappings().first()
    if row is None:
        raise NotFoundError(ENTITY_MISSING)
    return dict(row)


def _invoices(conn: Connection, ids: Sequence[int]) -> list[InvoiceRecord]:
    docs = load_documents(conn, invoice_table, invoice_item_table, invoice_comment_table, ids)
    return [InvoiceRecord.model_validate(doc) for doc in docs]

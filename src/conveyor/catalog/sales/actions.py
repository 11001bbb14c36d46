"""The order actions that are no document: cancel, hold, unhold, and the emails (Magento's ``OrderManagement``).

- Cancel (``Order::registerCancellation``): what is neither invoiced nor shipped of each item is canceled
  (to cancel = min(to invoice, to ship)), the order's *_canceled totals take what was not invoiced, and the order
  becomes ``canceled`` — or ``processing``/``complete`` when something invoiced can still be refunded. An order that
  cannot be canceled answers False, as Magento's ``cancel`` does.
- Hold keeps the state and status to return to (``hold_before_state``/``hold_before_status``); unhold restores them.
- Emails record that the notification went out (``email_sent``); Conveyor sends no mail itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.customers.tables import utc_now
from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.events import (
    CREDITMEMO_NOTIFIED,
    INVOICE_NOTIFIED,
    ORDER_CANCELED,
    ORDER_HELD,
    ORDER_NOTIFIED,
    ORDER_UNHELD,
    SHIPMENT_NOTIFIED,
    EventSink,
)
from conveyor.catalog.sales.documents import (
    ENTITY_MISSING,
    ZERO,
    lock_order,
    move_order,
    order_items,
    payment_of,
    set_email_sent,
    update_items,
)
from conveyor.catalog.sales.events import document_event
from conveyor.catalog.sales.reservations import ORDER_CANCELED as ORDER_CANCELED_RESERVATION
from conveyor.catalog.sales.reservations import compensate
from conveyor.catalog.sales.states import (
    CANCELED,
    COMPLETE,
    HOLDED,
    PROCESSING,
    can_cancel,
    can_hold,
    can_unhold,
    qty_to_cancel,
    qty_to_refund,
    qty_to_ship,
)
from conveyor.catalog.sales.tables import creditmemo_table, invoice_table, order_table, payment_table, shipment_table

__all__ = ["CANNOT_HOLD", "CANNOT_UNHOLD", "cancel_order", "hold_order", "notify", "order_status", "unhold_order"]

CANNOT_HOLD = "A hold action is not available."
CANNOT_UNHOLD = "You cannot remove the hold."
_NOTIFY = {
    "order": (order_table, ORDER_NOTIFIED, "order_id"),
    "invoice": (invoice_table, INVOICE_NOTIFIED, "invoice_id"),
    "creditmemo": (creditmemo_table, CREDITMEMO_NOTIFIED, "creditmemo_id"),
    "shipment": (shipment_table, SHIPMENT_NOTIFIED, "shipment_id"),
}


def _d(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)


def cancel_order(conn: Connection, order_id: int, *, events: EventSink) -> bool:
    """Cancel what is left of the order; False (nothing written) when Magento's ``canCancel`` refuses."""
    order = lock_order(conn, order_id)
    rows = order_items(conn, order_id)
    if not can_cancel(order, rows):
        return False
    state = CANCELED
    for row in rows:
        if state != PROCESSING and qty_to_refund(row) > 0:
            state = PROCESSING if qty_to_ship(row) > 0 else COMPLETE
    changes = {
        row["item_id"]: {"qty_canceled": _d(row["qty_canceled"]) + qty_to_cancel(row)}
        for row in rows
        if qty_to_cancel(row) > 0
    }
    update_items(conn, changes, utc_now())
    compensate(
        conn,
        order,
        rows,
        {n: qty_to_cancel(row) for row in rows if (n := row["item_id"]) in changes},
        ORDER_CANCELED_RESERVATION,
    )
    values: dict[str, Decimal] = {}
    for base in ("", "base_"):
        for name, total in (("subtotal", "subtotal"), ("tax", "tax_amount"), ("shipping", "shipping_amount")):
            values[f"{base}{name}_canceled"] = _d(order[f"{base}{total}"]) - _d(order[f"{base}{name}_invoiced"])
        values[f"{base}discount_canceled"] = _d(order[f"{base}discount_amount"]) - _d(order[f"{base}discount_invoiced"])
        values[f"{base}total_canceled"] = _d(order[f"{base}grand_total"]) - _d(order[f"{base}total_paid"])
    announce = (ORDER_CANCELED, document_event("order_id", order_id, order, state))
    move_order(conn, order, values, state, events=events, announce=announce)
    payment = payment_of(conn, order_id)
    if payment is not None:
        p = payment_table
        conn.execute(
            p.update()
            .where(p.c.entity_id == payment["entity_id"])
            .values(amount_canceled=values["total_canceled"], base_amount_canceled=values["base_total_canceled"])
        )
    return True


def hold_order(conn: Connection, order_id: int, *, events: EventSink) -> bool:
    """Put the order on hold, remembering its state and status; refused with Magento's message when not allowed."""
    order = lock_order(conn, order_id)
    if not can_hold(order):
        raise InvalidValueError(CANNOT_HOLD)
    values = {"hold_before_state": order["state"], "hold_before_status": order["status"]}
    announce = (ORDER_HELD, document_event("order_id", order_id, order, HOLDED))
    move_order(conn, order, values, HOLDED, events=events, announce=announce)
    return True


def unhold_order(conn: Connection, order_id: int, *, events: EventSink) -> bool:
    """Take the order off hold, back to the state and status it had."""
    order = lock_order(conn, order_id)
    if not can_unhold(order):
        raise InvalidValueError(CANNOT_UNHOLD)
    state = order["hold_before_state"] or PROCESSING
    status = order["hold_before_status"] or None
    values = {"hold_before_state": None, "hold_before_status": None}
    announce = (ORDER_UNHELD, document_event("order_id", order_id, order, state))
    move_order(conn, order, values, state, status=status, events=events, announce=announce)
    return True


def order_status(conn: Connection, order_id: int) -> str:
    """The order's status (Magento's ``OrderManagement::getStatus``)."""
    o = order_table.c
    status = conn.execute(sa.select(o.status).where(o.entity_id == order_id)).scalar_one_or_none()
    if status is None:
        raise NotFoundError(ENTITY_MISSING)
    return str(status)


def notify(conn: Connection, kind: str, entity_id: int, *, events: EventSink) -> bool:
    """Record that the order's or document's email went out (``kind``: order, invoice, creditmemo, shipment)."""
    table, topic, key = _NOTIFY[kind]
    set_email_sent(conn, table, entity_id)
    order_id = entity_id if kind == "order" else _order_of(conn, table, entity_id)
    o = order_table.c
    order = (
        conn.execute(sa.select(o.entity_id, o.increment_id, o.store_id).where(o.entity_id == order_id)).mappings().one()
    )
    events.emit(topic, document_event(key, entity_id, order, "sent"))
    return True


def _order_of(conn: Connection, table: sa.Table, entity_id: int) -> int:
    order_id: int = conn.execute(sa.select(table.c.order_id).where(table.c.entity_id == entity_id)).scalar_one()
    return order_id

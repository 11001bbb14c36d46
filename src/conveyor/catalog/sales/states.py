"""Magento's order state machine in one place: the states, their default statuses, what each state allows, and the
state an order reaches after a document (``Magento\\Sales\\Model\\Order`` and ``OrderStateResolver``).

Quantities follow Magento's order item: to invoice = ordered - invoiced - canceled; to ship = ordered -
max(shipped, refunded) - canceled; to refund = invoiced - refunded; to cancel = min(to invoice, to ship). Only the
items a customer ordered count (children of configurables and bundles follow their parent), and virtual items never
ship. Every function reads plain mappings (rows of ``sales_order`` and ``sales_order_item``), so a document computes
the next state from the values it is about to write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = [
    "CANCELED",
    "CLOSED",
    "COMPLETE",
    "DEFAULT_STATUS",
    "HOLDED",
    "NEW",
    "PAYMENT_REVIEW",
    "PENDING_PAYMENT",
    "PROCESSING",
    "STATUS_LABELS",
    "can_cancel",
    "can_creditmemo",
    "can_hold",
    "can_invoice",
    "can_ship",
    "can_unhold",
    "qty_to_cancel",
    "qty_to_invoice",
    "qty_to_refund",
    "qty_to_ship",
    "state_after",
]

NEW = "new"
PENDING_PAYMENT = "pending_payment"
PROCESSING = "processing"
COMPLETE = "complete"
CLOSED = "closed"
CANCELED = "canceled"
HOLDED = "holded"
PAYMENT_REVIEW = "payment_review"

DEFAULT_STATUS = {
    NEW: "pending",
    PENDING_PAYMENT: "pending_payment",
    PROCESSING: "processing",
    COMPLETE: "complete",
    CLOSED: "closed",
    CANCELED: "canceled",
    HOLDED: "holded",
    PAYMENT_REVIEW: "payment_review",
}
"""Magento's default status of each state (``sales_order_status_state.is_default``)."""

STATUS_LABELS = {
    "pending": "Pending",
    "pending_payment": "Pending Payment",
    "processing": "Processing",
    "complete": "Complete",
    "closed": "Closed",
    "canceled": "Canceled",
    "holded": "On Hold",
    "payment_review": "Payment Review",
    "fraud": "Suspected Fraud",
}

_EPSILON = Decimal("0.0001")
Row = Mapping[Any, Any]


def _q(row: Row, name: str) -> Decimal:
    value = row.get(name)
    return Decimal(0) if value is None else Decimal(value)


def _top(items: Sequence[Row]) -> list[Row]:
    return [item for item in items if item.get("parent_item_id") is None]


def qty_to_invoice(item: Row) -> Decimal:
    return max(_q(item, "qty_ordered") - _q(item, "qty_invoiced") - _q(item, "qty_canceled"), Decimal(0))


def qty_to_ship(item: Row) -> Decimal:
    if item.get("is_virtual"):
        return Decimal(0)
    done = max(_q(item, "qty_shipped"), _q(item, "qty_refunded"))
    return max(_q(item, "qty_ordered") - done - _q(item, "qty_canceled"), Decimal(0))


def qty_to_refund(item: Row) -> Decimal:
    return max(_q(item, "qty_invoiced") - _q(item, "qty_refunded"), Decimal(0))


def qty_to_cancel(item: Row) -> Decimal:
    to_ship = qty_to_ship(item) if not item.get("is_virtual") else qty_to_invoice(item)
    return max(min(qty_to_invoice(item), to_ship), Decimal(0))


def _blocked(order: Row) -> bool:
    return order["state"] in (HOLDED, PAYMENT_REVIEW)


def can_invoice(order: Row, items: Sequence[Row]) -> bool:
    """Something is left to invoice and the order is not on hold, in review, canceled, complete or closed."""
    if _blocked(order) or order["state"] in (CANCELED, COMPLETE, CLOSED):
        return False
    return any(qty_to_invoice(item) > 0 for item in _top(items))


def can_ship(order: Row, items: Sequence[Row]) -> bool:
    """Something is left to ship and the order is not on hold, in review or canceled."""
    if _blocked(order) or order["state"] == CANCELED:
        return False
    return any(qty_to_ship(item) > 0 for item in _top(items))


def can_cancel(order: Row, items: Sequence[Row]) -> bool:
    """Magento's ``canCancel``: not on hold/in review/canceled/complete/closed, and not everything invoiced."""
    if _blocked(order) or order["state"] in (CANCELED, COMPLETE, CLOSED):
        return False
    return any(qty_to_invoice(item) > 0 for item in _top(items))


def can_creditmemo(order: Row) -> bool:
    """Magento's ``canCreditmemo``: money paid and not yet refunded, on an order that is not held, canceled
    or closed."""
    if _blocked(order) or order["state"] in (CANCELED, CLOSED):
        return False
    return _q(order, "total_paid") - _q(order, "total_refunded") >= _EPSILON


def can_hold(order: Row) -> bool:
    return order["state"] not in (PAYMENT_REVIEW, CANCELED, COMPLETE, CLOSED, HOLDED)


def can_unhold(order: Row) -> bool:
    return bool(order["state"] == HOLDED)


def state_after(order: Row, items: Sequence[Row], *, in_progress: bool = False) -> str:
    """The state Magento's ``OrderStateResolver`` gives an order after a document.

    With nothing left to invoice: ``closed`` once everything paid is refunded (and something was: an order
    imported as invoiced without payment amounts stays ``complete``), else ``complete`` once nothing is left to
    ship. A new order that a document touched (``in_progress``) becomes ``processing`` otherwise.
    """
    state = order["state"] or NEW
    if state not in (CANCELED, HOLDED) and not can_invoice(order, items):
        refunded = _q(order, "total_refunded") > 0 or any(_q(item, "qty_refunded") > 0 for item in items)
        if state in (COMPLETE, PROCESSING) and refunded and not can_creditmemo(order):
            return CLOSED
        if not can_ship(order, items):
            return COMPLETE
    if state == NEW and in_progress:
        return PROCESSING
    return str(state)

"""Magento's order state machine on plain rows: what each state allows and where a document leaves the order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from conveyor.catalog.sales import DEFAULT_STATUS, state_after
from conveyor.catalog.sales.states import can_cancel, can_creditmemo, can_hold, can_invoice, can_ship, qty_to_ship


def item(
    ordered: int = 2, invoiced: int = 0, shipped: int = 0, refunded: int = 0, canceled: int = 0, **extra: Any
) -> dict[str, Any]:
    return {
        "item_id": 1,
        "parent_item_id": None,
        "is_virtual": False,
        "qty_ordered": Decimal(ordered),
        "qty_invoiced": Decimal(invoiced),
        "qty_shipped": Decimal(shipped),
        "qty_refunded": Decimal(refunded),
        "qty_canceled": Decimal(canceled),
        **extra,
    }


def order(state: str = "new", paid: str = "0", refunded: str = "0") -> dict[str, Any]:
    return {
        "state": state,
        "status": DEFAULT_STATUS[state],
        "total_paid": Decimal(paid),
        "total_refunded": Decimal(refunded),
    }


@pytest.mark.parametrize(
    ("state", "rows", "paid", "refunded", "in_progress", "expected"),
    [
        ("new", [item(invoiced=1)], "10", "0", True, "processing"),  # a partial invoice
        ("new", [item(shipped=2)], "0", "0", True, "processing"),  # shipped, not invoiced
        ("processing", [item(invoiced=2, shipped=2)], "20", "0", True, "complete"),
        ("new", [item(invoiced=2, shipped=2)], "20", "0", True, "complete"),  # both in one go
        ("complete", [item(invoiced=2, shipped=2, refunded=1)], "20", "10", False, "complete"),  # part refunded
        ("complete", [item(invoiced=2, shipped=2, refunded=2)], "20", "20", False, "closed"),  # all refunded
        ("processing", [item(invoiced=2, refunded=2)], "20", "20", False, "closed"),  # refunded before shipping
        ("processing", [item(invoiced=2, shipped=2)], "0", "0", True, "complete"),  # imported invoiced, unpaid
        ("holded", [item(invoiced=2, shipped=2)], "20", "0", False, "holded"),
        ("canceled", [item(canceled=2)], "0", "0", False, "canceled"),
    ],
)
def test_the_state_after_a_document(
    state: str, rows: list[dict[str, Any]], paid: str, refunded: str, in_progress: bool, expected: str
) -> None:
    assert state_after(order(state, paid, refunded), rows, in_progress=in_progress) == expected


def test_what_each_state_allows() -> None:
    open_items = [item()]
    for state in ("holded", "payment_review", "canceled"):
        assert not can_invoice(order(state), open_items) and not can_ship(order(state), open_items)
        assert not can_cancel(order(state), open_items)
    for state in ("complete", "closed"):
        assert not can_invoice(order(state), open_items) and not can_cancel(order(state), open_items)
    assert [can_hold(order(s)) for s in DEFAULT_STATUS] == [
        s in ("new", "pending_payment", "processing") for s in DEFAULT_STATUS
    ]
    assert not can_cancel(order("processing"), [item(invoiced=2)])  # everything invoiced: refund instead
    assert can_creditmemo(order("processing", paid="20", refunded="10"))
    assert not can_creditmemo(order("processing", paid="20", refunded="20"))
    assert not can_creditmemo(order("holded", paid="20"))
    assert qty_to_ship(item(shipped=0, refunded=2)) == 0  # refunded counts as gone
    assert qty_to_ship(item(is_virtual=True)) == 0

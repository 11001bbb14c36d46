"""What templates see of an order: Magento's REST shape, lines without configurable children unless numbered."""

from __future__ import annotations

from datetime import UTC, datetime

from conveyor.catalog.sales import OrderRecord
from conveyor.orders.context import line_number, order_context

STAMP = "2026-12-06 10:00:00"


def test_lines_are_top_level_items_and_children_with_a_number_of_their_own() -> None:
    item = {"order_id": 1, "created_at": STAMP, "updated_at": STAMP, "qty_ordered": 1}
    order = OrderRecord.model_validate(
        {
            "entity_id": 1,
            "increment_id": "100",
            "state": "new",
            "status": "pending",
            "customer_email": "c@example.com",
            "created_at": STAMP,
            "updated_at": STAMP,
            "items": [
                {**item, "item_id": 1, "sku": "SHIRT", "product_type": "configurable"},
                {**item, "item_id": 2, "sku": "SHIRT-M", "parent_item_id": 1},
                {**item, "item_id": 3, "sku": "SOCKS"},
            ],
        }
    )
    context = order_context(order, target="erp", website="base", now=datetime(2026, 12, 6, tzinfo=UTC))
    assert [line["sku"] for line in context["lines"]] == ["SHIRT", "SOCKS"]
    assert all(line["line_number"] is None for line in context["lines"])  # the template numbers them itself
    assert (context["shipping_address"], context["target"], context["now"]) == (
        None,
        "erp",
        "2026-12-06T00:00:00+00:00",
    )


def test_a_line_number_is_read_from_the_items_extension_attributes() -> None:
    assert line_number({"extension_attributes": {"line_number": "0020"}}) == "0020"
    assert line_number({"extension_attributes": None}) is None
    assert line_number({}) is None

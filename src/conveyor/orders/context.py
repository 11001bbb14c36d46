"""What templates see: the order as Magento's REST API returns it, its lines numbered when the shop numbers them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conveyor.catalog.sales import OrderRecord


def line_number(item: dict[str, Any]) -> Any:
    """The item's ``extension_attributes.line_number`` (assigned at order creation), if the shop numbers lines."""
    extension = item.get("extension_attributes")
    return extension.get("line_number") if isinstance(extension, dict) else None


def order_context(order: OrderRecord, *, target: str, website: str, now: datetime, **extra: Any) -> dict[str, Any]:
    """The template context of one order: ``order``, ``lines``, both addresses, ``target``, ``website``, ``now``.

    ``lines`` are the items an ERP orders: top-level items, and children that carry a line number of their own
    (a shop that numbers the simple items of its configurables exports them too).
    """
    data = order.model_dump(mode="json")
    items: list[dict[str, Any]] = data.get("items") or []
    for item in items:
        item.pop("parent_item", None)  # the parent again, under each child: not a line
        item["line_number"] = line_number(item)
    lines = [item for item in items if item.get("parent_item_id") is None or item["line_number"] is not None]
    assignments = (data.get("extension_attributes") or {}).get("shipping_assignments") or []
    shipping = assignments[0].get("shipping", {}).get("address") if assignments else None
    return {
        "order": data,
        "lines": lines,
        "billing_address": data.get("billing_address"),
        "shipping_address": shipping,
        "target": target,
        "website": website,
        "now": now.replace(microsecond=0).isoformat(),
        **extra,
    }

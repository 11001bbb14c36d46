"""Orders with their items, addresses, payment and status history; shipments and tracks; increment ids.

The sales functions own the orders' invariants (an order exists, a store view exists) so that every caller, the
REST API as much as a sync handler, gets the same Magento messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.sales.invariants import check_new_order, order_exists
    from conveyor.catalog.sales.models import (
        OrderExtensionRecord,
        OrderInput,
        OrderItemRecord,
        OrderRecord,
        PaymentRecord,
        ShipmentItemRecord,
        ShipmentRecord,
        ShippingAssignmentRecord,
        TrackInput,
    )
    from conveyor.catalog.sales.orders import OrderRepository
    from conveyor.catalog.sales.tables import order_table, status_history_table

_EXPORTS = {
    "OrderExtensionRecord": "conveyor.catalog.sales.models",
    "OrderInput": "conveyor.catalog.sales.models",
    "OrderItemRecord": "conveyor.catalog.sales.models",
    "OrderRecord": "conveyor.catalog.sales.models",
    "OrderRepository": "conveyor.catalog.sales.orders",
    "PaymentRecord": "conveyor.catalog.sales.models",
    "ShipmentItemRecord": "conveyor.catalog.sales.models",
    "ShipmentRecord": "conveyor.catalog.sales.models",
    "ShippingAssignmentRecord": "conveyor.catalog.sales.models",
    "TrackInput": "conveyor.catalog.sales.models",
    "check_new_order": "conveyor.catalog.sales.invariants",
    "order_exists": "conveyor.catalog.sales.invariants",
    "order_table": "conveyor.catalog.sales.tables",
    "status_history_table": "conveyor.catalog.sales.tables",
}

__all__ = [
    "OrderExtensionRecord",
    "OrderInput",
    "OrderItemRecord",
    "OrderRecord",
    "OrderRepository",
    "PaymentRecord",
    "ShipmentItemRecord",
    "ShipmentRecord",
    "ShippingAssignmentRecord",
    "TrackInput",
    "check_new_order",
    "order_exists",
    "order_table",
    "status_history_table",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)

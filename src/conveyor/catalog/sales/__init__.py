"""Orders with their items, addresses, payment and status history; shipments and tracks; increment ids.

The sales functions own the orders' invariants (an order exists, a store view exists) so that every caller, the
REST API as much as a sync handler, gets the same Magento messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
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
    from conveyor.catalog.sales.tables import order_table, shipment_table, status_history_table

_EXPORTS = {
    "order_table": "conveyor.catalog.sales.tables",
    "OrderExtensionRecord": "conveyor.catalog.sales.models",
    "OrderInput": "conveyor.catalog.sales.models",
    "OrderItemRecord": "conveyor.catalog.sales.models",
    "OrderRecord": "conveyor.catalog.sales.models",
    "OrderRepository": "conveyor.catalog.sales.orders",
    "PaymentRecord": "conveyor.catalog.sales.models",
    "shipment_table": "conveyor.catalog.sales.tables",
    "ShipmentItemRecord": "conveyor.catalog.sales.models",
    "ShipmentRecord": "conveyor.catalog.sales.models",
    "ShippingAssignmentRecord": "conveyor.catalog.sales.models",
    "status_history_table": "conveyor.catalog.sales.tables",
    "TrackInput": "conveyor.catalog.sales.models",
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
    "order_table",
    "shipment_table",
    "status_history_table",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)

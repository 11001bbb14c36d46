"""Orders with their items, addresses, payment and status history; invoices, credit memos, shipments and tracks;
cancel, hold and unhold; payment transactions; line numbers; increment ids.

The sales functions own the orders' invariants (an order exists, a store view exists) so that every caller, the
REST API as much as a sync handler, gets the same Magento messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conveyor.lazy import lazy_exports

if TYPE_CHECKING:
    from conveyor.catalog.sales.actions import cancel_order, hold_order, notify, order_status, unhold_order
    from conveyor.catalog.sales.creditmemos import (
        cancel_creditmemo,
        create_creditmemo,
        creditmemo_search_fields,
        get_creditmemo,
        search_creditmemos,
    )
    from conveyor.catalog.sales.documents import add_comment
    from conveyor.catalog.sales.invariants import check_new_order, order_exists
    from conveyor.catalog.sales.invoices import (
        capture_invoice,
        create_invoice,
        get_invoice,
        invoice_search_fields,
        search_invoices,
        void_invoice,
    )
    from conveyor.catalog.sales.models import (
        CommentRecord,
        CreditmemoRecord,
        DocumentItemRecord,
        InvoiceRecord,
        OrderAddressInput,
        OrderAddressRecord,
        OrderExtensionRecord,
        OrderInput,
        OrderItemExtensionRecord,
        OrderItemRecord,
        OrderRecord,
        PaymentRecord,
        ShipmentItemRecord,
        ShipmentRecord,
        ShippingAssignmentRecord,
        StatusHistoryRecord,
        TrackInput,
        TrackRecord,
        TransactionRecord,
    )
    from conveyor.catalog.sales.numbering import line_numbers
    from conveyor.catalog.sales.orders import OrderRepository
    from conveyor.catalog.sales.shipments import EMPTY_SHIPMENT
    from conveyor.catalog.sales.states import DEFAULT_STATUS, STATUS_LABELS, state_after
    from conveyor.catalog.sales.tables import (
        creditmemo_comment_table,
        creditmemo_table,
        invoice_comment_table,
        invoice_table,
        order_table,
        payment_table,
        shipment_comment_table,
        shipment_table,
        status_history_table,
    )
    from conveyor.catalog.sales.transactions import get_transaction, search_transactions, transaction_search_fields

_EXPORTS = {
    "EMPTY_SHIPMENT": "conveyor.catalog.sales.shipments",
    "cancel_order": "conveyor.catalog.sales.actions",
    "hold_order": "conveyor.catalog.sales.actions",
    "unhold_order": "conveyor.catalog.sales.actions",
    "notify": "conveyor.catalog.sales.actions",
    "order_status": "conveyor.catalog.sales.actions",
    "create_invoice": "conveyor.catalog.sales.invoices",
    "capture_invoice": "conveyor.catalog.sales.invoices",
    "void_invoice": "conveyor.catalog.sales.invoices",
    "get_invoice": "conveyor.catalog.sales.invoices",
    "search_invoices": "conveyor.catalog.sales.invoices",
    "invoice_search_fields": "conveyor.catalog.sales.invoices",
    "create_creditmemo": "conveyor.catalog.sales.creditmemos",
    "cancel_creditmemo": "conveyor.catalog.sales.creditmemos",
    "get_creditmemo": "conveyor.catalog.sales.creditmemos",
    "search_creditmemos": "conveyor.catalog.sales.creditmemos",
    "creditmemo_search_fields": "conveyor.catalog.sales.creditmemos",
    "get_transaction": "conveyor.catalog.sales.transactions",
    "search_transactions": "conveyor.catalog.sales.transactions",
    "transaction_search_fields": "conveyor.catalog.sales.transactions",
    "add_comment": "conveyor.catalog.sales.documents",
    "line_numbers": "conveyor.catalog.sales.numbering",
    "DEFAULT_STATUS": "conveyor.catalog.sales.states",
    "STATUS_LABELS": "conveyor.catalog.sales.states",
    "state_after": "conveyor.catalog.sales.states",
    "CommentRecord": "conveyor.catalog.sales.models",
    "CreditmemoRecord": "conveyor.catalog.sales.models",
    "DocumentItemRecord": "conveyor.catalog.sales.models",
    "InvoiceRecord": "conveyor.catalog.sales.models",
    "OrderAddressInput": "conveyor.catalog.sales.models",
    "OrderAddressRecord": "conveyor.catalog.sales.models",
    "OrderItemExtensionRecord": "conveyor.catalog.sales.models",
    "StatusHistoryRecord": "conveyor.catalog.sales.models",
    "TransactionRecord": "conveyor.catalog.sales.models",
    "TrackRecord": "conveyor.catalog.sales.models",
    "creditmemo_comment_table": "conveyor.catalog.sales.tables",
    "creditmemo_table": "conveyor.catalog.sales.tables",
    "invoice_comment_table": "conveyor.catalog.sales.tables",
    "invoice_table": "conveyor.catalog.sales.tables",
    "shipment_comment_table": "conveyor.catalog.sales.tables",
    "shipment_table": "conveyor.catalog.sales.tables",
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
    "payment_table": "conveyor.catalog.sales.tables",
    "status_history_table": "conveyor.catalog.sales.tables",
}

__all__ = [
    "DEFAULT_STATUS",
    "EMPTY_SHIPMENT",
    "STATUS_LABELS",
    "CommentRecord",
    "CreditmemoRecord",
    "DocumentItemRecord",
    "InvoiceRecord",
    "OrderAddressInput",
    "OrderAddressRecord",
    "OrderExtensionRecord",
    "OrderInput",
    "OrderItemExtensionRecord",
    "OrderItemRecord",
    "OrderRecord",
    "OrderRepository",
    "PaymentRecord",
    "ShipmentItemRecord",
    "ShipmentRecord",
    "ShippingAssignmentRecord",
    "StatusHistoryRecord",
    "TrackInput",
    "TrackRecord",
    "TransactionRecord",
    "add_comment",
    "cancel_creditmemo",
    "cancel_order",
    "capture_invoice",
    "check_new_order",
    "create_creditmemo",
    "create_invoice",
    "creditmemo_comment_table",
    "creditmemo_search_fields",
    "creditmemo_table",
    "get_creditmemo",
    "get_invoice",
    "get_transaction",
    "hold_order",
    "invoice_comment_table",
    "invoice_search_fields",
    "invoice_table",
    "line_numbers",
    "notify",
    "order_exists",
    "order_status",
    "order_table",
    "payment_table",
    "search_creditmemos",
    "search_invoices",
    "search_transactions",
    "shipment_comment_table",
    "shipment_table",
    "state_after",
    "status_history_table",
    "transaction_search_fields",
    "unhold_order",
    "void_invoice",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)

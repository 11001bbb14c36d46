"""Domain events: what the store tells the rest of the system after a write, in the writing transaction.

The catalog does not know the message queue (they are sibling layers). A write that has news takes an
``EventSink``, anything with ``emit(topic, payload)``; the caller passes its ``conveyor.mq.Transaction``, whose
``emit`` publishes through the outbox or the DB queue in the same transaction, so an event exists exactly when
the write commits. A caller with nowhere to publish (a maintenance script) passes ``NO_EVENTS``.

Payloads are small and stable: ids and codes to look the entity up by, never the whole entity, so a consumer
reads the committed state and an old message never carries stale data.
"""

from __future__ import annotations

from typing import Any, Protocol

ORDER_PLACED = "sales.order.placed"
ORDER_STATUS_CHANGED = "sales.order.status_changed"
SHIPMENT_CREATED = "sales.shipment.created"
ORDER_CANCELED = "sales.order.canceled"
ORDER_HELD = "sales.order.held"
ORDER_UNHELD = "sales.order.unheld"
ORDER_NOTIFIED = "sales.order.notified"
INVOICE_CREATED = "sales.invoice.created"
INVOICE_CAPTURED = "sales.invoice.captured"
INVOICE_VOIDED = "sales.invoice.voided"
INVOICE_NOTIFIED = "sales.invoice.notified"
CREDITMEMO_CREATED = "sales.creditmemo.created"
CREDITMEMO_NOTIFIED = "sales.creditmemo.notified"
SHIPMENT_NOTIFIED = "sales.shipment.notified"
PRODUCT_SAVED = "catalog.product.saved"
PRODUCT_DELETED = "catalog.product.deleted"
SALES_DOCUMENT_TOPICS = (
    ORDER_CANCELED,
    ORDER_HELD,
    ORDER_UNHELD,
    ORDER_NOTIFIED,
    INVOICE_CREATED,
    INVOICE_CAPTURED,
    INVOICE_VOIDED,
    INVOICE_NOTIFIED,
    CREDITMEMO_CREATED,
    CREDITMEMO_NOTIFIED,
    SHIPMENT_NOTIFIED,
)
TOPICS = (ORDER_PLACED, ORDER_STATUS_CHANGED, SHIPMENT_CREATED, *SALES_DOCUMENT_TOPICS, PRODUCT_SAVED, PRODUCT_DELETED)


class EventSink(Protocol):
    """Where a write's events go: ``conveyor.mq.Transaction`` in production."""

    def emit(self, topic: str, payload: Any) -> object:
        """Publish ``payload`` on ``topic`` with the write's transaction (or drop it if nobody listens)."""


class _Discard:
    def emit(self, topic: str, payload: Any) -> None:
        return None


NO_EVENTS: EventSink = _Discard()
"""For writes whose events nobody may receive (seeding, maintenance): every event is dropped."""

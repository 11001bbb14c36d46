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
PRODUCT_SAVED = "catalog.product.saved"
PRODUCT_DELETED = "catalog.product.deleted"
TOPICS = (ORDER_PLACED, ORDER_STATUS_CHANGED, SHIPMENT_CREATED, PRODUCT_SAVED, PRODUCT_DELETED)


class EventSink(Protocol):
    """Where a write's events go: ``conveyor.mq.Transaction`` in production."""

    def emit(self, topic: str, payload: Any) -> object:
        """Publish ``payload`` on ``topic`` with the write's transaction (or drop it if nobody listens)."""


class _Discard:
    def emit(self, topic: str, payload: Any) -> None:
        return None


NO_EVENTS: EventSink = _Discard()
"""For writes whose events nobody may receive (seeding, maintenance): every event is dropped."""

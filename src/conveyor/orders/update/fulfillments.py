"""A source's fulfilments, applied as ERP shipment documents through the order update.

Fulfilment sync lives in ``conveyor.sync``, a layer below ``conveyor.orders``, so it cannot call the update path
itself. ``orders`` provides this module's ``apply_fulfillments`` as the ``fulfillment`` plug-in of
``conveyor.sync_appliers`` (declared in ``pyproject.toml``), and sync's ``apply_fulfillments`` loads it through
``conveyor.plugins``. Every way a fulfilment is synced (a queued or inline ``SyncFulfillments`` command, a bulk
run, an EDS change set) thus takes the one path files and REST documents take: the fulfilment becomes an
``ErpDocument`` (type shipment, external id the fulfilment's id, lines by sku, its tracks, a comment naming it),
checked and applied by ``apply_document`` with the sales domain's Magento refusals, and recorded in the ledger
``order_document`` under (shipment, fulfilment id). The same external id is the same document whatever carried
it: a fulfilment and an openTRANS DISPATCHNOTIFICATION (or JSON shipment) with one id ship once, the first to
arrive wins, and the other changes nothing.

Not a pipeline per document, as a file gets: the sync command is already the unit of work, with its attempts,
retries and sync log (where a refusal shows with Magento's message), and its callers want the shipments in its
transaction, with their events. So the document is applied at once (``ledger.apply_now``) and its ledger row is
``applied`` with no pipeline.

Already applied changes nothing: a ledger row for the id (received, i.e. its pipeline is on its way, or
applied), or a shipment of the order carrying it as external id from before the ledger (fulfilment sync wrote
those directly). The order's row is locked first, so two workers syncing one order take turns and the second sees
what the first shipped.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.engine import Connection

from conveyor.catalog import EventSink
from conveyor.catalog.sales import OrderRepository
from conveyor.db.engine import now
from conveyor.orders.update.apply import find_order
from conveyor.orders.update.documents import DocumentLine, DocumentTrack, ErpDocument, explain
from conveyor.orders.update.ledger import apply_now
from conveyor.sync import Fulfillment, MappingError, OrderFulfillments, carrier_code, fulfillment_comment

__all__ = ["SOURCE", "apply_fulfillments", "as_document"]

SOURCE = "sync"  # the ledger's ``source`` of a synced fulfilment
NOT_IN_STORE = "order {order!r} is not in the store"


def as_document(fulfillment: Fulfillment, order: str) -> ErpDocument:
    """The ERP shipment document a fulfilment is; ``MappingError`` naming it when it cannot be one."""
    try:
        return ErpDocument(
            type="shipment",
            external_id=fulfillment.id,
            order=order,
            items=tuple(DocumentLine(sku=line.sku, qty=line.quantity) for line in fulfillment.lines),
            tracks=tuple(
                DocumentTrack(
                    track_number=number,
                    carrier_code=carrier_code(fulfillment.carrier),
                    title=fulfillment.carrier_name or fulfillment.carrier,
                )
                for number in fulfillment.tracking_numbers
            ),
            comment=fulfillment_comment(fulfillment.id),
        )
    except ValidationError as exc:
        raise MappingError(f"fulfilment {fulfillment.id!r} of order {order!r}: {explain(exc)}") from None


def apply_fulfillments(conn: Connection, order: OrderFulfillments, *, events: EventSink) -> list[int]:
    """Apply the order's fulfilments not applied yet, oldest first; the ids of the new shipments.

    ``MappingError`` when the store has no such order (by increment id, or the ERP order id the export stored);
    ``DocumentError`` (the order update's refusal: document, order, item, Magento's message) when the order
    refuses a fulfilment, leaving the caller's transaction to roll back.
    """
    try:
        located = find_order(conn, order.order_no)
    except LookupError as exc:
        raise MappingError(str(exc)) from None
    if located is None:
        raise MappingError(NOT_IN_STORE.format(order=order.order_no))
    orders = OrderRepository()
    order_id = orders.lock_by_increment_id(conn, located[1])
    if order_id is None:  # deleted between the look-up and the lock
        raise MappingError(NOT_IN_STORE.format(order=order.order_no))
    shipped_before = orders.external_shipment_ids(conn, order_id)
    created = []
    for fulfillment in sorted(order.fulfillments, key=lambda f: (f.shipped_at, f.id)):
        if fulfillment.id in shipped_before:
            continue
        received = apply_now(conn, as_document(fulfillment, order.order_no), SOURCE, now=now(), events=events)
        if received.applied is not None:
            created.append(received.applied.entity_id)
    return created

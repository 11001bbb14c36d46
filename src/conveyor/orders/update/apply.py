"""Apply an ERP document to its order through the sales domain, in the caller's transaction.

The order is found by our increment id, else by the ERP order id the export stored from the ERP's answer. Each
item is found by its line number, else its sku (the ordered line, not a configurable's child). Then the sales
domain does the rest, with Magento's rules and refusals: what is left to ship, invoice or refund, the states that
refuse a document (on hold, canceled…). Every refusal is a ``DocumentError`` naming the document, the order and,
where one is at fault, the item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog import CatalogError, EventSink
from conveyor.catalog.sales import (
    OrderItemRecord,
    OrderRecord,
    OrderRepository,
    TrackInput,
    cancel_order,
    create_creditmemo,
    create_invoice,
    order_table,
)
from conveyor.orders.schema import export_table
from conveyor.orders.update.documents import DocumentLine, ErpDocument

__all__ = ["Applied", "DocumentError", "apply_document", "find_order"]

CANNOT_CANCEL = 'The order cannot be canceled: it has a status of "%s" and nothing left to cancel.'
UNKNOWN_ORDER = "unknown order {ref}: no order has this increment id or ERP order id"
AMBIGUOUS_ORDER = "ERP order id {ref} names more than one order ({found})"
NOT_IN_ORDER = "item {item} is not in the order"
CHILD_ITEM = "item {item} is part of the line {parent}: send the line"
LINE_SKU = "item {item}: line {line} is sku {actual}, not {sku}"


class DocumentError(ValueError):
    """Why a document is refused: ``document`` (``shipment LA86``), ``order`` (as sent), ``item`` (or None)."""

    def __init__(
        self, document: str, order: str, reason: str, item: str | None = None, *, unknown_order: bool = False
    ) -> None:
        self.document, self.order, self.reason, self.item = document, order, reason, item
        self.unknown_order = unknown_order  # no order has the reference: the REST route's 404
        message, parameters = self.template()
        for number in range(len(parameters), 0, -1):
            message = message.replace(f"%{number}", parameters[number - 1])
        super().__init__(message)

    def template(self) -> tuple[str, list[str]]:
        """Magento's shape of the message: placeholders and their values (the REST error body)."""
        if self.item is None:
            return "%1 for order %2: %3", [self.document, self.order, self.reason]
        return "%1 for order %2, item %3: %4", [self.document, self.order, self.item, self.reason]


@dataclass(frozen=True)
class Applied:
    """What a document wrote: the order and the invoice, shipment or credit memo (the order for a cancellation)."""

    kind: str
    order_id: int
    increment_id: str
    entity_id: int


def find_order(conn: Connection, ref: str) -> tuple[int, str] | None:
    """(entity id, increment id) of the order a document names: our increment id, else the ERP's order id."""
    o = order_table.c
    found = conn.execute(sa.select(o.entity_id, o.increment_id).where(o.increment_id == ref)).first()
    if found is not None:
        return int(found[0]), str(found[1])
    e = export_table.c
    rows = conn.execute(sa.select(e.order_id, e.increment_id).where(e.erp_order_id == ref).distinct()).all()
    if len({row[0] for row in rows}) > 1:
        raise LookupError(AMBIGUOUS_ORDER.format(ref=ref, found=", ".join(sorted({str(r[1]) for r in rows}))))
    return (int(rows[0][0]), str(rows[0][1])) if rows else None


def _item(order: OrderRecord, line: DocumentLine) -> OrderItemRecord:
    """The ordered line a document line names (its line number first, else its sku)."""
    items = order.items
    if line.line_number is not None:
        for item in items:
            if item.extension_attributes.line_number == line.line_number:
                if line.sku is not None and item.sku != line.sku:
                    raise LookupError(
                        LINE_SKU.format(item=line.label(), line=line.line_number, actual=item.sku, sku=line.sku)
                    )
                return _top(order, item, line)
    if line.sku is not None:
        matches = sorted((i for i in items if i.sku == line.sku), key=lambda i: i.parent_item_id is not None)
        if matches:
            return _top(order, matches[0], line)
    raise LookupError(NOT_IN_ORDER.format(item=line.label()))


def _top(order: OrderRecord, item: OrderItemRecord, line: DocumentLine) -> OrderItemRecord:
    if item.parent_item_id is None:
        return item
    parent = next(i for i in order.items if i.item_id == item.parent_item_id)
    raise LookupError(
        CHILD_ITEM.format(item=line.label(), parent=parent.extension_attributes.line_number or parent.sku)
    )


def _quantities(document: ErpDocument, order: OrderRecord) -> list[tuple[int, Decimal, DocumentLine, OrderItemRecord]]:
    found = []
    for line in document.items:
        try:
            item = _item(order, line)
        except LookupError as exc:
            raise DocumentError(document.title, document.order, str(exc), line.label()) from None
        found.append((item.item_id, line.qty, line, item))
    return found


def _refusal(
    document: ErpDocument, lines: Sequence[tuple[int, Decimal, DocumentLine, OrderItemRecord]], exc: CatalogError
) -> DocumentError:
    """The sales domain's refusal, with the item it names (Magento's messages name the sku)."""
    message = str(exc)
    named = [line.label() for _, _, line, item in lines if f'"{item.sku}"' in message]
    return DocumentError(document.title, document.order, message, ", ".join(named) or None)


def apply_document(conn: Connection, document: ErpDocument, *, events: EventSink) -> Applied:
    """Write the document through the sales domain; ``DocumentError`` when the order refuses it."""
    try:
        located = find_order(conn, document.order)
    except LookupError as exc:
        raise DocumentError(document.title, document.order, str(exc)) from None
    if located is None:
        raise DocumentError(
            document.title, document.order, UNKNOWN_ORDER.format(ref=document.order), unknown_order=True
        )
    order_id, increment_id = located
    repository = OrderRepository()
    order = repository.get(conn, order_id)
    lines = _quantities(document, order)
    asked = [(item_id, qty) for item_id, qty, _, _ in lines]
    try:
        if document.type == "shipment":
            tracks = [
                TrackInput(track_number=t.track_number, title=t.title, carrier_code=t.carrier_code)
                for t in document.tracks
            ]
            entity_id = repository.create_shipment(
                conn, order_id, asked, tracks, document.comment, document.notify, document.external_id, events=events
            ).entity_id
        elif document.type == "invoice":
            entity_id = create_invoice(
                conn,
                order_id,
                asked,
                capture=document.capture,
                notify=document.notify,
                comment=document.comment,
                external_id=document.external_id,
                events=events,
            )
        elif document.type == "creditmemo":
            entity_id = create_creditmemo(
                conn,
                order_id,
                asked,
                shipping_amount=document.shipping_amount,
                adjustment_positive=document.adjustment_positive,
                adjustment_negative=document.adjustment_negative,
                notify=document.notify,
                comment=document.comment,
                external_id=document.external_id,
                return_to_stock=[item_id for item_id, _, line, _ in lines if line.return_to_stock],
                events=events,
            )
        else:
            if not cancel_order(conn, order_id, events=events):
                raise DocumentError(document.title, document.order, CANNOT_CANCEL % order.status)
            entity_id = order_id
    except CatalogError as exc:
        raise _refusal(document, lines, exc) from None
    return Applied(document.type, order_id, increment_id, entity_id)

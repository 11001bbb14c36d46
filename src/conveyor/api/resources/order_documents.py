"""ERP documents sent to the shop over REST: ``POST /V1/conveyor/orders/documents`` takes the JSON document of
``conveyor.orders.update`` (a shipment, invoice, cancellation or credit memo), checks it against its order and
puts it in the ledger with the pipeline that applies it; ``GET /V1/conveyor/orders/documents/{id}`` reads a
ledger entry back. Conveyor's own routes (Magento has none for this), under the Sales ACL resource.

A document the ledger already holds (same type and external id) answers with that entry and ``duplicate``:
nothing changes. A refused one answers 400 with the reason naming the document, the order and the item; one whose
order does not exist answers 404 (Magento's status for an entity it cannot find), with the same message.
"""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import BaseModel

from conveyor.api.errors import ApiError
from conveyor.api.operations import OperationContext, int_param, operations
from conveyor.catalog import NotFoundError
from conveyor.db.engine import now
from conveyor.orders.update import DocumentError, ErpDocument, document_table, submit

RESOURCE = "Magento_Sales::sales"
NOT_FOUND = "The entity that was requested doesn't exist. Verify the entity and try again."


class DocumentEntry(BaseModel):
    """A ledger entry: where the document stands."""

    id: int
    type: str
    external_id: str
    order: str
    status: str  # received | applied | refused
    duplicate: bool = False
    pipeline_id: int | None = None
    order_id: int | None = None
    increment_id: str | None = None
    entity_id: int | None = None  # the invoice, shipment or credit memo (the order for a cancellation)
    error: str | None = None


def _entry(ctx: OperationContext, document_id: int, duplicate: bool = False) -> DocumentEntry:
    d = document_table.c
    row = ctx.conn.execute(sa.select(document_table).where(d.id == document_id)).first()
    if row is None:
        raise NotFoundError(NOT_FOUND)
    return DocumentEntry(
        id=row.id,
        type=row.kind,
        external_id=row.external_id,
        order=row.order_ref,
        status=row.status,
        duplicate=duplicate,
        pipeline_id=row.pipeline_id,
        order_id=row.order_id,
        increment_id=row.increment_id,
        entity_id=row.entity_id,
        error=row.error,
    )


# a valid document its order refuses (an item not in it, more than is left, a state that takes no such document):
# the document, the order (and the item) named, and the reason
REFUSALS = {400: ["%1 for order %2: %3", "%1 for order %2, item %3: %4"]}


@operations.write("POST", "/V1/conveyor/orders/documents", resource=RESOURCE, refuses=REFUSALS)
def submit_document(ctx: OperationContext, params: dict[str, str], body: ErpDocument) -> DocumentEntry:
    """Check an ERP document against its order and schedule it (once per type and external id)."""
    try:
        received = submit(ctx.conn, body, "rest", now=now())
    except DocumentError as exc:
        # an order that does not exist is Magento's 404 (NoSuchEntityException, as ``POST /V1/order/{id}/ship``
        # answers), with the message naming the document and the reference; any other refusal is a 400
        raise ApiError(404 if exc.unknown_order else 400, *exc.template()) from None
    return _entry(ctx, received.document_id, received.duplicate)


@operations.read("/V1/conveyor/orders/documents/{id}", resource=RESOURCE)
def read_document(ctx: OperationContext, params: dict[str, str]) -> DocumentEntry:
    """A ledger entry: the document's status, its order and what it created."""
    return _entry(ctx, int_param(params, "id"))

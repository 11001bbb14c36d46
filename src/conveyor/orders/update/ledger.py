"""Receiving a document and applying it: the ledger row, its pipeline, and the step that applies it.

``submit`` is what every source calls (the directory watcher, ``orders update apply``, the REST route), in the
caller's transaction: a document whose (kind, external id) the ledger already holds changes nothing (it is a
duplicate, whatever its source); any other is checked by applying it in a savepoint that is rolled back (so the
refusal is the sales domain's own, and is known before the file is archived), then written to the ledger with its
pipeline ``orders.update`` in the same transaction. The pipeline's one step (``order_document``) applies it
for real, under the order's lock, and marks it applied; run again, it finds it applied and skips.

``apply_now`` is the same ledger and the same check for a source that is its own unit of work (fulfilment sync:
its command has attempts, retries and the sync log, and wants the shipment in its transaction): the document is
applied at once, in the caller's transaction, and its row is ``applied`` without a pipeline. A refusal raises
before anything is written, so the caller's rollback leaves the order and the ledger as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from conveyor.catalog import NO_EVENTS, EventSink
from conveyor.orders.update.apply import Applied, DocumentError, apply_document
from conveyor.orders.update.documents import ErpDocument, parse_json
from conveyor.orders.update.schema import DocumentStatus, document_table
from conveyor.pipelines import PipelineDefinition, StageDefinition, StepDefinition, create_pipelines

if TYPE_CHECKING:
    from conveyor.mq import MessageQueue

__all__ = ["EXECUTOR", "PIPELINE", "Received", "apply_now", "apply_received", "check", "definition", "submit"]

PIPELINE = "orders.update"
EXECUTOR = "order_document"
D = document_table


def definition() -> PipelineDefinition:
    """The pipeline each received document gets: one step that applies it."""
    step = StepDefinition(
        name="apply", executor=EXECUTOR, stage="apply", description="apply the ERP document through the sales domain"
    )
    return PipelineDefinition(
        name=PIPELINE,
        stages=(StageDefinition("apply", (step,)),),
        description="apply an ERP document (shipment, invoice, cancellation, credit memo) to its order",
        source="conveyor.orders.update",
    )


@dataclass(frozen=True)
class Received:
    """A document in the ledger: its row, its pipeline, and whether it was there before (``duplicate``);
    ``applied`` when this call applied it (``apply_now``)."""

    document_id: int
    pipeline_id: int | None
    status: str
    duplicate: bool
    applied: Applied | None = None


def check(conn: Connection, document: ErpDocument) -> None:
    """Apply ``document`` in a savepoint and roll it back: ``DocumentError`` when the order refuses it."""
    savepoint = conn.begin_nested()
    try:
        apply_document(conn, document, events=NO_EVENTS)
    finally:
        savepoint.rollback()


def _existing(conn: Connection, document: ErpDocument) -> Any:
    query = sa.select(D).where(D.c.kind == document.type, D.c.external_id == document.external_id)
    return conn.execute(query.with_for_update()).first()


def _duplicate(existing: Any) -> Received | None:
    """The ledger's entry when it holds the document already (a refused one may be sent again)."""
    if existing is None or existing.status == DocumentStatus.REFUSED:
        return None
    return Received(int(existing.id), existing.pipeline_id, str(existing.status), True)


def _applied(applied: Applied, now: float) -> dict[str, Any]:
    """The ledger columns of an applied document."""
    return {
        "status": DocumentStatus.APPLIED,
        "order_id": applied.order_id,
        "increment_id": applied.increment_id,
        "entity_id": applied.entity_id,
        "error": None,
        "applied_at": now,
        "updated_at": now,
    }


def _write(conn: Connection, document: ErpDocument, existing: Any, source: str, now: float, **values: Any) -> int:
    """Insert the document's row, or renew the refused one that ``existing`` is; its id."""
    values = {
        "order_ref": document.order,
        "source": source[:255],
        "body": document.to_json(),
        "error": None,
        "updated_at": now,
        **values,
    }
    if existing is not None:
        conn.execute(D.update().where(D.c.id == existing.id).values(values))
        return int(existing.id)
    inserted = conn.execute(
        D.insert().values(kind=document.type, external_id=document.external_id, created_at=now, **values)
    ).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def submit(conn: Connection, document: ErpDocument, source: str, *, now: float) -> Received:
    """Check the document and put it in the ledger with its pipeline (see the module docstring)."""
    existing = _existing(conn, document)
    duplicate = _duplicate(existing)
    if duplicate is not None:
        return duplicate
    check(conn, document)
    document_id = _write(conn, document, existing, source, now, status=DocumentStatus.RECEIVED)
    # refused before and sent again, it gets a pipeline of its own
    key = str(document_id) if existing is None else f"{document_id}.{int(now * 1000)}"
    pipeline_id = create_pipelines(conn, definition(), [(key, {"document_id": document_id})], now=now)[key]
    conn.execute(D.update().where(D.c.id == document_id).values(pipeline_id=pipeline_id))
    return Received(document_id, pipeline_id, DocumentStatus.RECEIVED, False)


def apply_now(conn: Connection, document: ErpDocument, source: str, *, now: float, events: EventSink) -> Received:
    """Apply the document in the caller's transaction and record it applied (see the module docstring);
    ``DocumentError`` when its order refuses it, with nothing written."""
    existing = _existing(conn, document)
    duplicate = _duplicate(existing)
    if duplicate is not None:
        return duplicate
    applied = apply_document(conn, document, events=events)
    document_id = _write(conn, document, existing, source, now, pipeline_id=None, **_applied(applied, now))
    return Received(document_id, None, DocumentStatus.APPLIED, False, applied)


@contextmanager
def _writing(engine: Engine, mq: MessageQueue | None) -> Iterator[tuple[Connection, EventSink]]:
    """A transaction whose sales events go out through ``mq`` (atomically), or nowhere without one."""
    if mq is None:
        with engine.begin() as conn:
            yield conn, NO_EVENTS
    else:
        with mq.transaction() as tx:
            yield tx.conn, tx


def apply_received(engine: Engine, document_id: int, *, now: float, mq: MessageQueue | None = None) -> Applied | None:
    """Apply a received document (None when it is applied already); ``DocumentError`` after marking it refused."""
    try:
        with _writing(engine, mq) as (conn, events):
            row = conn.execute(sa.select(D).where(D.c.id == document_id).with_for_update()).first()
            if row is None:
                raise LookupError(f"no order document {document_id}")
            if row.status == DocumentStatus.APPLIED:
                return None
            applied = apply_document(conn, parse_json(row.body), events=events)
            conn.execute(D.update().where(D.c.id == document_id).values(_applied(applied, now)))
            return applied
    except DocumentError as exc:
        with engine.begin() as conn:
            conn.execute(
                D.update()
                .where(D.c.id == document_id)
                .values(status=DocumentStatus.REFUSED, error=str(exc), updated_at=now)
            )
        raise

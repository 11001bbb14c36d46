"""Receiving a document and applying it: the ledger row, its pipeline, and the step that applies it.

``submit`` is what every source calls (the directory watcher, ``orders update apply``, the REST route), in the
caller's transaction: a document whose (kind, external id) the ledger already holds changes nothing (it is a
duplicate, whatever its source); any other is checked by applying it in a savepoint that is rolled back (so the
refusal is the sales domain's own, and is known before the file is archived), then written to the ledger with its
pipeline ``orders.update`` in the same transaction. The pipeline's one step (``order_document``) applies it
for real, under the order's lock, and marks it applied; run again, it finds it applied and skips.
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

__all__ = ["EXECUTOR", "PIPELINE", "Received", "apply_received", "check", "definition", "submit"]

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
    """A document in the ledger: its row, its pipeline, and whether it was there before (``duplicate``)."""

    document_id: int
    pipeline_id: int | None
    status: str
    duplicate: bool


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


def submit(conn: Connection, document: ErpDocument, source: str, *, now: float) -> Received:
    """Check the document and put it in the ledger with its pipeline (see the module docstring)."""
    existing = _existing(conn, document)
    if existing is not None and existing.status != DocumentStatus.REFUSED:
        return Received(int(existing.id), existing.pipeline_id, str(existing.status), True)
    check(conn, document)
    values = {
        "order_ref": document.order,
        "source": source[:255],
        "status": DocumentStatus.RECEIVED,
        "body": document.to_json(),
        "error": None,
        "updated_at": now,
    }
    if existing is None:
        inserted = conn.execute(
            D.insert().values(kind=document.type, external_id=document.external_id, created_at=now, **values)
        ).inserted_primary_key
        assert inserted is not None
        document_id, key = int(inserted[0]), str(inserted[0])
    else:  # refused before: sent again, it gets a pipeline of its own
        document_id, key = int(existing.id), f"{existing.id}.{int(now * 1000)}"
        conn.execute(D.update().where(D.c.id == document_id).values(values))
    pipeline_id = create_pipelines(conn, definition(), [(key, {"document_id": document_id})], now=now)[key]
    conn.execute(D.update().where(D.c.id == document_id).values(pipeline_id=pipeline_id))
    return Received(document_id, pipeline_id, DocumentStatus.RECEIVED, False)


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
            conn.execute(
                D.update()
                .where(D.c.id == document_id)
                .values(
                    status=DocumentStatus.APPLIED,
                    order_id=applied.order_id,
                    increment_id=applied.increment_id,
                    entity_id=applied.entity_id,
                    error=None,
                    applied_at=now,
                    updated_at=now,
                )
            )
            return applied
    except DocumentError as exc:
        with engine.begin() as conn:
            conn.execute(
                D.update()
                .where(D.c.id == document_id)
                .values(status=DocumentStatus.REFUSED, error=str(exc), updated_at=now)
            )
        raise

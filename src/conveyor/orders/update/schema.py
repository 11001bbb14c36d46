"""The ledger of ERP documents: one row per (kind, external id), written when a document is received, so a
document sent twice is applied once.

``status``: ``received`` (its pipeline exists) → ``applied`` (the sales document is written; ``entity_id`` is the
invoice, shipment or credit memo, the order for a cancellation) or ``refused`` (``error`` says why; the same
external id may be sent again).
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from conveyor.db.metadata import BigId, Epoch, LongText, metadata


class DocumentStatus(StrEnum):
    RECEIVED = "received"
    APPLIED = "applied"
    REFUSED = "refused"


document_table = sa.Table(
    "order_document",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("external_id", sa.String(191), nullable=False),
    sa.Column("order_ref", sa.String(191), nullable=False),  # as the document names the order
    sa.Column("order_id", sa.BigInteger, nullable=True),  # sales_order.entity_id (no FK: the ledger outlives orders)
    sa.Column("increment_id", sa.String(50), nullable=True),
    sa.Column("source", sa.String(255), nullable=False),  # the file's name, or "rest"
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("body", LongText, nullable=False),  # the document as JSON (the schema of conveyor.orders.update)
    sa.Column("entity_id", sa.BigInteger, nullable=True),
    sa.Column("error", LongText, nullable=True),
    sa.Column("pipeline_id", sa.BigInteger, nullable=True),
    sa.Column("created_at", Epoch, nullable=False),
    sa.Column("applied_at", Epoch, nullable=True),
    sa.Column("updated_at", Epoch, nullable=False),
    sa.UniqueConstraint("kind", "external_id"),
    sa.Index(None, "pipeline_id"),
    sa.Index(None, "order_id"),
)

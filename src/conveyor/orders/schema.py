"""The export state: one row per (order, target), created with its pipeline, so an order is never exported twice.

``status``: ``scheduled`` (its pipeline exists) → ``sent`` (the channel took the document) → ``accepted`` (the ERP
answered with its order id) → ``notified``; ``error`` when a step failed for good. ``document`` keeps what
Transform rendered, so Transport sends exactly that (and a retry sends the same bytes).
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from conveyor.db.metadata import BigId, Epoch, LongText, metadata


class ExportStatus(StrEnum):
    SCHEDULED = "scheduled"
    TRANSFORMED = "transformed"
    SENT = "sent"
    ACCEPTED = "accepted"
    NOTIFIED = "notified"
    ERROR = "error"


export_table = sa.Table(
    "order_export",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("order_id", sa.BigInteger, nullable=False),  # sales_order.entity_id (no FK: exports outlive orders)
    sa.Column("increment_id", sa.String(50), nullable=False),
    sa.Column("website", sa.String(64), nullable=False),
    sa.Column("target", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("pipeline_id", sa.BigInteger, nullable=True),
    sa.Column("erp_order_id", sa.String(191), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),  # transports tried
    sa.Column("document", LongText, nullable=True),
    sa.Column("file_name", sa.String(255), nullable=True),
    sa.Column("reference", sa.String(1024), nullable=True),  # where the channel put it (path, URL)
    sa.Column("error", LongText, nullable=True),
    sa.Column("created_at", Epoch, nullable=False),
    sa.Column("sent_at", Epoch, nullable=True),
    sa.Column("accepted_at", Epoch, nullable=True),
    sa.Column("notified_at", Epoch, nullable=True),
    sa.Column("updated_at", Epoch, nullable=False),
    sa.UniqueConstraint("order_id", "target"),
    sa.Index(None, "pipeline_id"),
    # an ERP document names its order by the ERP's id (orders.update.find_order); partial where the database allows,
    # so the initializer's new rows (no ERP id yet) write no entry
    sa.Index(
        "ix_order_export_erp_order_id",
        "erp_order_id",
        postgresql_where=sa.text("erp_order_id IS NOT NULL"),
        sqlite_where=sa.text("erp_order_id IS NOT NULL"),
    ),
    # the admin dashboard's "exported today": partial, so selecting new exports (sent_at NULL) writes no entry
    sa.Index(
        "ix_order_export_sent_at",
        "sent_at",
        postgresql_where=sa.text("sent_at IS NOT NULL"),
        sqlite_where=sa.text("sent_at IS NOT NULL"),
    ),
    # no more: each index is written for every row an initializer pass selects (increment ids are found through
    # sales_order's unique one, the listing scans by id)
)

"""sales_shipment.external_id: the id of the external document (a source's fulfilment) a shipment records

Unique per order rather than globally: sources number fulfilments their own way (some per order), and the
question a caller asks is "has this order shipped that fulfilment yet?". NULL for shipments made here.

Shipments the fulfilment sync made before this revision are recognised by the status-history comment written
with them ("Source fulfillment <id>", same order, same created_at): their external id is filled from it, so a
sync after the upgrade does not ship them again. Timestamps have whole seconds on MariaDB, so within one
(order, created_at) the shipments' comments and the shipments pair up in id order (each comment is written just
before its shipment); a group whose counts differ (a shipment made here without a comment) is left alone.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLE = "sales_shipment"
UNIQUE = "uq_sales_shipment_order_id_external_id"
COMMENT_PREFIX = "Source fulfillment "  # conveyor.sync.mapping.FULFILLMENT_COMMENT before this revision


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("external_id", sa.String(255), nullable=True))
        batch.create_unique_constraint(UNIQUE, ["order_id", "external_id"])
    _fill_from_comments(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.drop_column("external_id")


def _fill_from_comments(conn: sa.Connection) -> None:
    shipment = sa.table(
        TABLE, sa.column("entity_id"), sa.column("order_id"), sa.column("created_at"), sa.column("external_id")
    )
    history = sa.table(
        "sales_order_status_history",
        sa.column("entity_id"),
        sa.column("parent_id"),
        sa.column("created_at"),
        sa.column("comment"),
        sa.column("entity_name"),
    )
    h, s = history.c, shipment.c
    synced = sa.select(h.parent_id, h.created_at).where(
        h.entity_name == "shipment", h.comment.like(COMMENT_PREFIX + "%")
    )
    keys = {(order_id, created_at) for order_id, created_at in conn.execute(synced.distinct())}
    if not keys:
        return
    comments: dict[tuple[Any, Any], list[str]] = defaultdict(list)
    query = sa.select(h.parent_id, h.created_at, h.comment).where(h.entity_name == "shipment").order_by(h.entity_id)
    for order_id, created_at, comment in conn.execute(query):
        if (order_id, created_at) in keys:
            comments[(order_id, created_at)].append(comment)
    shipments: dict[tuple[Any, Any], list[int]] = defaultdict(list)
    for entity_id, order_id, created_at in conn.execute(
        sa.select(s.entity_id, s.order_id, s.created_at).order_by(s.entity_id)
    ):
        shipments[(order_id, created_at)].append(entity_id)
    for key, texts in comments.items():
        found = shipments.get(key, [])
        if len(found) != len(texts):
            continue
        for entity_id, comment in zip(found, texts, strict=True):
            if comment.startswith(COMMENT_PREFIX):
                external_id = comment[len(COMMENT_PREFIX) :]
                conn.execute(shipment.update().where(s.entity_id == entity_id).values(external_id=external_id))

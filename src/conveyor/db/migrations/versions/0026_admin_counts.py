"""Indexes for counting by status, so the admin UI and ``/metrics`` count with bounded index-only scans instead of
reading whole tables (issue 16's million rows): queue_message_status (queue, status, updated_at) and
magento_operation (status, bulk_uuid); a bulk's correlation id (the request's), shown and filtered by in the UI;
(column, id) indexes for the lists the UI sorts by a column; order_export (sent_at) for the dashboard's "exported
today" (partial: new exports write no entry)

The queue's index serves as well the dashboard's throughput (complete, by time), ``refresh`` (in progress, older
than …) and ``clean`` (complete, older than …), which read the whole table before. It costs the ack its HOT update on
PostgreSQL (the ack changes ``status``): measured in ``bench/README.md`` (admin section).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


# the admin UI's lists sorted by a column, a keyset page at a time (conveyor.db.keyset)
SORTED = [
    ("bus_sync_log", "command"),
    ("import_history", "entity"),
    ("pipeline", "name"),
    ("pipeline", "status"),
    ("magento_bulk", "description"),
]


def upgrade() -> None:
    with op.batch_alter_table("magento_bulk") as batch:
        batch.add_column(sa.Column("correlation_id", sa.String(64), nullable=True))
    op.create_index("ix_magento_bulk_correlation_id", "magento_bulk", ["correlation_id"])
    op.create_index("ix_queue_message_status_state", "queue_message_status", ["queue_id", "status", "updated_at"])
    op.create_index("ix_magento_operation_status_bulk_uuid", "magento_operation", ["status", "bulk_uuid"])
    for table, column in SORTED:
        op.create_index(f"ix_{table}_{column}_id", table, [column, "id"])
    op.create_index(
        "ix_order_export_sent_at",
        "order_export",
        ["sent_at"],
        postgresql_where=sa.text("sent_at IS NOT NULL"),
        sqlite_where=sa.text("sent_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_order_export_sent_at", table_name="order_export")
    for table, column in SORTED:
        op.drop_index(f"ix_{table}_{column}_id", table_name=table)
    op.drop_index("ix_magento_bulk_correlation_id", table_name="magento_bulk")
    with op.batch_alter_table("magento_bulk") as batch:
        batch.drop_column("correlation_id")
    op.drop_index("ix_magento_operation_status_bulk_uuid", table_name="magento_operation")
    op.drop_index("ix_queue_message_status_state", table_name="queue_message_status")

"""queue_message_status: no (queue, status, updated_at) index on SQLite

On SQLite every ack is a commit of its own, and an ack moves that index's entry (it changes ``status`` and
``updated_at``): a second page in every commit's WAL. It cost SQLite a third of its queue throughput (0.61 → 0.41
of the bare loop end to end, ``bench/README.md``). SQLite counts with one grouped scan instead
(``SqlTransport.bounded_counts``); PostgreSQL and MariaDB keep the index, where the admin UI counts a million-row
queue with it.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 19:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

TABLE = "queue_message_status"
INDEX = "ix_queue_message_status_state"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, table_name=TABLE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(INDEX, TABLE, ["queue_id", "status", "updated_at"])

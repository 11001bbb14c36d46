"""queue_message_status without foreign keys

Every status row is written by ``INSERT … SELECT`` from the message rows of the same transaction, for a queue the
transport has just ensured, so both references hold by construction; the foreign keys only checked it again, one
lookup per key and row, which cost PostgreSQL a third of its publish time (see ``conveyor.mq.schema``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "queue_message_status"
FOREIGN_KEYS = (
    ("fk_queue_message_status_message_id_queue_message", "message_id", "queue_message.id"),
    ("fk_queue_message_status_queue_id_queue", "queue_id", "queue.id"),
)
# SQLite rebuilds the table to change its constraints: its partial indexes are dropped first and made again after
PARTIAL_INDEXES = (
    ("ix_queue_message_status_new", ["queue_id", "id"], 2),
    ("ix_queue_message_status_retry", ["queue_id", "available_at"], 5),
)


def _rebuild(change: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name, _columns, _status in PARTIAL_INDEXES:
            op.drop_index(name, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        for name, column, target in FOREIGN_KEYS:
            if change == "drop":
                batch.drop_constraint(name, type_="foreignkey")
            else:
                referent, remote = target.split(".")
                batch.create_foreign_key(name, referent, [column], [remote], ondelete="CASCADE")
    if sqlite:
        for name, columns, status in PARTIAL_INDEXES:
            op.create_index(name, TABLE, columns, unique=False, sqlite_where=sa.text(f"status = {status}"))


def upgrade() -> None:
    _rebuild("drop")


def downgrade() -> None:
    _rebuild("create")

"""queue_message_status: one waiting index on (queue_id, available_at, id); available_at NULL when not waiting

The status column leaves every index and index predicate, so an ack (which changes the status) writes no index
entry: a HOT update on PostgreSQL, no secondary index change on MariaDB (see ``conveyor.mq.schema``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 05:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLE = "queue_message_status"
WAITING = "ix_queue_message_status_waiting"
NOT_WAITING = "status NOT IN (2, 5)"
OLD_PARTIAL = (
    ("ix_queue_message_status_new", ["queue_id", "id"], 2),
    ("ix_queue_message_status_retry", ["queue_id", "available_at"], 5),
)
OLD_MARIADB = "ix_queue_message_status_queue_id_status_id"


def _partial(dialect: str) -> bool:
    return dialect in ("sqlite", "postgresql")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if _partial(dialect):
        for name, _columns, _status in OLD_PARTIAL:
            op.drop_index(name, table_name=TABLE)
    else:
        op.drop_index(OLD_MARIADB, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("available_at", existing_type=sa.Double(), nullable=True)
    op.execute(f"UPDATE {TABLE} SET available_at = NULL WHERE {NOT_WAITING}")
    where = sa.text("available_at IS NOT NULL")
    op.create_index(
        WAITING, TABLE, ["queue_id", "available_at", "id"], unique=False, sqlite_where=where, postgresql_where=where
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index(WAITING, table_name=TABLE)
    op.execute(f"UPDATE {TABLE} SET available_at = updated_at WHERE available_at IS NULL")
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("available_at", existing_type=sa.Double(), nullable=False)
    if _partial(dialect):
        for name, columns, status in OLD_PARTIAL:
            where = sa.text(f"status = {status}")
            op.create_index(name, TABLE, columns, unique=False, sqlite_where=where, postgresql_where=where)
    else:
        op.create_index(OLD_MARIADB, TABLE, ["queue_id", "status", "id"], unique=False)

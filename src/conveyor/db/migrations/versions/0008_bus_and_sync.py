"""command bus sync log and rate limiter state

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 19:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql")


def upgrade() -> None:
    op.create_table(
        "bus_sync_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("command", sa.String(length=191), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=True),
        sa.Column("entity_id", sa.String(length=191), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("duration", sa.Double(), nullable=False),
        sa.Column("error", LongText, nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bus_sync_log")),
    )
    op.create_index(op.f("ix_bus_sync_log_correlation_id"), "bus_sync_log", ["correlation_id"], unique=False)
    op.create_index(op.f("ix_bus_sync_log_entity_id_id"), "bus_sync_log", ["entity_id", "id"], unique=False)
    op.create_index(op.f("ix_bus_sync_log_outcome_id"), "bus_sync_log", ["outcome", "id"], unique=False)
    op.create_table(
        "rate_limit_log",
        sa.Column("source", sa.String(length=191), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("source", "seq", name=op.f("pk_rate_limit_log")),
    )
    op.create_table(
        "rate_limit_state",
        sa.Column("source", sa.String(length=191), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("blocked_until", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_rate_limit_state")),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_state")
    op.drop_table("rate_limit_log")
    op.drop_index(op.f("ix_bus_sync_log_outcome_id"), table_name="bus_sync_log")
    op.drop_index(op.f("ix_bus_sync_log_entity_id_id"), table_name="bus_sync_log")
    op.drop_index(op.f("ix_bus_sync_log_correlation_id"), table_name="bus_sync_log")
    op.drop_table("bus_sync_log")

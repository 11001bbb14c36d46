"""eds change sets

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 21:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql")


def upgrade() -> None:
    op.create_table(
        "eds_change_set",
        sa.Column("change_set_id", sa.String(length=191), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("done_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.Double(), nullable=True),
        sa.Column("received_at", sa.Double(), nullable=False),
        sa.Column("processed_at", sa.Double(), nullable=True),
        sa.Column("acknowledged_at", sa.Double(), nullable=True),
        sa.Column("ack_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", LongText, nullable=True),
        sa.PrimaryKeyConstraint("change_set_id", name=op.f("pk_eds_change_set")),
    )
    op.create_index("ix_eds_change_set_status_received_at", "eds_change_set", ["status", "received_at"], unique=False)
    op.create_table(
        "eds_change_set_item",
        sa.Column("change_set_id", sa.String(length=191), nullable=False),
        sa.Column("entity_id", sa.String(length=191), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", LongText, nullable=True),
        sa.PrimaryKeyConstraint("change_set_id", "entity_id", name=op.f("pk_eds_change_set_item")),
    )


def downgrade() -> None:
    op.drop_table("eds_change_set_item")
    op.drop_index("ix_eds_change_set_status_received_at", table_name="eds_change_set")
    op.drop_table("eds_change_set")

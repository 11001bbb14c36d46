"""order_export: one row per (order, export target), created with the order's export pipeline

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "order_export",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.BigInteger, nullable=False),
        sa.Column("increment_id", sa.String(50), nullable=False),
        sa.Column("website", sa.String(64), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pipeline_id", sa.BigInteger, nullable=True),
        sa.Column("erp_order_id", sa.String(191), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("document", LongText, nullable=True),
        sa.Column("file_name", sa.String(255), nullable=True),
        sa.Column("reference", sa.String(1024), nullable=True),
        sa.Column("error", LongText, nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("sent_at", sa.Double, nullable=True),
        sa.Column("accepted_at", sa.Double, nullable=True),
        sa.Column("notified_at", sa.Double, nullable=True),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_export"),
        sa.UniqueConstraint("order_id", "target", name="uq_order_export_order_id_target"),
    )
    op.create_index("ix_order_export_pipeline_id", "order_export", ["pipeline_id"])
    op.create_index("ix_order_export_status_website", "order_export", ["status", "website"])
    op.create_index("ix_order_export_increment_id", "order_export", ["increment_id"])


def downgrade() -> None:
    op.drop_table("order_export")

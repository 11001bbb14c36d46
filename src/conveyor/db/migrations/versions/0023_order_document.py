"""order_document: the ledger of ERP documents applied to orders (shipments, invoices, cancellations, credit memos)

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-07 01:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "order_document",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(191), nullable=False),
        sa.Column("order_ref", sa.String(191), nullable=False),
        sa.Column("order_id", sa.BigInteger, nullable=True),
        sa.Column("increment_id", sa.String(50), nullable=True),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body", LongText, nullable=False),
        sa.Column("entity_id", sa.BigInteger, nullable=True),
        sa.Column("error", LongText, nullable=True),
        sa.Column("pipeline_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("applied_at", sa.Double, nullable=True),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_document"),
        sa.UniqueConstraint("kind", "external_id", name="uq_order_document_kind_external_id"),
    )
    op.create_index("ix_order_document_pipeline_id", "order_document", ["pipeline_id"])
    op.create_index("ix_order_document_order_id", "order_document", ["order_id"])


def downgrade() -> None:
    op.drop_table("order_document")

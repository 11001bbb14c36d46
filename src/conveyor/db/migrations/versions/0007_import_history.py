"""import history

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 19:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql")


def upgrade() -> None:
    op.create_table(
        "import_history",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("run_key", sa.String(length=191), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("profile", sa.String(length=255), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=1024), nullable=True),
        sa.Column("files", LongText, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("started_at", sa.Double(), nullable=False),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.Column("row_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deleted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("invalid", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message", LongText, nullable=True),
        sa.Column("location", sa.String(length=1024), nullable=True),
        sa.Column("report", LongText, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_history")),
        sa.UniqueConstraint("run_key", name=op.f("uq_import_history_run_key")),
    )
    op.create_index(op.f("ix_import_history_status_id"), "import_history", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_import_history_status_id"), table_name="import_history")
    op.drop_table("import_history")

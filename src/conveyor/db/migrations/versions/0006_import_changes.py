"""import change detection

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 19:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_change",
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_key", sa.String(length=191), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("source_updated_at", sa.DateTime(), nullable=True),
        sa.Column("imported_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("entity_type", "entity_key", "store_id", name=op.f("pk_import_change")),
    )


def downgrade() -> None:
    op.drop_table("import_change")

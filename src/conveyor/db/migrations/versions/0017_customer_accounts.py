"""customer accounts: confirmation key, password reset token, newsletter flag, settings (the default group)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer_entity") as batch:
        batch.add_column(sa.Column("confirmation", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("rp_token", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("rp_token_created_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("is_subscribed", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "customer_setting",
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_customer_setting")),
    )


def downgrade() -> None:
    op.drop_table("customer_setting")
    with op.batch_alter_table("customer_entity") as batch:
        batch.drop_column("is_subscribed")
        batch.drop_column("rp_token_created_at")
        batch.drop_column("rp_token")
        batch.drop_column("confirmation")

"""admin_login_failure and admin_login_attempt: the admin login's lockout (per username) and throttle (per client)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 01:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_login_failure",
        sa.Column("username", sa.String(191), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("lock_expires_at", sa.Double(), nullable=False),
    )
    op.create_index("ix_admin_login_failure_lock_expires_at", "admin_login_failure", ["lock_expires_at"])
    op.create_table(
        "admin_login_attempt",
        sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
    )
    op.create_index("ix_admin_login_attempt_client_at", "admin_login_attempt", ["client", "at"])
    op.create_index("ix_admin_login_attempt_at", "admin_login_attempt", ["at"])


def downgrade() -> None:
    op.drop_table("admin_login_attempt")
    op.drop_table("admin_login_failure")

"""catalog products, attributes, categories, stock and prices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 18:30:00.000000
"""

from __future__ import annotations

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

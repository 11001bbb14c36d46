"""eav_attribute: the storefront and grid flags Magento's product attribute payload carries

``is_filterable_in_search``, ``is_visible_in_advanced_search``, ``is_used_in_grid``, ``is_visible_in_grid`` and
``is_filterable_in_grid`` (catalog_eav_attribute in Magento): a client that saves them reads them back. Every
existing attribute gets Magento's column default, false. The downgrade drops them again (SQLite ≥ 3.35).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLE = "eav_attribute"
FLAGS = (
    "is_filterable_in_search",
    "is_visible_in_advanced_search",
    "is_used_in_grid",
    "is_visible_in_grid",
    "is_filterable_in_grid",
)


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: on SQLite a batch drops and recreates eav_attribute, and with foreign
    # keys on that drop cascades into every option, label, set assignment and value of the attributes.
    for name in FLAGS:
        op.add_column(TABLE, sa.Column(name, sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for name in reversed(FLAGS):
        op.drop_column(TABLE, name)

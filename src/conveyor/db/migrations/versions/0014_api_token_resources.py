"""api_token.resources: the ACL resources an integration token grants (Magento's integration resource access)

A JSON array of resource ids (``["Magento_Catalog::products", …]``); NULL grants every resource, as before this
revision (existing integration tokens and every admin token keep working unchanged).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("resources", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("resources")

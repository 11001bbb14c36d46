"""catalog store: websites, store groups, store views, customer groups (with Magento's installation rows)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 18:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_group",
        sa.Column("customer_group_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("customer_group_code", sa.String(length=32), nullable=False),
        sa.Column("tax_class_id", sa.Integer(), server_default="3", nullable=False),
        sa.PrimaryKeyConstraint("customer_group_id", name=op.f("pk_customer_group")),
        sa.UniqueConstraint("customer_group_code", name=op.f("uq_customer_group_customer_group_code")),
    )
    op.create_table(
        "store_website",
        sa.Column("website_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("default_group_id", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("website_id", name=op.f("pk_store_website")),
        sa.UniqueConstraint("code", name=op.f("uq_store_website_code")),
    )
    op.create_table(
        "store_group",
        sa.Column("group_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("website_id", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("root_category_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("default_store_id", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["website_id"], ["store_website.website_id"], name=op.f("fk_store_group_website_id_store_website")
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_store_group")),
        sa.UniqueConstraint("code", name=op.f("uq_store_group_code")),
    )
    op.create_table(
        "store",
        sa.Column("store_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("website_id", sa.SmallInteger(), nullable=False),
        sa.Column("group_id", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["store_group.group_id"], name=op.f("fk_store_group_id_store_group")),
        sa.ForeignKeyConstraint(
            ["website_id"], ["store_website.website_id"], name=op.f("fk_store_website_id_store_website")
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store")),
        sa.UniqueConstraint("code", name=op.f("uq_store_code")),
    )
    from conveyor.catalog.stores import ensure_default_scopes

    ensure_default_scopes(op.get_bind())


def downgrade() -> None:
    op.drop_table("store")
    op.drop_table("store_group")
    op.drop_table("store_website")
    op.drop_table("customer_group")

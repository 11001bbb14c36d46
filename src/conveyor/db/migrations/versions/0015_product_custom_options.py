"""Products' custom options: catalog_product_option and catalog_product_option_type_value (their values).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_product_option",
        sa.Column("option_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "product_id",
            sa.Integer,
            sa.ForeignKey(
                "catalog_product_entity.entity_id",
                ondelete="CASCADE",
                name="fk_catalog_product_option_product_id",
            ),
            nullable=False,
        ),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("is_require", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("sku", sa.String(64), nullable=True),
        sa.Column("max_characters", sa.Integer, nullable=True),
        sa.Column("file_extension", sa.String(50), nullable=True),
        sa.Column("image_size_x", sa.SmallInteger, nullable=True),
        sa.Column("image_size_y", sa.SmallInteger, nullable=True),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("price", sa.Numeric(20, 6), nullable=True),
        sa.Column("price_type", sa.String(7), nullable=True),
    )
    op.create_index("ix_catalog_product_option_product_id", "catalog_product_option", ["product_id"])
    op.create_table(
        "catalog_product_option_type_value",
        sa.Column("option_type_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "option_id",
            sa.Integer,
            sa.ForeignKey(
                "catalog_product_option.option_id",
                ondelete="CASCADE",
                name="fk_catalog_product_option_type_value_option_id",
            ),
            nullable=False,
        ),
        sa.Column("sku", sa.String(64), nullable=True),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("price", sa.Numeric(20, 6), nullable=False, server_default="0"),
        sa.Column("price_type", sa.String(7), nullable=False, server_default="fixed"),
    )
    op.create_index(
        "ix_catalog_product_option_type_value_option_id", "catalog_product_option_type_value", ["option_id"]
    )


def downgrade() -> None:
    op.drop_table("catalog_product_option_type_value")
    op.drop_table("catalog_product_option")

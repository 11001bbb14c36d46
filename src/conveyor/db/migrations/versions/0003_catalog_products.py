"""catalog products, attributes, categories, stock and prices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 18:30:00.000000
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeEngine

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eav_entity_type",
        sa.Column("entity_type_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("entity_type_code", sa.String(length=50), nullable=False),
        sa.Column("default_attribute_set_id", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("entity_type_id", name=op.f("pk_eav_entity_type")),
        sa.UniqueConstraint("entity_type_code", name=op.f("uq_eav_entity_type_entity_type_code")),
    )
    op.create_table(
        "inventory_source",
        sa.Column("source_code", sa.String(length=191), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "description",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("country_id", sa.String(length=2), nullable=True),
        sa.Column("postcode", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("source_code", name=op.f("pk_inventory_source")),
    )
    op.create_table(
        "eav_attribute",
        sa.Column("attribute_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_type_id", sa.SmallInteger(), nullable=False),
        sa.Column("attribute_code", sa.String(length=191), nullable=False),
        sa.Column("backend_type", sa.String(length=8), server_default="static", nullable=False),
        sa.Column("frontend_input", sa.String(length=50), nullable=True),
        sa.Column("frontend_label", sa.String(length=255), nullable=True),
        sa.Column("frontend_class", sa.String(length=255), nullable=True),
        sa.Column("source_model", sa.String(length=255), nullable=True),
        sa.Column("is_global", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("is_required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_user_defined", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_unique", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "default_value",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.Column("apply_to", sa.String(length=255), nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_visible", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("is_searchable", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_filterable", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("is_comparable", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_visible_on_front", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_html_allowed_on_front", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_wysiwyg_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("used_in_product_listing", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("used_for_sort_by", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_used_for_promo_rules", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_type_id"],
            ["eav_entity_type.entity_type_id"],
            name="fk_eav_attribute_entity_type_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attribute_id", name=op.f("pk_eav_attribute")),
        sa.UniqueConstraint("entity_type_id", "attribute_code", name="uq_eav_attribute_entity_type_id_attribute_code"),
    )
    op.create_table(
        "eav_attribute_set",
        sa.Column("attribute_set_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_type_id", sa.SmallInteger(), nullable=False),
        sa.Column("attribute_set_name", sa.String(length=191), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_type_id"],
            ["eav_entity_type.entity_type_id"],
            name="fk_eav_attribute_set_entity_type_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attribute_set_id", name=op.f("pk_eav_attribute_set")),
        sa.UniqueConstraint(
            "entity_type_id", "attribute_set_name", name="uq_eav_attribute_set_entity_type_id_attribute_set_name"
        ),
    )
    op.create_table(
        "inventory_source_item",
        sa.Column("source_item_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_code", sa.String(length=191), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=4), server_default="0", nullable=False),
        sa.Column("status", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["source_code"],
            ["inventory_source.source_code"],
            name="fk_inventory_source_item_source_code",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_item_id", name=op.f("pk_inventory_source_item")),
        sa.UniqueConstraint("source_code", "sku", name="uq_inventory_source_item_source_code_sku"),
    )
    op.create_index(op.f("ix_inventory_source_item_sku"), "inventory_source_item", ["sku"], unique=False)
    op.create_table(
        "catalog_category_entity",
        sa.Column("entity_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attribute_set_id", sa.Integer(), server_default="3", nullable=False),
        sa.Column("parent_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("level", sa.Integer(), server_default="0", nullable=False),
        sa.Column("children_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_set_id"],
            ["eav_attribute_set.attribute_set_id"],
            name="fk_catalog_category_entity_attribute_set_id",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_catalog_category_entity")),
    )
    op.create_index(
        op.f("ix_catalog_category_entity_parent_id"), "catalog_category_entity", ["parent_id"], unique=False
    )
    op.create_index(
        "ix_catalog_category_entity_path",
        "catalog_category_entity",
        ["path"],
        unique=False,
        postgresql_ops={"path": "varchar_pattern_ops"},
        mysql_length={"path": 191},
    )
    op.create_table(
        "catalog_product_entity",
        sa.Column("entity_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attribute_set_id", sa.Integer(), server_default="4", nullable=False),
        sa.Column("type_id", sa.String(length=32), server_default="simple", nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_set_id"],
            ["eav_attribute_set.attribute_set_id"],
            name="fk_catalog_product_entity_attribute_set_id",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_catalog_product_entity")),
        sa.UniqueConstraint("sku", name=op.f("uq_catalog_product_entity_sku")),
    )
    op.create_index(
        op.f("ix_catalog_product_entity_attribute_set_id"), "catalog_product_entity", ["attribute_set_id"], unique=False
    )
    op.create_index(op.f("ix_catalog_product_entity_type_id"), "catalog_product_entity", ["type_id"], unique=False)
    op.create_index(
        op.f("ix_catalog_product_entity_updated_at"), "catalog_product_entity", ["updated_at"], unique=False
    )
    op.create_table(
        "eav_attribute_group",
        sa.Column("attribute_group_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attribute_set_id", sa.Integer(), nullable=False),
        sa.Column("attribute_group_name", sa.String(length=191), nullable=False),
        sa.Column("attribute_group_code", sa.String(length=191), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("default_id", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("tab_group_code", sa.String(length=191), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_set_id"],
            ["eav_attribute_set.attribute_set_id"],
            name="fk_eav_attribute_group_attribute_set_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attribute_group_id", name=op.f("pk_eav_attribute_group")),
        sa.UniqueConstraint(
            "attribute_set_id",
            "attribute_group_name",
            name="uq_eav_attribute_group_attribute_set_id_attribute_group_name",
        ),
    )
    op.create_table(
        "eav_attribute_option",
        sa.Column("option_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_eav_attribute_option_attribute_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("option_id", name=op.f("pk_eav_attribute_option")),
    )
    op.create_index(
        op.f("ix_eav_attribute_option_attribute_id"), "eav_attribute_option", ["attribute_id"], unique=False
    )
    op.create_table(
        "catalog_category_entity_datetime",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_category_entity_datetime_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_category_entity.entity_id"],
            name="fk_catalog_category_entity_datetime_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_category_entity_datetime_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_category_entity_datetime")
        ),
    )
    op.create_index(
        "ix_catalog_category_entity_datetime_store_id", "catalog_category_entity_datetime", ["store_id"], unique=False
    )
    op.create_index(
        "ix_catalog_category_entity_datetime_value",
        "catalog_category_entity_datetime",
        ["attribute_id", "store_id", "value"],
        unique=False,
    )
    op.create_table(
        "catalog_category_entity_decimal",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_category_entity_decimal_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_category_entity.entity_id"],
            name="fk_catalog_category_entity_decimal_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_category_entity_decimal_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_category_entity_decimal")
        ),
    )
    op.create_index(
        "ix_catalog_category_entity_decimal_store_id", "catalog_category_entity_decimal", ["store_id"], unique=False
    )
    op.create_index(
        "ix_catalog_category_entity_decimal_value",
        "catalog_category_entity_decimal",
        ["attribute_id", "store_id", "value"],
        unique=False,
    )
    op.create_table(
        "catalog_category_entity_int",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_category_entity_int_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_category_entity.entity_id"],
            name="fk_catalog_category_entity_int_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_category_entity_int_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_category_entity_int")),
    )
    op.create_index(
        "ix_catalog_category_entity_int_store_id", "catalog_category_entity_int", ["store_id"], unique=False
    )
    op.create_index(
        "ix_catalog_category_entity_int_value",
        "catalog_category_entity_int",
        ["attribute_id", "store_id", "value"],
        unique=False,
    )
    op.create_table(
        "catalog_category_entity_text",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column(
            "value",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_category_entity_text_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_category_entity.entity_id"],
            name="fk_catalog_category_entity_text_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_category_entity_text_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_category_entity_text")),
    )
    op.create_index(
        "ix_catalog_category_entity_text_attribute_id", "catalog_category_entity_text", ["attribute_id"], unique=False
    )
    op.create_index(
        "ix_catalog_category_entity_text_store_id", "catalog_category_entity_text", ["store_id"], unique=False
    )
    op.create_table(
        "catalog_category_entity_varchar",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_category_entity_varchar_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_category_entity.entity_id"],
            name="fk_catalog_category_entity_varchar_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_category_entity_varchar_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_category_entity_varchar")
        ),
    )
    op.create_index(
        "ix_catalog_category_entity_varchar_store_id", "catalog_category_entity_varchar", ["store_id"], unique=False
    )
    op.create_index(
        "ix_catalog_category_entity_varchar_value",
        "catalog_category_entity_varchar",
        ["attribute_id", "store_id", "value"],
        unique=False,
        mysql_length={"value": 191},
    )
    op.create_table(
        "catalog_category_product",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["catalog_category_entity.entity_id"],
            name="fk_catalog_category_product_category_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_category_product_product_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category_id", "product_id", name=op.f("pk_catalog_category_product")),
    )
    op.create_index(
        op.f("ix_catalog_category_product_product_id"), "catalog_category_product", ["product_id"], unique=False
    )
    op.create_table(
        "catalog_product_bundle_option",
        sa.Column("option_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("type", sa.String(length=32), server_default="select", nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_bundle_option_parent_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("option_id", name=op.f("pk_catalog_product_bundle_option")),
    )
    op.create_index(
        op.f("ix_catalog_product_bundle_option_parent_id"), "catalog_product_bundle_option", ["parent_id"], unique=False
    )
    op.create_table(
        "catalog_product_entity_datetime",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_product_entity_datetime_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_entity_datetime_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_product_entity_datetime_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_product_entity_datetime")
        ),
    )
    op.create_index(
        "ix_catalog_product_entity_datetime_store_id", "catalog_product_entity_datetime", ["store_id"], unique=False
    )
    op.create_index(
        "ix_catalog_product_entity_datetime_value",
        "catalog_product_entity_datetime",
        ["attribute_id", "store_id", "value"],
        unique=False,
    )
    op.create_table(
        "catalog_product_entity_decimal",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_product_entity_decimal_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_entity_decimal_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_product_entity_decimal_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_product_entity_decimal")
        ),
    )
    op.create_index(
        "ix_catalog_product_entity_decimal_store_id", "catalog_product_entity_decimal", ["store_id"], unique=False
    )
    op.create_index(
        "ix_catalog_product_entity_decimal_value",
        "catalog_product_entity_decimal",
        ["attribute_id", "store_id", "value"],
        unique=False,
    )
    op.create_table(
        "catalog_product_entity_int",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_product_entity_int_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_entity_int_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_product_entity_int_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_product_entity_int")),
    )
    op.create_index("ix_catalog_product_entity_int_store_id", "catalog_product_entity_int", ["store_id"], unique=False)
    op.create_index(
        "ix_catalog_product_entity_int_value",
        "catalog_product_entity_int",
        ["attribute_id", "store_id", "value"],
        unique=False,
    )
    op.create_table(
        "catalog_product_entity_media_gallery",
        sa.Column("value_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=32), server_default="image", nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_entity_media_gallery_entity_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("value_id", name=op.f("pk_catalog_product_entity_media_gallery")),
    )
    op.create_index(
        op.f("ix_catalog_product_entity_media_gallery_entity_id"),
        "catalog_product_entity_media_gallery",
        ["entity_id"],
        unique=False,
    )
    op.create_table(
        "catalog_product_entity_text",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column(
            "value",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_product_entity_text_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_entity_text_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_product_entity_text_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_product_entity_text")),
    )
    op.create_index(
        "ix_catalog_product_entity_text_attribute_id", "catalog_product_entity_text", ["attribute_id"], unique=False
    )
    op.create_index(
        "ix_catalog_product_entity_text_store_id", "catalog_product_entity_text", ["store_id"], unique=False
    )
    op.create_table(
        "catalog_product_entity_tier_price",
        sa.Column("value_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("all_groups", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("customer_group_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("qty", sa.Numeric(precision=12, scale=4), server_default="1", nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=6), server_default="0", nullable=False),
        sa.Column("website_id", sa.SmallInteger(), nullable=False),
        sa.Column("percentage_value", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_group_id"],
            ["customer_group.customer_group_id"],
            name="fk_catalog_product_entity_tier_price_customer_group_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_entity_tier_price_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["website_id"],
            ["store_website.website_id"],
            name="fk_catalog_product_entity_tier_price_website_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("value_id", name=op.f("pk_catalog_product_entity_tier_price")),
        sa.UniqueConstraint(
            "entity_id",
            "all_groups",
            "customer_group_id",
            "qty",
            "website_id",
            name="uq_catalog_product_tier_price_key",
        ),
    )
    op.create_index(
        op.f("ix_catalog_product_entity_tier_price_customer_group_id"),
        "catalog_product_entity_tier_price",
        ["customer_group_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_catalog_product_entity_tier_price_website_id"),
        "catalog_product_entity_tier_price",
        ["website_id"],
        unique=False,
    )
    op.create_table(
        "catalog_product_entity_varchar",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_product_entity_varchar_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_entity_varchar_entity_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_product_entity_varchar_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "entity_id", "attribute_id", "store_id", name=op.f("pk_catalog_product_entity_varchar")
        ),
    )
    op.create_index(
        "ix_catalog_product_entity_varchar_store_id", "catalog_product_entity_varchar", ["store_id"], unique=False
    )
    op.create_index(
        "ix_catalog_product_entity_varchar_value",
        "catalog_product_entity_varchar",
        ["attribute_id", "store_id", "value"],
        unique=False,
        mysql_length={"value": 191},
    )
    op.create_table(
        "catalog_product_link",
        sa.Column("link_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("linked_product_id", sa.Integer(), nullable=False),
        sa.Column("link_type_id", sa.SmallInteger(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("qty", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["linked_product_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_link_linked_product_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_link_product_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_catalog_product_link")),
        sa.UniqueConstraint(
            "link_type_id", "product_id", "linked_product_id", name="uq_catalog_product_link_type_product_linked"
        ),
    )
    op.create_index(
        op.f("ix_catalog_product_link_linked_product_id"), "catalog_product_link", ["linked_product_id"], unique=False
    )
    op.create_index(op.f("ix_catalog_product_link_product_id"), "catalog_product_link", ["product_id"], unique=False)
    op.create_table(
        "catalog_product_super_attribute",
        sa.Column("product_super_attribute_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_catalog_product_super_attribute_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_super_attribute_product_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_super_attribute_id", name=op.f("pk_catalog_product_super_attribute")),
        sa.UniqueConstraint(
            "product_id", "attribute_id", name="uq_catalog_product_super_attribute_product_id_attribute_id"
        ),
    )
    op.create_index(
        op.f("ix_catalog_product_super_attribute_attribute_id"),
        "catalog_product_super_attribute",
        ["attribute_id"],
        unique=False,
    )
    op.create_table(
        "catalog_product_super_link",
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_super_link_parent_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_super_link_product_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("parent_id", "product_id", name=op.f("pk_catalog_product_super_link")),
    )
    op.create_index(
        op.f("ix_catalog_product_super_link_product_id"), "catalog_product_super_link", ["product_id"], unique=False
    )
    op.create_table(
        "catalog_product_website",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("website_id", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_website_product_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["website_id"],
            ["store_website.website_id"],
            name="fk_catalog_product_website_website_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "website_id", name=op.f("pk_catalog_product_website")),
    )
    op.create_index(
        op.f("ix_catalog_product_website_website_id"), "catalog_product_website", ["website_id"], unique=False
    )
    op.create_table(
        "eav_attribute_label",
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_eav_attribute_label_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_eav_attribute_label_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("attribute_id", "store_id", name=op.f("pk_eav_attribute_label")),
    )
    op.create_index(op.f("ix_eav_attribute_label_store_id"), "eav_attribute_label", ["store_id"], unique=False)
    op.create_table(
        "eav_attribute_option_value",
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["eav_attribute_option.option_id"],
            name="fk_eav_attribute_option_value_option_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_eav_attribute_option_value_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("option_id", "store_id", name=op.f("pk_eav_attribute_option_value")),
    )
    op.create_index(
        op.f("ix_eav_attribute_option_value_store_id"), "eav_attribute_option_value", ["store_id"], unique=False
    )
    op.create_table(
        "eav_entity_attribute",
        sa.Column("entity_attribute_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attribute_set_id", sa.Integer(), nullable=False),
        sa.Column("attribute_group_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_group_id"],
            ["eav_attribute_group.attribute_group_id"],
            name="fk_eav_entity_attribute_attribute_group_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["eav_attribute.attribute_id"],
            name="fk_eav_entity_attribute_attribute_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["attribute_set_id"],
            ["eav_attribute_set.attribute_set_id"],
            name="fk_eav_entity_attribute_attribute_set_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_attribute_id", name=op.f("pk_eav_entity_attribute")),
        sa.UniqueConstraint(
            "attribute_set_id", "attribute_id", name="uq_eav_entity_attribute_attribute_set_id_attribute_id"
        ),
    )
    op.create_index(
        op.f("ix_eav_entity_attribute_attribute_group_id"), "eav_entity_attribute", ["attribute_group_id"], unique=False
    )
    op.create_index(
        op.f("ix_eav_entity_attribute_attribute_id"), "eav_entity_attribute", ["attribute_id"], unique=False
    )
    op.create_table(
        "catalog_product_bundle_option_value",
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["catalog_product_bundle_option.option_id"],
            name="fk_catalog_product_bundle_option_value_option_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name="fk_catalog_product_bundle_option_value_store_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("option_id", "store_id", name=op.f("pk_catalog_product_bundle_option_value")),
    )
    op.create_index(
        op.f("ix_catalog_product_bundle_option_value_store_id"),
        "catalog_product_bundle_option_value",
        ["store_id"],
        unique=False,
    )
    op.create_table(
        "catalog_product_bundle_selection",
        sa.Column("selection_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("parent_product_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("selection_price_type", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("selection_price_value", sa.Numeric(precision=20, scale=6), server_default="0", nullable=False),
        sa.Column("selection_qty", sa.Numeric(precision=12, scale=4), server_default="1", nullable=False),
        sa.Column("selection_can_change_qty", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["catalog_product_bundle_option.option_id"],
            name="fk_catalog_product_bundle_selection_option_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_product_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_bundle_selection_parent_product_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_product_entity.entity_id"],
            name="fk_catalog_product_bundle_selection_product_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("selection_id", name=op.f("pk_catalog_product_bundle_selection")),
        sa.UniqueConstraint("option_id", "product_id", name="uq_catalog_product_bundle_selection_option_id_product_id"),
    )
    op.create_index(
        op.f("ix_catalog_product_bundle_selection_parent_product_id"),
        "catalog_product_bundle_selection",
        ["parent_product_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_catalog_product_bundle_selection_product_id"),
        "catalog_product_bundle_selection",
        ["product_id"],
        unique=False,
    )
    op.create_table(
        "catalog_product_entity_media_gallery_value",
        sa.Column("value_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.store_id"],
            name="fk_catalog_product_entity_media_gallery_value_store_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["value_id"],
            ["catalog_product_entity_media_gallery.value_id"],
            name="fk_catalog_product_entity_media_gallery_value_value_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("value_id", "store_id", name=op.f("pk_catalog_product_entity_media_gallery_value")),
    )
    op.create_index(
        op.f("ix_catalog_product_entity_media_gallery_value_store_id"),
        "catalog_product_entity_media_gallery_value",
        ["store_id"],
        unique=False,
    )
    _seed_installation_rows()


def downgrade() -> None:
    op.drop_table("catalog_product_entity_media_gallery_value")
    op.drop_table("catalog_product_bundle_selection")
    op.drop_table("catalog_product_bundle_option_value")
    op.drop_table("eav_entity_attribute")
    op.drop_table("eav_attribute_option_value")
    op.drop_table("eav_attribute_label")
    op.drop_table("catalog_product_website")
    op.drop_table("catalog_product_super_link")
    op.drop_table("catalog_product_super_attribute")
    op.drop_table("catalog_product_link")
    op.drop_table("catalog_product_entity_varchar")
    op.drop_table("catalog_product_entity_tier_price")
    op.drop_table("catalog_product_entity_text")
    op.drop_table("catalog_product_entity_media_gallery")
    op.drop_table("catalog_product_entity_int")
    op.drop_table("catalog_product_entity_decimal")
    op.drop_table("catalog_product_entity_datetime")
    op.drop_table("catalog_product_bundle_option")
    op.drop_table("catalog_category_product")
    op.drop_table("catalog_category_entity_varchar")
    op.drop_table("catalog_category_entity_text")
    op.drop_table("catalog_category_entity_int")
    op.drop_table("catalog_category_entity_decimal")
    op.drop_table("catalog_category_entity_datetime")
    op.drop_table("eav_attribute_option")
    op.drop_table("eav_attribute_group")
    op.drop_table("catalog_product_entity")
    op.drop_table("catalog_category_entity")
    op.drop_table("inventory_source_item")
    op.drop_table("eav_attribute_set")
    op.drop_table("eav_attribute")
    op.drop_table("inventory_source")
    op.drop_table("eav_entity_type")


# -- Magento's installation rows, frozen as this revision first wrote them -----------------------------------------
# Literal rows on lightweight tables of this revision's columns: a migration never imports the live table code, so a
# column added to a table later cannot break a fresh upgrade. Ids are literal too (they are what a fresh database
# assigned), so the rows are the same on every backend; tests/integration/db/test_seeded_rows.py checks them against
# ``conveyor.catalog.defaults``, which re-seeds a database that tests emptied.


def _seed_installation_rows() -> None:
    """Entity types, the Default attribute sets with their groups and attributes, the root categories with their
    values, and MSI's default source."""
    _insert(_ENTITY_TYPE, _ENTITY_TYPES)
    _insert(_ATTRIBUTE_SET, _ATTRIBUTE_SETS)
    op.bulk_insert(_ATTRIBUTE, _ATTRIBUTES)
    _insert(_ATTRIBUTE_GROUP, _GROUPS)
    _insert(_ENTITY_ATTRIBUTE, _ENTITY_ATTRIBUTES)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # stored as naive UTC, whole seconds
    _insert(_CATEGORY, [(*row, now, now) for row in _ROOT_CATEGORIES])
    _insert(_CATEGORY_INT, _CATEGORY_INTS)
    _insert(_CATEGORY_VARCHAR, _CATEGORY_VARCHARS)
    _insert(_SOURCE, _SOURCES)
    if op.get_bind().dialect.name == "postgresql":  # MariaDB and SQLite move past explicit ids by themselves
        for table, column in _SERIAL_COLUMNS:
            op.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT MAX({column}) FROM {table}))"
            )


def _table(name: str, /, **columns: TypeEngine[Any]) -> TableClause:
    return sa.table(name, *(sa.column(column, type_) for column, type_ in columns.items()))


def _insert(table: TableClause, rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows written as tuples in the order of ``table``'s columns."""
    op.bulk_insert(table, [dict(zip(table.columns.keys(), row, strict=True)) for row in rows])


def _attribute(
    attribute_id: int,
    entity_type_id: int,
    code: str,
    backend: str,
    frontend: str,
    label: str,
    scope: int,  # is_global: 0 store view, 1 global, 2 website
    **other: Any,
) -> dict[str, Any]:
    return {
        "attribute_id": attribute_id,
        "entity_type_id": entity_type_id,
        "attribute_code": code,
        "backend_type": backend,
        "frontend_input": frontend,
        "frontend_label": label,
        "is_global": scope,
        **_ATTRIBUTE_DEFAULTS,
        **other,
    }


# Ids inserted explicitly into auto-increment columns, whose PostgreSQL sequences must then move past them.
_SERIAL_COLUMNS = [
    ("eav_attribute_set", "attribute_set_id"),
    ("eav_attribute", "attribute_id"),
    ("eav_attribute_group", "attribute_group_id"),
    ("eav_entity_attribute", "entity_attribute_id"),
    ("catalog_category_entity", "entity_id"),
]

# Source models and apply-to lists that recur below.
_BOOLEAN = "Magento\\Eav\\Model\\Entity\\Attribute\\Source\\Boolean"
_SORT_BY = "Magento\\Catalog\\Model\\Category\\Attribute\\Source\\Sortby"
_LAYOUT = "Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Layout"
_THEME = "Magento\\Theme\\Model\\Theme\\Source\\Theme"
_PHYSICAL = "simple,virtual,bundle,downloadable,configurable"

_ENTITY_TYPE = _table(
    "eav_entity_type", entity_type_id=sa.Integer(), entity_type_code=sa.String(), default_attribute_set_id=sa.Integer()
)
_ATTRIBUTE_SET = _table(
    "eav_attribute_set",
    attribute_set_id=sa.Integer(),
    entity_type_id=sa.Integer(),
    attribute_set_name=sa.String(),
    sort_order=sa.Integer(),
)
_ATTRIBUTE = _table(
    "eav_attribute",
    attribute_id=sa.Integer(),
    entity_type_id=sa.Integer(),
    attribute_code=sa.String(),
    backend_type=sa.String(),
    frontend_input=sa.String(),
    frontend_label=sa.String(),
    frontend_class=sa.String(),
    source_model=sa.String(),
    is_global=sa.Integer(),
    is_required=sa.Boolean(),
    is_user_defined=sa.Boolean(),
    is_unique=sa.Boolean(),
    default_value=sa.String(),
    note=sa.String(),
    apply_to=sa.String(),
    position=sa.Integer(),
    is_visible=sa.Boolean(),
    is_searchable=sa.Boolean(),
    is_filterable=sa.Integer(),
    is_comparable=sa.Boolean(),
    is_visible_on_front=sa.Boolean(),
    is_html_allowed_on_front=sa.Boolean(),
    is_wysiwyg_enabled=sa.Boolean(),
    used_in_product_listing=sa.Boolean(),
    used_for_sort_by=sa.Boolean(),
    is_used_for_promo_rules=sa.Boolean(),
)
_ATTRIBUTE_GROUP = _table(
    "eav_attribute_group",
    attribute_group_id=sa.Integer(),
    attribute_set_id=sa.Integer(),
    attribute_group_name=sa.String(),
    attribute_group_code=sa.String(),
    sort_order=sa.Integer(),
    default_id=sa.Boolean(),
    tab_group_code=sa.String(),
)
_ENTITY_ATTRIBUTE = _table(
    "eav_entity_attribute",
    entity_attribute_id=sa.Integer(),
    attribute_set_id=sa.Integer(),
    attribute_group_id=sa.Integer(),
    attribute_id=sa.Integer(),
    sort_order=sa.Integer(),
)
_CATEGORY = _table(
    "catalog_category_entity",
    entity_id=sa.Integer(),
    attribute_set_id=sa.Integer(),
    parent_id=sa.Integer(),
    path=sa.String(),
    position=sa.Integer(),
    level=sa.Integer(),
    children_count=sa.Integer(),
    created_at=sa.DateTime(),
    updated_at=sa.DateTime(),
)
_CATEGORY_INT = _table(
    "catalog_category_entity_int",
    entity_id=sa.Integer(),
    attribute_id=sa.Integer(),
    store_id=sa.Integer(),
    value=sa.Integer(),
)
_CATEGORY_VARCHAR = _table(
    "catalog_category_entity_varchar",
    entity_id=sa.Integer(),
    attribute_id=sa.Integer(),
    store_id=sa.Integer(),
    value=sa.String(),
)
_SOURCE = _table(
    "inventory_source",
    source_code=sa.String(),
    name=sa.String(),
    enabled=sa.Boolean(),
    description=sa.String(),
    country_id=sa.String(),
    postcode=sa.String(),
)

_ENTITY_TYPES = [
    (3, "catalog_category", 3),
    (4, "catalog_product", 4),
]
_ATTRIBUTE_SETS = [
    (3, 3, "Default", 2),
    (4, 4, "Default", 2),
]
# The columns every attribute below has unless it says otherwise.
_ATTRIBUTE_DEFAULTS: dict[str, Any] = {
    "frontend_class": None,
    "source_model": None,
    "is_required": False,
    "is_user_defined": False,
    "is_unique": False,
    "default_value": None,
    "note": None,
    "apply_to": None,
    "position": 0,
    "is_visible": True,
    "is_searchable": False,
    "is_filterable": 0,
    "is_comparable": False,
    "is_visible_on_front": False,
    "is_html_allowed_on_front": False,
    "is_wysiwyg_enabled": False,
    "used_in_product_listing": False,
    "used_for_sort_by": False,
    "is_used_for_promo_rules": False,
}
# fmt: off
_ATTRIBUTES = [
    _attribute(1, 4, "name", "varchar", "text", "Product Name", 0, is_required=True, is_searchable=True,
        used_in_product_listing=True, used_for_sort_by=True),
    _attribute(2, 4, "sku", "static", "text", "SKU", 1, is_required=True, is_unique=True, is_searchable=True,
        used_in_product_listing=True),
    _attribute(3, 4, "price", "decimal", "price", "Price", 2, is_required=True, apply_to="simple,virtual,downloadable",
        is_searchable=True, is_filterable=1, used_in_product_listing=True, used_for_sort_by=True),
    _attribute(4, 4, "tax_class_id", "int", "select", "Tax Class", 2,
        source_model="Magento\\Tax\\Model\\TaxClass\\Source\\Product", default_value="2", apply_to=_PHYSICAL,
        used_in_product_listing=True),
    _attribute(5, 4, "weight", "decimal", "weight", "Weight", 1,
        apply_to="simple,virtual,bundle,downloadable,configurable,giftcard"),
    _attribute(6, 4, "status", "int", "select", "Enable Product", 2,
        source_model="Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Status", default_value="1",
        used_in_product_listing=True),
    _attribute(7, 4, "visibility", "int", "select", "Visibility", 0,
        source_model="Magento\\Catalog\\Model\\Product\\Visibility", default_value="4"),
    _attribute(8, 4, "category_ids", "static", "categories", "Categories", 1),
    _attribute(9, 4, "country_of_manufacture", "varchar", "select", "Country of Manufacture", 2,
        source_model="Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Countryofmanufacture"),
    _attribute(10, 4, "news_from_date", "datetime", "date", "Set Product as New from Date", 2),
    _attribute(11, 4, "news_to_date", "datetime", "date", "Set Product as New to Date", 2),
    _attribute(12, 4, "color", "int", "select", "Color", 1, is_user_defined=True, is_searchable=True, is_filterable=1,
        is_comparable=True),
    _attribute(13, 4, "size", "int", "select", "Size", 1, is_user_defined=True, is_searchable=True, is_filterable=1,
        is_comparable=True),
    _attribute(14, 4, "manufacturer", "int", "select", "Manufacturer", 1, is_user_defined=True, is_searchable=True,
        is_filterable=1, is_comparable=True),
    _attribute(15, 4, "description", "text", "textarea", "Description", 0, is_searchable=True, is_comparable=True,
        is_html_allowed_on_front=True, is_wysiwyg_enabled=True),
    _attribute(16, 4, "short_description", "text", "textarea", "Short Description", 0, is_searchable=True,
        is_html_allowed_on_front=True, used_in_product_listing=True),
    _attribute(17, 4, "image", "varchar", "media_image", "Base", 0, used_in_product_listing=True),
    _attribute(18, 4, "small_image", "varchar", "media_image", "Small", 0, used_in_product_listing=True),
    _attribute(19, 4, "thumbnail", "varchar", "media_image", "Thumbnail", 0, used_in_product_listing=True),
    _attribute(20, 4, "swatch_image", "varchar", "media_image", "Swatch", 0),
    _attribute(21, 4, "media_gallery", "static", "gallery", "Media Gallery", 1),
    _attribute(22, 4, "image_label", "varchar", "text", "Image Label", 0, is_visible=False),
    _attribute(23, 4, "small_image_label", "varchar", "text", "Small Image Label", 0, is_visible=False),
    _attribute(24, 4, "thumbnail_label", "varchar", "text", "Thumbnail Label", 0, is_visible=False),
    _attribute(25, 4, "url_key", "varchar", "text", "URL Key", 0),
    _attribute(26, 4, "url_path", "varchar", "text", "URL Path", 0, is_visible=False),
    _attribute(27, 4, "meta_title", "varchar", "text", "Meta Title", 0),
    _attribute(28, 4, "meta_keyword", "text", "textarea", "Meta Keywords", 0),
    _attribute(29, 4, "meta_description", "varchar", "textarea", "Meta Description", 0),
    _attribute(30, 4, "special_price", "decimal", "price", "Special Price", 2, apply_to=_PHYSICAL,
        used_in_product_listing=True),
    _attribute(31, 4, "special_from_date", "datetime", "date", "Special Price From Date", 2),
    _attribute(32, 4, "special_to_date", "datetime", "date", "Special Price To", 2),
    _attribute(33, 4, "cost", "decimal", "price", "Cost", 2, is_user_defined=True),
    _attribute(34, 4, "msrp", "decimal", "price", "Minimum Advertised Price", 2),
    _attribute(35, 4, "page_layout", "varchar", "select", "Layout", 0, source_model=_LAYOUT),
    _attribute(36, 4, "options_container", "varchar", "select", "Display Product Options In", 0,
        source_model="Magento\\Catalog\\Model\\Entity\\Product\\Attribute\\Design\\Options\\Container",
        default_value="container2"),
    _attribute(37, 4, "custom_layout_update", "text", "textarea", "Layout Update XML", 0),
    _attribute(38, 4, "custom_design", "varchar", "select", "New Theme", 0, source_model=_THEME),
    _attribute(39, 4, "custom_design_from", "datetime", "date", "Active From", 0),
    _attribute(40, 4, "custom_design_to", "datetime", "date", "Active To", 0),
    _attribute(41, 4, "gift_message_available", "varchar", "boolean", "Allow Gift Message", 0, source_model=_BOOLEAN),
    _attribute(42, 4, "price_type", "int", "boolean", "Dynamic Price", 1, source_model=_BOOLEAN, apply_to="bundle"),
    _attribute(43, 4, "sku_type", "int", "boolean", "Dynamic SKU", 1, apply_to="bundle"),
    _attribute(44, 4, "weight_type", "int", "boolean", "Dynamic Weight", 1, apply_to="bundle"),
    _attribute(45, 4, "price_view", "int", "select", "Price View", 0,
        source_model="Magento\\Bundle\\Model\\Product\\Attribute\\Source\\Price\\View", apply_to="bundle"),
    _attribute(46, 4, "shipment_type", "int", "select", "Ship Bundle Items", 1,
        source_model="Magento\\Bundle\\Model\\Product\\Attribute\\Source\\Shipment\\Type", apply_to="bundle"),
    _attribute(47, 4, "created_at", "static", "date", "Created At", 1, is_visible=False),
    _attribute(48, 4, "updated_at", "static", "date", "Updated At", 1, is_visible=False),
    _attribute(49, 3, "name", "varchar", "text", "Name", 0, is_required=True),
    _attribute(50, 3, "is_active", "int", "boolean", "Enable Category", 0, source_model=_BOOLEAN, is_required=True,
        default_value="1"),
    _attribute(51, 3, "include_in_menu", "int", "boolean", "Include in Navigation Menu", 0, source_model=_BOOLEAN,
        default_value="1"),
    _attribute(52, 3, "description", "text", "textarea", "Description", 0, is_wysiwyg_enabled=True),
    _attribute(53, 3, "image", "varchar", "image", "Image", 0),
    _attribute(54, 3, "landing_page", "int", "select", "CMS Block", 0,
        source_model="Magento\\Catalog\\Model\\Category\\Attribute\\Source\\Page"),
    _attribute(55, 3, "display_mode", "varchar", "select", "Display Mode", 0,
        source_model="Magento\\Catalog\\Model\\Category\\Attribute\\Source\\Mode", default_value="PRODUCTS"),
    _attribute(56, 3, "is_anchor", "int", "boolean", "Anchor", 1, source_model=_BOOLEAN, default_value="1"),
    _attribute(57, 3, "available_sort_by", "text", "multiselect", "Available Product Listing Sort By", 0,
        source_model=_SORT_BY),
    _attribute(58, 3, "default_sort_by", "varchar", "select", "Default Product Listing Sort By", 0,
        source_model=_SORT_BY),
    _attribute(59, 3, "filter_price_range", "decimal", "text", "Layered Navigation Price Step", 0),
    _attribute(60, 3, "url_key", "varchar", "text", "URL Key", 0),
    _attribute(61, 3, "url_path", "varchar", "text", "URL Path", 0, is_visible=False),
    _attribute(62, 3, "meta_title", "varchar", "text", "Page Title", 0),
    _attribute(63, 3, "meta_keywords", "text", "textarea", "Meta Keywords", 0),
    _attribute(64, 3, "meta_description", "text", "textarea", "Meta Description", 0),
    _attribute(65, 3, "custom_use_parent_settings", "int", "boolean", "Use Parent Category Settings", 0,
        source_model=_BOOLEAN),
    _attribute(66, 3, "custom_apply_to_products", "int", "boolean", "Apply Design to Products", 0,
        source_model=_BOOLEAN),
    _attribute(67, 3, "custom_design", "varchar", "select", "Theme", 0, source_model=_THEME),
    _attribute(68, 3, "custom_design_from", "datetime", "date", "Active From", 0),
    _attribute(69, 3, "custom_design_to", "datetime", "date", "Active To", 0),
    _attribute(70, 3, "page_layout", "varchar", "select", "Layout", 0, source_model=_LAYOUT),
    _attribute(71, 3, "custom_layout_update", "text", "textarea", "Layout Update XML", 0),
    _attribute(72, 3, "path", "static", "text", "Path", 1, is_visible=False),
    _attribute(73, 3, "position", "static", "text", "Position", 1, is_visible=False),
    _attribute(74, 3, "level", "static", "text", "Level", 1, is_visible=False),
    _attribute(75, 3, "children_count", "static", "text", "Children Count", 1, is_visible=False),
]
# fmt: on
_GROUPS = [
    (1, 4, "Product Details", "product-details", 10, True, None),
    (2, 4, "Content", "content", 20, False, None),
    (3, 4, "Images", "image-management", 30, False, None),
    (4, 4, "Search Engine Optimization", "search-engine-optimization", 40, False, None),
    (5, 4, "Advanced Pricing", "advanced-pricing", 50, False, None),
    (6, 4, "Design", "design", 60, False, None),
    (7, 4, "Schedule Design Update", "schedule-design-update", 70, False, None),
    (8, 4, "Gift Options", "gift-options", 80, False, None),
    (9, 4, "Bundle Items", "bundle-items", 90, False, None),
    (10, 3, "General Information", "general", 10, True, None),
    (11, 3, "Content", "content", 20, False, None),
    (12, 3, "Display Settings", "display-settings", 30, False, None),
    (13, 3, "Search Engine Optimization", "search-engine-optimization", 40, False, None),
    (14, 3, "Design", "design", 50, False, None),
]
# fmt: off
_ENTITY_ATTRIBUTES = [
    (1, 4, 1, 1, 1), (2, 4, 1, 2, 2), (3, 4, 1, 3, 3), (4, 4, 1, 4, 4), (5, 4, 1, 5, 5),
    (6, 4, 1, 6, 6), (7, 4, 1, 7, 7), (8, 4, 1, 8, 8), (9, 4, 1, 9, 9), (10, 4, 1, 10, 10),
    (11, 4, 1, 11, 11), (12, 4, 1, 12, 12), (13, 4, 1, 13, 13), (14, 4, 1, 14, 14), (15, 4, 2, 15, 15),
    (16, 4, 2, 16, 16), (17, 4, 3, 17, 17), (18, 4, 3, 18, 18), (19, 4, 3, 19, 19), (20, 4, 3, 20, 20),
    (21, 4, 3, 21, 21), (22, 4, 3, 22, 22), (23, 4, 3, 23, 23), (24, 4, 3, 24, 24), (25, 4, 4, 25, 25),
    (26, 4, 4, 26, 26), (27, 4, 4, 27, 27), (28, 4, 4, 28, 28), (29, 4, 4, 29, 29), (30, 4, 5, 30, 30),
    (31, 4, 5, 31, 31), (32, 4, 5, 32, 32), (33, 4, 5, 33, 33), (34, 4, 5, 34, 34), (35, 4, 6, 35, 35),
    (36, 4, 6, 36, 36), (37, 4, 6, 37, 37), (38, 4, 7, 38, 38), (39, 4, 7, 39, 39), (40, 4, 7, 40, 40),
    (41, 4, 8, 41, 41), (42, 4, 9, 42, 42), (43, 4, 9, 43, 43), (44, 4, 9, 44, 44), (45, 4, 9, 45, 45),
    (46, 4, 9, 46, 46), (47, 4, 1, 47, 47), (48, 4, 1, 48, 48), (49, 3, 10, 49, 1), (50, 3, 10, 50, 2),
    (51, 3, 10, 51, 3), (52, 3, 11, 52, 4), (53, 3, 11, 53, 5), (54, 3, 11, 54, 6), (55, 3, 12, 55, 7),
    (56, 3, 12, 56, 8), (57, 3, 12, 57, 9), (58, 3, 12, 58, 10), (59, 3, 12, 59, 11), (60, 3, 13, 60, 12),
    (61, 3, 13, 61, 13), (62, 3, 13, 62, 14), (63, 3, 13, 63, 15), (64, 3, 13, 64, 16), (65, 3, 14, 65, 17),
    (66, 3, 14, 66, 18), (67, 3, 14, 67, 19), (68, 3, 14, 68, 20), (69, 3, 14, 69, 21), (70, 3, 14, 70, 22),
    (71, 3, 14, 71, 23), (72, 3, 10, 72, 24), (73, 3, 10, 73, 25), (74, 3, 10, 74, 26), (75, 3, 10, 75, 27),
]
# fmt: on
_ROOT_CATEGORIES = [
    (1, 3, 0, "1", 0, 0, 1),
    (2, 3, 1, "1/2", 1, 1, 0),
]
_CATEGORY_INTS = [
    (1, 50, 0, 1),
    (1, 51, 0, 1),
    (2, 50, 0, 1),
    (2, 51, 0, 1),
    (2, 56, 0, 1),
]
_CATEGORY_VARCHARS = [
    (1, 49, 0, "Root Catalog"),
    (2, 49, 0, "Default Category"),
    (2, 55, 0, "PRODUCTS"),
]
_SOURCES = [
    ("default", "Default Source", True, None, "US", None),
]

"""catalog products, attributes, categories, stock and prices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

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
    from conveyor.catalog import ensure_product_catalog_defaults

    ensure_product_catalog_defaults(op.get_bind())


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

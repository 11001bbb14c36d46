"""customers, addresses, orders and shipments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The types behind conveyor.catalog.customers.tables' ExactDecimal (a scaled integer on SQLite) and LongText.
_MONEY = sa.Numeric(20, 4).with_variant(sa.BigInteger(), "sqlite")
_QUANTITY = sa.Numeric(12, 4).with_variant(sa.BigInteger(), "sqlite")
_LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "sales_sequence",
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("entity_type", "store_id", name=op.f("pk_sales_sequence")),
    )
    op.create_table(
        "customer_entity",
        sa.Column(
            "entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("website_id", sa.SmallInteger(), nullable=False),
        sa.Column("email", sa.String(length=191), nullable=False),
        sa.Column("group_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("disable_auto_group_change", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_in", sa.String(length=255), nullable=True),
        sa.Column("prefix", sa.String(length=40), nullable=True),
        sa.Column("firstname", sa.String(length=191), nullable=False),
        sa.Column("middlename", sa.String(length=255), nullable=True),
        sa.Column("lastname", sa.String(length=191), nullable=False),
        sa.Column("suffix", sa.String(length=40), nullable=True),
        sa.Column("dob", sa.Date(), nullable=True),
        sa.Column("gender", sa.SmallInteger(), nullable=True),
        sa.Column("taxvat", sa.String(length=50), nullable=True),
        sa.Column("password_hash", sa.String(length=128), nullable=True),
        sa.Column("default_billing", sa.BigInteger(), nullable=True),
        sa.Column("default_shipping", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["customer_group.customer_group_id"], name=op.f("fk_customer_entity_group_id_customer_group")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name=op.f("fk_customer_entity_store_id_store"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["website_id"], ["store_website.website_id"], name=op.f("fk_customer_entity_website_id_store_website")
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_customer_entity")),
        sa.UniqueConstraint("email", "website_id", name=op.f("uq_customer_entity_email_website_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_customer_entity_created_at"), "customer_entity", ["created_at"], unique=False)
    op.create_index(op.f("ix_customer_entity_firstname"), "customer_entity", ["firstname"], unique=False)
    op.create_index(op.f("ix_customer_entity_group_id"), "customer_entity", ["group_id"], unique=False)
    op.create_index(op.f("ix_customer_entity_lastname"), "customer_entity", ["lastname"], unique=False)
    op.create_index(op.f("ix_customer_entity_updated_at"), "customer_entity", ["updated_at"], unique=False)
    op.create_index(op.f("ix_customer_entity_website_id"), "customer_entity", ["website_id"], unique=False)
    op.create_table(
        "customer_address_entity",
        sa.Column(
            "entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("firstname", sa.String(length=255), nullable=False),
        sa.Column("middlename", sa.String(length=255), nullable=True),
        sa.Column("lastname", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=40), nullable=True),
        sa.Column("suffix", sa.String(length=40), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("city", sa.String(length=255), nullable=False),
        sa.Column("region", sa.String(length=255), nullable=True),
        sa.Column("region_code", sa.String(length=32), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("postcode", sa.String(length=255), nullable=True),
        sa.Column("country_id", sa.String(length=2), nullable=False),
        sa.Column("telephone", sa.String(length=255), nullable=False),
        sa.Column("fax", sa.String(length=255), nullable=True),
        sa.Column("vat_id", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["customer_entity.entity_id"],
            name=op.f("fk_customer_address_entity_parent_id_customer_entity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_customer_address_entity")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_customer_address_entity_parent_id"), "customer_address_entity", ["parent_id"], unique=False
    )
    op.create_table(
        "customer_custom_attribute",
        sa.Column("entity_id", sa.BigInteger(), nullable=False),
        sa.Column("attribute_code", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["customer_entity.entity_id"],
            name=op.f("fk_customer_custom_attribute_entity_id_customer_entity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", "attribute_code", name=op.f("pk_customer_custom_attribute")),
    )
    op.create_table(
        "sales_order",
        sa.Column(
            "entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("increment_id", sa.String(length=50), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=True),
        sa.Column("store_name", sa.String(length=255), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("customer_email", sa.String(length=128), nullable=False),
        sa.Column("customer_firstname", sa.String(length=128), nullable=True),
        sa.Column("customer_middlename", sa.String(length=128), nullable=True),
        sa.Column("customer_lastname", sa.String(length=128), nullable=True),
        sa.Column("customer_prefix", sa.String(length=32), nullable=True),
        sa.Column("customer_suffix", sa.String(length=32), nullable=True),
        sa.Column("customer_dob", sa.Date(), nullable=True),
        sa.Column("customer_gender", sa.SmallInteger(), nullable=True),
        sa.Column("customer_taxvat", sa.String(length=50), nullable=True),
        sa.Column("customer_group_id", sa.Integer(), nullable=True),
        sa.Column("customer_is_guest", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("customer_note", sa.Text(), nullable=True),
        sa.Column("customer_note_notify", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("base_currency_code", sa.String(length=3), nullable=False),
        sa.Column("global_currency_code", sa.String(length=3), nullable=False),
        sa.Column("order_currency_code", sa.String(length=3), nullable=False),
        sa.Column("store_currency_code", sa.String(length=3), nullable=False),
        sa.Column("base_grand_total", _MONEY, nullable=True),
        sa.Column("grand_total", _MONEY, nullable=True),
        sa.Column("base_subtotal", _MONEY, nullable=True),
        sa.Column("subtotal", _MONEY, nullable=True),
        sa.Column("base_subtotal_incl_tax", _MONEY, nullable=True),
        sa.Column("subtotal_incl_tax", _MONEY, nullable=True),
        sa.Column("base_shipping_amount", _MONEY, nullable=True),
        sa.Column("shipping_amount", _MONEY, nullable=True),
        sa.Column("base_shipping_incl_tax", _MONEY, nullable=True),
        sa.Column("shipping_incl_tax", _MONEY, nullable=True),
        sa.Column("base_shipping_tax_amount", _MONEY, nullable=True),
        sa.Column("shipping_tax_amount", _MONEY, nullable=True),
        sa.Column("base_tax_amount", _MONEY, nullable=True),
        sa.Column("tax_amount", _MONEY, nullable=True),
        sa.Column("base_discount_amount", _MONEY, nullable=True),
        sa.Column("discount_amount", _MONEY, nullable=True),
        sa.Column("base_total_paid", _MONEY, nullable=True),
        sa.Column("total_paid", _MONEY, nullable=True),
        sa.Column("base_total_invoiced", _MONEY, nullable=True),
        sa.Column("total_invoiced", _MONEY, nullable=True),
        sa.Column("base_total_refunded", _MONEY, nullable=True),
        sa.Column("total_refunded", _MONEY, nullable=True),
        sa.Column("base_total_due", _MONEY, nullable=True),
        sa.Column("total_due", _MONEY, nullable=True),
        sa.Column("base_to_global_rate", _MONEY, nullable=True),
        sa.Column("base_to_order_rate", _MONEY, nullable=True),
        sa.Column("store_to_base_rate", _MONEY, nullable=True),
        sa.Column("store_to_order_rate", _MONEY, nullable=True),
        sa.Column("total_qty_ordered", _QUANTITY, nullable=True),
        sa.Column("total_item_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("weight", _QUANTITY, nullable=True),
        sa.Column("shipping_method", sa.String(length=120), nullable=True),
        sa.Column("shipping_description", sa.String(length=255), nullable=True),
        sa.Column("coupon_code", sa.String(length=255), nullable=True),
        sa.Column("remote_ip", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer_entity.entity_id"],
            name=op.f("fk_sales_order_customer_id_customer_entity"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.store_id"], name=op.f("fk_sales_order_store_id_store"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_sales_order")),
        sa.UniqueConstraint("increment_id", name=op.f("uq_sales_order_increment_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_sales_order_created_at"), "sales_order", ["created_at"], unique=False)
    op.create_index(op.f("ix_sales_order_customer_email"), "sales_order", ["customer_email"], unique=False)
    op.create_index(op.f("ix_sales_order_customer_id"), "sales_order", ["customer_id"], unique=False)
    op.create_index(op.f("ix_sales_order_state"), "sales_order", ["state"], unique=False)
    op.create_index(op.f("ix_sales_order_status"), "sales_order", ["status"], unique=False)
    op.create_index(op.f("ix_sales_order_store_id"), "sales_order", ["store_id"], unique=False)
    op.create_index(op.f("ix_sales_order_updated_at"), "sales_order", ["updated_at"], unique=False)
    op.create_table(
        "sales_order_address",
        sa.Column(
            "entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("address_type", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("customer_address_id", sa.BigInteger(), nullable=True),
        sa.Column("firstname", sa.String(length=255), nullable=False),
        sa.Column("middlename", sa.String(length=255), nullable=True),
        sa.Column("lastname", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=40), nullable=True),
        sa.Column("suffix", sa.String(length=40), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("city", sa.String(length=255), nullable=False),
        sa.Column("region", sa.String(length=255), nullable=True),
        sa.Column("region_code", sa.String(length=32), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("postcode", sa.String(length=255), nullable=True),
        sa.Column("country_id", sa.String(length=2), nullable=False),
        sa.Column("telephone", sa.String(length=255), nullable=True),
        sa.Column("fax", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("vat_id", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["sales_order.entity_id"],
            name=op.f("fk_sales_order_address_parent_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_sales_order_address")),
        sa.UniqueConstraint("parent_id", "address_type", name=op.f("uq_sales_order_address_parent_id_address_type")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_sales_order_address_parent_id"), "sales_order_address", ["parent_id"], unique=False)
    op.create_table(
        "sales_order_item",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_item_id", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("product_type", sa.String(length=32), server_default="simple", nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("is_virtual", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("price", _MONEY, nullable=True),
        sa.Column("base_price", _MONEY, nullable=True),
        sa.Column("original_price", _MONEY, nullable=True),
        sa.Column("base_original_price", _MONEY, nullable=True),
        sa.Column("price_incl_tax", _MONEY, nullable=True),
        sa.Column("base_price_incl_tax", _MONEY, nullable=True),
        sa.Column("row_total", _MONEY, nullable=True),
        sa.Column("base_row_total", _MONEY, nullable=True),
        sa.Column("row_total_incl_tax", _MONEY, nullable=True),
        sa.Column("base_row_total_incl_tax", _MONEY, nullable=True),
        sa.Column("tax_amount", _MONEY, nullable=True),
        sa.Column("base_tax_amount", _MONEY, nullable=True),
        sa.Column("tax_percent", _MONEY, nullable=True),
        sa.Column("discount_amount", _MONEY, nullable=True),
        sa.Column("base_discount_amount", _MONEY, nullable=True),
        sa.Column("discount_percent", _MONEY, nullable=True),
        sa.Column("qty_ordered", _QUANTITY, nullable=True),
        sa.Column("qty_shipped", _QUANTITY, nullable=True),
        sa.Column("qty_canceled", _QUANTITY, nullable=True),
        sa.Column("qty_invoiced", _QUANTITY, nullable=True),
        sa.Column("qty_refunded", _QUANTITY, nullable=True),
        sa.Column("weight", _QUANTITY, nullable=True),
        sa.Column("row_weight", _QUANTITY, nullable=True),
        sa.Column("product_options", _LONG_TEXT, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.entity_id"],
            name=op.f("fk_sales_order_item_order_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_item_id"],
            ["sales_order_item.item_id"],
            name=op.f("fk_sales_order_item_parent_item_id_sales_order_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_sales_order_item")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_sales_order_item_order_id"), "sales_order_item", ["order_id"], unique=False)
    op.create_index(op.f("ix_sales_order_item_parent_item_id"), "sales_order_item", ["parent_item_id"], unique=False)
    op.create_table(
        "sales_order_payment",
        sa.Column(
            "entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=128), nullable=False),
        sa.Column("amount_ordered", _MONEY, nullable=True),
        sa.Column("base_amount_ordered", _MONEY, nullable=True),
        sa.Column("amount_paid", _MONEY, nullable=True),
        sa.Column("base_amount_paid", _MONEY, nullable=True),
        sa.Column("amount_authorized", _MONEY, nullable=True),
        sa.Column("base_amount_authorized", _MONEY, nullable=True),
        sa.Column("shipping_amount", _MONEY, nullable=True),
        sa.Column("base_shipping_amount", _MONEY, nullable=True),
        sa.Column("last_trans_id", sa.String(length=255), nullable=True),
        sa.Column("po_number", sa.String(length=32), nullable=True),
        sa.Column("cc_type", sa.String(length=32), nullable=True),
        sa.Column("cc_last4", sa.String(length=100), nullable=True),
        sa.Column("additional_information", _LONG_TEXT, nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["sales_order.entity_id"],
            name=op.f("fk_sales_order_payment_parent_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_sales_order_payment")),
        sa.UniqueConstraint("parent_id", name=op.f("uq_sales_order_payment_parent_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sales_order_status_history",
        sa.Column(
            "entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("is_customer_notified", sa.Boolean(), nullable=True),
        sa.Column("is_visible_on_front", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("entity_name", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["sales_order.entity_id"],
            name=op.f("fk_sales_order_status_history_parent_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_sales_order_status_history")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_sales_order_status_history_parent_id"), "sales_order_status_history", ["parent_id"], unique=False
    )
    op.create_table(
        "sales_shipment",
        sa.Column(
            "entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("increment_id", sa.String(length=50), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("billing_address_id", sa.BigInteger(), nullable=True),
        sa.Column("shipping_address_id", sa.BigInteger(), nullable=True),
        sa.Column("total_qty", _QUANTITY, nullable=True),
        sa.Column("total_weight", _QUANTITY, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.entity_id"],
            name=op.f("fk_sales_shipment_order_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_sales_shipment")),
        sa.UniqueConstraint("increment_id", name=op.f("uq_sales_shipment_increment_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_sales_shipment_created_at"), "sales_shipment", ["created_at"], unique=False)
    op.create_index(op.f("ix_sales_shipment_order_id"), "sales_shipment", ["order_id"], unique=False)
    op.create_table(
        "sales_shipment_item",
        sa.Column(
            "entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("order_item_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("qty", _QUANTITY, nullable=False),
        sa.Column("price", _MONEY, nullable=True),
        sa.Column("weight", _QUANTITY, nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["sales_shipment.entity_id"],
            name=op.f("fk_sales_shipment_item_parent_id_sales_shipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_sales_shipment_item")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_sales_shipment_item_parent_id"), "sales_shipment_item", ["parent_id"], unique=False)
    op.create_table(
        "sales_shipment_track",
        sa.Column(
            "entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("track_number", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("carrier_code", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["sales_shipment.entity_id"],
            name=op.f("fk_sales_shipment_track_parent_id_sales_shipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_sales_shipment_track")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_sales_shipment_track_order_id"), "sales_shipment_track", ["order_id"], unique=False)
    op.create_index(op.f("ix_sales_shipment_track_parent_id"), "sales_shipment_track", ["parent_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sales_shipment_track")
    op.drop_table("sales_shipment_item")
    op.drop_table("sales_shipment")
    op.drop_table("sales_order_status_history")
    op.drop_table("sales_order_payment")
    op.drop_table("sales_order_item")
    op.drop_table("sales_order_address")
    op.drop_table("sales_order")
    op.drop_table("customer_custom_attribute")
    op.drop_table("customer_address_entity")
    op.drop_table("customer_entity")
    op.drop_table("sales_sequence")

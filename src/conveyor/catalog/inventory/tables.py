"""MSI's stock-side tables: stocks, their sources and sales channels, reservations, per-source notification
thresholds and the legacy stock item's settings (``sources`` and ``source items`` live in ``source_items``).

Rows refer to products by sku, as MSI does (stock may arrive before the product).
"""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.catalog.eav.values import foreign_key
from conveyor.db.metadata import metadata

DEFAULT_STOCK_ID = 1
DEFAULT_STOCK_NAME = "Default Stock"
WEBSITE_CHANNEL = "website"
BASE_WEBSITE_CODE = "base"
SOURCE_ITEM_TYPES = ("simple", "virtual", "downloadable")  # the product types that keep source items

stock_table = sa.Table(
    "inventory_stock",
    metadata,
    sa.Column("stock_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(255), nullable=False),
)

stock_source_link_table = sa.Table(
    "inventory_source_stock_link",
    metadata,
    sa.Column("link_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "stock_id",
        sa.Integer,
        foreign_key("inventory_source_stock_link", "stock_id", "inventory_stock.stock_id"),
        nullable=False,
    ),
    sa.Column(
        "source_code",
        sa.String(191),
        foreign_key("inventory_source_stock_link", "source_code", "inventory_source.source_code"),
        nullable=False,
    ),
    sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("stock_id", "source_code", name="uq_inventory_source_stock_link_stock_id_source_code"),
)

sales_channel_table = sa.Table(
    "inventory_stock_sales_channel",
    metadata,
    sa.Column("type", sa.String(64), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column(
        "stock_id",
        sa.Integer,
        foreign_key("inventory_stock_sales_channel", "stock_id", "inventory_stock.stock_id"),
        nullable=False,
    ),
)

reservation_table = sa.Table(
    "inventory_reservation",
    metadata,
    sa.Column("reservation_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stock_id", sa.Integer, nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Numeric(10, 4), nullable=False, server_default="0"),
    sa.Column("metadata", sa.String(255), nullable=True),
    sa.Index("ix_inventory_reservation_stock_id_sku_quantity", "stock_id", "sku", "quantity"),
)

notification_table = sa.Table(
    "inventory_low_stock_notification_configuration",
    metadata,
    sa.Column(
        "source_code",
        sa.String(191),
        foreign_key("inventory_low_stock_notification_configuration", "source_code", "inventory_source.source_code"),
        primary_key=True,
    ),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("notify_stock_qty", sa.Numeric(12, 4), nullable=True),  # NULL: the configuration's default
)

stock_item_setting_table = sa.Table(
    "inventory_stock_item_setting",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    # each NULL means "use the configuration" (Magento's use_config_* = true)
    sa.Column("min_qty", sa.Numeric(12, 4), nullable=True),
    sa.Column("min_sale_qty", sa.Numeric(12, 4), nullable=True),
    sa.Column("max_sale_qty", sa.Numeric(12, 4), nullable=True),
    sa.Column("backorders", sa.SmallInteger, nullable=True),
    sa.Column("qty_increments", sa.Numeric(12, 4), nullable=True),
    sa.Column("enable_qty_increments", sa.Boolean, nullable=True),
    sa.Column("manage_stock", sa.Boolean, nullable=True),
    sa.Column("is_qty_decimal", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_decimal_divided", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("low_stock_date", sa.DateTime, nullable=True),
)

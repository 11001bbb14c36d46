"""MSI stocks: stocks, their sources and sales channels, reservations, low-quantity notification thresholds, the
stock item settings per sku, and Magento's remaining source columns

Seeds MSI's installation rows: stock 1 "Default Stock" linked to the source "default" (priority 1) and selling on
the website "base"; the default source gets Magento's description, coordinates and postcode.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SOURCE_COLUMNS: list[tuple[str, sa.types.TypeEngine[Any]]] = [
    ("contact_name", sa.String(255)),
    ("email", sa.String(255)),
    ("latitude", sa.Numeric(8, 6)),
    ("longitude", sa.Numeric(9, 6)),
    ("region_id", sa.Integer()),
    ("region", sa.String(255)),
    ("city", sa.String(255)),
    ("street", sa.String(255)),
    ("phone", sa.String(255)),
    ("fax", sa.String(255)),
]


def upgrade() -> None:
    with op.batch_alter_table("inventory_source") as batch:
        for name, kind in SOURCE_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        batch.add_column(
            sa.Column("use_default_carrier_config", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "inventory_stock",
        sa.Column("stock_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("stock_id", name="pk_inventory_stock"),
    )
    op.create_table(
        "inventory_source_stock_link",
        sa.Column("link_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stock_id", sa.Integer(), nullable=False),
        sa.Column("source_code", sa.String(length=191), nullable=False),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["stock_id"],
            ["inventory_stock.stock_id"],
            name="fk_inventory_source_stock_link_stock_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_code"],
            ["inventory_source.source_code"],
            name="fk_inventory_source_stock_link_source_code",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", name="pk_inventory_source_stock_link"),
        sa.UniqueConstraint("stock_id", "source_code", name="uq_inventory_source_stock_link_stock_id_source_code"),
    )
    op.create_table(
        "inventory_stock_sales_channel",
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("stock_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stock_id"],
            ["inventory_stock.stock_id"],
            name="fk_inventory_stock_sales_channel_stock_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("type", "code", name="pk_inventory_stock_sales_channel"),
    )
    op.create_table(
        "inventory_reservation",
        sa.Column("reservation_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stock_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=10, scale=4), server_default="0", nullable=False),
        sa.Column("metadata", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("reservation_id", name="pk_inventory_reservation"),
    )
    op.create_index(
        "ix_inventory_reservation_stock_id_sku_quantity", "inventory_reservation", ["stock_id", "sku", "quantity"]
    )
    op.create_table(
        "inventory_low_stock_notification_configuration",
        sa.Column("source_code", sa.String(length=191), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("notify_stock_qty", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_code"],
            ["inventory_source.source_code"],
            name="fk_inventory_low_stock_notification_configuration_s_87f09327",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_code", "sku", name="pk_inventory_low_stock_notification_configuration"),
    )
    op.create_table(
        "inventory_stock_item_setting",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("min_qty", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("min_sale_qty", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("max_sale_qty", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("backorders", sa.SmallInteger(), nullable=True),
        sa.Column("qty_increments", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("enable_qty_increments", sa.Boolean(), nullable=True),
        sa.Column("manage_stock", sa.Boolean(), nullable=True),
        sa.Column("is_qty_decimal", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_decimal_divided", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("low_stock_date", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("sku", name="pk_inventory_stock_item_setting"),
    )
    _seed(op.get_bind())


def _seed(conn: sa.Connection) -> None:
    source = sa.table(
        "inventory_source",
        sa.column("source_code"),
        sa.column("description"),
        sa.column("latitude"),
        sa.column("longitude"),
        sa.column("postcode"),
    )
    conn.execute(
        source.update()
        .where(source.c.source_code == "default", source.c.postcode.is_(None))
        .values(description="Default Source", latitude=0, longitude=0, postcode="00000")
    )
    conn.execute(
        sa.table("inventory_stock", sa.column("stock_id"), sa.column("name")).insert(),
        [{"stock_id": 1, "name": "Default Stock"}],
    )
    has_default = conn.execute(sa.text("SELECT COUNT(*) FROM inventory_source WHERE source_code = 'default'"))
    if has_default.scalar_one():
        link = sa.table(
            "inventory_source_stock_link", sa.column("stock_id"), sa.column("source_code"), sa.column("priority")
        )
        conn.execute(link.insert(), [{"stock_id": 1, "source_code": "default", "priority": 1}])
    channel = sa.table("inventory_stock_sales_channel", sa.column("type"), sa.column("code"), sa.column("stock_id"))
    conn.execute(channel.insert(), [{"type": "website", "code": "base", "stock_id": 1}])
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('inventory_stock', 'stock_id'), 1)"))


def downgrade() -> None:
    op.drop_table("inventory_stock_item_setting")
    op.drop_table("inventory_low_stock_notification_configuration")
    op.drop_index("ix_inventory_reservation_stock_id_sku_quantity", table_name="inventory_reservation")
    op.drop_table("inventory_reservation")
    op.drop_table("inventory_stock_sales_channel")
    op.drop_table("inventory_source_stock_link")
    op.drop_table("inventory_stock")
    with op.batch_alter_table("inventory_source") as batch:
        batch.drop_column("use_default_carrier_config")
        for name, _kind in reversed(SOURCE_COLUMNS):
            batch.drop_column(name)

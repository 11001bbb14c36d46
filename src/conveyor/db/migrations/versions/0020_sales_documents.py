"""Sales documents: invoices, credit memos, their lines and comments, shipment comments, payment transactions;
the order's invoiced/refunded/canceled totals and hold state; items' line numbers and document amounts.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None

# The types behind conveyor.catalog.customers.tables' ExactDecimal (a scaled integer on SQLite), LongText, BigId.
_MONEY = sa.Numeric(20, 4).with_variant(sa.BigInteger(), "sqlite")
_QUANTITY = sa.Numeric(12, 4).with_variant(sa.BigInteger(), "sqlite")
_LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Frozen copies of conveyor.catalog.sales.tables' lists (migrations never import package code).
ORDER_DOCUMENT_AMOUNTS = (
    *tuple(
        f"{base}{name}_{what}"
        for what in ("invoiced", "refunded", "canceled")
        for name in ("subtotal", "tax", "shipping", "discount")
        for base in ("base_", "")
    ),
    "base_total_canceled",
    "total_canceled",
    "base_total_offline_refunded",
    "total_offline_refunded",
    "base_total_online_refunded",
    "total_online_refunded",
    "base_adjustment_positive",
    "adjustment_positive",
    "base_adjustment_negative",
    "adjustment_negative",
)
ITEM_DOCUMENT_AMOUNTS = tuple(
    f"{base}{name}"
    for name in (
        "row_invoiced",
        "amount_refunded",
        "tax_invoiced",
        "tax_refunded",
        "discount_invoiced",
        "discount_refunded",
    )
    for base in ("base_", "")
)
PAYMENT_DOCUMENT_AMOUNTS = (
    "amount_refunded",
    "base_amount_refunded",
    "amount_canceled",
    "base_amount_canceled",
    "shipping_captured",
    "base_shipping_captured",
    "shipping_refunded",
    "base_shipping_refunded",
)
DOCUMENT_AMOUNTS = (
    *tuple(
        f"{base}{name}"
        for name in (
            "grand_total",
            "subtotal",
            "subtotal_incl_tax",
            "tax_amount",
            "shipping_amount",
            "shipping_incl_tax",
            "shipping_tax_amount",
            "discount_amount",
        )
        for base in ("base_", "")
    ),
    "base_to_global_rate",
    "base_to_order_rate",
    "store_to_base_rate",
    "store_to_order_rate",
)
CREDITMEMO_ADJUSTMENTS = tuple(
    f"{base}{name}" for name in ("adjustment", "adjustment_positive", "adjustment_negative") for base in ("base_", "")
)
DOCUMENT_ITEM_AMOUNTS = tuple(
    f"{base}{name}"
    for name in ("price", "price_incl_tax", "row_total", "row_total_incl_tax", "tax_amount", "discount_amount")
    for base in ("", "base_")
)


def _document(name: str, *extra: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("entity_id", _ID, autoincrement=True, nullable=False),
        sa.Column("increment_id", sa.String(length=50), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.SmallInteger(), nullable=True),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("billing_address_id", sa.BigInteger(), nullable=True),
        sa.Column("shipping_address_id", sa.BigInteger(), nullable=True),
        sa.Column("base_currency_code", sa.String(length=3), nullable=True),
        sa.Column("global_currency_code", sa.String(length=3), nullable=True),
        sa.Column("order_currency_code", sa.String(length=3), nullable=True),
        sa.Column("store_currency_code", sa.String(length=3), nullable=True),
        *(sa.Column(amount, _MONEY, nullable=True) for amount in DOCUMENT_AMOUNTS),
        sa.Column("transaction_id", sa.String(length=255), nullable=True),
        sa.Column("email_sent", sa.SmallInteger(), nullable=True),
        *extra,
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["sales_order.entity_id"], name=op.f(f"fk_{name}_order_id_sales_order"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("increment_id", name=op.f(f"uq_{name}_increment_id")),
        sa.UniqueConstraint("order_id", "external_id", name=op.f(f"uq_{name}_order_id_external_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f(f"ix_{name}_created_at"), name, ["created_at"], unique=False)
    op.create_index(op.f(f"ix_{name}_order_id"), name, ["order_id"], unique=False)


def _child(name: str, parent: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("entity_id", _ID, autoincrement=True, nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["parent_id"], [f"{parent}.entity_id"], name=op.f(f"fk_{name}_parent_id_{parent}"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f(f"pk_{name}")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f(f"ix_{name}_parent_id"), name, ["parent_id"], unique=False)


def _item(name: str, parent: str) -> None:
    _child(
        name,
        parent,
        sa.Column("order_item_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("qty", _QUANTITY, nullable=False),
        *(sa.Column(amount, _MONEY, nullable=True) for amount in DOCUMENT_ITEM_AMOUNTS),
    )


def _comments(name: str, parent: str) -> None:
    _child(
        name,
        parent,
        sa.Column("is_customer_notified", sa.SmallInteger(), nullable=True),
        sa.Column("is_visible_on_front", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def _add(table: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    for column in columns:
        op.add_column(table, column)


def _drop(table: str, *names: str) -> None:
    for name in names:
        op.drop_column(table, name)


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch: on SQLite a batch copies the table and drops the old one, and with foreign
    # keys on, dropping sales_order or sales_shipment would cascade into every item, address and shipment line.
    _add("sales_order", *(sa.Column(amount, _MONEY, nullable=True) for amount in ORDER_DOCUMENT_AMOUNTS))
    _add(
        "sales_order",
        sa.Column("hold_before_state", sa.String(length=32), nullable=True),
        sa.Column("hold_before_status", sa.String(length=32), nullable=True),
        sa.Column("email_sent", sa.SmallInteger(), nullable=True),
    )
    _add("sales_order_item", *(sa.Column(amount, _MONEY, nullable=True) for amount in ITEM_DOCUMENT_AMOUNTS))
    _add("sales_order_item", sa.Column("line_number", sa.String(length=32), nullable=True))
    _add("sales_order_payment", *(sa.Column(amount, _MONEY, nullable=True) for amount in PAYMENT_DOCUMENT_AMOUNTS))
    _add(
        "sales_shipment",
        sa.Column("email_sent", sa.SmallInteger(), nullable=True),
        sa.Column("shipping_label", _LONG_TEXT, nullable=True),
    )
    _add(
        "sales_shipment_track",
        sa.Column("weight", _QUANTITY, nullable=True),
        sa.Column("qty", _QUANTITY, nullable=True),
    )
    _document(
        "sales_invoice",
        sa.Column("total_qty", _QUANTITY, nullable=True),
        sa.Column("can_void_flag", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("base_total_refunded", _MONEY, nullable=True),
    )
    _item("sales_invoice_item", "sales_invoice")
    _comments("sales_invoice_comment", "sales_invoice")
    _document(
        "sales_creditmemo",
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        *(sa.Column(amount, _MONEY, nullable=True) for amount in CREDITMEMO_ADJUSTMENTS),
    )
    op.create_index(op.f("ix_sales_creditmemo_invoice_id"), "sales_creditmemo", ["invoice_id"], unique=False)
    _item("sales_creditmemo_item", "sales_creditmemo")
    _comments("sales_creditmemo_comment", "sales_creditmemo")
    _comments("sales_shipment_comment", "sales_shipment")
    op.create_table(
        "sales_payment_transaction",
        sa.Column("transaction_id", _ID, autoincrement=True, nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("txn_id", sa.String(length=100), nullable=False),
        sa.Column("parent_txn_id", sa.String(length=100), nullable=True),
        sa.Column("txn_type", sa.String(length=15), nullable=False),
        sa.Column("is_closed", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("additional_information", _LONG_TEXT, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.entity_id"],
            name=op.f("fk_sales_payment_transaction_order_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_sales_payment_transaction")),
        sa.UniqueConstraint(
            "order_id", "payment_id", "txn_id", name=op.f("uq_sales_payment_transaction_order_id_payment_id_txn_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_sales_payment_transaction_order_id"), "sales_payment_transaction", ["order_id"], unique=False
    )


def downgrade() -> None:
    for table in (
        "sales_payment_transaction",
        "sales_shipment_comment",
        "sales_creditmemo_comment",
        "sales_creditmemo_item",
        "sales_creditmemo",
        "sales_invoice_comment",
        "sales_invoice_item",
        "sales_invoice",
    ):
        op.drop_table(table)
    _drop("sales_shipment_track", "qty", "weight")
    _drop("sales_shipment", "shipping_label", "email_sent")
    _drop("sales_order_payment", *PAYMENT_DOCUMENT_AMOUNTS)
    _drop("sales_order_item", "line_number", *ITEM_DOCUMENT_AMOUNTS)
    _drop("sales_order", "email_sent", "hold_before_status", "hold_before_state", *ORDER_DOCUMENT_AMOUNTS)

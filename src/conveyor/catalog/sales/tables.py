"""Sales tables, after Magento's sales_order and friends, with its column names and decimal sizes.

Order items keep sku, name and product_id as plain values (no foreign key to products), as Magento does,
so an order outlives its products. ``position`` (the item's place in the order) is ours: it keeps the
payload's order and lets a batch insert find the new item ids again without relying on RETURNING order.
Increment ids come from ``sales_sequence``, one counter per entity type and store view.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from conveyor.catalog.customers.tables import Email, Money, Quantity, Timestamp
from conveyor.db.metadata import BigId, LongText, metadata

ORDER_AMOUNTS = (
    "base_grand_total",
    "grand_total",
    "base_subtotal",
    "subtotal",
    "base_subtotal_incl_tax",
    "subtotal_incl_tax",
    "base_shipping_amount",
    "shipping_amount",
    "base_shipping_incl_tax",
    "shipping_incl_tax",
    "base_shipping_tax_amount",
    "shipping_tax_amount",
    "base_tax_amount",
    "tax_amount",
    "base_discount_amount",
    "discount_amount",
    "base_total_paid",
    "total_paid",
    "base_total_invoiced",
    "total_invoiced",
    "base_total_refunded",
    "total_refunded",
    "base_total_due",
    "total_due",
    "base_to_global_rate",
    "base_to_order_rate",
    "store_to_base_rate",
    "store_to_order_rate",
)
# What invoices, credit memos and cancellations add up on the order (Magento's *_invoiced, *_refunded, *_canceled).
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
ITEM_AMOUNTS = (
    "price",
    "base_price",
    "original_price",
    "base_original_price",
    "price_incl_tax",
    "base_price_incl_tax",
    "row_total",
    "base_row_total",
    "row_total_incl_tax",
    "base_row_total_incl_tax",
    "tax_amount",
    "base_tax_amount",
    "tax_percent",
    "discount_amount",
    "base_discount_amount",
    "discount_percent",
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
ITEM_QUANTITIES = ("qty_ordered", "qty_shipped", "qty_canceled", "qty_invoiced", "qty_refunded", "weight", "row_weight")
PAYMENT_AMOUNTS = (
    "amount_ordered",
    "base_amount_ordered",
    "amount_paid",
    "base_amount_paid",
    "amount_authorized",
    "base_amount_authorized",
    "shipping_amount",
    "base_shipping_amount",
    "amount_refunded",
    "base_amount_refunded",
    "amount_canceled",
    "base_amount_canceled",
    "shipping_captured",
    "base_shipping_captured",
    "shipping_refunded",
    "base_shipping_refunded",
)
# The amounts of an invoice or credit memo (Magento's sales_invoice / sales_creditmemo columns).
DOCUMENT_AMOUNTS = (
    "base_grand_total",
    "grand_total",
    "base_subtotal",
    "subtotal",
    "base_subtotal_incl_tax",
    "subtotal_incl_tax",
    "base_tax_amount",
    "tax_amount",
    "base_shipping_amount",
    "shipping_amount",
    "base_shipping_incl_tax",
    "shipping_incl_tax",
    "base_shipping_tax_amount",
    "shipping_tax_amount",
    "base_discount_amount",
    "discount_amount",
    "base_to_global_rate",
    "base_to_order_rate",
    "store_to_base_rate",
    "store_to_order_rate",
)
CREDITMEMO_ADJUSTMENTS = (
    "base_adjustment",
    "adjustment",
    "base_adjustment_positive",
    "adjustment_positive",
    "base_adjustment_negative",
    "adjustment_negative",
)
# The amounts of an invoice or credit memo line.
DOCUMENT_ITEM_AMOUNTS = (
    "price",
    "base_price",
    "price_incl_tax",
    "base_price_incl_tax",
    "row_total",
    "base_row_total",
    "row_total_incl_tax",
    "base_row_total_incl_tax",
    "tax_amount",
    "base_tax_amount",
    "discount_amount",
    "base_discount_amount",
)
CURRENCY_CODES = ("base_currency_code", "global_currency_code", "order_currency_code", "store_currency_code")
ORDER_ADDRESS_FIELDS = (
    "customer_address_id",
    "firstname",
    "middlename",
    "lastname",
    "prefix",
    "suffix",
    "company",
    "street",
    "city",
    "region",
    "region_code",
    "region_id",
    "postcode",
    "country_id",
    "telephone",
    "fax",
    "email",
    "vat_id",
)


def _child_of(
    parent: str, name: str = "parent_id", *, key: str = "entity_id", nullable: bool = False, unique: bool = False
) -> sa.Column[Any]:
    """A reference to the row of ``parent`` this one belongs to, deleted with it (indexed, or unique)."""
    return sa.Column(
        name,
        sa.BigInteger,
        sa.ForeignKey(f"{parent}.{key}", ondelete="CASCADE"),
        nullable=nullable,
        index=None if unique else True,
        unique=True if unique else None,
    )


def _money(names: tuple[str, ...]) -> list[sa.Column[Any]]:
    """Magento's amount columns (decimal 20,4), all optional."""
    return [sa.Column(name, Money, nullable=True) for name in names]


def _currencies(*, nullable: bool) -> list[sa.Column[Any]]:
    """The four currency codes of an order and of its documents."""
    return [sa.Column(code, sa.String(3), nullable=nullable) for code in CURRENCY_CODES]


def _line() -> list[sa.Column[Any]]:
    """What a shipment's, invoice's or credit memo's line says of its order item."""
    return [
        sa.Column("order_item_id", sa.BigInteger, nullable=False),
        sa.Column("product_id", sa.Integer, nullable=True),
        sa.Column("sku", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("qty", Quantity, nullable=False),
    ]


order_table = sa.Table(
    "sales_order",
    metadata,
    sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("increment_id", sa.String(50), nullable=False, unique=True),
    sa.Column("state", sa.String(32), nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column(
        "store_id",
        sa.SmallInteger,
        sa.ForeignKey("store.store_id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column("store_name", sa.String(255), nullable=True),
    sa.Column(
        "customer_id",
        sa.BigInteger,
        sa.ForeignKey("customer_entity.entity_id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column("customer_email", Email(128), nullable=False, index=True),
    sa.Column("customer_firstname", sa.String(128), nullable=True),
    sa.Column("customer_middlename", sa.String(128), nullable=True),
    sa.Column("customer_lastname", sa.String(128), nullable=True),
    sa.Column("customer_prefix", sa.String(32), nullable=True),
    sa.Column("customer_suffix", sa.String(32), nullable=True),
    sa.Column("customer_dob", sa.Date, nullable=True),
    sa.Column("customer_gender", sa.SmallInteger, nullable=True),
    sa.Column("customer_taxvat", sa.String(50), nullable=True),
    sa.Column("customer_group_id", sa.Integer, nullable=True),
    sa.Column("customer_is_guest", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("customer_note", sa.Text, nullable=True),
    sa.Column("customer_note_notify", sa.Boolean, nullable=False, server_default=sa.true()),
    *_currencies(nullable=False),
    *_money(ORDER_AMOUNTS),
    *_money(ORDER_DOCUMENT_AMOUNTS),
    sa.Column("hold_before_state", sa.String(32), nullable=True),
    sa.Column("hold_before_status", sa.String(32), nullable=True),
    sa.Column("email_sent", sa.SmallInteger, nullable=True),
    sa.Column("total_qty_ordered", Quantity, nullable=True),
    sa.Column("total_item_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("weight", Quantity, nullable=True),
    sa.Column("shipping_method", sa.String(120), nullable=True),
    sa.Column("shipping_description", sa.String(255), nullable=True),
    sa.Column("coupon_code", sa.String(255), nullable=True),
    sa.Column("remote_ip", sa.String(45), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False, index=True),
    sa.Column("updated_at", Timestamp, nullable=False, index=True),
    sqlite_autoincrement=True,
)

order_item_table = sa.Table(
    "sales_order_item",
    metadata,
    sa.Column("item_id", BigId, primary_key=True, autoincrement=True),
    _child_of("sales_order", "order_id"),
    _child_of("sales_order_item", "parent_item_id", key="item_id", nullable=True),
    sa.Column("position", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("store_id", sa.SmallInteger, nullable=True),
    sa.Column("product_id", sa.Integer, nullable=True),
    sa.Column("product_type", sa.String(32), nullable=False, server_default="simple"),
    sa.Column("sku", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("is_virtual", sa.Boolean, nullable=False, server_default=sa.false()),
    *_money(ITEM_AMOUNTS),
    *(sa.Column(name, Quantity, nullable=True) for name in ITEM_QUANTITIES),
    *_money(ITEM_DOCUMENT_AMOUNTS),
    sa.Column("product_options", LongText, nullable=True),
    # The item's line number (``numbering``), given when the order is placed and never changed.
    sa.Column("line_number", sa.String(32), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sqlite_autoincrement=True,
)

order_address_table = sa.Table(
    "sales_order_address",
    metadata,
    sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
    _child_of("sales_order"),
    sa.Column("address_type", sa.String(32), nullable=False),
    sa.Column("customer_id", sa.BigInteger, nullable=True),
    sa.Column("customer_address_id", sa.BigInteger, nullable=True),
    sa.Column("firstname", sa.String(255), nullable=False),
    sa.Column("middlename", sa.String(255), nullable=True),
    sa.Column("lastname", sa.String(255), nullable=False),
    sa.Column("prefix", sa.String(40), nullable=True),
    sa.Column("suffix", sa.String(40), nullable=True),
    sa.Column("company", sa.String(255), nullable=True),
    sa.Column("street", sa.Text, nullable=False),
    sa.Column("city", sa.String(255), nullable=False),
    sa.Column("region", sa.String(255), nullable=True),
    sa.Column("region_code", sa.String(32), nullable=True),
    sa.Column("region_id", sa.Integer, nullable=True),
    sa.Column("postcode", sa.String(255), nullable=True),
    sa.Column("country_id", sa.String(2), nullable=False),
    sa.Column("telephone", sa.String(255), nullable=True),
    sa.Column("fax", sa.String(255), nullable=True),
    sa.Column("email", sa.String(255), nullable=True),
    sa.Column("vat_id", sa.String(255), nullable=True),
    sa.UniqueConstraint("parent_id", "address_type"),
    sqlite_autoincrement=True,
)

payment_table = sa.Table(
    "sales_order_payment",
    metadata,
    sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
    _child_of("sales_order", unique=True),
    sa.Column("method", sa.String(128), nullable=False),
    *_money(PAYMENT_AMOUNTS),
    sa.Column("last_trans_id", sa.String(255), nullable=True),
    sa.Column("po_number", sa.String(32), nullable=True),
    sa.Column("cc_type", sa.String(32), nullable=True),
    sa.Column("cc_last4", sa.String(100), nullable=True),
    # Magento's additional_information: a JSON list of text.
    sa.Column("additional_information", LongText, nullable=True),
    sqlite_autoincrement=True,
)

status_history_table = sa.Table(
    "sales_order_status_history",
    metadata,
    sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
    _child_of("sales_order"),
    sa.Column("is_customer_notified", sa.Boolean, nullable=True),
    sa.Column("is_visible_on_front", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("status", sa.String(32), nullable=True),
    sa.Column("entity_name", sa.String(32), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sqlite_autoincrement=True,
)

shipment_table = sa.Table(
    "sales_shipment",
    metadata,
    sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("increment_id", sa.String(50), nullable=False, unique=True),
    _child_of("sales_order", "order_id"),
    sa.Column("store_id", sa.SmallInteger, nullable=True),
    sa.Column("customer_id", sa.BigInteger, nullable=True),
    sa.Column("billing_address_id", sa.BigInteger, nullable=True),
    sa.Column("shipping_address_id", sa.BigInteger, nullable=True),
    sa.Column("total_qty", Quantity, nullable=True),
    sa.Column("total_weight", Quantity, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False, index=True),
    sa.Column("updated_at", Timestamp, nullable=False),
    # The id of the document this shipment was created from in an external system (a source's fulfilment):
    # unique per order, so creating it again is refused, and NULL for shipments made here (NULLs never clash).
    sa.Column("external_id", sa.String(255), nullable=True),
    sa.Column("email_sent", sa.SmallInteger, nullable=True),
    sa.Column("shipping_label", LongText, nullable=True),
    sa.UniqueConstraint("order_id", "external_id"),
    sqlite_autoincrement=True,
)

shipment_item_table = sa.Table(
    "sales_shipment_item",
    metadata,
    sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
    _child_of("sales_shipment"),
    *_line(),
    sa.Column("price", Money, nullable=True),
    sa.Column("weight", Quantity, nullable=True),
    sqlite_autoincrement=True,
)

track_table = sa.Table(
    "sales_shipment_track",
    metadata,
    sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
    _child_of("sales_shipment"),
    sa.Column("order_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("track_number", sa.Text, nullable=False),
    sa.Column("title", sa.String(255), nullable=True),
    sa.Column("carrier_code", sa.String(32), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("weight", Quantity, nullable=True),
    sa.Column("qty", Quantity, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sqlite_autoincrement=True,
)

sequence_table = sa.Table(
    "sales_sequence",
    metadata,
    sa.Column("entity_type", sa.String(32), primary_key=True),
    sa.Column("store_id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("last_value", sa.BigInteger, nullable=False, server_default="0"),
)


def _document_table(name: str, *extra: sa.Column[Any]) -> sa.Table:
    """An invoice or credit memo: Magento's columns, numbered per store like orders."""
    return sa.Table(
        name,
        metadata,
        sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("increment_id", sa.String(50), nullable=False, unique=True),
        _child_of("sales_order", "order_id"),
        sa.Column("store_id", sa.SmallInteger, nullable=True),
        sa.Column("state", sa.SmallInteger, nullable=False),
        sa.Column("billing_address_id", sa.BigInteger, nullable=True),
        sa.Column("shipping_address_id", sa.BigInteger, nullable=True),
        *_currencies(nullable=True),
        *_money(DOCUMENT_AMOUNTS),
        sa.Column("transaction_id", sa.String(255), nullable=True),
        sa.Column("email_sent", sa.SmallInteger, nullable=True),
        *extra,
        sa.Column("created_at", Timestamp, nullable=False, index=True),
        sa.Column("updated_at", Timestamp, nullable=False),
        # The document's id in the system it came from (an ERP's invoice number): unique per order, so applying
        # the same document twice is refused; NULL for documents made here. As ``sales_shipment.external_id``.
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.UniqueConstraint("order_id", "external_id"),
        sqlite_autoincrement=True,
    )


def _document_item_table(name: str, parent: str) -> sa.Table:
    """The lines of an invoice or credit memo: one per order item, with its share of the amounts."""
    return sa.Table(
        name,
        metadata,
        sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
        _child_of(parent),
        *_line(),
        *_money(DOCUMENT_ITEM_AMOUNTS),
        sqlite_autoincrement=True,
    )


def _comment_table(name: str, parent: str) -> sa.Table:
    """Comments on an invoice, credit memo or shipment (Magento's ``*_comment`` tables, one shape)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
        _child_of(parent),
        sa.Column("is_customer_notified", sa.SmallInteger, nullable=True),
        sa.Column("is_visible_on_front", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sqlite_autoincrement=True,
    )


invoice_table = _document_table(
    "sales_invoice",
    sa.Column("total_qty", Quantity, nullable=True),
    sa.Column("can_void_flag", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("base_total_refunded", Money, nullable=True),
)
invoice_item_table = _document_item_table("sales_invoice_item", "sales_invoice")
invoice_comment_table = _comment_table("sales_invoice_comment", "sales_invoice")

creditmemo_table = _document_table(
    "sales_creditmemo",
    sa.Column("invoice_id", sa.BigInteger, nullable=True, index=True),
    *_money(CREDITMEMO_ADJUSTMENTS),
)
creditmemo_item_table = _document_item_table("sales_creditmemo_item", "sales_creditmemo")
creditmemo_comment_table = _comment_table("sales_creditmemo_comment", "sales_creditmemo")

shipment_comment_table = _comment_table("sales_shipment_comment", "sales_shipment")

transaction_table = sa.Table(
    "sales_payment_transaction",
    metadata,
    sa.Column("transaction_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("parent_id", sa.BigInteger, nullable=True),
    _child_of("sales_order", "order_id"),
    sa.Column("payment_id", sa.BigInteger, nullable=True),
    sa.Column("txn_id", sa.String(100), nullable=False),
    sa.Column("parent_txn_id", sa.String(100), nullable=True),
    sa.Column("txn_type", sa.String(15), nullable=False),
    sa.Column("is_closed", sa.SmallInteger, nullable=False, server_default="1"),
    sa.Column("additional_information", LongText, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.UniqueConstraint("order_id", "payment_id", "txn_id"),
    sqlite_autoincrement=True,
)

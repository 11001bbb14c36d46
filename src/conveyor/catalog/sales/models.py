"""Order payloads shaped like Magento's REST ``OrderInterface`` and its parts, for inputs and records alike.

Magento uses one interface for what it accepts and what it returns; here a shared base per part holds the
fields both carry, inputs add what a client may leave out, records what the store always has. Amounts are
``Decimal`` (exact), timestamps Magento's 'YYYY-MM-DD HH:MM:SS' text. The shipping address travels, as in
Magento, in ``extension_attributes.shipping_assignments[].shipping.address``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class OrderAddressData(_Lenient):
    """Fields of Magento's ``OrderAddressInterface`` (``street`` as lines, ``region`` as the name)."""

    address_type: str | None = None
    customer_address_id: int | None = None
    customer_id: int | None = None
    firstname: str | None = None
    middlename: str | None = None
    lastname: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    company: str | None = None
    street: list[str] | None = None
    city: str | None = None
    region: str | None = None
    region_code: str | None = None
    region_id: int | None = None
    postcode: str | None = None
    country_id: str | None = None
    telephone: str | None = None
    fax: str | None = None
    email: str | None = None
    vat_id: str | None = None

    @field_validator("street", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class OrderAddressInput(OrderAddressData):
    """An order address in a request."""


class OrderAddressRecord(OrderAddressData):
    """A stored order address."""

    entity_id: int
    parent_id: int


class OrderItemData(_Lenient):
    """Fields of Magento's ``OrderItemInterface``."""

    sku: str | None = None
    name: str | None = None
    product_id: int | None = None
    product_type: str | None = None
    is_virtual: int | bool | None = None
    store_id: int | None = None
    product_options: dict[str, Any] | None = None
    price: Decimal | None = None
    base_price: Decimal | None = None
    original_price: Decimal | None = None
    base_original_price: Decimal | None = None
    price_incl_tax: Decimal | None = None
    base_price_incl_tax: Decimal | None = None
    row_total: Decimal | None = None
    base_row_total: Decimal | None = None
    row_total_incl_tax: Decimal | None = None
    base_row_total_incl_tax: Decimal | None = None
    tax_amount: Decimal | None = None
    base_tax_amount: Decimal | None = None
    tax_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    base_discount_amount: Decimal | None = None
    discount_percent: Decimal | None = None
    qty_ordered: Decimal | None = None
    qty_shipped: Decimal | None = None
    qty_canceled: Decimal | None = None
    qty_invoiced: Decimal | None = None
    qty_refunded: Decimal | None = None
    weight: Decimal | None = None
    row_weight: Decimal | None = None
    base_row_invoiced: Decimal | None = None
    row_invoiced: Decimal | None = None
    base_amount_refunded: Decimal | None = None
    amount_refunded: Decimal | None = None
    base_tax_invoiced: Decimal | None = None
    tax_invoiced: Decimal | None = None
    base_tax_refunded: Decimal | None = None
    tax_refunded: Decimal | None = None
    base_discount_invoiced: Decimal | None = None
    discount_invoiced: Decimal | None = None
    base_discount_refunded: Decimal | None = None
    discount_refunded: Decimal | None = None


class OrderItemInput(OrderItemData):
    """An order item in a request.

    ``item_id`` and ``parent_item_id`` only link a child (configurable's simple, bundle option) to its parent
    within the payload — a payload read from another Magento links as it came — and new ids are assigned.
    A child may also carry its parent as ``parent_item`` (as Magento returns it) with the same ``item_id``.
    """

    item_id: int | None = None
    parent_item_id: int | None = None
    parent_item: OrderItemInput | None = None


class OrderItemExtensionRecord(BaseModel):
    """``extension_attributes`` of a stored order item: its line number (``numbering``)."""

    line_number: str | None = None


class OrderItemRecord(OrderItemData):
    """A stored order item; a child repeats its parent as ``parent_item``, as Magento does."""

    item_id: int
    order_id: int
    parent_item_id: int | None = None
    parent_item: OrderItemRecord | None = None
    created_at: str
    updated_at: str
    extension_attributes: OrderItemExtensionRecord = Field(default_factory=OrderItemExtensionRecord)


class PaymentData(_Lenient):
    """Fields of Magento's ``OrderPaymentInterface``."""

    method: str | None = None
    additional_information: list[str] = Field(default_factory=list)
    amount_ordered: Decimal | None = None
    base_amount_ordered: Decimal | None = None
    amount_paid: Decimal | None = None
    base_amount_paid: Decimal | None = None
    amount_authorized: Decimal | None = None
    base_amount_authorized: Decimal | None = None
    shipping_amount: Decimal | None = None
    base_shipping_amount: Decimal | None = None
    last_trans_id: str | None = None
    po_number: str | None = None
    cc_type: str | None = None
    cc_last4: str | None = None
    amount_refunded: Decimal | None = None
    base_amount_refunded: Decimal | None = None
    amount_canceled: Decimal | None = None
    base_amount_canceled: Decimal | None = None
    shipping_captured: Decimal | None = None
    base_shipping_captured: Decimal | None = None
    shipping_refunded: Decimal | None = None
    base_shipping_refunded: Decimal | None = None

    @field_validator("additional_information", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        """Magento's list of strings; other scalars are kept as their text."""
        if value is None:
            return []
        if isinstance(value, list):
            return [item if isinstance(item, str) else str(item) for item in value]
        return value


class PaymentInput(PaymentData):
    """An order payment in a request."""


class PaymentRecord(PaymentData):
    """A stored order payment."""

    entity_id: int
    parent_id: int


class StatusHistoryData(_Lenient):
    """Fields of Magento's ``OrderStatusHistoryInterface``."""

    comment: str | None = None
    status: str | None = None
    is_customer_notified: int | bool | None = None
    is_visible_on_front: int | bool | None = None
    entity_name: str | None = None


class StatusHistoryInput(StatusHistoryData):
    """A status history entry in a request (an import may carry its original ``created_at``)."""

    created_at: str | datetime | None = None


class StatusHistoryRecord(StatusHistoryData):
    """A stored status history entry."""

    entity_id: int
    parent_id: int
    created_at: str


class ShippingData(_Lenient):
    """``shipping_assignments[].shipping``: the address and the method."""

    address: OrderAddressInput | None = None
    method: str | None = None


class ShippingAssignmentInput(_Lenient):
    """One of ``extension_attributes.shipping_assignments`` in a request (only ``shipping`` is read)."""

    shipping: ShippingData | None = None


class OrderExtensionInput(_Lenient):
    """``extension_attributes`` of an order in a request."""

    shipping_assignments: list[ShippingAssignmentInput] = Field(default_factory=list)


class ShippingRecord(BaseModel):
    """``shipping_assignments[].shipping`` of a stored order."""

    address: OrderAddressRecord | None = None
    method: str | None = None


class ShippingAssignmentRecord(BaseModel):
    """A stored order's shipping assignment: its shipping and its items, as Magento returns them."""

    shipping: ShippingRecord
    items: list[OrderItemRecord] = Field(default_factory=list)


class OrderExtensionRecord(BaseModel):
    """``extension_attributes`` of a stored order."""

    shipping_assignments: list[ShippingAssignmentRecord] = Field(default_factory=list)


class OrderData(_Lenient):
    """Fields of Magento's ``OrderInterface`` shared by requests and records."""

    increment_id: str | None = None
    state: str | None = None
    status: str | None = None
    store_id: int | None = None
    store_name: str | None = None
    customer_id: int | None = None
    customer_email: str | None = None
    customer_firstname: str | None = None
    customer_middlename: str | None = None
    customer_lastname: str | None = None
    customer_prefix: str | None = None
    customer_suffix: str | None = None
    customer_dob: str | date | None = None
    customer_gender: int | None = None
    customer_taxvat: str | None = None
    customer_group_id: int | None = None
    customer_is_guest: int | bool | None = None
    customer_note: str | None = None
    customer_note_notify: int | bool | None = None
    base_currency_code: str | None = None
    global_currency_code: str | None = None
    order_currency_code: str | None = None
    store_currency_code: str | None = None
    base_grand_total: Decimal | None = None
    grand_total: Decimal | None = None
    base_subtotal: Decimal | None = None
    subtotal: Decimal | None = None
    base_subtotal_incl_tax: Decimal | None = None
    subtotal_incl_tax: Decimal | None = None
    base_shipping_amount: Decimal | None = None
    shipping_amount: Decimal | None = None
    base_shipping_incl_tax: Decimal | None = None
    shipping_incl_tax: Decimal | None = None
    base_shipping_tax_amount: Decimal | None = None
    shipping_tax_amount: Decimal | None = None
    base_tax_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    base_discount_amount: Decimal | None = None
    discount_amount: Decimal | None = None
    base_total_paid: Decimal | None = None
    total_paid: Decimal | None = None
    base_total_invoiced: Decimal | None = None
    total_invoiced: Decimal | None = None
    base_total_refunded: Decimal | None = None
    total_refunded: Decimal | None = None
    base_total_due: Decimal | None = None
    total_due: Decimal | None = None
    base_to_global_rate: Decimal | None = None
    base_to_order_rate: Decimal | None = None
    store_to_base_rate: Decimal | None = None
    store_to_order_rate: Decimal | None = None
    base_subtotal_invoiced: Decimal | None = None
    subtotal_invoiced: Decimal | None = None
    base_tax_invoiced: Decimal | None = None
    tax_invoiced: Decimal | None = None
    base_shipping_invoiced: Decimal | None = None
    shipping_invoiced: Decimal | None = None
    base_discount_invoiced: Decimal | None = None
    discount_invoiced: Decimal | None = None
    base_subtotal_refunded: Decimal | None = None
    subtotal_refunded: Decimal | None = None
    base_tax_refunded: Decimal | None = None
    tax_refunded: Decimal | None = None
    base_shipping_refunded: Decimal | None = None
    shipping_refunded: Decimal | None = None
    base_discount_refunded: Decimal | None = None
    discount_refunded: Decimal | None = None
    base_subtotal_canceled: Decimal | None = None
    subtotal_canceled: Decimal | None = None
    base_tax_canceled: Decimal | None = None
    tax_canceled: Decimal | None = None
    base_shipping_canceled: Decimal | None = None
    shipping_canceled: Decimal | None = None
    base_discount_canceled: Decimal | None = None
    discount_canceled: Decimal | None = None
    base_total_canceled: Decimal | None = None
    total_canceled: Decimal | None = None
    base_total_offline_refunded: Decimal | None = None
    total_offline_refunded: Decimal | None = None
    base_total_online_refunded: Decimal | None = None
    total_online_refunded: Decimal | None = None
    base_adjustment_positive: Decimal | None = None
    adjustment_positive: Decimal | None = None
    base_adjustment_negative: Decimal | None = None
    adjustment_negative: Decimal | None = None
    total_qty_ordered: Decimal | None = None
    total_item_count: int | None = None
    hold_before_state: str | None = None
    hold_before_status: str | None = None
    weight: Decimal | None = None
    shipping_description: str | None = None
    coupon_code: str | None = None
    remote_ip: str | None = None


class OrderInput(OrderData):
    """An order in a request: create (Magento's ``PUT /V1/orders/create``) or import.

    Missing increment_id, state/status ('new'/'pending'), currencies (the base currency, default USD) and
    rates (1) are filled in; the customer snapshot is completed from the customer record when
    ``customer_id`` is given.
    """

    entity_id: int | None = None
    created_at: str | datetime | None = None
    updated_at: str | datetime | None = None
    items: list[OrderItemInput] = Field(default_factory=list)
    billing_address: OrderAddressInput | None = None
    payment: PaymentInput | None = None
    status_histories: list[StatusHistoryInput] = Field(default_factory=list)
    extension_attributes: OrderExtensionInput = Field(default_factory=OrderExtensionInput)

    @property
    def shipping_address(self) -> OrderAddressInput | None:
        """The first shipping assignment's address."""
        for assignment in self.extension_attributes.shipping_assignments:
            if assignment.shipping is not None and assignment.shipping.address is not None:
                return assignment.shipping.address
        return None

    @property
    def shipping_method(self) -> str | None:
        """The first shipping assignment's method."""
        for assignment in self.extension_attributes.shipping_assignments:
            if assignment.shipping is not None and assignment.shipping.method:
                return assignment.shipping.method
        return None


class OrderRecord(OrderData):
    """A stored order as Magento's API returns it (status histories newest first)."""

    entity_id: int
    email_sent: int | None = None
    increment_id: str
    state: str
    status: str
    customer_email: str
    customer_dob: str | None = None
    created_at: str
    updated_at: str
    items: list[OrderItemRecord] = Field(default_factory=list)
    billing_address: OrderAddressRecord | None = None
    payment: PaymentRecord | None = None
    status_histories: list[StatusHistoryRecord] = Field(default_factory=list)
    extension_attributes: OrderExtensionRecord = Field(default_factory=OrderExtensionRecord)

    @property
    def shipping_address(self) -> OrderAddressRecord | None:
        """The shipping address (in the first shipping assignment)."""
        assignments = self.extension_attributes.shipping_assignments
        return assignments[0].shipping.address if assignments else None


class CommentRecord(BaseModel):
    """A comment on an invoice, credit memo or shipment (Magento's ``*CommentInterface``)."""

    entity_id: int
    parent_id: int
    comment: str | None = None
    is_customer_notified: int | None = None
    is_visible_on_front: int
    created_at: str


class TrackInput(_Lenient):
    """A tracking number for a shipment (Magento's ``ShipmentTrackCreationInterface``)."""

    track_number: str
    title: str | None = None
    carrier_code: str
    description: str | None = None


class TrackRecord(BaseModel):
    """A stored tracking number."""

    entity_id: int
    parent_id: int
    order_id: int
    track_number: str
    title: str | None = None
    carrier_code: str
    description: str | None = None
    weight: Decimal | None = None
    qty: Decimal | None = None
    created_at: str
    updated_at: str


class LineRecord(BaseModel):
    """What every stored document line (shipment, invoice, credit memo) says of its order item."""

    entity_id: int
    parent_id: int
    order_item_id: int
    product_id: int | None = None
    sku: str
    name: str | None = None
    qty: Decimal


class ShipmentItemRecord(LineRecord):
    """A stored shipment line."""

    price: Decimal | None = None
    weight: Decimal | None = None


class ShipmentRecord(BaseModel):
    """A stored shipment with its lines and tracks (Magento's ``ShipmentInterface``)."""

    entity_id: int
    increment_id: str
    order_id: int
    store_id: int | None = None
    customer_id: int | None = None
    billing_address_id: int | None = None
    shipping_address_id: int | None = None
    total_qty: Decimal | None = None
    total_weight: Decimal | None = None
    email_sent: int | None = None
    created_at: str
    updated_at: str
    items: list[ShipmentItemRecord] = Field(default_factory=list)
    tracks: list[TrackRecord] = Field(default_factory=list)
    comments: list[CommentRecord] = Field(default_factory=list)


class DocumentItemRecord(LineRecord):
    """A line of an invoice or credit memo (Magento's ``InvoiceItemInterface`` / ``CreditmemoItemInterface``)."""

    price: Decimal | None = None
    base_price: Decimal | None = None
    price_incl_tax: Decimal | None = None
    base_price_incl_tax: Decimal | None = None
    row_total: Decimal | None = None
    base_row_total: Decimal | None = None
    row_total_incl_tax: Decimal | None = None
    base_row_total_incl_tax: Decimal | None = None
    tax_amount: Decimal | None = None
    base_tax_amount: Decimal | None = None
    discount_amount: Decimal | None = None
    base_discount_amount: Decimal | None = None


class DocumentRecord(BaseModel):
    """What an invoice and a credit memo share (Magento's columns of both)."""

    entity_id: int
    increment_id: str
    order_id: int
    store_id: int | None = None
    state: int
    billing_address_id: int | None = None
    shipping_address_id: int | None = None
    base_currency_code: str | None = None
    global_currency_code: str | None = None
    order_currency_code: str | None = None
    store_currency_code: str | None = None
    base_grand_total: Decimal | None = None
    grand_total: Decimal | None = None
    base_subtotal: Decimal | None = None
    subtotal: Decimal | None = None
    base_subtotal_incl_tax: Decimal | None = None
    subtotal_incl_tax: Decimal | None = None
    base_tax_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    base_shipping_amount: Decimal | None = None
    shipping_amount: Decimal | None = None
    base_shipping_incl_tax: Decimal | None = None
    shipping_incl_tax: Decimal | None = None
    base_shipping_tax_amount: Decimal | None = None
    shipping_tax_amount: Decimal | None = None
    base_discount_amount: Decimal | None = None
    discount_amount: Decimal | None = None
    base_to_global_rate: Decimal | None = None
    base_to_order_rate: Decimal | None = None
    store_to_base_rate: Decimal | None = None
    store_to_order_rate: Decimal | None = None
    transaction_id: str | None = None
    email_sent: int | None = None
    created_at: str
    updated_at: str
    items: list[DocumentItemRecord] = Field(default_factory=list)
    comments: list[CommentRecord] = Field(default_factory=list)


class InvoiceRecord(DocumentRecord):
    """A stored invoice (Magento's ``InvoiceInterface``): state 1 open, 2 paid, 3 canceled."""

    total_qty: Decimal | None = None
    can_void_flag: int = 0
    base_total_refunded: Decimal | None = None


class CreditmemoRecord(DocumentRecord):
    """A stored credit memo (Magento's ``CreditmemoInterface``): state 1 open, 2 refunded, 3 canceled."""

    invoice_id: int | None = None
    base_adjustment: Decimal | None = None
    adjustment: Decimal | None = None
    base_adjustment_positive: Decimal | None = None
    adjustment_positive: Decimal | None = None
    base_adjustment_negative: Decimal | None = None
    adjustment_negative: Decimal | None = None


class TransactionRecord(BaseModel):
    """A payment transaction (Magento's ``TransactionInterface``), recorded on online capture, void and refund."""

    transaction_id: int
    parent_id: int | None = None
    order_id: int
    payment_id: int | None = None
    txn_id: str
    parent_txn_id: str | None = None
    txn_type: str
    is_closed: int
    additional_information: list[str] = Field(default_factory=list)
    created_at: str
    child_transactions: list[TransactionRecord] = Field(default_factory=list)

"""Orders: one repository for the REST API (one order, Magento's semantics) and the sync handlers (batches).

Every method takes a Connection inside the caller's transaction and never commits. A batch of orders is
written with one statement per table (plus one per level of child items and one select to find new ids),
never one per order or item. Tables are in ``tables``; shipments in ``shipments``; the checks a new order
from outside passes first in ``invariants``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.customers.repository import NO_SUCH_ENTITY, chunks, insert_one
from conveyor.catalog.customers.tables import (
    ExactDecimal,
    Quantity,
    customer_table,
    format_timestamp,
    to_decimal,
    utc_now,
)
from conveyor.catalog.customers.validation import (
    REQUIRED,
    check_lengths,
    date_of_birth,
    email_address,
    invalid,
    optional_text,
    required_text,
    timestamp,
)
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.events import ORDER_PLACED, ORDER_STATUS_CHANGED, EventSink
from conveyor.catalog.paging import page_ids
from conveyor.catalog.sales.events import order_event, status_event
from conveyor.catalog.sales.invariants import ORDER_EXISTS, STORE_NOT_FOUND
from conveyor.catalog.sales.models import (
    OrderAddressInput,
    OrderAddressRecord,
    OrderExtensionRecord,
    OrderInput,
    OrderItemExtensionRecord,
    OrderItemInput,
    OrderItemRecord,
    OrderRecord,
    PaymentInput,
    PaymentRecord,
    ShipmentItemRecord,
    ShipmentRecord,
    ShippingAssignmentRecord,
    ShippingRecord,
    StatusHistoryInput,
    StatusHistoryRecord,
    TrackInput,
    TrackRecord,
)
from conveyor.catalog.sales.numbering import line_numbers, rules_by_store
from conveyor.catalog.sales.reservations import reserve_placed
from conveyor.catalog.sales.sequence import new_increment_ids
from conveyor.catalog.sales.shipments import ENTITY_MISSING, ShipmentOperations
from conveyor.catalog.sales.tables import (
    ITEM_AMOUNTS,
    ITEM_DOCUMENT_AMOUNTS,
    ITEM_QUANTITIES,
    ORDER_ADDRESS_FIELDS,
    ORDER_AMOUNTS,
    ORDER_DOCUMENT_AMOUNTS,
    PAYMENT_AMOUNTS,
    order_address_table,
    order_item_table,
    order_table,
    payment_table,
    status_history_table,
)
from conveyor.catalog.stores.scopes import DEFAULT_STORE_ID, store_table
from conveyor.settings import SalesSection, get_settings

__all__ = [
    "DEFAULT_CURRENCY",
    "OrderAddressInput",
    "OrderAddressRecord",
    "OrderInput",
    "OrderItemInput",
    "OrderItemRecord",
    "OrderRecord",
    "OrderRepository",
    "PaymentInput",
    "PaymentRecord",
    "ShipmentItemRecord",
    "ShipmentRecord",
    "StatusHistoryInput",
    "StatusHistoryRecord",
    "TrackInput",
    "TrackRecord",
]

DEFAULT_CURRENCY = "USD"
# the most of one item an order may hold: placing it reserves the quantity, in MSI's NUMERIC(10, 4) column
MAX_QTY_ORDERED = Decimal("999999.9999")
DUPLICATE_INCREMENT_ID = 'An order with increment ID "%1" already exists.'
# what a valid new order can be refused with by the stored ones (its increment or entity id taken)
ORDER_CREATE_REFUSALS = (DUPLICATE_INCREMENT_ID, ORDER_EXISTS)
NOT_LOGGED_IN_GROUP_ID = 0
# The totals every order has (0 when a payload leaves them out); other amounts stay null like in Magento.
_CORE_TOTALS = (
    "grand_total",
    "subtotal",
    "shipping_amount",
    "tax_amount",
    "discount_amount",
)
_RATES = ("base_to_global_rate", "base_to_order_rate", "store_to_base_rate", "store_to_order_rate")
_ZERO_QUANTITIES = ("qty_shipped", "qty_canceled", "qty_invoiced", "qty_refunded")
_VIRTUAL_TYPES = frozenset({"virtual", "downloadable", "giftcard"})
_SNAPSHOT = ("email", "firstname", "middlename", "lastname", "prefix", "suffix", "dob", "gender", "taxvat")


@dataclass
class _Item:
    row: dict[str, Any]
    parent: int | None  # index of the parent in the order's item list
    depth: int = 0


@dataclass
class _Order:
    row: dict[str, Any]
    items: list[_Item]
    addresses: list[dict[str, Any]]
    payment: dict[str, Any] | None
    histories: list[dict[str, Any]] = field(default_factory=list)


class OrderRepository(ShipmentOperations):
    """Orders with items, addresses, payment, status history and shipments (Magento's sales repositories)."""

    def create(
        self, conn: Connection, data: OrderInput, *, events: EventSink, numbering: SalesSection | None = None
    ) -> OrderRecord:
        """Create one order (Magento's ``PUT /V1/orders/create``)."""
        return self.get(conn, self.create_many(conn, [data], events=events, numbering=numbering)[0])

    def create_many(
        self,
        conn: Connection,
        orders: Sequence[OrderInput],
        *,
        events: EventSink,
        numbering: SalesSection | None = None,
    ) -> list[int]:
        """Create orders (imports and sync); returns their entity ids in order.

        A given increment_id that exists is a ``DuplicateError``; missing ones are numbered per store view.
        Items get their line numbers by the rule of the order's website (``numbering``, by default the process
        settings), in this same transaction. Each order emits ``sales.order.placed`` with the write.
        """
        if not orders:
            return []
        stores = dict(conn.execute(sa.select(store_table.c.store_id, store_table.c.name)).all())
        customers = _customers(conn, sorted({o.customer_id for o in orders if o.customer_id is not None}))
        now = utc_now()
        prepared = [_prepare(order, stores, customers, now) for order in orders]
        _number(conn, prepared)
        _line_numbers(conn, prepared, numbering if numbering is not None else get_settings())
        o = order_table
        conn.execute(o.insert(), [p.row for p in prepared])
        numbers = [p.row["increment_id"] for p in prepared]
        ids: dict[str, int] = {}
        for part in chunks(numbers):
            query = sa.select(o.c.increment_id, o.c.entity_id).where(o.c.increment_id.in_(part))
            ids.update(conn.execute(query).all())
        order_ids = [ids[number] for number in numbers]
        _insert_items(conn, list(zip(order_ids, prepared, strict=True)))
        reserve_placed(
            conn, [({**p.row, "entity_id": i}, _stock_items(p)) for i, p in zip(order_ids, prepared, strict=True)]
        )
        addresses = [{**a, "parent_id": i} for i, p in zip(order_ids, prepared, strict=True) for a in p.addresses]
        if addresses:
            conn.execute(order_address_table.insert(), addresses)
        payments = [{**p.payment, "parent_id": i} for i, p in zip(order_ids, prepared, strict=True) if p.payment]
        if payments:
            conn.execute(payment_table.insert(), payments)
        histories = [{**h, "parent_id": i} for i, p in zip(order_ids, prepared, strict=True) for h in p.histories]
        if histories:
            conn.execute(status_history_table.insert(), histories)
        for order_id, order in zip(order_ids, prepared, strict=True):
            events.emit(ORDER_PLACED, order_event(order_id, order.row))
        return order_ids

    def get(self, conn: Connection, order_id: int) -> OrderRecord:
        """The order with its items, addresses, payment and status history."""
        found = self.get_many(conn, [order_id])
        if not found:
            raise NotFoundError(ENTITY_MISSING)
        return found[0]

    def lock_by_increment_id(self, conn: Connection, increment_id: str) -> int | None:
        """The entity id of the order numbered ``increment_id``, its row locked until the transaction ends.

        Whoever writes to the order next (a second worker shipping the same fulfilments) waits and then sees
        this transaction's writes. None when there is no such order.
        """
        o = order_table.c
        query = sa.select(o.entity_id).where(o.increment_id == increment_id).with_for_update()
        order_id: int | None = conn.execute(query).scalar_one_or_none()
        return order_id

    def get_by_increment_id(self, conn: Connection, increment_id: str) -> OrderRecord:
        """The order numbered ``increment_id``."""
        o = order_table.c
        order_id = conn.execute(sa.select(o.entity_id).where(o.increment_id == increment_id)).scalar_one_or_none()
        if order_id is None:
            raise NotFoundError(ENTITY_MISSING)
        return self.get(conn, order_id)

    def get_many(self, conn: Connection, ids: Sequence[int]) -> list[OrderRecord]:
        """Orders by id in the order asked (unknown ids left out): five queries for any number."""
        wanted = list(dict.fromkeys(ids))
        orders: dict[int, RowMapping] = {}
        items: dict[int, list[RowMapping]] = {}
        addresses: dict[int, dict[str, RowMapping]] = {}
        payments: dict[int, RowMapping] = {}
        histories: dict[int, list[RowMapping]] = {}
        o, i, a, p, h = order_table, order_item_table, order_address_table, payment_table, status_history_table
        for part in chunks(wanted):
            for row in conn.execute(sa.select(o).where(o.c.entity_id.in_(part))).mappings():
                orders[row["entity_id"]] = row
            query = sa.select(i).where(i.c.order_id.in_(part)).order_by(i.c.order_id, i.c.position, i.c.item_id)
            for row in conn.execute(query).mappings():
                items.setdefault(row["order_id"], []).append(row)
            for row in conn.execute(sa.select(a).where(a.c.parent_id.in_(part))).mappings():
                addresses.setdefault(row["parent_id"], {})[row["address_type"]] = row
            for row in conn.execute(sa.select(p).where(p.c.parent_id.in_(part))).mappings():
                payments[row["parent_id"]] = row
            query = (
                sa.select(h)
                .where(h.c.parent_id.in_(part))
                .order_by(h.c.parent_id, h.c.created_at.desc(), h.c.entity_id.desc())
            )
            for row in conn.execute(query).mappings():
                histories.setdefault(row["parent_id"], []).append(row)
        return [
            _record(orders[n], items.get(n, []), addresses.get(n, {}), payments.get(n), histories.get(n, []))
            for n in wanted
            if n in orders
        ]

    def search_fields(self) -> Mapping[str, ColumnElement[Any]]:
        """Magento's searchCriteria field names for orders and the SQL they filter and sort on.

        Amounts bind decimal text and timestamps Magento's text, so request strings can be bound as they come.
        """
        o = order_table.c
        return {
            "entity_id": o.entity_id,
            "increment_id": o.increment_id,
            "state": o.state,
            "status": o.status,
            "store_id": o.store_id,
            "customer_id": o.customer_id,
            "customer_email": o.customer_email,
            "customer_firstname": o.customer_firstname,
            "customer_lastname": o.customer_lastname,
            "customer_group_id": o.customer_group_id,
            "customer_is_guest": o.customer_is_guest,
            "created_at": o.created_at,
            "updated_at": o.updated_at,
            "grand_total": o.grand_total,
            "base_grand_total": o.base_grand_total,
            "subtotal": o.subtotal,
            "order_currency_code": o.order_currency_code,
        }

    def search(
        self,
        conn: Connection,
        where: ColumnElement[bool] | None = None,
        order_by: Sequence[ColumnElement[Any]] = (),
        limit: int | None = None,
        offset: int | None = None,
    ) -> tuple[list[OrderRecord], int]:
        """One page of orders matching ``where`` in ``order_by`` order, and how many match in all."""
        ids, total = page_ids(conn, order_table.c.entity_id, where, order_by, limit, offset)
        return self.get_many(conn, ids), total

    def add_status_history(
        self,
        conn: Connection,
        order_id: int,
        comment: str | None,
        status: str | None = None,
        notify: bool = False,
        visible_on_front: bool = False,
        entity_name: str = "order",
        *,
        events: EventSink,
    ) -> StatusHistoryRecord:
        """Add a comment to the order; a status, when given, becomes the order's status (as in Magento) and
        emits ``sales.order.status_changed``."""
        o = order_table
        columns = (o.c.entity_id, o.c.increment_id, o.c.store_id, o.c.state, o.c.status)
        order = conn.execute(sa.select(*columns).where(o.c.entity_id == order_id).with_for_update()).mappings().first()
        if order is None:
            raise NotFoundError(ENTITY_MISSING)
        now = utc_now()
        row = {
            "parent_id": order_id,
            "comment": optional_text(comment),
            "status": optional_text(status) or order["status"],
            "is_customer_notified": notify,
            "is_visible_on_front": visible_on_front,
            "entity_name": entity_name,
            "created_at": now,
        }
        check_lengths(status_history_table, row)
        if row["comment"] is None and status is None:
            raise InvalidValueError(REQUIRED, ["comment"])
        entry_id = insert_one(conn, status_history_table, row)
        conn.execute(o.update().where(o.c.entity_id == order_id).values(status=row["status"], updated_at=now))
        if row["status"] != order["status"]:
            events.emit(ORDER_STATUS_CHANGED, status_event(order, order["state"], str(row["status"])))
        return _history({**row, "entity_id": entry_id})

    def get_item(self, conn: Connection, item_id: int) -> OrderItemRecord:
        """One order item (a child with its ``parent_item``)."""
        found = self.get_items(conn, [item_id])
        if not found:
            raise NotFoundError(ENTITY_MISSING)
        return found[0]

    def get_items(self, conn: Connection, item_ids: Sequence[int]) -> list[OrderItemRecord]:
        """Order items by id in the order asked, each child with its parent."""
        i = order_item_table
        rows = {r["item_id"]: r for r in conn.execute(sa.select(i).where(i.c.item_id.in_(list(item_ids)))).mappings()}
        parents = {r["parent_item_id"] for r in rows.values() if r["parent_item_id"] is not None} - set(rows)
        if parents:
            query = sa.select(i).where(i.c.item_id.in_(sorted(parents)))
            extra = {r["item_id"]: r for r in conn.execute(query).mappings()}
        else:
            extra = {}
        records = {r.item_id: r for r in _item_records([*extra.values(), *rows.values()])}
        return [records[n] for n in item_ids if n in rows]

    def item_search_fields(self) -> Mapping[str, ColumnElement[Any]]:
        """Magento's searchCriteria field names for order items."""
        i = order_item_table.c
        names = (
            "item_id",
            "order_id",
            "parent_item_id",
            "store_id",
            "product_id",
            "product_type",
            "sku",
            "name",
            "qty_ordered",
            "qty_invoiced",
            "qty_shipped",
            "qty_refunded",
            "qty_canceled",
            "price",
            "row_total",
            "created_at",
            "updated_at",
        )
        return {name: i[name] for name in names}

    def search_items(
        self,
        conn: Connection,
        where: ColumnElement[bool] | None = None,
        order_by: Sequence[ColumnElement[Any]] = (),
        limit: int | None = None,
        offset: int | None = None,
    ) -> tuple[list[OrderItemRecord], int]:
        """One page of order items matching ``where``, and how many match in all."""
        ids, total = page_ids(conn, order_item_table.c.item_id, where, order_by, limit, offset)
        return self.get_items(conn, ids), total

    def status_histories(self, conn: Connection, order_id: int) -> list[StatusHistoryRecord]:
        """The order's comments, newest first (Magento's ``getCommentsList``)."""
        return self.get(conn, order_id).status_histories

    def save_address(
        self, conn: Connection, order_id: int, data: OrderAddressInput, entity_id: int | None
    ) -> OrderAddressRecord:
        """Replace an order address (Magento's ``OrderAddressRepository::save``), found by ``entity_id`` or by
        ``address_type`` within the order."""
        o = order_table
        order = conn.execute(sa.select(o).where(o.c.entity_id == order_id).with_for_update()).mappings().first()
        if order is None:
            raise NotFoundError(ENTITY_MISSING)
        a = order_address_table
        query = sa.select(a).where(a.c.parent_id == order_id)
        if entity_id is not None:
            query = query.where(a.c.entity_id == entity_id)
        elif data.address_type is not None:
            query = query.where(a.c.address_type == data.address_type)
        else:
            raise InvalidValueError(REQUIRED, ["address_type"])
        current = conn.execute(query).mappings().first()
        if current is None:
            raise NotFoundError(ENTITY_MISSING)
        row = _order_address(data, current["address_type"], dict(order))
        conn.execute(a.update().where(a.c.entity_id == current["entity_id"]).values(row))
        conn.execute(o.update().where(o.c.entity_id == order_id).values(updated_at=utc_now()))
        saved = conn.execute(sa.select(a).where(a.c.entity_id == current["entity_id"])).mappings().one()
        return _address_record(saved)


# -- checking and preparing --------------------------------------------------------------------------


def _customers(conn: Connection, ids: Sequence[int]) -> dict[int, RowMapping]:
    c = customer_table.c
    columns = [c.entity_id, c.group_id, *(c[name] for name in _SNAPSHOT)]
    found: dict[int, RowMapping] = {}
    for part in chunks(ids):
        for row in conn.execute(sa.select(*columns).where(c.entity_id.in_(part))).mappings():
            found[row["entity_id"]] = row
    return found


def _amounts(table: sa.Table, values: dict[str, Any], names: Sequence[str]) -> None:
    """Round ``names`` of ``values`` to the column's scale; refuse what is past the column's bounds (``largest``, as
    the API document declares them) before rounding."""
    for name in names:
        value = values.get(name)
        if value is None:
            continue
        column_type = table.c[name].type
        assert isinstance(column_type, ExactDecimal)
        try:
            number = to_decimal(value, column_type.places)
        except (ValueError, ArithmeticError):
            raise invalid(name, value) from None
        if abs(_exact(value)) > column_type.largest:
            raise invalid(name, value)
        values[name] = number


def _exact(value: Any) -> Decimal:
    """A number as sent, unrounded (``to_decimal`` has read it already)."""
    return value if isinstance(value, Decimal) else Decimal(str(value).strip())


def _flag(value: int | bool | None, default: bool) -> bool:
    return default if value is None else bool(value)


def _currency(name: str, value: str | None) -> str:
    code = required_text(name, value).upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise invalid(name, value)
    return code


def _prepare(data: OrderInput, stores: Mapping[int, str], customers: Mapping[int, RowMapping], now: datetime) -> _Order:
    """Check an order payload and turn it into rows (ids to come)."""
    store_id = DEFAULT_STORE_ID if data.store_id is None else data.store_id
    if store_id not in stores:  # Magento's 404s: the request is valid, what it names is not stored
        raise NotFoundError(STORE_NOT_FOUND)
    customer: Mapping[Any, Any] = {}
    if data.customer_id is not None:
        if data.customer_id not in customers:
            raise NotFoundError(NO_SUCH_ENTITY, ["customerId", str(data.customer_id)])
        customer = customers[data.customer_id]
    snapshot = {name: getattr(data, f"customer_{name}") for name in _SNAPSHOT}
    for name in _SNAPSHOT:
        if snapshot[name] is None and customer:
            snapshot[name] = customer[name]
    group_id = data.customer_group_id
    if group_id is None:
        group_id = customer["group_id"] if customer else NOT_LOGGED_IN_GROUP_ID
    base_currency = _currency("base_currency_code", data.base_currency_code or DEFAULT_CURRENCY)
    created_at = timestamp("created_at", data.created_at) or now
    row: dict[str, Any] = {
        "increment_id": optional_text(data.increment_id),
        "state": optional_text(data.state) or "new",
        "status": optional_text(data.status) or "pending",
        "store_id": store_id,
        "store_name": optional_text(data.store_name) or stores[store_id],
        "customer_id": data.customer_id,
        "customer_email": email_address("customer_email", snapshot["email"], 128),
        "customer_firstname": optional_text(snapshot["firstname"]),
        "customer_middlename": optional_text(snapshot["middlename"]),
        "customer_lastname": optional_text(snapshot["lastname"]),
        "customer_prefix": optional_text(snapshot["prefix"]),
        "customer_suffix": optional_text(snapshot["suffix"]),
        "customer_dob": date_of_birth("customer_dob", snapshot["dob"]),
        "customer_gender": snapshot["gender"],
        "customer_taxvat": optional_text(snapshot["taxvat"]),
        "customer_group_id": group_id,
        "customer_is_guest": _flag(data.customer_is_guest, data.customer_id is None),
        "customer_note": optional_text(data.customer_note),
        "customer_note_notify": _flag(data.customer_note_notify, True),
        "base_currency_code": base_currency,
        "global_currency_code": _currency("global_currency_code", data.global_currency_code or base_currency),
        "order_currency_code": _currency("order_currency_code", data.order_currency_code or base_currency),
        "store_currency_code": _currency("store_currency_code", data.store_currency_code or base_currency),
        "total_item_count": data.total_item_count,
        "weight": data.weight,
        "shipping_method": optional_text(data.shipping_method),
        "shipping_description": optional_text(data.shipping_description),
        "coupon_code": optional_text(data.coupon_code),
        "remote_ip": optional_text(data.remote_ip),
        "created_at": created_at,
        "updated_at": timestamp("updated_at", data.updated_at) or max(created_at, now),
        **{name: getattr(data, name) for name in (*ORDER_AMOUNTS, *ORDER_DOCUMENT_AMOUNTS)},
        "total_qty_ordered": data.total_qty_ordered,
    }
    for rate in _RATES:
        if row[rate] is None:
            row[rate] = Decimal(1)
    _amounts(order_table, row, [*ORDER_AMOUNTS, *ORDER_DOCUMENT_AMOUNTS, "total_qty_ordered", "weight"])
    _twin_amounts(row, (*ORDER_AMOUNTS, *ORDER_DOCUMENT_AMOUNTS), row["base_to_order_rate"])
    for name in _CORE_TOTALS:
        for column in (name, f"base_{name}"):
            if row[column] is None:
                row[column] = Decimal(0)
    if row["customer_gender"] is not None and row["customer_gender"] not in range(4):
        raise invalid("customer_gender", row["customer_gender"])
    check_lengths(order_table, row)
    items = _items(data.items, store_id, row)
    top = [item.row for item in items if item.parent is None]
    if row["total_qty_ordered"] is None:
        row["total_qty_ordered"] = sum((r["qty_ordered"] for r in top), Decimal(0))
    if row["total_item_count"] is None:
        row["total_item_count"] = len(top)
    if data.billing_address is None:
        raise InvalidValueError(REQUIRED, ["billing_address"])
    addresses = [_order_address(data.billing_address, "billing", row)]
    for n, assignment in enumerate(data.extension_attributes.shipping_assignments):
        # Magento reads the first; each one given is checked as that one is, so that none is ignored unread
        given = assignment.shipping.address if assignment.shipping is not None else None
        if given is None:
            raise InvalidValueError(REQUIRED, [f"extension_attributes.shipping_assignments.{n}.shipping.address"])
        _order_address(given, "shipping", row)
    shipping = data.shipping_address
    if shipping is not None:
        addresses.append(_order_address(shipping, "shipping", row))
    elif not all(r["is_virtual"] for r in top):
        raise InvalidValueError(REQUIRED, ["shipping_address"])
    return _Order(
        row=row,
        items=items,
        addresses=addresses,
        payment=None if data.payment is None else _payment(data.payment),
        histories=[_history_row(entry, row, now) for entry in data.status_histories],
    )


def _twin_amounts(row: dict[str, Any], names: Sequence[str], rate: Decimal) -> None:
    """A missing base_ amount equals its order-currency twin (and back) when the rate between them is 1."""
    if rate != 1:
        return
    for name in names:
        if name.startswith("base_") and name[5:] in row:
            twin = name[5:]
            if row[name] is None:
                row[name] = row[twin]
            elif row[twin] is None:
                row[twin] = row[name]


def _items(items: Sequence[OrderItemInput], store_id: int, order: Mapping[str, Any]) -> list[_Item]:
    """Check the items and link children to parents by the payload's item ids."""
    if not items:
        raise InvalidValueError(REQUIRED, ["items"])
    index: dict[int, int] = {}
    for n, item in enumerate(items):
        if item.item_id is not None:
            if item.item_id in index:
                raise invalid("item_id", item.item_id)
            index[item.item_id] = n
    result: list[_Item] = []
    for n, item in enumerate(items):
        reference = item.parent_item_id
        if reference is None and item.parent_item is not None:
            reference = item.parent_item.item_id
        parent = None
        if reference is not None:
            parent = index.get(reference)
            if parent is None or parent == n:
                raise invalid("parent_item_id", reference)
        product_type = optional_text(item.product_type) or "simple"
        qty = item.qty_ordered
        if qty is None:
            raise InvalidValueError(REQUIRED, ["qty_ordered"])
        row: dict[str, Any] = {
            "position": n,
            "store_id": store_id if item.store_id is None else item.store_id,
            "product_id": item.product_id,
            "product_type": product_type,
            "sku": required_text("sku", item.sku),
            "name": optional_text(item.name),
            "is_virtual": _flag(item.is_virtual, product_type in _VIRTUAL_TYPES),
            "product_options": None if item.product_options is None else json.dumps(item.product_options),
            "created_at": order["created_at"],
            "updated_at": order["updated_at"],
            **{name: getattr(item, name) for name in (*ITEM_AMOUNTS, *ITEM_DOCUMENT_AMOUNTS, *ITEM_QUANTITIES)},
        }
        for name in _ZERO_QUANTITIES:
            if row[name] is None:
                row[name] = Decimal(0)
        _amounts(order_item_table, row, [*ITEM_AMOUNTS, *ITEM_DOCUMENT_AMOUNTS, *ITEM_QUANTITIES])
        _twin_amounts(row, (*ITEM_AMOUNTS, *ITEM_DOCUMENT_AMOUNTS), order["base_to_order_rate"])
        if not Quantity.quantum <= _exact(qty) <= MAX_QTY_ORDERED:  # not 0 once rounded, and reservable
            raise invalid("qty_ordered", qty)
        check_lengths(order_item_table, row)
        result.append(_Item(row, parent))
    for n, entry in enumerate(result):  # depth = distance from the top; a cycle never reaches it
        node = entry
        while node.parent is not None:
            entry.depth += 1
            if entry.depth > len(result):
                raise invalid("parent_item_id", items[n].parent_item_id)
            node = result[node.parent]
    return result


def _order_address(data: OrderAddressInput, address_type: str, order: Mapping[str, Any]) -> dict[str, Any]:
    country = required_text("country_id", data.country_id).upper()
    if len(country) != 2 or not (country.isascii() and country.isalpha()):
        raise invalid("country_id", data.country_id)
    street = "\n".join(line.strip() for line in data.street or []).strip()
    row: dict[str, Any] = {
        "address_type": address_type,
        "customer_id": order["customer_id"],
        "customer_address_id": data.customer_address_id,
        "firstname": required_text("firstname", data.firstname),
        "middlename": optional_text(data.middlename),
        "lastname": required_text("lastname", data.lastname),
        "prefix": optional_text(data.prefix),
        "suffix": optional_text(data.suffix),
        "company": optional_text(data.company),
        "street": required_text("street", street),
        "city": required_text("city", data.city),
        "region": optional_text(data.region),
        "region_code": optional_text(data.region_code),
        "region_id": data.region_id,
        "postcode": optional_text(data.postcode),
        "country_id": country,
        "telephone": optional_text(data.telephone),
        "fax": optional_text(data.fax),
        "email": optional_text(data.email) or order["customer_email"],
        "vat_id": optional_text(data.vat_id),
    }
    check_lengths(order_address_table, row)
    return row


def _payment(data: PaymentInput) -> dict[str, Any]:
    row: dict[str, Any] = {
        "method": required_text("method", data.method),
        "last_trans_id": optional_text(data.last_trans_id),
        "po_number": optional_text(data.po_number),
        "cc_type": optional_text(data.cc_type),
        "cc_last4": optional_text(data.cc_last4),
        "additional_information": json.dumps(data.additional_information),
        **{name: getattr(data, name) for name in PAYMENT_AMOUNTS},
    }
    _amounts(payment_table, row, PAYMENT_AMOUNTS)
    check_lengths(payment_table, row)
    return row


def _history_row(data: StatusHistoryInput, order: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {
        "comment": optional_text(data.comment),
        "status": optional_text(data.status) or order["status"],
        "is_customer_notified": None if data.is_customer_notified is None else bool(data.is_customer_notified),
        "is_visible_on_front": _flag(data.is_visible_on_front, False),
        "entity_name": optional_text(data.entity_name) or "order",
        "created_at": timestamp("created_at", data.created_at) or now,
    }
    check_lengths(status_history_table, row)
    return row


def _number(conn: Connection, orders: Sequence[_Order]) -> None:
    """Check given increment ids are free and number the orders without one."""
    given = [p.row["increment_id"] for p in orders if p.row["increment_id"] is not None]
    seen: set[str] = set()
    for number in given:
        if number in seen:
            raise DuplicateError(DUPLICATE_INCREMENT_ID, [number])
        seen.add(number)
    o = order_table.c
    for part in chunks(given):
        taken = conn.execute(sa.select(o.increment_id).where(o.increment_id.in_(part))).scalars().first()
        if taken is not None:
            raise DuplicateError(DUPLICATE_INCREMENT_ID, [taken])
    missing = [p for p in orders if p.row["increment_id"] is None]
    numbers = new_increment_ids(conn, "order", order_table, [p.row["store_id"] for p in missing], seen)
    for p, number in zip(missing, numbers, strict=True):
        p.row["increment_id"] = number


def _line_numbers(conn: Connection, orders: Sequence[_Order], numbering: SalesSection) -> None:
    """Number every order's items by its website's rule (``numbering``), in item order."""
    rules = rules_by_store(conn, numbering, [p.row["store_id"] for p in orders])
    for order in orders:
        numbers = line_numbers([item.parent is not None for item in order.items], rules[order.row["store_id"]])
        for item, number in zip(order.items, numbers, strict=True):
            item.row["line_number"] = number


def _stock_items(order: _Order) -> list[dict[str, Any]]:
    """The items that keep stock (none is another's parent), for the reservation placing the order makes."""
    parents = {item.parent for item in order.items}
    return [item.row for n, item in enumerate(order.items) if n not in parents]


def _insert_items(conn: Connection, orders: Sequence[tuple[int, _Order]]) -> None:
    """Insert the items level by level (parents before children), finding parents' new ids by position."""
    i = order_item_table
    placed: dict[tuple[int, int], int] = {}
    depth = 0
    while True:
        rows = []
        for order_id, order in orders:
            for item in order.items:
                if item.depth != depth:
                    continue
                parent = None if item.parent is None else placed[(order_id, item.parent)]
                rows.append({**item.row, "order_id": order_id, "parent_item_id": parent})
        if not rows:
            return
        conn.execute(i.insert(), rows)
        if not any(item.depth > depth for _, order in orders for item in order.items):
            return
        for part in chunks([order_id for order_id, _ in orders]):
            query = sa.select(i.c.order_id, i.c.position, i.c.item_id).where(i.c.order_id.in_(part))
            for order_id, position, item_id in conn.execute(query):
                placed[(order_id, position)] = item_id
        depth += 1


# -- records ---------------------------------------------------------------------------------------------


def _record(
    row: Mapping[Any, Any],
    items: list[RowMapping],
    addresses: Mapping[str, RowMapping],
    payment: RowMapping | None,
    histories: list[RowMapping],
) -> OrderRecord:
    values = {column.name: row[column.name] for column in order_table.c}
    shipping_method = values.pop("shipping_method")
    values["customer_dob"] = None if row["customer_dob"] is None else row["customer_dob"].isoformat()
    values["customer_is_guest"] = int(bool(row["customer_is_guest"]))
    values["customer_note_notify"] = int(bool(row["customer_note_notify"]))
    values["created_at"] = format_timestamp(row["created_at"])
    values["updated_at"] = format_timestamp(row["updated_at"])
    item_records = _item_records(items)
    shipping = _address_record(addresses["shipping"]) if "shipping" in addresses else None
    assignments = []
    if shipping is not None or shipping_method is not None:
        shipping_record = ShippingRecord(address=shipping, method=shipping_method)
        assignments.append(ShippingAssignmentRecord(shipping=shipping_record, items=item_records))
    return OrderRecord(
        **values,
        items=item_records,
        billing_address=_address_record(addresses["billing"]) if "billing" in addresses else None,
        payment=None if payment is None else _payment_record(payment),
        status_histories=[_history(h) for h in histories],
        extension_attributes=OrderExtensionRecord(shipping_assignments=assignments),
    )


def _item_records(rows: list[RowMapping]) -> list[OrderItemRecord]:
    records: dict[int, OrderItemRecord] = {}
    for row in rows:
        values = {
            column.name: row[column.name]
            for column in order_item_table.c
            if column.name not in ("position", "line_number")
        }
        values["extension_attributes"] = OrderItemExtensionRecord(line_number=row["line_number"])
        values["is_virtual"] = int(bool(row["is_virtual"]))
        values["product_options"] = None if row["product_options"] is None else json.loads(row["product_options"])
        values["created_at"] = format_timestamp(row["created_at"])
        values["updated_at"] = format_timestamp(row["updated_at"])
        records[row["item_id"]] = OrderItemRecord(**values)
    return [
        record.model_copy(update={"parent_item": records.get(record.parent_item_id)})
        if record.parent_item_id is not None
        else record
        for record in records.values()
    ]


def _address_record(row: Mapping[Any, Any]) -> OrderAddressRecord:
    values = {name: row[name] for name in ORDER_ADDRESS_FIELDS}
    values["street"] = row["street"].split("\n")
    return OrderAddressRecord(
        **values,
        entity_id=row["entity_id"],
        parent_id=row["parent_id"],
        address_type=row["address_type"],
        customer_id=row["customer_id"],
    )


def _payment_record(row: Mapping[Any, Any]) -> PaymentRecord:
    values = {column.name: row[column.name] for column in payment_table.c}
    values["additional_information"] = json.loads(row["additional_information"] or "[]")
    return PaymentRecord(**values)


def _history(row: Mapping[Any, Any]) -> StatusHistoryRecord:
    notified = row["is_customer_notified"]
    return StatusHistoryRecord(
        entity_id=row["entity_id"],
        parent_id=row["parent_id"],
        comment=row["comment"],
        status=row["status"],
        is_customer_notified=None if notified is None else int(bool(notified)),
        is_visible_on_front=int(bool(row["is_visible_on_front"])),
        entity_name=row["entity_name"],
        created_at=format_timestamp(row["created_at"]),
    )

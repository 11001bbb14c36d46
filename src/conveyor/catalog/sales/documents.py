"""What every sales document does to its order: lock it, read its items, check the quantities asked, add up
amounts on items and order, move the order to its next state, and keep comments and the notification flag.

Invoices, credit memos, shipments and the order actions (cancel, hold) are written with these, so each applies
Magento's rules the same way and an order's row is locked (``FOR UPDATE``) before anything reads its quantities.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.customers.repository import insert_one
from conveyor.catalog.customers.tables import Money, Quantity, format_timestamp, to_decimal, utc_now
from conveyor.catalog.customers.validation import check_lengths, invalid, optional_text
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.events import ORDER_STATUS_CHANGED, EventSink
from conveyor.catalog.sales.events import status_event
from conveyor.catalog.sales.models import CommentRecord
from conveyor.catalog.sales.sequence import new_increment_ids
from conveyor.catalog.sales.states import DEFAULT_STATUS
from conveyor.catalog.sales.tables import (
    order_address_table,
    order_item_table,
    order_table,
    payment_table,
    status_history_table,
)

__all__ = [
    "ENTITY_MISSING",
    "Asked",
    "Deferred",
    "Refusals",
    "add_comment",
    "add_history",
    "added_totals",
    "amount_text",
    "as_decimal",
    "check_external_id",
    "comments",
    "document_lines",
    "follow_parents",
    "insert_document",
    "item_changes",
    "line_amounts",
    "load_documents",
    "lock_order",
    "move_order",
    "order_addresses",
    "order_items",
    "payment_of",
    "record_comment",
    "refuse",
    "requested",
    "set_email_sent",
    "share",
    "update_items",
]

ENTITY_MISSING = "The entity that was requested doesn't exist. Verify the entity and try again."
EXTERNAL_ID_EXISTS = 'A %1 with external id "%2" already exists for order "%3".'
Asked = Sequence[tuple[int, Decimal | int | float | str]]
ZERO = Decimal(0)
CURRENCIES = ("base_currency_code", "global_currency_code", "order_currency_code", "store_currency_code")
RATES = ("base_to_global_rate", "base_to_order_rate", "store_to_base_rate", "store_to_order_rate")


def as_decimal(value: Any) -> Decimal:
    """A stored amount or quantity; None (never set) is zero."""
    return ZERO if value is None else Decimal(value)


def refuse(prefix: str, messages: Sequence[str]) -> None:
    """Raise every refusal of a document at once, under its kind's Magento prefix (each message once)."""
    if messages:
        raise InvalidValueError(prefix + "\n".join(dict.fromkeys(messages)))


def check_external_id(
    conn: Connection, table: sa.Table, order: Mapping[Any, Any], external_id: str | None, kind: str
) -> None:
    """Refuse a document whose ``external_id`` the order already has a ``kind`` for (a document applied twice)."""
    if external_id is None:
        return
    check_lengths(table, {"external_id": external_id})
    c = table.c
    query = sa.select(c.entity_id).where(c.order_id == order["entity_id"], c.external_id == external_id)
    if conn.execute(query).first() is not None:
        raise DuplicateError(EXTERNAL_ID_EXISTS, [kind, external_id, str(order["increment_id"])])


class Deferred:
    """An ``EventSink`` that keeps events to emit later, so a document's own event goes out before the order's."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def emit(self, topic: str, payload: Any) -> None:
        self.events.append((topic, payload))

    def replay(self, sink: EventSink) -> None:
        for topic, payload in self.events:
            sink.emit(topic, payload)


def amount_text(value: Decimal) -> str:
    """A quantity or amount for a message: 2, 1.5 (not 2.0000)."""
    return format(value.normalize(), "f") if value else "0"


def lock_order(conn: Connection, order_id: int) -> dict[str, Any]:
    """The order's row, locked until the transaction ends; ``NotFoundError`` when there is none."""
    o = order_table
    row = conn.execute(sa.select(o).where(o.c.entity_id == order_id).with_for_update()).mappings().first()
    if row is None:
        raise NotFoundError(ENTITY_MISSING)
    return dict(row)


def order_items(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    """The order's items in their order (parents before their children)."""
    i = order_item_table
    query = sa.select(i).where(i.c.order_id == order_id).order_by(i.c.position, i.c.item_id)
    return [dict(row) for row in conn.execute(query).mappings()]


def order_addresses(conn: Connection, order_id: int) -> dict[str, int]:
    """The order's address ids by type (billing, shipping)."""
    a = order_address_table.c
    query = sa.select(a.address_type, a.entity_id).where(a.parent_id == order_id)
    return {row[0]: row[1] for row in conn.execute(query)}


def payment_of(conn: Connection, order_id: int) -> dict[str, Any] | None:
    p = payment_table
    row = conn.execute(sa.select(p).where(p.c.parent_id == order_id)).mappings().first()
    return None if row is None else dict(row)


@dataclass
class Requested:
    """Quantities asked per top-level order item, and the messages of what was refused."""

    quantities: dict[int, Decimal]
    messages: list[str]


def requested(
    items: Sequence[Mapping[Any, Any]],
    asked: Asked,
    available: Callable[[Mapping[Any, Any]], Decimal],
    *,
    unknown: Callable[[int], str],
    too_many: Callable[[Mapping[Any, Any]], str],
) -> Requested:
    """The quantities of ``asked`` (order item id, qty), or everything ``available`` when nothing is asked.

    A child of a configurable or bundle follows its parent, so asking for it asks for nothing; an unknown id or a
    quantity beyond ``available`` adds its message.
    """
    top = [item for item in items if item["parent_item_id"] is None]
    if not asked:
        return Requested({item["item_id"]: available(item) for item in top if available(item) > 0}, [])
    by_id = {item["item_id"]: item for item in items}
    quantities: dict[int, Decimal] = {}
    messages: list[str] = []
    for item_id, quantity in asked:
        try:
            qty = to_decimal(quantity)
        except (ValueError, ArithmeticError):
            raise invalid("qty", quantity) from None
        if qty < 0:
            raise invalid("qty", quantity)
        item = by_id.get(item_id)
        if item is None:
            messages.append(unknown(item_id))
            continue
        if item["parent_item_id"] is not None or qty == 0:
            continue
        total = quantities.get(item_id, ZERO) + qty
        if total > available(item):
            messages.append(too_many(item))
            continue
        quantities[item_id] = total
    return Requested(quantities, messages)


@dataclass(frozen=True)
class Refusals:
    """How a kind of document (invoice, credit memo) refuses, in Magento's words: the states it cannot be made
    in, and its messages (``%1``: the order's status; the item id, where Magento names it; the sku)."""

    prefix: str
    refused_states: frozenset[str]
    wrong_state: str
    not_allowed: str
    not_in_order: str
    too_many: str

    def of_order(self, order: Mapping[Any, Any], allowed: bool) -> list[str]:
        """What the order's state refuses (else ``not_allowed`` unless ``allowed``)."""
        if order["state"] in self.refused_states:
            return [self.wrong_state.replace("%1", str(order["status"]))]
        return [] if allowed else [self.not_allowed]

    def asked(
        self, items: Sequence[Mapping[Any, Any]], asked: Asked, available: Callable[[Mapping[Any, Any]], Decimal]
    ) -> Requested:
        """``requested`` with this kind's messages for an unknown item and a quantity beyond ``available``."""
        return requested(
            items,
            asked,
            available,
            unknown=lambda item_id: self.not_in_order.replace("%1", str(item_id)),
            too_many=lambda item: self.too_many.replace("%1", str(item["sku"])),
        )


def share(item: Mapping[Any, Any], qty: Decimal) -> Decimal:
    """The part ``qty`` is of what was ordered of the item."""
    ordered = Decimal(item["qty_ordered"])
    return qty / ordered if ordered else ZERO


def follow_parents(items: Sequence[Mapping[Any, Any]], quantities: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """``quantities`` with each child of a requested parent added in proportion (a configurable's simple)."""
    by_id = {item["item_id"]: item for item in items}
    result = dict(quantities)
    for item in items:
        parent_id = item["parent_item_id"]
        if parent_id in quantities:
            result[item["item_id"]] = to_decimal(share(by_id[parent_id], quantities[parent_id]) * item["qty_ordered"])
    return result


def item_changes(
    items: Sequence[Mapping[Any, Any]],
    quantities: Mapping[int, Decimal],
    lines: Sequence[Mapping[Any, Any]],
    qty: str,
    amounts: Mapping[str, str],
    *,
    sign: int = 1,
) -> dict[int, dict[str, Decimal]]:
    """What an invoice or credit memo does to its order's items, for ``update_items``.

    The ``qty`` column (``qty_invoiced``, ``qty_refunded``) moves by the document's quantities, children following
    their parent; each ``amounts`` column (item column → line column, e.g. ``row_invoiced`` → ``row_total``) by
    its line's amount, in both currencies. ``sign`` -1 takes a document back (a voided invoice).
    """
    by_id = {item["item_id"]: item for item in items}
    changes = {
        item_id: {qty: as_decimal(by_id[item_id][qty]) + sign * moved}
        for item_id, moved in follow_parents(items, quantities).items()
    }
    for line in lines:
        item, change = by_id[line["order_item_id"]], changes[line["order_item_id"]]
        for base in ("", "base_"):
            for column, source in amounts.items():
                change[f"{base}{column}"] = as_decimal(item[f"{base}{column}"]) + sign * as_decimal(
                    line[f"{base}{source}"]
                )
    return changes


def added_totals(
    order: Mapping[str, Any], document: Mapping[str, Any], columns: Mapping[str, str], *, sign: int = 1
) -> dict[str, Decimal]:
    """The order's running totals (``columns``: order column → document column) after adding the document
    (``sign`` -1: after taking it back), in both currencies."""
    values: dict[str, Decimal] = {}
    for target, source in columns.items():
        for base in ("", "base_"):
            values[f"{base}{target}"] = as_decimal(order[f"{base}{target}"]) + sign * as_decimal(
                document[f"{base}{source}"]
            )
    return values


def insert_document(
    conn: Connection,
    table: sa.Table,
    kind: str,
    order: Mapping[str, Any],
    state: int,
    amounts: Mapping[str, Any],
    *,
    notify: bool,
    external_id: str | None,
    now: datetime,
    **extra: Any,
) -> int:
    """Write an invoice's or credit memo's row (``kind`` numbers it per store, as Magento's sequences do) with the
    order's addresses, currencies and rates, its ``amounts`` and the ``extra`` columns of its kind; its id."""
    store_id = order["store_id"] if order["store_id"] is not None else 0
    addresses = order_addresses(conn, order["entity_id"])
    return insert_one(
        conn,
        table,
        {
            "increment_id": new_increment_ids(conn, kind, table, [store_id])[0],
            "order_id": order["entity_id"],
            "store_id": order["store_id"],
            "state": state,
            "billing_address_id": addresses.get("billing"),
            "shipping_address_id": addresses.get("shipping"),
            **{currency: order[currency] for currency in CURRENCIES},
            **{rate: order[rate] for rate in RATES},
            **amounts,
            **extra,
            "transaction_id": None,
            "email_sent": 1 if notify else None,
            "external_id": external_id,
            "created_at": now,
            "updated_at": now,
        },
    )


def record_comment(
    conn: Connection,
    table: sa.Table,
    parent_id: int,
    comment: str | None,
    *,
    notify: bool,
    visible: bool,
    now: datetime,
) -> None:
    """The comment a document was created with, if any (``add_comment`` is the API's, checked one)."""
    if comment:
        conn.execute(
            table.insert().values(
                parent_id=parent_id,
                comment=comment,
                is_customer_notified=int(notify),
                is_visible_on_front=int(visible),
                created_at=now,
            )
        )


def update_items(conn: Connection, changes: Mapping[int, Mapping[str, Decimal]], now: datetime) -> None:
    """Write new values of quantity and amount columns, one statement per column changed."""
    i = order_item_table
    columns = sorted({name for values in changes.values() for name in values})
    for name in columns:
        values = {item_id: v[name] for item_id, v in changes.items() if name in v}
        kind = Quantity if name.startswith("qty_") else Money
        conn.execute(
            i.update()
            .where(i.c.item_id.in_(list(values)))
            .values(
                {
                    name: sa.case(
                        {item_id: sa.literal(value, kind) for item_id, value in values.items()},
                        value=i.c.item_id,
                        else_=i.c[name],
                    ),
                    "updated_at": now,
                }
            )
        )


def move_order(
    conn: Connection,
    order: Mapping[Any, Any],
    values: Mapping[Any, Any],
    state: str,
    *,
    events: EventSink,
    status: str | None = None,
    announce: tuple[str, Any] | None = None,
) -> str:
    """Write ``values`` and ``state`` on the order; a new state brings its default status (or ``status``).

    Emits ``announce`` (the document's own event: topic and payload) and then ``sales.order.status_changed`` when
    the status changes; returns the status.
    """
    if status is None:
        status = DEFAULT_STATUS.get(state, state) if state != order["state"] else order["status"]
    o = order_table
    conn.execute(
        o.update()
        .where(o.c.entity_id == order["entity_id"])
        .values({**values, "state": state, "status": status, "updated_at": utc_now()})
    )
    if announce is not None:
        events.emit(*announce)
    if status != order["status"]:
        events.emit(ORDER_STATUS_CHANGED, status_event(order, state, status))
    return status


def add_history(
    conn: Connection,
    order: Mapping[Any, Any],
    comment: str | None,
    status: str,
    *,
    notify: bool = False,
    visible: bool = False,
    entity_name: str = "order",
    now: datetime | None = None,
) -> None:
    """A line in the order's status history (a document's comment shows there too, as in Magento's admin).

    ``now``: the document's own timestamp, so the comment and its document share it (migration 0013 pairs a
    shipment with its comment by it)."""
    if optional_text(comment) is None:
        return
    row = {
        "parent_id": order["entity_id"],
        "comment": optional_text(comment),
        "status": status,
        "is_customer_notified": notify,
        "is_visible_on_front": visible,
        "entity_name": entity_name,
        "created_at": now or utc_now(),
    }
    check_lengths(status_history_table, row)
    conn.execute(status_history_table.insert().values(row))


def add_comment(
    conn: Connection,
    table: sa.Table,
    parent: sa.Table,
    parent_id: int,
    comment: str | None,
    *,
    notify: bool | int | None = None,
    visible: bool | int | None = None,
) -> CommentRecord:
    """Add a comment to an invoice, credit memo or shipment (``table`` holds the comments of ``parent``)."""
    if conn.execute(sa.select(parent.c.entity_id).where(parent.c.entity_id == parent_id)).first() is None:
        raise NotFoundError(ENTITY_MISSING)
    row: dict[str, Any] = {
        "parent_id": parent_id,
        "comment": optional_text(comment),
        "is_customer_notified": None if notify is None else int(bool(notify)),
        "is_visible_on_front": int(bool(visible)),
        "created_at": utc_now(),
    }
    check_lengths(table, row)
    if row["comment"] is None:
        raise InvalidValueError('"%1" is required. Enter and try again.', ["comment"])
    entity_id = insert_one(conn, table, row)
    return _comment({**row, "entity_id": entity_id})


def comments(conn: Connection, table: sa.Table, where: ColumnElement[bool]) -> dict[int, list[CommentRecord]]:
    """Comments matching ``where`` by parent id, oldest first."""
    found: dict[int, list[CommentRecord]] = {}
    for row in conn.execute(sa.select(table).where(where).order_by(table.c.entity_id)).mappings():
        found.setdefault(row["parent_id"], []).append(_comment(row))
    return found


def set_email_sent(conn: Connection, table: sa.Table, entity_id: int) -> None:
    """Record that the document's email went out (Magento's ``email_sent``); no mail is sent from here."""
    key = table.c.entity_id
    if conn.execute(sa.select(key).where(key == entity_id)).first() is None:
        raise NotFoundError(ENTITY_MISSING)
    conn.execute(table.update().where(key == entity_id).values(email_sent=1))


def _comment(row: Mapping[Any, Any]) -> CommentRecord:
    notified = row["is_customer_notified"]
    return CommentRecord(
        entity_id=row["entity_id"],
        parent_id=row["parent_id"],
        comment=row["comment"],
        is_customer_notified=None if notified is None else int(notified),
        is_visible_on_front=int(row["is_visible_on_front"] or 0),
        created_at=format_timestamp(row["created_at"]),
    )


def line_amounts(item: Mapping[Any, Any], qty: Decimal) -> dict[str, Decimal]:
    """An invoice or credit memo line's amounts: the item's price times ``qty``, tax and discount in proportion."""
    part = share(item, qty)
    values: dict[str, Decimal] = {}
    for base in ("", "base_"):

        def amount(name: str, base: str = base) -> Decimal:
            found = item.get(f"{base}{name}")
            if found is None:
                found = item.get(name)
            return ZERO if found is None else Decimal(found)

        price = amount("price")
        values[f"{base}price"] = price
        values[f"{base}price_incl_tax"] = amount("price_incl_tax") or price
        values[f"{base}row_total"] = to_decimal(price * qty)
        values[f"{base}tax_amount"] = to_decimal(amount("tax_amount") * part)
        values[f"{base}discount_amount"] = to_decimal(amount("discount_amount") * part)
        values[f"{base}row_total_incl_tax"] = values[f"{base}row_total"] + values[f"{base}tax_amount"]
    return values


def document_lines(items: Sequence[Mapping[Any, Any]], quantities: Mapping[int, Decimal]) -> list[dict[str, Any]]:
    """The lines of a document for the top-level ``quantities`` (order item id → qty)."""
    by_id = {item["item_id"]: item for item in items}
    return [
        {
            "order_item_id": item_id,
            "product_id": by_id[item_id]["product_id"],
            "sku": by_id[item_id]["sku"],
            "name": by_id[item_id]["name"],
            "qty": qty,
            **line_amounts(by_id[item_id], qty),
        }
        for item_id, qty in quantities.items()
    ]


def load_documents(
    conn: Connection,
    table: sa.Table,
    item_table: sa.Table,
    comment_table: sa.Table,
    ids: Sequence[int],
) -> list[dict[str, Any]]:
    """Documents by id in the order asked, each a dict of its columns with ``items`` and ``comments``."""
    if not ids:
        return []
    rows = {
        r["entity_id"]: dict(r) for r in conn.execute(sa.select(table).where(table.c.entity_id.in_(ids))).mappings()
    }
    lines: dict[int, list[dict[str, Any]]] = {}
    query = sa.select(item_table).where(item_table.c.parent_id.in_(list(rows))).order_by(item_table.c.entity_id)
    for row in conn.execute(query).mappings():
        lines.setdefault(row["parent_id"], []).append(dict(row))
    notes = comments(conn, comment_table, comment_table.c.parent_id.in_(list(rows)))
    result = []
    for n in ids:
        if n not in rows:
            continue
        doc = rows[n]
        doc["created_at"] = format_timestamp(doc["created_at"])
        doc["updated_at"] = format_timestamp(doc["updated_at"])
        result.append({**doc, "items": lines.get(n, []), "comments": notes.get(n, [])})
    return result

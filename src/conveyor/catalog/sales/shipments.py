"""Shipments of an order: quantities, tracking numbers, and the order state they lead to.

Magento's rules, kept simple:

- What ships is the item a customer ordered (``parent_item_id`` null): a configurable or bundle ships as
  one line and its children follow in proportion (their qty_shipped grows by qty * child ordered / parent ordered).
  Virtual items never ship.
- No more than what is left (qty_ordered - qty_shipped - qty_canceled) ships; a shipment without lines
  ships everything left.
- The order's next state comes from ``states.state_after`` (``complete`` once nothing is left to invoice or
  ship, else ``processing``); a new state brings its default status.
- Orders on hold, in payment review or canceled cannot ship, nor orders with nothing left to ship; the messages
  are Magento's ``Shipment Document Validation Error(s):`` ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.customers.repository import insert_one
from conveyor.catalog.customers.tables import Quantity, format_timestamp, to_decimal, utc_now
from conveyor.catalog.customers.validation import check_lengths, invalid, optional_text, required_text
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.events import SHIPMENT_CREATED, EventSink
from conveyor.catalog.paging import page_ids
from conveyor.catalog.sales.documents import ENTITY_MISSING, Deferred, add_history, comments, move_order
from conveyor.catalog.sales.events import shipment_event
from conveyor.catalog.sales.invariants import order_exists
from conveyor.catalog.sales.models import ShipmentItemRecord, ShipmentRecord, TrackInput, TrackRecord
from conveyor.catalog.sales.reservations import ship_stock
from conveyor.catalog.sales.sequence import new_increment_ids
from conveyor.catalog.sales.states import can_ship, qty_to_ship, state_after
from conveyor.catalog.sales.tables import (
    order_address_table,
    order_item_table,
    order_table,
    shipment_comment_table,
    shipment_item_table,
    shipment_table,
    track_table,
)

__all__ = [
    "CANNOT_SHIP",
    "EMPTY_SHIPMENT",
    "ENTITY_MISSING",
    "EXTERNAL_ID_EXISTS",
    "OVER_SHIP",
    "WRONG_STATE",
    "ShipmentOperations",
]

PREFIX = "Shipment Document Validation Error(s):\n"
CANNOT_SHIP = PREFIX + "The order does not allow a shipment to be created."
WRONG_STATE = PREFIX + "A shipment cannot be created when an order has a status of %1"
EXTERNAL_ID_EXISTS = 'A shipment with external id "%1" already exists for order "%2".'
OVER_SHIP = PREFIX + 'The quantity to ship must not be greater than the unshipped quantity for product SKU "%1".'
EMPTY_SHIPMENT = "We cannot create an empty shipment."
CHILD_ITEM = 'Item "%1" ships with its parent item %2: ship the parent.'
VIRTUAL_ITEM = 'Item "%1" is virtual and cannot be shipped.'
# what a valid shipment can be refused with by its order (the API lists them in its document)
SHIPMENT_REFUSALS = (CANNOT_SHIP, WRONG_STATE, OVER_SHIP, EMPTY_SHIPMENT, CHILD_ITEM, VIRTUAL_ITEM)
NOT_SHIPPABLE_STATES = frozenset({"holded", "payment_review", "canceled"})

ItemRef = int | str
TrackSpec = TrackInput | tuple[str, str | None, str]


def _left(row: Mapping[Any, Any]) -> Decimal:
    return qty_to_ship({**row, "is_virtual": False})


class ShipmentOperations:
    """The shipment half of the order repository (mixed into ``OrderRepository``)."""

    def create_shipment(
        self,
        conn: Connection,
        order_id: int,
        items: Sequence[tuple[ItemRef, Decimal | int | float | str]] = (),
        tracks: Sequence[TrackSpec] = (),
        comment: str | None = None,
        notify: bool = False,
        external_id: str | None = None,
        *,
        events: EventSink,
        visible_on_front: bool = False,
        shipping_label: str | None = None,
        empty_message: str = CANNOT_SHIP,
        require_items: bool = False,
    ) -> ShipmentRecord:
        """Ship ``items`` — (order item id, or sku, and quantity) — of the order, with tracking numbers.

        Refuses, with the item's sku in the message, a quantity beyond what is left to ship. ``external_id``
        names the document in another system this shipment records (a source's fulfilment): a second shipment
        of the order with the same one is a ``DuplicateError``, so a caller that repeats itself ships once.
        """
        o, i = order_table, order_item_table
        order = conn.execute(sa.select(o).where(o.c.entity_id == order_id).with_for_update()).mappings().first()
        if order is None:
            raise NotFoundError(ENTITY_MISSING)
        if require_items and not items:
            raise InvalidValueError(EMPTY_SHIPMENT)
        check_lengths(shipment_table, {"external_id": external_id})
        if external_id is not None and external_id in self.external_shipment_ids(conn, order_id):
            raise DuplicateError(EXTERNAL_ID_EXISTS, [external_id, str(order["increment_id"])])
        if order["state"] in NOT_SHIPPABLE_STATES:
            raise InvalidValueError(WRONG_STATE, [str(order["status"])])
        query = sa.select(i).where(i.c.order_id == order_id).order_by(i.c.position, i.c.item_id)
        rows = list(conn.execute(query).mappings())
        if not can_ship(order, rows):
            raise InvalidValueError(CANNOT_SHIP)
        requested = _requested(rows, items)
        if not requested:
            raise InvalidValueError(empty_message)
        by_id = {row["item_id"]: row for row in rows}
        for item_id, qty in requested.items():
            left = _left(by_id[item_id])
            if qty > left:
                raise InvalidValueError(OVER_SHIP, [by_id[item_id]["sku"]])
        track_rows = [_track_row(track) for track in tracks]
        now = utc_now()
        shipped = {item_id: Decimal(by_id[item_id]["qty_shipped"] or 0) + qty for item_id, qty in requested.items()}
        for row in rows:  # children follow their shipped parent in proportion
            parent_id = row["parent_item_id"]
            if parent_id in requested and parent_id is not None:
                parent = by_id[parent_id]
                share = requested[parent_id] * Decimal(row["qty_ordered"]) / Decimal(parent["qty_ordered"])
                shipped[row["item_id"]] = Decimal(row["qty_shipped"] or 0) + to_decimal(share)
        conn.execute(
            i.update()
            .where(i.c.item_id.in_(list(shipped)))
            .values(
                qty_shipped=sa.case(
                    {item_id: sa.literal(qty, Quantity) for item_id, qty in shipped.items()},
                    value=i.c.item_id,
                    else_=i.c.qty_shipped,
                ),
                updated_at=now,
            )
        )
        ship_stock(conn, order, rows, {n: qty - Decimal(by_id[n]["qty_shipped"] or 0) for n, qty in shipped.items()})
        after = [{**row, "qty_shipped": shipped.get(row["item_id"], row["qty_shipped"])} for row in rows]
        state = state_after(order, after, in_progress=True)
        status_events = Deferred()  # the shipment's event first, then the order's status (as before documents)
        status = move_order(conn, order, {}, state, events=status_events)
        add_history(
            conn, order, comment, status, notify=notify, visible=visible_on_front, entity_name="shipment", now=now
        )
        shipment_id = self._insert_shipment(conn, order, requested, by_id, track_rows, now, external_id)
        extra: dict[str, Any] = {}
        if notify:
            extra["email_sent"] = 1
        if shipping_label is not None:
            extra["shipping_label"] = shipping_label
        if extra:
            conn.execute(shipment_table.update().where(shipment_table.c.entity_id == shipment_id).values(extra))
        if optional_text(comment) is not None:
            conn.execute(
                shipment_comment_table.insert().values(
                    parent_id=shipment_id,
                    comment=optional_text(comment),
                    is_customer_notified=int(notify),
                    is_visible_on_front=int(visible_on_front),
                    created_at=now,
                )
            )
        events.emit(SHIPMENT_CREATED, shipment_event(shipment_id, order, external_id))
        status_events.replay(events)
        return self.get_shipment(conn, shipment_id)

    def add_track(
        self,
        conn: Connection,
        shipment_id: int,
        track_number: str,
        title: str | None,
        carrier_code: str,
        *,
        description: str | None = None,
        weight: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> TrackRecord:
        """Add a tracking number to a shipment (Magento's ``ShipmentTrackRepository::save``)."""
        s = shipment_table.c
        order_id = conn.execute(sa.select(s.order_id).where(s.entity_id == shipment_id)).scalar_one_or_none()
        if order_id is None:
            raise NotFoundError(ENTITY_MISSING)
        now = utc_now()
        row = {
            **_track_row(
                TrackInput(track_number=track_number, title=title, carrier_code=carrier_code, description=description)
            ),
            "weight": None if weight is None else to_decimal(weight),
            "qty": None if qty is None else to_decimal(qty),
            "parent_id": shipment_id,
            "order_id": order_id,
            "created_at": now,
            "updated_at": now,
        }
        track_id = insert_one(conn, track_table, row)
        conn.execute(shipment_table.update().where(s.entity_id == shipment_id).values(updated_at=now))
        return _track_record({**row, "entity_id": track_id})

    def delete_track(self, conn: Connection, track_id: int) -> bool:
        """Remove a tracking number (Magento's ``ShipmentTrackRepository::deleteById``)."""
        t = track_table
        if conn.execute(t.delete().where(t.c.entity_id == track_id)).rowcount == 0:
            raise NotFoundError(ENTITY_MISSING)
        return True

    def shipment_label(self, conn: Connection, shipment_id: int) -> str:
        """The shipment's label (Magento's ``getLabel``): the stored text, empty when there is none."""
        s = shipment_table.c
        found = conn.execute(sa.select(s.entity_id, s.shipping_label).where(s.entity_id == shipment_id)).first()
        if found is None:
            raise NotFoundError(ENTITY_MISSING)
        return found.shipping_label or ""

    def external_shipment_ids(self, conn: Connection, order_id: int) -> set[str]:
        """The external ids of the order's shipments (see ``create_shipment``)."""
        s = shipment_table.c
        query = sa.select(s.external_id).where(s.order_id == order_id, s.external_id.is_not(None))
        return set(conn.execute(query).scalars())

    def get_shipment(self, conn: Connection, shipment_id: int) -> ShipmentRecord:
        """The shipment with its lines and tracks."""
        found = _shipments(conn, shipment_table.c.entity_id == shipment_id)
        if not found:
            raise NotFoundError(ENTITY_MISSING)
        return found[0]

    def get_shipments(self, conn: Connection, shipment_ids: Sequence[int]) -> list[ShipmentRecord]:
        """The shipments of ``shipment_ids`` that exist, in that order, with lines and tracks."""
        if not shipment_ids:
            return []
        found = {s.entity_id: s for s in _shipments(conn, shipment_table.c.entity_id.in_(shipment_ids))}
        return [found[n] for n in shipment_ids if n in found]

    def shipment_search_fields(self) -> Mapping[str, ColumnElement[Any]]:
        """Magento's searchCriteria field names for shipments and the SQL they filter and sort on."""
        s = shipment_table.c
        return {
            "entity_id": s.entity_id,
            "increment_id": s.increment_id,
            "order_id": s.order_id,
            "store_id": s.store_id,
            "customer_id": s.customer_id,
            "total_qty": s.total_qty,
            "created_at": s.created_at,
            "updated_at": s.updated_at,
        }

    def search_shipments(
        self,
        conn: Connection,
        where: ColumnElement[bool] | None = None,
        order_by: Sequence[ColumnElement[Any]] = (),
        limit: int | None = None,
        offset: int | None = None,
    ) -> tuple[list[ShipmentRecord], int]:
        """One page of shipments matching ``where`` in ``order_by`` order, and how many match in all."""
        ids, total = page_ids(conn, shipment_table.c.entity_id, where, order_by, limit, offset)
        return self.get_shipments(conn, ids), total

    def shipments(self, conn: Connection, order_id: int) -> list[ShipmentRecord]:
        """The order's shipments, oldest first."""
        if not order_exists(conn, order_id):
            raise NotFoundError(ENTITY_MISSING)
        return _shipments(conn, shipment_table.c.order_id == order_id)

    @staticmethod
    def _insert_shipment(
        conn: Connection,
        order: Mapping[Any, Any],
        requested: Mapping[int, Decimal],
        items: Mapping[int, Mapping[Any, Any]],
        tracks: list[dict[str, Any]],
        now: datetime,
        external_id: str | None,
    ) -> int:
        store_id = order["store_id"] if order["store_id"] is not None else 0
        increment_id = new_increment_ids(conn, "shipment", shipment_table, [store_id])[0]
        a = order_address_table.c
        query = sa.select(a.address_type, a.entity_id).where(a.parent_id == order["entity_id"])
        addresses = dict(conn.execute(query).all())
        weights = [items[item_id]["weight"] for item_id in requested]
        total_weight = None
        if all(weight is not None for weight in weights):
            total_weight = sum((Decimal(items[n]["weight"]) * qty for n, qty in requested.items()), Decimal(0))
        shipment_id = insert_one(
            conn,
            shipment_table,
            {
                "increment_id": increment_id,
                "order_id": order["entity_id"],
                "store_id": order["store_id"],
                "customer_id": order["customer_id"],
                "billing_address_id": addresses.get("billing"),
                "shipping_address_id": addresses.get("shipping"),
                "total_qty": sum(requested.values(), Decimal(0)),
                "total_weight": None if total_weight is None else to_decimal(total_weight),
                "created_at": now,
                "updated_at": now,
                "external_id": external_id,
            },
        )
        conn.execute(
            shipment_item_table.insert(),
            [
                {
                    "parent_id": shipment_id,
                    "order_item_id": item_id,
                    "product_id": items[item_id]["product_id"],
                    "sku": items[item_id]["sku"],
                    "name": items[item_id]["name"],
                    "qty": qty,
                    "price": items[item_id]["price"],
                    "weight": items[item_id]["weight"],
                }
                for item_id, qty in requested.items()
            ],
        )
        if tracks:
            conn.execute(
                track_table.insert(),
                [
                    {
                        **track,
                        "parent_id": shipment_id,
                        "order_id": order["entity_id"],
                        "created_at": now,
                        "updated_at": now,
                    }
                    for track in tracks
                ],
            )
        return shipment_id


def _requested(
    rows: Sequence[RowMapping], items: Sequence[tuple[ItemRef, Decimal | int | float | str]]
) -> dict[int, Decimal]:
    """Quantities per order item id; everything left when ``items`` is empty."""
    shippable = [r for r in rows if r["parent_item_id"] is None and not r["is_virtual"]]
    if not items:
        return {r["item_id"]: _left(r) for r in shippable if _left(r) > 0}
    by_id = {r["item_id"]: r for r in rows}
    requested: dict[int, Decimal] = {}
    for reference, quantity in items:
        row = _resolve(rows, by_id, reference)
        if row["parent_item_id"] is not None:
            raise InvalidValueError(CHILD_ITEM, [row["sku"], str(row["parent_item_id"])])
        if row["is_virtual"]:
            raise InvalidValueError(VIRTUAL_ITEM, [row["sku"]])
        try:
            qty = to_decimal(quantity)
        except (ValueError, ArithmeticError):
            raise invalid("qty", quantity) from None
        if qty <= 0:
            raise invalid("qty", quantity)
        requested[row["item_id"]] = requested.get(row["item_id"], Decimal(0)) + qty
    return requested


def _resolve(rows: Sequence[RowMapping], by_id: Mapping[int, RowMapping], reference: ItemRef) -> RowMapping:
    """An order item by id, or by sku — preferring the ordered line over a configurable's child of that sku."""
    if isinstance(reference, int):
        row = by_id.get(reference)
        if row is None:
            raise invalid("order_item_id", reference)
        return row
    matches = sorted((r for r in rows if r["sku"] == reference), key=lambda r: r["parent_item_id"] is not None)
    if not matches:
        raise invalid("sku", reference)
    return matches[0]


def _track_row(track: TrackSpec) -> dict[str, Any]:
    if isinstance(track, tuple):
        track = TrackInput(track_number=track[0], title=track[1], carrier_code=track[2])
    row = {
        "track_number": required_text("track_number", track.track_number),
        "title": optional_text(track.title),
        "carrier_code": required_text("carrier_code", track.carrier_code),
        "description": optional_text(track.description),
    }
    check_lengths(track_table, row)
    return row


def _shipments(conn: Connection, where: ColumnElement[bool]) -> list[ShipmentRecord]:
    s, si, t = shipment_table, shipment_item_table, track_table
    shipments = list(conn.execute(sa.select(s).where(where).order_by(s.c.entity_id)).mappings())
    if not shipments:
        return []
    ids = [row["entity_id"] for row in shipments]
    lines: dict[int, list[ShipmentItemRecord]] = {}
    query = sa.select(si).where(si.c.parent_id.in_(ids)).order_by(si.c.entity_id)
    for row in conn.execute(query).mappings():
        lines.setdefault(row["parent_id"], []).append(ShipmentItemRecord(**row))
    tracks: dict[int, list[TrackRecord]] = {}
    for row in conn.execute(sa.select(t).where(t.c.parent_id.in_(ids)).order_by(t.c.entity_id)).mappings():
        tracks.setdefault(row["parent_id"], []).append(_track_record(row))
    notes = comments(conn, shipment_comment_table, shipment_comment_table.c.parent_id.in_(ids))
    return [
        ShipmentRecord(
            **{
                **{k: v for k, v in row.items() if k != "shipping_label"},
                "created_at": format_timestamp(row["created_at"]),
                "updated_at": format_timestamp(row["updated_at"]),
            },
            items=lines.get(row["entity_id"], []),
            tracks=tracks.get(row["entity_id"], []),
            comments=notes.get(row["entity_id"], []),
        )
        for row in shipments
    ]


def _track_record(row: Mapping[Any, Any]) -> TrackRecord:
    return TrackRecord(
        **{
            **row,
            "created_at": format_timestamp(row["created_at"]),
            "updated_at": format_timestamp(row["updated_at"]),
        }
    )

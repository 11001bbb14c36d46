"""Orders and shipments on the three databases: round trips with exact amounts, numbering, search, history,
shipments and the state they lead to, and set-based batches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS
from conveyor.catalog.customers.repository import CustomerInput, CustomerRepository
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.sales.orders import OrderInput, OrderRepository
from conveyor.catalog.sales.tables import order_item_table, order_table
from tests.integration.catalog.test_customers import add_second_website, counting

orders = OrderRepository()
SHIP_PREFIX = "Shipment Document Validation Error(s):\n"
OVER_SHIP = SHIP_PREFIX + 'The quantity to ship must not be greater than the unshipped quantity for product SKU "%s".'
customers = CustomerRepository()

ADDRESS: dict[str, Any] = {
    "firstname": "Jane",
    "lastname": "Doe",
    "street": ["1 Main St", "Suite 400"],
    "city": "Austin",
    "region": "Texas",
    "region_code": "TX",
    "region_id": 57,
    "postcode": "78701",
    "country_id": "US",
    "telephone": "555-0100",
}


def order(**values: Any) -> OrderInput:
    """A guest order for one simple item, shipped by flat rate; ``values`` override."""
    payload: dict[str, Any] = {
        "customer_email": "guest@example.com",
        "customer_firstname": "Gus",
        "customer_lastname": "Guest",
        "grand_total": "25.00",
        "items": [{"sku": "SIMPLE-1", "name": "Simple", "qty_ordered": 2, "price": "10.00", "row_total": "20.00"}],
        "billing_address": ADDRESS,
        "payment": {"method": "checkmo"},
        "extension_attributes": {
            "shipping_assignments": [
                {"shipping": {"address": {**ADDRESS, "city": "Dallas"}, "method": "flatrate_flatrate"}}
            ]
        },
    }
    payload.update(values)
    return OrderInput.model_validate(payload)


def test_order_round_trips_field_by_field_with_exact_amounts(engine: Engine) -> None:
    with engine.begin() as conn:
        buyer = customers.create(
            conn,
            CustomerInput(email="jane@example.com", firstname="Jane", lastname="Doe", group_id=2, dob="1980-01-31"),
        )
        created = orders.create(
            conn,
            order(
                customer_id=buyer.id,
                customer_email=None,
                customer_firstname=None,
                customer_lastname=None,
                created_at="2024-03-01 09:59:00",
                order_currency_code="EUR",
                base_to_order_rate="1.1000",
                grand_total="1234567890123.4567",
                base_grand_total="99999999999999.9999",
                subtotal="0.0001",
                base_subtotal="0.0001",
                shipping_amount="5",
                tax_amount="1.2345",
                discount_amount="-3.5",
                shipping_description="Flat Rate - Fixed",
                items=[
                    {
                        "item_id": 10,
                        "sku": "SHIRT-RED-M",
                        "name": "Shirt",
                        "product_id": 7,
                        "product_type": "configurable",
                        "qty_ordered": 1,
                        "price": "19.99",
                        "base_price": "18.1727",
                        "row_total": "19.99",
                        "tax_amount": "3.80",
                        "discount_amount": "1.00",
                        "weight": "0.25",
                        "product_options": {"attributes_info": [{"label": "Color", "value": "Red"}]},
                    },
                    {
                        "item_id": 11,
                        "parent_item_id": 10,
                        "sku": "SHIRT-RED-M",
                        "name": "Shirt Red M",
                        "product_id": 8,
                        "product_type": "simple",
                        "qty_ordered": 1,
                        "price": "0",
                    },
                    {"item_id": 12, "sku": "SOCKS", "product_type": "simple", "qty_ordered": "2.5", "price": "3.3333"},
                    {"item_id": 13, "sku": "EBOOK", "product_type": "virtual", "qty_ordered": 1, "price": "9"},
                ],
                payment={
                    "method": "paypal_express",
                    "additional_information": ["PayPal Express Checkout", "txn 42"],
                    "amount_ordered": "1234567890123.4567",
                    "base_amount_ordered": "0.0001",
                    "last_trans_id": "TX-1",
                },
                status_histories=[
                    {"comment": "Imported", "created_at": "2024-03-01 10:00:00", "is_customer_notified": 1},
                    {"comment": "Paid", "status": "processing", "created_at": "2024-03-02 10:00:00"},
                ],
            ),
            events=NO_EVENTS,
        )
        second = orders.create(conn, order(), events=NO_EVENTS)
    with engine.connect() as conn:
        found = orders.get(conn, created.entity_id)
        by_number = orders.get_by_increment_id(conn, "000000001")
    assert found == created == by_number
    assert (found.increment_id, second.increment_id) == ("000000001", "000000002")
    assert (found.state, found.status, found.store_id, found.store_name) == ("new", "pending", 1, "Default Store View")
    assert (found.customer_id, found.customer_email, found.customer_firstname, found.customer_lastname) == (
        buyer.id,
        "jane@example.com",
        "Jane",
        "Doe",
    )
    assert (found.customer_group_id, found.customer_is_guest, found.customer_dob) == (2, 0, "1980-01-31")
    assert (second.customer_group_id, second.customer_is_guest, second.customer_id) == (0, 1, None)
    assert (found.base_currency_code, found.order_currency_code, found.global_currency_code) == ("USD", "EUR", "USD")
    assert found.grand_total == Decimal("1234567890123.4567")
    assert found.base_grand_total == Decimal("99999999999999.9999")
    assert (found.subtotal, found.shipping_amount, found.tax_amount) == (
        Decimal("0.0001"),
        Decimal(5),
        Decimal("1.2345"),
    )
    assert found.discount_amount == Decimal("-3.5") and found.base_to_order_rate == Decimal("1.1")
    assert isinstance(found.grand_total, Decimal) and str(found.subtotal) == "0.0001"
    assert found.base_shipping_amount == Decimal(0)  # rate is not 1: no copying between currencies
    assert (found.total_qty_ordered, found.total_item_count) == (Decimal("4.5"), 3)  # ordered lines, not children
    assert (found.created_at, found.shipping_description) == ("2024-03-01 09:59:00", "Flat Rate - Fixed")
    parent, child, socks, ebook = found.items
    assert (parent.sku, parent.product_type, parent.parent_item_id, parent.product_id) == (
        "SHIRT-RED-M",
        "configurable",
        None,
        7,
    )
    assert (parent.price, parent.base_price, parent.row_total) == (
        Decimal("19.99"),
        Decimal("18.1727"),
        Decimal("19.99"),
    )
    assert (parent.tax_amount, parent.discount_amount, parent.weight) == (Decimal("3.8"), Decimal(1), Decimal("0.25"))
    assert parent.product_options == {"attributes_info": [{"label": "Color", "value": "Red"}]}
    assert child.parent_item_id == parent.item_id and child.parent_item is not None
    assert child.parent_item.item_id == parent.item_id and child.parent_item.sku == "SHIRT-RED-M"
    assert (child.name, child.product_id, child.qty_ordered) == ("Shirt Red M", 8, Decimal(1))
    assert (socks.qty_ordered, socks.price, socks.qty_shipped, socks.qty_invoiced) == (
        Decimal("2.5"),
        Decimal("3.3333"),
        Decimal(0),
        Decimal(0),
    )
    assert (ebook.is_virtual, socks.is_virtual) == (1, 0)
    assert found.billing_address is not None and found.shipping_address is not None
    billing, shipping = found.billing_address, found.shipping_address
    assert (billing.address_type, billing.street, billing.city) == ("billing", ["1 Main St", "Suite 400"], "Austin")
    assert (billing.region, billing.region_code, billing.region_id, billing.postcode) == ("Texas", "TX", 57, "78701")
    assert (billing.email, billing.customer_id, billing.telephone) == ("jane@example.com", buyer.id, "555-0100")
    assert (shipping.address_type, shipping.city) == ("shipping", "Dallas")
    (assignment,) = found.extension_attributes.shipping_assignments
    assert assignment.shipping.method == "flatrate_flatrate" and len(assignment.items) == 4
    assert found.payment is not None
    assert found.payment.method == "paypal_express"
    assert found.payment.additional_information == ["PayPal Express Checkout", "txn 42"]
    assert (found.payment.amount_ordered, found.payment.base_amount_ordered) == (
        Decimal("1234567890123.4567"),
        Decimal("0.0001"),
    )
    assert found.payment.last_trans_id == "TX-1"
    assert [(h.comment, h.status, h.is_customer_notified, h.created_at) for h in found.status_histories] == [
        ("Paid", "processing", None, "2024-03-02 10:00:00"),  # newest first, as Magento returns them
        ("Imported", "pending", 1, "2024-03-01 10:00:00"),
    ]


def test_increment_ids_are_per_store_and_never_taken_twice(engine: Engine) -> None:
    with engine.begin() as conn:
        add_second_website(conn)
        chosen = orders.create(conn, order(increment_id="000000002"), events=NO_EVENTS)
        numbered = [
            orders.get(conn, n).increment_id for n in orders.create_many(conn, [order(), order()], events=NO_EVENTS)
        ]
        german = orders.create(conn, order(store_id=2), events=NO_EVENTS).increment_id
    assert chosen.increment_id == "000000002"
    assert numbered == ["000000001", "000000003"]  # the counter skips the number an import took
    assert german == "2000000001"
    with engine.begin() as conn, pytest.raises(DuplicateError) as taken:
        orders.create(conn, order(increment_id="000000003"), events=NO_EVENTS)
    assert str(taken.value) == 'An order with increment ID "000000003" already exists.'
    with engine.begin() as conn, pytest.raises(DuplicateError):
        orders.create_many(conn, [order(increment_id="X-1"), order(increment_id="X-1")], events=NO_EVENTS)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(order_table)).scalar_one() == 4


def test_a_batch_of_orders_costs_the_same_statements_as_a_few(engine: Engine) -> None:
    def batch(size: int) -> list[OrderInput]:
        return [
            order(
                items=[
                    {"item_id": 1, "sku": "CONF", "product_type": "configurable", "qty_ordered": 1},
                    {"item_id": 2, "parent_item_id": 1, "sku": "CONF", "qty_ordered": 1},
                    {"item_id": 3, "sku": f"S{n}", "qty_ordered": n + 1},
                ],
                status_histories=[{"comment": f"import {n}"}],
            )
            for n in range(size)
        ]

    with engine.begin() as conn, counting(conn) as few:
        orders.create_many(conn, batch(3), events=NO_EVENTS)
    with engine.begin() as conn, counting(conn) as many:
        ids = orders.create_many(conn, batch(300), events=NO_EVENTS)
    assert len(many) == len(few) <= 20
    with engine.connect() as conn:
        last = orders.get(conn, ids[-1])
        items = conn.execute(sa.select(sa.func.count()).select_from(order_item_table)).scalar_one()
    assert items == 3 * 303
    assert [i.sku for i in last.items] == ["CONF", "CONF", "S299"]
    assert last.items[1].parent_item_id == last.items[0].item_id and last.items[2].qty_ordered == Decimal(300)
    assert last.increment_id == "000000303" and last.status_histories[0].comment == "import 299"


def test_search_filters_sorts_pages_and_counts(engine: Engine) -> None:
    with engine.begin() as conn:
        orders.create_many(
            conn,
            [
                order(
                    customer_email=f"Buyer{n % 3}@Example.com",
                    grand_total=f"{n * 25}.50",
                    status="processing" if n % 2 else "pending",
                    created_at=f"2024-05-{n + 1:02d} 08:00:00",
                )
                for n in range(12)
            ],
            events=NO_EVENTS,
        )
    fields = orders.search_fields()
    assert {
        "increment_id",
        "status",
        "state",
        "customer_email",
        "customer_id",
        "created_at",
        "updated_at",
        "grand_total",
        "store_id",
    } <= set(fields)
    with engine.connect() as conn:
        where = sa.and_(fields["grand_total"] > "100", fields["status"] == "processing")
        page, total = orders.search(conn, where, [fields["grand_total"].desc()], limit=2, offset=1)
        dated, in_may = orders.search(
            conn,
            sa.and_(fields["created_at"] >= "2024-05-03 00:00:00", fields["created_at"] < "2024-05-06 00:00:00"),
            [fields["increment_id"].asc()],
        )
        mine, count = orders.search(conn, fields["customer_email"] == "BUYER1@example.com")
    # processing: odd n; grand total above 100: n >= 5 -> 5, 7, 9, 11 (275.50, 225.50 after the first)
    assert total == 4
    assert [o.grand_total for o in page] == [Decimal("225.50"), Decimal("175.50")]
    assert in_may == 3 and [o.created_at[:10] for o in dated] == ["2024-05-03", "2024-05-04", "2024-05-05"]
    assert count == 4 and {o.customer_email for o in mine} == {"buyer1@example.com"}


def test_status_history_comments_and_changes_the_status(engine: Engine) -> None:
    with engine.begin() as conn:
        placed = orders.create(conn, order(), events=NO_EVENTS)
        entry = orders.add_status_history(
            conn, placed.entity_id, "Called the customer", "on_hold_review", notify=True, events=NO_EVENTS
        )
        note = orders.add_status_history(conn, placed.entity_id, "Internal note", events=NO_EVENTS)
    assert (entry.comment, entry.status, entry.is_customer_notified, entry.entity_name) == (
        "Called the customer",
        "on_hold_review",
        1,
        "order",
    )
    assert note.status == "on_hold_review" and note.is_customer_notified == 0
    with engine.connect() as conn:
        stored = orders.get(conn, placed.entity_id)
        with pytest.raises(NotFoundError) as missing:
            orders.add_status_history(conn, 987654, "nobody", events=NO_EVENTS)
    assert stored.status == "on_hold_review" and stored.state == "new"
    assert [h.comment for h in stored.status_histories] == ["Internal note", "Called the customer"]
    assert str(missing.value) == "The entity that was requested doesn't exist. Verify the entity and try again."


def test_shipments_partial_then_complete_with_tracks_and_state_changes(engine: Engine) -> None:
    items = [
        {"sku": "A", "qty_ordered": 2, "qty_invoiced": 2, "weight": "1.5", "price": "5"},
        {"item_id": 7, "sku": "CONF-B", "product_type": "configurable", "qty_ordered": 2, "qty_invoiced": 2},
        {"item_id": 8, "parent_item_id": 7, "sku": "CONF-B", "qty_ordered": 2, "qty_invoiced": 2},
        {"sku": "EBOOK", "product_type": "virtual", "qty_ordered": 1, "qty_invoiced": 1},
    ]
    with engine.begin() as conn:
        placed = orders.create(conn, order(items=items), events=NO_EVENTS)
        first = orders.create_shipment(
            conn, placed.entity_id, [("A", 1)], [("1Z999", "UPS Ground", "ups")], events=NO_EVENTS
        )
    a_item, parent, child, _ = placed.items
    assert (first.increment_id, first.order_id, first.total_qty, first.total_weight) == (
        "000000001",
        placed.entity_id,
        Decimal(1),
        Decimal("1.5"),
    )
    assert [(i.order_item_id, i.sku, i.qty) for i in first.items] == [(a_item.item_id, "A", Decimal(1))]
    assert [(t.track_number, t.title, t.carrier_code) for t in first.tracks] == [("1Z999", "UPS Ground", "ups")]
    assert first.shipping_address_id is not None and first.billing_address_id is not None
    with engine.connect() as conn:
        after_first = orders.get(conn, placed.entity_id)
    assert (after_first.state, after_first.status) == ("processing", "processing")
    assert [i.qty_shipped for i in after_first.items] == [Decimal(1), Decimal(0), Decimal(0), Decimal(0)]

    refusals: list[tuple[list[tuple[int | str, int]], str]] = [
        ([("A", 2)], OVER_SHIP % "A"),
        ([(parent.item_id, 3)], OVER_SHIP % "CONF-B"),
        ([("A", 1), ("A", 1)], OVER_SHIP % "A"),
        ([(child.item_id, 1)], f'Item "CONF-B" ships with its parent item {parent.item_id}: ship the parent.'),
        ([("EBOOK", 1)], 'Item "EBOOK" is virtual and cannot be shipped.'),
        ([("NOPE", 1)], 'Invalid value of "NOPE" provided for the sku field.'),
        ([("A", 0)], 'Invalid value of "0" provided for the qty field.'),
    ]
    for lines, message in refusals:
        with engine.begin() as conn, pytest.raises(InvalidValueError) as refused:
            orders.create_shipment(conn, placed.entity_id, lines, events=NO_EVENTS)
        assert str(refused.value) == message

    with engine.begin() as conn:
        second = orders.create_shipment(
            conn, placed.entity_id, [("CONF-B", 2), (a_item.item_id, "1")], events=NO_EVENTS
        )
        extra = orders.add_track(conn, first.entity_id, "JJD000", None, "dhl")
    with engine.connect() as conn:
        done = orders.get(conn, placed.entity_id)
        shipped = orders.shipments(conn, placed.entity_id)
        again = orders.get_shipment(conn, first.entity_id)
    assert second.increment_id == "000000002"
    assert [(i.sku, i.qty) for i in second.items] == [("CONF-B", Decimal(2)), ("A", Decimal(1))]
    assert (done.state, done.status) == ("complete", "complete")  # everything shipped and invoiced
    assert [i.qty_shipped for i in done.items] == [Decimal(2), Decimal(2), Decimal(2), Decimal(0)]
    assert [s.entity_id for s in shipped] == [first.entity_id, second.entity_id]
    assert (extra.parent_id, extra.order_id, extra.title, extra.carrier_code) == (
        first.entity_id,
        placed.entity_id,
        None,
        "dhl",
    )
    assert [t.track_number for t in again.tracks] == ["1Z999", "JJD000"]
    with engine.begin() as conn, pytest.raises(InvalidValueError) as closed:
        orders.create_shipment(conn, placed.entity_id, events=NO_EVENTS)
    assert str(closed.value) == SHIP_PREFIX + "The order does not allow a shipment to be created."


def test_shipping_an_uninvoiced_order_leaves_it_processing(engine: Engine) -> None:
    with engine.begin() as conn:
        placed = orders.create(
            conn, order(items=[{"sku": "A", "qty_ordered": 3}, {"sku": "B", "qty_ordered": 1}]), events=NO_EVENTS
        )
        everything = orders.create_shipment(
            conn, placed.entity_id, comment="Left the warehouse", notify=True, events=NO_EVENTS
        )
        shipped = orders.get(conn, placed.entity_id)  # no lines: everything left shipped
    assert [(i.sku, i.qty) for i in everything.items] == [("A", Decimal(3)), ("B", Decimal(1))]
    assert (shipped.state, shipped.status) == ("processing", "processing")
    assert all(i.qty_shipped == i.qty_ordered for i in shipped.items)
    (note,) = shipped.status_histories
    assert (note.comment, note.status, note.entity_name, note.is_customer_notified) == (
        "Left the warehouse",
        "processing",
        "shipment",
        1,
    )
    with engine.begin() as conn, pytest.raises(InvalidValueError) as nothing_left:
        orders.create_shipment(conn, placed.entity_id, events=NO_EVENTS)
    assert str(nothing_left.value) == SHIP_PREFIX + "The order does not allow a shipment to be created."
    with engine.connect() as conn, pytest.raises(NotFoundError):
        orders.create_shipment(conn, 999999, events=NO_EVENTS)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"items": []}, '"items" is required. Enter and try again.'),
        ({"items": [{"sku": "A", "qty_ordered": 0}]}, 'Invalid value of "0" provided for the qty_ordered field.'),
        ({"items": [{"sku": " ", "qty_ordered": 1}]}, '"sku" is required. Enter and try again.'),
        (
            {"items": [{"sku": "A", "qty_ordered": 1, "parent_item_id": 5}]},
            'Invalid value of "5" provided for the parent_item_id field.',
        ),
        ({"order_currency_code": "EURO"}, 'Invalid value of "EURO" provided for the order_currency_code field.'),
        ({"customer_email": "nobody"}, '"customer_email" is not a valid email address.'),
        ({"billing_address": None}, '"billing_address" is required. Enter and try again.'),
        ({"extension_attributes": {}}, '"shipping_address" is required. Enter and try again.'),
        ({"grand_total": "100000000000000"}, 'Invalid value of "100000000000000" provided for the grand_total field.'),
        ({"billing_address": {**ADDRESS, "city": ""}}, '"city" is required. Enter and try again.'),
    ],
)
def test_invalid_orders_name_their_field(engine: Engine, values: dict[str, Any], message: str) -> None:
    with engine.begin() as conn, pytest.raises(InvalidValueError) as refused:
        orders.create(conn, order(**values), events=NO_EVENTS)
    assert str(refused.value) == message


def test_a_virtual_order_needs_no_shipping_address(engine: Engine) -> None:
    with engine.begin() as conn:
        placed = orders.create(
            conn,
            order(extension_attributes={}, items=[{"sku": "EBOOK", "product_type": "downloadable", "qty_ordered": 1}]),
            events=NO_EVENTS,
        )
    assert placed.shipping_address is None and placed.extension_attributes.shipping_assignments == []


def test_deleting_a_customer_keeps_the_orders_snapshot(engine: Engine) -> None:
    with engine.begin() as conn:
        buyer = customers.create(conn, CustomerInput(email="leaving@example.com", firstname="Lee", lastname="Ving"))
        placed = orders.create(conn, order(customer_id=buyer.id, customer_email=None), events=NO_EVENTS)
        customers.delete(conn, buyer.id)
    with engine.connect() as conn:
        kept = orders.get(conn, placed.entity_id)
    assert (kept.customer_id, kept.customer_email, kept.customer_firstname) == (None, "leaving@example.com", "Gus")


@pytest.mark.parametrize(
    ("values", "message", "parameters"),
    [
        ({"store_id": 9}, "The store that was requested wasn't found. Verify the store and try again.", []),
        ({"customer_id": 999}, "No such entity with %1 = %2", ["customerId", "999"]),
    ],
)
def test_a_store_or_customer_that_is_not_stored_is_magentos_404(
    engine: Engine, values: dict[str, Any], message: str, parameters: list[str]
) -> None:
    """A valid request naming what is not stored: NotFoundError (404), as Magento's repositories answer."""
    with engine.begin() as conn, pytest.raises(NotFoundError) as missing:
        orders.create(conn, order(**values), events=NO_EVENTS)
    assert (missing.value.message, missing.value.parameters) == (message, parameters)


@pytest.mark.parametrize(
    ("qty", "accepted"), [("0.0001", True), ("0.00009", False), ("999999.9999", True), ("1000000", False)]
)
def test_an_items_quantity_is_checked_as_sent_within_what_a_reservation_holds(
    engine: Engine, qty: str, accepted: bool
) -> None:
    """Bounds compared before rounding (0.00009 would round up to the least quantity), up to MSI's column."""
    item = {"sku": "A", "qty_ordered": qty}
    with engine.begin() as conn:
        if accepted:
            assert orders.create(conn, order(items=[item]), events=NO_EVENTS).items[0].qty_ordered == Decimal(qty)
        else:
            with pytest.raises(InvalidValueError, match="qty_ordered"):
                orders.create(conn, order(items=[item]), events=NO_EVENTS)


def test_an_amount_past_its_column_is_refused_before_rounding(engine: Engine) -> None:
    """99999999.99996 would round to 100000000.0000, past NUMERIC(12, 4): refused as sent, as the document says."""
    with engine.begin() as conn, pytest.raises(InvalidValueError, match="total_qty_ordered"):
        orders.create(conn, order(total_qty_ordered="99999999.99996"), events=NO_EVENTS)

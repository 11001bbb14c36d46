"""Comparing the catalog store with what the simulated ERP holds, field by field; snapshots for idempotency."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog import (
    NO_EVENTS,
    AttributeRepository,
    CustomerRepository,
    OrderInput,
    OrderRepository,
    ProductRepository,
    StockRepository,
)
from conveyor.catalog.stores import customer_group_table
from conveyor.db.metadata import metadata
from conveyor.sync import SyncOptions
from conveyor.sync.mapping import carrier_code, fulfillment_comment
from conveyor.sync.simulator import Catalogue
from conveyor.sync.simulator.catalogue import Order

ATTRIBUTES = AttributeRepository()
CUSTOMERS = CustomerRepository()
ORDERS = OrderRepository()
PRODUCTS = ProductRepository()
STOCK = StockRepository()
STORE_VIEW = 1
ADDRESS: dict[str, Any] = {
    "firstname": "Sam",
    "lastname": "Shopper",
    "street": ["1 Main St"],
    "city": "Berlin",
    "postcode": "10115",
    "country_id": "DE",
    "telephone": "555-0100",
}
# Tables the sync handlers write, with the columns that move on every save whatever the data.
SYNCED_TABLES = (
    "customer_group",
    "customer_entity",
    "customer_address_entity",
    "customer_custom_attribute",
    "eav_attribute",
    "eav_attribute_option",
    "eav_attribute_option_value",
    "eav_attribute_label",
    "eav_entity_attribute",
    "catalog_product_entity",
    "catalog_product_entity_int",
    "catalog_product_entity_decimal",
    "catalog_product_entity_varchar",
    "catalog_product_entity_text",
    "catalog_product_entity_datetime",
    "catalog_product_entity_tier_price",
    "catalog_product_super_attribute",
    "catalog_product_super_link",
    "catalog_product_website",
    "inventory_source",
    "inventory_source_item",
    "sales_order",
    "sales_order_item",
    "sales_order_status_history",
    "sales_shipment",
    "sales_shipment_item",
    "sales_shipment_track",
)
VOLATILE = {"updated_at", "value_id"}  # save time; tier prices are replaced, so their row ids move


def group_codes(conn: Connection) -> dict[int, str]:
    """Customer group id → code in upper case (codes are unique case-insensitively: WHOLESALE is Wholesale)."""
    g = customer_group_table.c
    rows = conn.execute(sa.select(g.customer_group_id, g.customer_group_code))
    return {int(group_id): code.upper() for group_id, code in rows}


def _same(stored: Any, expected: Decimal | float | None) -> bool:
    if expected is None or stored is None:
        return stored is expected
    return float(stored) == pytest.approx(float(expected))


def check_price_groups(conn: Connection, catalogue: Catalogue) -> None:
    codes = set(group_codes(conn).values())
    assert set(catalogue.price_groups) <= codes


def check_attributes(conn: Connection, catalogue: Catalogue, options: SyncOptions) -> None:
    for attribute in catalogue.attributes.values():
        record = ATTRIBUTES.get(conn, options.attribute_code(attribute.code))
        assert record.default_frontend_label == attribute.name and record.scope == "global"
        if attribute.type == "text":
            assert record.frontend_input == "text" and record.options == []
            continue
        assert record.frontend_input == "select"
        stored = [(o.label, o.sort_order, o.store_labels) for o in record.options]
        expected = [(v.code, v.sort, {STORE_VIEW: v.name}) for v in sorted(attribute.values, key=lambda v: v.sort)]
        assert stored == expected
        default_set = ATTRIBUTES.get_set(conn, 4)
        assert any(record.attribute_code in group.attribute_codes for group in default_set.groups)


def check_customers(conn: Connection, catalogue: Catalogue, options: SyncOptions) -> None:
    groups = group_codes(conn)
    for customer in catalogue.customers.values():
        record = CUSTOMERS.get_by_email(conn, customer.email, options.website_id)
        assert (record.firstname, record.lastname, record.taxvat, record.is_active) == (
            customer.first_name,
            customer.last_name,
            customer.vat_number,
            customer.active,
        )
        assert record.dob == (None if customer.birth_date is None else customer.birth_date.isoformat())
        assert record.gender == {"male": 1, "female": 2, None: None}[customer.gender]
        assert groups[record.group_id] == (customer.price_group or "GENERAL")
        assert customer.created_at is not None
        assert record.created_at == customer.created_at.strftime("%Y-%m-%d %H:%M:%S")
        assert [(a.attribute_code, a.value) for a in record.custom_attributes] == [
            (options.customer_key, customer.customer_no)
        ]
        stored = [
            (
                (a.firstname, a.lastname, a.company, a.street, a.postcode, a.city, a.country_id, a.telephone),
                (a.default_billing, a.default_shipping),
            )
            for a in record.addresses
        ]
        expected = [
            (
                (customer.first_name, customer.last_name, a.company, a.street, a.zip, a.city, a.country, a.phone),
                (a.billing, a.delivery),
            )
            for a in customer.addresses
        ]
        assert stored == expected, customer.customer_no


def check_products(conn: Connection, catalogue: Catalogue, options: SyncOptions) -> None:
    groups = group_codes(conn)
    labels = {record.attribute_code: {o.value: o.label for o in record.options} for record in ATTRIBUTES.get_list(conn)}
    stock = {(item.sku, item.source_code): item for item in STOCK.list_items(conn)}

    def check_values(record: Any, values: Mapping[str, str | None]) -> None:
        for code, value in values.items():
            stored = record.custom_attributes.get(options.attribute_code(code))
            shown = labels[options.attribute_code(code)].get(stored, stored) if stored is not None else None
            assert shown == value, (record.sku, code)

    for product in catalogue.products.values():
        status = 1 if product.active else 2
        simple = not product.axes and len(product.variants) == 1
        main = PRODUCTS.get(conn, product.variants[0].sku if simple else product.product_no)
        assert (main.name, main.status, main.visibility) == (product.name, status, 4)
        assert main.type_id == ("simple" if simple else "configurable")
        assert main.custom_attributes.get("description") == product.description
        check_values(main, product.attributes)
        if not simple:
            assert main.configurable_children == [v.sku for v in product.variants]
            assert [o.attribute_code for o in main.configurable_options] == [
                options.attribute_code(a) for a in product.axes
            ]
        for variant in product.variants:
            record = main if simple else PRODUCTS.get(conn, variant.sku)
            assert record.status == status and record.visibility == (4 if simple else 1)
            if not simple:
                assert record.name == variant.name
                check_values(record, {**product.attributes, **variant.options})
            price = variant.price
            for outlet_price in variant.outlet_prices:
                if outlet_price.outlet == options.price_outlet:
                    price = outlet_price.price
            assert _same(record.price, price) and _same(record.weight, variant.weight), variant.sku
            tiers = sorted((groups[t.customer_group_id], float(t.value or 0), t.qty) for t in record.tier_prices)
            assert tiers == sorted((g.price_group, float(g.price), 1.0) for g in variant.group_prices)
            for level in variant.stock:
                item = stock[(variant.sku, level.outlet)]
                assert _same(item.quantity, level.on_hand) and item.status == (1 if level.on_hand > 0 else 0)


def check_fulfillments(conn: Connection, orders: Iterable[Order]) -> None:
    for order in orders:
        stored = ORDERS.get_by_increment_id(conn, order.order_no)
        shipments = ORDERS.shipments(conn, stored.entity_id)
        assert len(shipments) == len(order.fulfillments), order.order_no
        for shipment, fulfillment in zip(shipments, order.fulfillments, strict=True):
            assert [(t.track_number, t.carrier_code) for t in shipment.tracks] == [
                (n, carrier_code(fulfillment.carrier)) for n in fulfillment.tracking_numbers
            ]
            assert sorted((i.sku, float(i.qty)) for i in shipment.items) == sorted(
                (line.sku, float(line.quantity)) for line in fulfillment.lines
            )
        comments = [h.comment for h in stored.status_histories if h.comment]
        assert sorted(comments) == sorted(fulfillment_comment(f.id) for f in order.fulfillments)


def check_store(conn: Connection, catalogue: Catalogue, options: SyncOptions) -> None:
    """Everything the ERP holds is in the store as the mapping says it should be."""
    check_price_groups(conn, catalogue)
    check_attributes(conn, catalogue, options)
    check_customers(conn, catalogue, options)
    check_products(conn, catalogue, options)
    check_fulfillments(conn, catalogue.orders.values())


def create_orders(conn: Connection, orders: Iterable[Order]) -> None:
    """The shop's side of the ERP's orders: guest orders with the same numbers and lines."""
    inputs = [
        OrderInput.model_validate(
            {
                "increment_id": order.order_no,
                "customer_email": "shopper@example.com",
                "customer_firstname": "Sam",
                "customer_lastname": "Shopper",
                "grand_total": "10.00",
                "items": [
                    {"sku": line.sku, "name": line.sku, "qty_ordered": line.quantity, "price": "10.00"}
                    for line in order.lines
                ],
                "billing_address": ADDRESS,
                "payment": {"method": "checkmo"},
                "extension_attributes": {
                    "shipping_assignments": [{"shipping": {"address": ADDRESS, "method": "flatrate_flatrate"}}]
                },
            }
        )
        for order in orders
    ]
    ORDERS.create_many(conn, inputs, events=NO_EVENTS)


def columns(name: str) -> list[str]:
    """The columns a snapshot keeps of table ``name``, in order."""
    return [c.name for c in metadata.tables[name].c if c.name not in VOLATILE]


def snapshot(conn: Connection) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of the synced tables, without the columns that move on every save."""
    found = {}
    for name in SYNCED_TABLES:
        table = metadata.tables[name]
        found[name] = {tuple(row) for row in conn.execute(sa.select(*(table.c[c] for c in columns(name))))}
    return found


def changed_rows(before: Mapping[str, set[Any]], after: Mapping[str, set[Any]]) -> dict[str, set[Any]]:
    """Rows that appeared or disappeared, by table (tables without a change left out)."""
    return {name: before[name] ^ after[name] for name in before if before[name] ^ after[name]}

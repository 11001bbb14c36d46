"""Sync handlers on SQLite, PostgreSQL and MariaDB against the running simulator: a bulk sync lands the ERP's
catalogue field by field, a second one changes nothing, a change re-syncs exactly its entity, and every
fulfilment becomes one shipment with its tracking numbers, once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS, DuplicateError, ProductRepository
from conveyor.catalog.sales import status_history_table
from conveyor.orders.update import DocumentError
from conveyor.sync import (
    SYNC_ORDER,
    EntityType,
    HttpSource,
    MappingError,
    SyncOptions,
    apply_fulfillments,
    run_bulk,
    sync_attribute,
    sync_customer,
    sync_fulfillments,
    sync_price_group,
    sync_product,
)
from conveyor.sync.handlers import OrderFulfillments
from conveyor.sync.models import Fulfillment, FulfillmentLine
from conveyor.sync.simulator import SimulatorServer
from tests.integration.sync.conftest import StartSimulator, admin, make_source, queue_on
from tests.integration.sync.store_check import (
    CUSTOMERS,
    ORDERS,
    changed_rows,
    check_fulfillments,
    check_store,
    columns,
    create_orders,
    group_codes,
    snapshot,
)

OPTIONS = SyncOptions(price_outlet="WEB", attribute_map={"colour": "color"})


def bulk_all(engine: Engine, source: HttpSource, since: datetime | None = None) -> dict[EntityType, int]:
    """Every entity type in dependency order; fails on any failed entity; synced counts by type."""
    synced = {}
    for entity in SYNC_ORDER:
        result = run_bulk(queue_on(engine), source, entity, since=since, page_size=7, options=OPTIONS)
        assert result.ok, result.failed
        synced[entity] = result.synced
    return synced


@pytest.fixture
def erp(start_simulator: StartSimulator) -> SimulatorServer:
    """50 customers, 30 products with variants, 12 orders of which most shipped."""
    return start_simulator(seed=21, customers=50, products=30, orders=12)


def test_bulk_sync_lands_the_erp_catalogue_then_repeats_change_nothing(erp: SimulatorServer, engine: Engine) -> None:
    catalogue = erp.simulator.catalogue
    with engine.begin() as conn:
        create_orders(conn, catalogue.orders.values())
    with make_source(erp) as source:
        synced = bulk_all(engine, source)
        shipped = sum(1 for order in catalogue.orders.values() if order.fulfillments)
        assert synced == {
            EntityType.PRICE_GROUP: 4,
            EntityType.ATTRIBUTE: 5,
            EntityType.CUSTOMER: 50,
            EntityType.PRODUCT: 30,
            EntityType.FULFILLMENT: shipped,
        }
        with engine.connect() as conn:
            check_store(conn, catalogue, OPTIONS)
            before = snapshot(conn)
        assert bulk_all(engine, source) == synced
        with engine.connect() as conn:
            assert changed_rows(before, snapshot(conn)) == {}
            check_store(conn, catalogue, OPTIONS)


def test_a_change_resyncs_exactly_that_entity(erp: SimulatorServer, engine: Engine) -> None:
    catalogue = erp.simulator.catalogue
    with engine.begin() as conn:
        create_orders(conn, catalogue.orders.values())
    with make_source(erp) as source:
        bulk_all(engine, source)
        with engine.connect() as conn:
            before = snapshot(conn)
            customer_id = CUSTOMERS.get_by_email(conn, catalogue.customers["C000017"].email, 1).id
        start = datetime.now(UTC)
        admin(erp, "POST", "change", {"entity_type": "customer", "ids": ["C000017"]})
        admin(erp, "POST", "change", {"entity_type": "product", "ids": ["P00011"]})
        synced = bulk_all(engine, source, since=start)
        assert synced[EntityType.CUSTOMER] == 1 and synced[EntityType.PRODUCT] == 1
        assert synced[EntityType.ATTRIBUTE] == synced[EntityType.PRICE_GROUP] == 0
        with engine.connect() as conn:
            check_store(conn, catalogue, OPTIONS)
            after = snapshot(conn)
            assert CUSTOMERS.get_by_email(conn, catalogue.customers["C000017"].email, 1).id == customer_id
            product = catalogue.products["P00011"]
            skus = {product.product_no, *(v.sku for v in product.variants)}
            product_ids = set(ProductRepository().ids_by_sku(conn, sorted(skus)).values())
    owner_columns = {
        "customer_entity": "entity_id",
        "customer_address_entity": "parent_id",
        "customer_custom_attribute": "entity_id",
        "inventory_source_item": "sku",
        "catalog_product_website": "product_id",
        "catalog_product_super_attribute": "product_id",
        "catalog_product_super_link": "parent_id",
    }
    changed = changed_rows(before, after)
    assert set(changed) & {"customer_entity", "customer_address_entity"}  # the customer did change
    assert set(changed) - {"customer_entity", "customer_address_entity", "customer_custom_attribute"}  # the product
    for table, rows in changed.items():
        column = columns(table).index(owner_columns.get(table, "entity_id"))
        owned = (
            {customer_id} if table.startswith("customer_") else skus if table.endswith("source_item") else product_ids
        )
        assert table.startswith(("customer_", "catalog_product_", "inventory_source_item")), table
        assert {row[column] for row in rows} <= owned, (table, rows)


def test_single_handlers_bring_what_they_need(sim: SimulatorServer, source: HttpSource, engine: Engine) -> None:
    catalogue = sim.simulator.catalogue
    product_no = next(no for no, p in catalogue.products.items() if len(p.axes) == 2)
    with engine.begin() as conn:  # an empty store: attributes, price groups and outlets come on demand
        parent_id = sync_product(conn, source, product_no, OPTIONS, events=NO_EVENTS)
        record = ProductRepository().get_by_id(conn, parent_id)
        assert record.sku == product_no and len(record.configurable_children) == len(
            catalogue.products[product_no].variants
        )
        assert {"WHOLESALE"} <= set(group_codes(conn).values())
        again = sync_product(conn, source, product_no, OPTIONS, events=NO_EVENTS)
        assert again == parent_id
        customer = next(c for c in catalogue.customers.values() if c.price_group)
        customer_id = sync_customer(conn, source, customer.customer_no, OPTIONS)
        assert group_codes(conn)[CUSTOMERS.get(conn, customer_id).group_id] == customer.price_group
        assert sync_customer(conn, source, customer.customer_no, OPTIONS) == customer_id
        group_id = sync_price_group(conn, source, "STAFF")
        assert group_codes(conn)[group_id] == "STAFF" and sync_price_group(conn, source, "STAFF") == group_id
        attribute_id = sync_attribute(conn, source, "material", OPTIONS)
        assert sync_attribute(conn, source, "material", OPTIONS) == attribute_id


def test_fulfillments_ship_once_and_later_ones_follow(sim: SimulatorServer, source: HttpSource, engine: Engine) -> None:
    catalogue = sim.simulator.catalogue
    sku = catalogue.products["P00003"].variants[0].sku
    admin(sim, "POST", "orders", {"order_no": "200000001", "lines": [{"sku": sku, "quantity": 3}]})
    order = catalogue.orders["200000001"]
    with engine.begin() as conn:
        create_orders(conn, [order])
        assert sync_fulfillments(conn, source, "200000001", events=NO_EVENTS) == []  # nothing shipped yet
    admin(sim, "POST", "change", {"entity_type": "fulfillment", "ids": ["200000001"]})
    with engine.begin() as conn:
        (first,) = sync_fulfillments(conn, source, "200000001", events=NO_EVENTS)
        assert sync_fulfillments(conn, source, "200000001", events=NO_EVENTS) == []  # handled twice: shipped once
        check_fulfillments(conn, [order])
        stored = ORDERS.get_by_increment_id(conn, "200000001")
        assert stored.state == "processing"  # shipped, not invoiced
        assert [float(item.qty_shipped or 0) for item in stored.items] == [3.0]
        shipment = ORDERS.get_shipment(conn, first)
        fulfillment = order.fulfillments[0]
        assert [t.title for t in shipment.tracks] == [fulfillment.carrier_name] * len(fulfillment.tracking_numbers)


def test_a_partial_fulfilment_then_the_rest(sim: SimulatorServer, engine: Engine) -> None:
    skus = sim.simulator.catalogue.all_skus()[:2]
    admin(sim, "POST", "orders", {"order_no": "300000001", "lines": [{"sku": s, "quantity": 2} for s in skus]})
    order = sim.simulator.catalogue.orders["300000001"]
    with engine.begin() as conn:
        create_orders(conn, [order])
    first = Fulfillment(
        id="F-A",
        order_no="300000001",
        shipped_at=datetime(2024, 6, 1, tzinfo=UTC),
        carrier="UPS",
        tracking_numbers=["1Z1", "1Z2"],
        lines=[FulfillmentLine(sku=skus[0], quantity=Decimal(2)), FulfillmentLine(sku=skus[1], quantity=Decimal(1))],
    )
    second = first.model_copy(
        update={
            "id": "F-B",
            "carrier": "Postal Express",
            "shipped_at": datetime(2024, 6, 2, tzinfo=UTC),
            "tracking_numbers": [],
            "lines": [FulfillmentLine(sku=skus[1], quantity=Decimal(1))],
        }
    )
    with engine.begin() as conn:
        assert len(apply_fulfillments(conn, OrderFulfillments("300000001", [first]), events=NO_EVENTS)) == 1
        assert len(apply_fulfillments(conn, OrderFulfillments("300000001", [second, first]), events=NO_EVENTS)) == 1
        assert apply_fulfillments(conn, OrderFulfillments("300000001", [first, second]), events=NO_EVENTS) == []
        stored = ORDERS.get_by_increment_id(conn, "300000001")
        shipments = ORDERS.shipments(conn, stored.entity_id)
        assert [[(t.track_number, t.carrier_code, t.title) for t in s.tracks] for s in shipments] == [
            [("1Z1", "ups", "UPS"), ("1Z2", "ups", "UPS")],
            [],
        ]
        assert [float(item.qty_shipped or 0) for item in stored.items] == [2.0, 2.0]
        over = second.model_copy(update={"id": "F-C"})  # more than was ordered: the order update refuses
        with pytest.raises(DocumentError, match=r"(?s)shipment F-C for order 300000001: .*does not allow a shipment"):
            apply_fulfillments(conn, OrderFulfillments("300000001", [over]), events=NO_EVENTS)


def test_a_fulfilment_is_known_by_its_external_id_not_its_comment(sim: SimulatorServer, engine: Engine) -> None:
    sku = sim.simulator.catalogue.all_skus()[0]
    admin(sim, "POST", "orders", {"order_no": "300000002", "lines": [{"sku": sku, "quantity": 3}]})
    with engine.begin() as conn:
        create_orders(conn, [sim.simulator.catalogue.orders["300000002"]])
    fulfillment = Fulfillment(
        id="F-1",
        order_no="300000002",
        shipped_at=datetime(2024, 6, 1, tzinfo=UTC),
        carrier="UPS",
        tracking_numbers=["1Z9"],
        lines=[FulfillmentLine(sku=sku, quantity=Decimal(1))],
    )
    with engine.begin() as conn:
        (shipment_id,) = apply_fulfillments(conn, OrderFulfillments("300000002", [fulfillment]), events=NO_EVENTS)
        order_id = ORDERS.get_by_increment_id(conn, "300000002").entity_id
        assert ORDERS.external_shipment_ids(conn, order_id) == {"F-1"}
        h = status_history_table.c
        conn.execute(status_history_table.delete().where(h.parent_id == order_id))  # the comment is no proof
    with engine.begin() as conn:
        assert apply_fulfillments(conn, OrderFulfillments("300000002", [fulfillment]), events=NO_EVENTS) == []
        assert [s.entity_id for s in ORDERS.shipments(conn, order_id)] == [shipment_id]
        with pytest.raises(DuplicateError, match='external id "F-1" already exists for order "300000002"'):
            ORDERS.create_shipment(conn, order_id, [(sku, 1)], external_id="F-1", events=NO_EVENTS)


def test_mapping_errors_name_what_is_wrong(sim: SimulatorServer, source: HttpSource, engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(MappingError, match="order '000000404' is not in the store"):
        apply_fulfillments(conn, OrderFulfillments("000000404", []), events=NO_EVENTS)
    with engine.begin() as conn, pytest.raises(MappingError, match="system attribute 'name'"):
        sync_attribute(conn, source, "colour", SyncOptions(attribute_map={"colour": "name"}))
    with engine.begin() as conn:
        sync_attribute(conn, source, "care")
        with pytest.raises(MappingError, match="between a list and text"):
            sync_attribute(conn, source, "material", SyncOptions(attribute_map={"material": "care"}))


def test_source_side_edits_follow_email_changes_and_dropped_variants(
    sim: SimulatorServer, source: HttpSource, engine: Engine
) -> None:
    catalogue = sim.simulator.catalogue
    product_no = next(no for no, p in catalogue.products.items() if len(p.variants) >= 3)
    with engine.begin() as conn:
        customer_id = sync_customer(conn, source, "C000002", OPTIONS)
        sync_product(conn, source, product_no, OPTIONS, events=NO_EVENTS)
    customer = catalogue.customers["C000002"]
    catalogue.customers["C000002"] = customer.model_copy(update={"email": "moved@example.org"})
    product = catalogue.products[product_no]
    dropped = product.variants[-1].sku
    catalogue.products[product_no] = product.model_copy(update={"variants": product.variants[:-1]})
    with engine.begin() as conn:
        assert sync_customer(conn, source, "C000002", OPTIONS) == customer_id
        assert CUSTOMERS.get(conn, customer_id).email == "moved@example.org"
        sync_product(conn, source, product_no, OPTIONS, events=NO_EVENTS)
        products = ProductRepository()
        assert dropped not in products.get(conn, product_no).configurable_children
        assert products.get(conn, dropped).status == 2  # kept for orders and reports, disabled
    catalogue.products[product_no] = product  # the variant is back
    with engine.begin() as conn:
        sync_product(conn, source, product_no, OPTIONS, events=NO_EVENTS)
        assert products.get(conn, dropped).status == (1 if product.active else 2)
        assert products.get(conn, product_no).configurable_children[-1] == dropped

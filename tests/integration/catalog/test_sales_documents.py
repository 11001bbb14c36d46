"""The sales domain without HTTP: a batch of orders numbered per website in its own transaction, and documents
from another system (an ERP's invoice or credit memo) applied once by their external id."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS
from conveyor.catalog.errors import DuplicateError
from conveyor.catalog.sales import create_creditmemo, create_invoice
from conveyor.catalog.sales.tables import order_item_table
from conveyor.settings import SalesSection
from tests.integration.catalog.test_customers import add_second_website
from tests.integration.catalog.test_orders import order, orders

ITEMS = [
    {"item_id": 1, "sku": "CONF", "product_type": "configurable", "qty_ordered": 1, "price": "10"},
    {"item_id": 2, "parent_item_id": 1, "sku": "CONF-S", "qty_ordered": 1},
    {"sku": "B", "qty_ordered": 2, "price": "7.5"},
]


def test_a_batch_of_orders_is_numbered_by_each_websites_rule_in_its_transaction(engine: Engine) -> None:
    numbering = SalesSection.model_validate(
        {"line_numbers": {"second": {"start": 5, "step": 5, "width": 2, "prefix": "DE", "number_children": True}}}
    )
    with engine.begin() as conn:
        add_second_website(conn)
        ids = orders.create_many(
            conn,
            [order(items=ITEMS, store_id=1), order(items=ITEMS, store_id=2)],
            events=NO_EVENTS,
            numbering=numbering,
        )
    with engine.connect() as conn:
        base, second = (orders.get(conn, n) for n in ids)
        stored = conn.execute(
            sa.select(order_item_table.c.line_number).where(order_item_table.c.order_id == ids[0])
        ).scalars()
    assert [i.extension_attributes.line_number for i in base.items] == ["0010", None, "0020"]  # the built-in rule
    assert [i.extension_attributes.line_number for i in second.items] == ["DE05", "DE10", "DE15"]
    assert sorted(n for n in stored if n) == ["0010", "0020"]
    with pytest.raises(RuntimeError), engine.begin() as conn:  # a rollback takes the numbers with the orders
        orders.create_many(conn, [order(items=ITEMS)], events=NO_EVENTS)
        raise RuntimeError
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(order_item_table)).scalar_one()
    assert count == 6


def test_a_document_from_another_system_applies_once_by_its_external_id(engine: Engine) -> None:
    with engine.begin() as conn:
        placed = orders.create(conn, order(items=ITEMS, grand_total="25"), events=NO_EVENTS)
        create_invoice(conn, placed.entity_id, external_id="ERP-INV-1", events=NO_EVENTS)
    with pytest.raises(DuplicateError) as twice, engine.begin() as conn:
        create_invoice(conn, placed.entity_id, external_id="ERP-INV-1", events=NO_EVENTS)
    assert twice.value.parameters == ["invoice", "ERP-INV-1", placed.increment_id]
    socks = placed.items[2].item_id
    with engine.begin() as conn:
        create_creditmemo(
            conn,
            placed.entity_id,
            [(socks, 1)],
            external_id="CM-1",
            shipping_amount=Decimal(0),
            events=NO_EVENTS,
        )
    with pytest.raises(DuplicateError), engine.begin() as conn:
        create_creditmemo(conn, placed.entity_id, [(socks, 1)], external_id="CM-1", events=NO_EVENTS)
    with engine.connect() as conn:
        refunded = orders.get(conn, placed.entity_id)
    assert [float(i.qty_refunded or 0) for i in refunded.items] == [0, 0, 1]  # the second memo changed nothing

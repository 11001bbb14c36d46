"""Stock per source (MSI) on the three databases: the default source, source items keyed by (source, sku),
and the product payload's stock item mapped onto the default source."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS
from conveyor.catalog.errors import InvalidValueError
from conveyor.catalog.inventory.source_items import Source, SourceItem, StockRepository, source_item_table
from conveyor.catalog.products.models import ProductInput, StockInput
from conveyor.catalog.products.repository import ProductRepository
from tests.integration.catalog.product_fixtures import table_count

stock = StockRepository()


def test_sources_default_and_custom(engine: Engine) -> None:
    with engine.begin() as conn:
        stock.save_source(
            conn, Source(source_code="berlin", name="Berlin warehouse", country_id="DE", postcode="10115")
        )
        stock.save_source(conn, Source(source_code="berlin", name="Berlin", enabled=False, country_id="DE"))
        sources = stock.list_sources(conn)
        with pytest.raises(InvalidValueError, match='"source_code" attribute value'):
            stock.save_source(conn, Source(source_code=" ", name="Blank"))
    assert [(s.source_code, s.name, s.enabled, s.country_id, s.postcode) for s in sources] == [
        ("berlin", "Berlin", False, "DE", None),
        ("default", "Default Source", True, "US", "00000"),
    ]


def test_source_items_upsert_list_and_delete(engine: Engine) -> None:
    with engine.begin() as conn:
        stock.save_source(conn, Source(source_code="berlin", name="Berlin"))
        stock.upsert(
            conn,
            [
                SourceItem(sku="24-MB01", quantity=100, status=1),
                SourceItem(sku="24-MB01", source_code="berlin", quantity="2.5", status=1),
                SourceItem(sku="24-MB02", quantity=0, status=0),
            ],
        )
        stock.upsert(conn, [SourceItem(sku="24-MB01", quantity=99, status=1)])  # update, not a second row
        items = stock.list_items(conn)
        berlin = stock.list_items(conn, source_code="berlin")
        one = stock.list_items(conn, skus=["24-MB02"])
        stock.delete(conn, [("default", "24-MB01")])
        left = stock.list_items(conn)
    assert [(i.sku, i.source_code, i.quantity, i.status) for i in items] == [
        ("24-MB01", "berlin", 2.5, 1),
        ("24-MB01", "default", 99.0, 1),
        ("24-MB02", "default", 0.0, 0),
    ]
    assert [i.sku for i in berlin] == ["24-MB01"] and [i.sku for i in one] == ["24-MB02"]
    assert [(i.sku, i.source_code) for i in left] == [("24-MB01", "berlin"), ("24-MB02", "default")]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (SourceItem(sku="x", source_code="nowhere"), "source_code"),
        (SourceItem(sku="x", status=3), "status"),
        (SourceItem(sku="x", quantity="lots"), "quantity"),
        (SourceItem(sku=""), "sku"),
    ],
)
def test_invalid_source_items_name_the_field(engine: Engine, item: SourceItem, field: str) -> None:
    with pytest.raises(InvalidValueError, match=f'"{field}" attribute value'), engine.begin() as conn:
        stock.upsert(conn, [item])
    with engine.connect() as conn:
        assert table_count(conn, source_item_table) == 0


def test_product_stock_maps_to_the_default_source(engine: Engine) -> None:
    products = ProductRepository()
    with engine.begin() as conn:
        products.save_many(
            conn,
            [
                ProductInput(sku="in", name="In", price=1, stock=StockInput(qty=7)),
                ProductInput(sku="out", name="Out", price=1, stock=StockInput(qty=0)),
                ProductInput(sku="held", name="Held", price=1, stock=StockInput(qty=3, is_in_stock=False)),
            ],
            events=NO_EVENTS,
        )
        first = {item.sku: (item.quantity, item.status) for item in stock.list_items(conn)}
        # availability alone keeps the quantity; quantity alone keeps the availability
        products.save_many(
            conn,
            [
                ProductInput(sku="in", stock=StockInput(is_in_stock=False)),
                ProductInput(sku="held", stock=StockInput(qty=5)),
            ],
            events=NO_EVENTS,
        )
        second = {item.sku: (item.quantity, item.status) for item in stock.list_items(conn)}
        record = products.get(conn, "held")
        products.delete(conn, ["in"], events=NO_EVENTS)
        remaining = [item.sku for item in stock.list_items(conn)]
    assert first == {"in": (7.0, 1), "out": (0.0, 0), "held": (3.0, 0)}
    assert second == {"in": (7.0, 0), "out": (0.0, 0), "held": (5.0, 0)}
    assert record.stock is not None and (record.stock.qty, record.stock.is_in_stock) == (5.0, False)
    assert remaining == ["held", "out"]

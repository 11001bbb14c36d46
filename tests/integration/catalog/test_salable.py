"""Reservations and the salable quantity against a plain-Python model of MSI's rule, on SQLite and PostgreSQL:
the stock's enabled sources' items in stock, minus the minimum quantity, plus the reservations."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from conveyor.catalog.errors import InvalidValueError
from conveyor.catalog.inventory import (
    add_reservations,
    are_salable,
    is_salable_for_quantity,
    salable_quantities,
    source_table,
    stock_source_link_table,
    stock_table,
)
from conveyor.catalog.inventory.source_items import SourceItem, StockRepository
from conveyor.catalog.inventory.stock_settings import save_settings
from conveyor.db import make_engine

SOURCES = ("a", "b", "c")
SKUS = ("X", "Y")
STOCK = 2
quantities = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


cases = st.fixed_dictionaries(
    {
        "enabled": st.fixed_dictionaries({s: st.booleans() for s in SOURCES}),
        "linked": st.sets(st.sampled_from(SOURCES)),
        "items": st.dictionaries(
            st.tuples(st.sampled_from(SOURCES), st.sampled_from(SKUS)),
            st.tuples(st.decimals(min_value=0, max_value=1000, places=2), st.sampled_from([0, 1])),
        ),
        "reservations": st.lists(st.tuples(st.sampled_from(SKUS), quantities), max_size=5),
        "min_qty": st.one_of(st.none(), st.decimals(min_value=-5, max_value=5, places=1)),
    }
)


def model(case: dict) -> dict[str, Decimal]:  # type: ignore[type-arg]
    """MSI's rule, spelt out: only skus with an item at a linked, enabled source have a stock row."""
    found = {}
    for sku in SKUS:
        rows = [
            (qty, status)
            for (source, item_sku), (qty, status) in case["items"].items()
            if item_sku == sku and source in case["linked"] and case["enabled"][source]
        ]
        if not rows:
            found[sku] = Decimal(0)
            continue
        stock = sum((qty for qty, status in rows if status == 1), Decimal(0))
        reserved = sum((qty for reserved_sku, qty in case["reservations"] if reserved_sku == sku), Decimal(0))
        found[sku] = stock + reserved - (case["min_qty"] or Decimal(0))
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases)
def test_salable_quantity_follows_the_model(engine: Engine, case: dict) -> None:  # type: ignore[type-arg]
    with engine.connect() as conn, conn.begin() as transaction:
        conn.execute(stock_table.insert(), [{"stock_id": STOCK, "name": "Two"}])
        conn.execute(
            source_table.insert(), [{"source_code": s, "name": s, "enabled": case["enabled"][s]} for s in SOURCES]
        )
        if case["linked"]:
            conn.execute(
                stock_source_link_table.insert(),
                [{"stock_id": STOCK, "source_code": s, "priority": n} for n, s in enumerate(sorted(case["linked"]))],
            )
        StockRepository().upsert(
            conn,
            [
                SourceItem(sku=sku, source_code=s, quantity=q, status=st_)
                for (s, sku), (q, st_) in case["items"].items()
            ],
        )
        add_reservations(
            conn, STOCK, [(sku, qty, '{"event_type":"order_placed"}') for sku, qty in case["reservations"]]
        )
        add_reservations(conn, 1, [("X", Decimal(-999), None)])  # another stock's reservation never counts
        if case["min_qty"] is not None:
            save_settings(conn, "X", {"min_qty": case["min_qty"]})
            save_settings(conn, "Y", {"min_qty": case["min_qty"]})
        assert salable_quantities(conn, STOCK, list(SKUS)) == model(case)
        transaction.rollback()


def test_reservations_are_all_or_nothing_and_drive_is_salable(engine: Engine) -> None:
    with engine.begin() as conn:
        StockRepository().upsert(conn, [SourceItem(sku="P", source_code="default", quantity=5, status=1)])
        add_reservations(conn, 1, [("P", -3, '{"event_type":"order_placed","object_id":"1"}')])
        with pytest.raises(InvalidValueError):
            add_reservations(conn, 1, [("P", -1, None), ("", -1, None)])
        assert salable_quantities(conn, 1, ["P", "none"]) == {"P": Decimal(2), "none": Decimal(0)}
        assert are_salable(conn, 1, ["P", "none"]) == {"P": True, "none": False}
        assert is_salable_for_quantity(conn, 1, "P", Decimal(2)).is_salable
        short = is_salable_for_quantity(conn, 1, "P", Decimal(3))
        assert (short.is_salable, short.errors) == (
            False,
            [("is_salable_with_reservations-not_enough_qty", "The requested qty is not available")],
        )
        add_reservations(conn, 1, [("P", -2, None)])
        assert are_salable(conn, 1, ["P"]) == {"P": False}
        count = conn.execute(sa.select(sa.func.count()).select_from(sa.table("inventory_reservation"))).scalar_one()
        assert count == 2

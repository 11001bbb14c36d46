"""Tier and group prices on the three databases: by sku through TierPriceRepository and through the product
payload, with Magento's unique key (product, all groups / group, quantity, website)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from conveyor.catalog import NO_EVENTS
from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.products.models import ALL_GROUPS, ProductInput, TierPrice
from conveyor.catalog.products.prices import TierPriceRepository, tier_price_table
from conveyor.catalog.products.repository import ProductRepository
from conveyor.db import make_engine
from tests.integration.catalog.product_fixtures import add_website, table_count

prices = TierPriceRepository()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        ProductRepository().save_many(
            conn, [ProductInput(sku=sku, name=sku, price=50) for sku in ("24-WG01", "24-WG02")], events=NO_EVENTS
        )
    yield engine
    engine.dispose()


def _summary(found: dict[str, list[TierPrice]]) -> dict[str, list[tuple[object, ...]]]:
    return {
        sku: [(p.website_id, p.customer_group_id, p.qty, p.value, p.percentage_value) for p in ps]
        for sku, ps in found.items()
    }


def test_upsert_replace_and_delete_by_sku(engine: Engine) -> None:
    with engine.begin() as conn:
        add_website(conn, 2, "outlet")
        prices.upsert(
            conn,
            {
                "24-WG01": [
                    TierPrice(qty=5, value=45),
                    TierPrice(qty=5, value=44, customer_group_id=1),
                    TierPrice(qty=10, percentage_value=20, customer_group_id=2, website_id=2),
                ],
                "24-WG02": [TierPrice(qty=1, value=40, customer_group_id=0)],
            },
        )
        prices.upsert(conn, {"24-WG01": [TierPrice(qty="5.0000", value=43)]})  # same key: updated in place
        first = prices.get(conn, ["24-WG01", "24-WG02"])
        prices.delete(conn, {"24-WG01": [TierPrice(qty=5, value=0, customer_group_id=1)]})
        after_delete = prices.get(conn, ["24-WG01"])
        prices.replace(conn, {"24-WG02": [TierPrice(qty=3, value=39), TierPrice(qty=6, value=38)]})
        replaced = prices.get(conn, ["24-WG01", "24-WG02"])
    assert _summary(first) == {
        "24-WG01": [(0, ALL_GROUPS, 5.0, 43.0, None), (0, 1, 5.0, 44.0, None), (2, 2, 10.0, None, 20.0)],
        "24-WG02": [(0, 0, 1.0, 40.0, None)],
    }
    assert _summary(after_delete)["24-WG01"] == [(0, ALL_GROUPS, 5.0, 43.0, None), (2, 2, 10.0, None, 20.0)]
    assert _summary(replaced)["24-WG02"] == [(0, ALL_GROUPS, 3.0, 39.0, None), (0, ALL_GROUPS, 6.0, 38.0, None)]
    assert _summary(replaced)["24-WG01"] == _summary(after_delete)["24-WG01"]  # other skus untouched


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (TierPrice(qty=0, value=1), '"qty" attribute value is not valid: 0'),
        (TierPrice(qty=1), '"value" attribute value'),
        (TierPrice(qty=1, value=1, percentage_value=5), '"value" attribute value'),
        (TierPrice(qty=1, value=-3), '"value" attribute value is not valid: -3'),
        (TierPrice(qty=1, percentage_value=120), '"percentage_value" attribute value is not valid: 120'),
        (TierPrice(qty=1, value=1, customer_group_id=77), '"customer_group_id" attribute value is not valid: 77'),
        (TierPrice(qty=1, value=1, website_id=9), '"website_id" attribute value is not valid: 9'),
    ],
)
def test_invalid_tier_prices_name_the_field(engine: Engine, price: TierPrice, message: str) -> None:
    with pytest.raises(InvalidValueError) as raised, engine.begin() as conn:
        prices.upsert(conn, {"24-WG01": [price]})
    assert message in str(raised.value)
    with engine.connect() as conn:
        assert table_count(conn, tier_price_table) == 0


def test_duplicates_and_unknown_skus_are_refused(engine: Engine) -> None:
    with (
        pytest.raises(InvalidValueError, match="duplicate website, tier price, customer group and quantity"),
        engine.begin() as conn,
    ):
        prices.replace(conn, {"24-WG01": [TierPrice(qty=2, value=1), TierPrice(qty="2.0", value=2)]})
    with pytest.raises(NotFoundError, match='SKU "nope" doesn\'t exist'), engine.begin() as conn:
        prices.get(conn, ["24-WG01", "nope"])


def test_product_payload_tier_prices_replace_and_cascade(engine: Engine) -> None:
    products = ProductRepository()
    with engine.begin() as conn:
        products.save(
            conn,
            ProductInput(sku="24-WG01", tier_prices=[TierPrice(qty=2, value=48), TierPrice(qty=4, value=46)]),
            events=NO_EVENTS,
        )
        prices.upsert(conn, {"24-WG01": [TierPrice(qty=8, value=44)]})
        assert [p.qty for p in products.get(conn, "24-WG01").tier_prices] == [2.0, 4.0, 8.0]
        products.save(
            conn, ProductInput(sku="24-WG01", tier_prices=[TierPrice(qty=3, percentage_value=10)]), events=NO_EVENTS
        )
        assert _summary(prices.get(conn, ["24-WG01"])) == {"24-WG01": [(0, ALL_GROUPS, 3.0, None, 10.0)]}
        products.delete(conn, ["24-WG01"], events=NO_EVENTS)
        assert table_count(conn, tier_price_table) == 0

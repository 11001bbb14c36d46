"""The app on SQLite and PostgreSQL for the MSI route tests, searchCriteria query helpers, and the stock item Magento
answers (the product and stock item tests compare against it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from conveyor.api.search import Filter, FilterGroup, SearchCriteria, SortOrder
from tests.integration.api.harness import Harness, harness


@pytest.fixture(params=["sqlite", "postgresql"])
def msi(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """The app with the default registry on SQLite and PostgreSQL."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    with harness(url) as running:
        yield running


def criteria(*groups: tuple[str, str, str], sort: str | None = None, size: int | None = None, page: int = 1) -> str:
    """A searchCriteria query: each (field, value, condition) its own filter group (AND)."""
    built = SearchCriteria(
        tuple(FilterGroup((Filter(field, value, condition),)) for field, value, condition in groups),
        sort_orders=(SortOrder(sort),) if sort else (),
        page_size=size,
        current_page=page if size else None,
    )
    return urlencode(built.to_query())


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def stock_item(product_id: int, qty: float, in_stock: bool = True) -> dict[str, Any]:
    """A product's stock item with Magento's configuration defaults (every ``use_config_*`` on), keys in the order
    Magento 2.4's StockItemInterface answers them."""
    return {
        "item_id": product_id,
        "product_id": product_id,
        "stock_id": 1,
        "qty": qty,
        "is_in_stock": in_stock,
        "is_qty_decimal": False,
        "show_default_notification_message": False,
        "use_config_min_qty": True,
        "min_qty": 0.0,
        "use_config_min_sale_qty": 1,
        "min_sale_qty": 1.0,
        "use_config_max_sale_qty": True,
        "max_sale_qty": 10000.0,
        "use_config_backorders": True,
        "backorders": 0,
        "use_config_notify_stock_qty": True,
        "notify_stock_qty": 1.0,
        "use_config_qty_increments": True,
        "qty_increments": 0.0,
        "use_config_enable_qty_inc": True,
        "enable_qty_increments": False,
        "use_config_manage_stock": True,
        "manage_stock": True,
        "low_stock_date": None,  # null until the quantity falls below the notify quantity, answered all the same
        "is_decimal_divided": False,
        "stock_status_changed_auto": 0,
    }


STOCK_ITEM_KEYS = list(stock_item(0, 0))

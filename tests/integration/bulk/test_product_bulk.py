"""Products in bulk end to end: ``POST /rest/async/bulk/V1/products`` and ``PUT …/products/bySku`` through the
consumer, on the DB queue of each database and on RabbitMQ."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from conveyor.api.operations import Registry
from conveyor.catalog.products import product_table
from tests.integration.api.harness import Harness
from tests.integration.api.test_products_api import product_side

COUNT, BROKEN = 50, 23


@pytest.fixture
def bulk_registry() -> Registry:
    """The product-side operations only: an app with half the routes builds twice as fast."""
    return product_side()


def product(n: int) -> dict[str, Any]:
    return {
        "sku": f"BULK-{n:02}",
        "name": f"Bulk product {n}",
        "attribute_set_id": 4,
        "price": 10 + n + 0.25,
        "status": 1 + n % 2,
        "visibility": 4,
        "type_id": "simple",
        "weight": 1.5,
        "extension_attributes": {"stock_item": {"qty": n, "is_in_stock": n > 0}},
        "custom_attributes": [{"attribute_code": "description", "value": f"Item number {n}"}],
    }


def operations_of(api: Harness, bulk_uuid: str) -> list[dict[str, Any]]:
    found = api.get(f"/rest/V1/bulk/{bulk_uuid}/detailed-status")
    assert found.status_code == 200, found.text
    return list(found.json()["operations_list"])


def all_products(api: Harness) -> dict[str, dict[str, Any]]:
    answer = api.get("/rest/V1/products?searchCriteria[pageSize]=200")
    assert answer.status_code == 200, answer.text
    return {p["sku"]: p for p in answer.json()["items"]}


def test_fifty_products_in_bulk_then_ten_prices_by_sku(bulk_api: Harness) -> None:
    items: list[Any] = [{"product": product(n)} for n in range(COUNT)]
    items[BROKEN] = {"product": {**product(BROKEN), "price": "ten"}}
    sent = bulk_api.send("POST", "/rest/async/bulk/V1/products", items)
    assert sent.status_code == 202, sent.text
    answer = sent.json()
    assert answer["errors"] is True
    statuses = [i["status"] for i in answer["request_items"]]
    assert statuses.count("accepted") == COUNT - 1 and statuses[BROKEN] == "rejected"
    assert answer["request_items"][BROKEN]["error_message"] == (
        'Invalid value of "ten" provided for the product.price field.'
    )
    assert all_products(bulk_api) == {}  # nothing happens before the consumer runs

    bulk_api.drain()
    operations = operations_of(bulk_api, answer["bulk_uuid"])
    assert [op["status"] for op in operations] == [5 if n == BROKEN else 1 for n in range(COUNT)]
    assert {op["topic_name"] for op in operations} == {"async.V1.products.POST"}
    assert orjson.loads(operations[7]["result_serialized_data"])["sku"] == "BULK-07"
    with bulk_api.engine.connect() as conn:
        skus = sorted(conn.execute(sa.select(product_table.c.sku)).scalars())
    assert skus == sorted(f"BULK-{n:02}" for n in range(COUNT) if n != BROKEN)
    stored = all_products(bulk_api)
    for n in range(COUNT):
        if n == BROKEN:
            continue
        got, want = stored[f"BULK-{n:02}"], product(n)
        assert {k: got[k] for k in ("name", "price", "status", "visibility", "weight", "attribute_set_id")} == {
            k: want[k] for k in ("name", "price", "status", "visibility", "weight", "attribute_set_id")
        }
        assert {"attribute_code": "description", "value": f"Item number {n}"} in got["custom_attributes"]
        stock = got["extension_attributes"]["stock_item"]
        assert (stock["qty"], stock["is_in_stock"]) == (n, n > 0)

    repriced = [n for n in range(COUNT) if n != BROKEN][:10]
    updates = [{"sku": f"BULK-{n:02}", "product": {"price": 100 + n}} for n in repriced]
    sent = bulk_api.send("PUT", "/rest/async/bulk/V1/products/bySku", updates)
    assert sent.status_code == 202 and sent.json()["errors"] is False
    bulk_api.drain()
    operations = operations_of(bulk_api, sent.json()["bulk_uuid"])
    assert [op["status"] for op in operations] == [1] * 10
    assert {op["topic_name"] for op in operations} == {"async.V1.products.bySku.PUT"}
    after = all_products(bulk_api)
    for n in range(COUNT):
        if n != BROKEN:
            got = after[f"BULK-{n:02}"]
            assert got["price"] == (100 + n if n in repriced else 10 + n + 0.25)
            assert got["name"] == f"Bulk product {n}"  # a merge: what was not sent stays

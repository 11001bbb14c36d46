"""Source items (MSI) through the REST API on the three databases: upsert, search, delete, all-or-nothing saves."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from conveyor.api.search import Filter, FilterGroup, SearchCriteria, SortOrder
from conveyor.catalog import Source, StockRepository
from tests.integration.api.harness import Harness
from tests.integration.api.test_products_api import api

__all__ = ["api"]  # the product-side app

ITEMS = "/rest/V1/inventory/source-items"
DELETE = "/rest/V1/inventory/source-items-delete"
EVERYTHING = SearchCriteria(sort_orders=(SortOrder("sku"), SortOrder("source_code")))


def found(api: Harness, criteria: SearchCriteria = EVERYTHING) -> dict[str, Any]:
    answer = api.get(f"{ITEMS}?{urlencode(criteria.to_query())}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def item(sku: str, source: str, quantity: float, status: int = 1) -> dict[str, Any]:
    return {"sku": sku, "source_code": source, "quantity": quantity, "status": status}


def test_source_items_are_upserted_read_back_and_deleted(api: Harness) -> None:
    with api.engine.begin() as conn:
        StockRepository().save_source(conn, Source(source_code="eu", name="EU warehouse"))
    api.send("POST", "/rest/V1/products", {"product": {"sku": "A", "name": "A", "price": 1}})
    saved = api.send(
        "POST", ITEMS, {"sourceItems": [item("A", "default", 10), item("A", "eu", 2.5), item("B", "default", 0, 0)]}
    )
    assert (saved.status_code, saved.json()) == (200, [])
    everything = found(api)
    assert everything["items"] == [item("A", "default", 10), item("A", "eu", 2.5), item("B", "default", 0, 0)]
    assert everything["total_count"] == 3
    stock = api.get("/rest/V1/products/A").json()["extension_attributes"]["stock_item"]
    assert (stock["qty"], stock["is_in_stock"]) == (10, True)  # the product's stock is the default source's item

    in_stock = SearchCriteria(
        (FilterGroup((Filter("quantity", "1", "gt"),)), FilterGroup((Filter("status", "1"),))), page_size=1
    )
    page = found(api, in_stock)
    assert page["total_count"] == 2 and len(page["items"]) == 1
    eu = found(api, SearchCriteria((FilterGroup((Filter("source_code", "eu"),)),)))
    assert eu["items"] == [item("A", "eu", 2.5)]

    api.send("POST", ITEMS, {"sourceItems": [item("A", "default", 7.25, 0)]})
    assert found(api)["items"][0] == item("A", "default", 7.25, 0)
    deleted = api.send(
        "POST", DELETE, {"sourceItems": [{"sku": "A", "source_code": "eu"}, {"sku": "nope", "source_code": "eu"}]}
    )
    assert (deleted.status_code, deleted.json()) == (200, [])
    assert found(api)["items"] == [item("A", "default", 7.25, 0), item("B", "default", 0, 0)]


def test_invalid_items_name_the_field_and_nothing_is_saved(api: Harness) -> None:
    status = {"message": '"%field" should a known status.', "parameters": {"field": "status"}}
    rules = [
        ([item("A", "default", 1), item("B", "default", 1, 3)], [status]),
        ([item("", "default", 1)], [{"message": '"%field" can not be empty.', "parameters": {"field": "sku"}}]),
        (
            [item("A", "a b", 1)],
            [{"message": '"%field" can not contain whitespaces.', "parameters": {"field": "source_code"}}],
        ),
    ]
    for items, errors in rules:
        refused = api.send("POST", ITEMS, {"sourceItems": items})
        assert refused.json() == {"message": "Validation Failed", "parameters": [], "errors": errors}
    for url in (ITEMS, DELETE):  # a quantity is a JSON number: true was taken as 1
        flagged = api.send("POST", url, {"sourceItems": [{**item("A", "default", 1), "quantity": True}]})
        assert (flagged.status_code, flagged.json()["parameters"][-1]) == (400, "sourceItems.0.quantity"), url
    unknown = api.send("POST", ITEMS, {"sourceItems": [item("A", "nowhere", 1)]})
    assert (unknown.status_code, unknown.json()) == (404, {"message": "Could not save Source Item", "parameters": []})
    cases: list[tuple[Any, list[str]]] = [
        ([{"sku": "A", "source_code": "default", "quantity": "lots", "status": 1}], ["lots", "sourceItems.0.quantity"]),
        ([{"sku": "A", "source_code": "default", "status": 1}], ["sourceItems.0.quantity"]),
        ([item("A", "default", 1e9)], ["1000000000.0", "sourceItems.0.quantity"]),
    ]
    for items, parameters in cases:
        refused = api.send("POST", ITEMS, {"sourceItems": items})
        assert refused.status_code == 400, refused.text
        assert refused.json()["parameters"] == parameters
    empty = api.send("POST", ITEMS, {"sourceItems": []})
    assert (empty.status_code, empty.json()) == (400, {"message": "Input data is empty", "parameters": []})
    assert found(api)["total_count"] == 0

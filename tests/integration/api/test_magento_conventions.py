"""What every route shares with Magento's: a trailing slash matched in place, ``Allow`` on a 405, ASCII ids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conveyor.api.operations import OperationContext, Registry, default_registry
from tests.integration.api.harness import Harness, harness

probe = Registry()


@probe.read("/V1/probe/where")
def where(ctx: OperationContext, params: dict[str, str]) -> dict[str, Any]:
    """The store the request landed in and its query."""
    return {"code": ctx.store.code, "query": dict(ctx.query)}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Any) -> Iterator[Harness]:
    import shutil

    path = tmp_path_factory.mktemp("conventions") / "conveyor.db"
    shutil.copy(_sqlite_template, path)
    with harness(f"sqlite:///{path}", registry=Registry().include(default_registry()).include(probe)) as running:
        yield running


def test_a_trailing_slash_is_matched_in_place_keeping_the_store(app: Harness) -> None:
    answer = app.client.get("/rest/all/V1/probe/where/?a=1", headers=app.headers, follow_redirects=False)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"code": "admin", "query": {"a": "1"}}
    criteria = "searchCriteria[filter_groups][0][filters][0]"
    query = f"{criteria}[field]=code&{criteria}[value]=General"
    found = app.client.get(f"/rest/all/V1/customerGroups/search/?{query}", headers=app.headers, follow_redirects=False)
    assert found.status_code == 200, found.text
    assert [g["code"] for g in found.json()["items"]] == ["General"]
    assert app.get("/rest/V1/customerGroups/1/").json()["code"] == "General"
    body = {"group": {"code": "Slashed"}}
    queued = app.client.post("/rest/all/async/V1/customerGroups/", json=body, headers=app.headers)
    assert queued.status_code == 202, queued.text
    bulk = app.client.post("/rest/default/async/bulk/V1/customerGroups/", json=[body], headers=app.headers)
    assert bulk.status_code == 202, bulk.text


def test_a_405_names_every_method_served_on_the_path(app: Harness) -> None:
    answer = app.send("POST", "/rest/V1/customerGroups/1", {})
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].split(", ")) >= {"GET", "PUT", "DELETE"}
    assert "POST" not in answer.headers["Allow"]
    async_get = app.get("/rest/async/V1/customerGroups/1")
    assert async_get.status_code == 405
    assert set(async_get.headers["Allow"].split(", ")) == {"PUT", "DELETE"}


@pytest.mark.parametrize("text", ["\u0661", "\uff11", "1.0", "+1", " 1", "1e0", "0x1"])
def test_path_ids_are_ascii_digits_only(app: Harness, text: str) -> None:
    answer = app.get(f"/rest/V1/customerGroups/{text}")
    assert answer.status_code == 400, answer.text
    assert answer.json()["parameters"] == [text, "id"]
    customer = app.get(f"/rest/V1/customers/{text}")
    assert customer.status_code == 400, customer.text


def test_search_numbers_are_ascii_digits_only(app: Harness) -> None:
    for key in ("searchCriteria[pageSize]", "searchCriteria[currentPage]"):
        assert app.get(f"/rest/V1/customerGroups/search?{key}=\u0661").status_code == 400
    criteria = "searchCriteria[filter_groups][0][filters][0]"
    filtered = f"{criteria}[field]=id&{criteria}[value]=\u0661"
    assert app.get(f"/rest/V1/customerGroups/search?{filtered}").status_code == 400


def test_fields_keeps_only_the_listed_fields_on_every_kind_of_route(app: Harness) -> None:
    criteria = "searchCriteria[filter_groups][0][filters][0]"
    query = f"{criteria}[field]=code&{criteria}[value]=General&fields=items[code],total_count"
    assert app.get(f"/rest/V1/customerGroups/search?{query}").json() == {
        "items": [{"code": "General"}],
        "total_count": 1,
    }
    assert app.get("/rest/V1/customerGroups/1?fields=code,nothing").json() == {"code": "General"}
    created = app.send("POST", "/rest/V1/customerGroups?fields=code", {"group": {"code": "Fielded"}})
    assert created.status_code == 200, created.text
    assert created.json() == {"code": "Fielded"}
    assert app.get("/rest/V1/store/websites?fields=code").json() == [{"code": "admin"}, {"code": "base"}]
    assert app.get("/rest/V1/customerGroups/1?fields=").json()["id"] == 1  # empty: no filter, as Magento
    bad = app.get("/rest/V1/customerGroups/1?fields=code[")
    assert bad.status_code == 400
    assert bad.json()["parameters"] == ["code[", "fields"]
    product = {"product": {"sku": "f-1", "name": "F", "attribute_set_id": 4, "price": 5, "type_id": "simple"}}
    saved = app.send("POST", "/rest/V1/products", product)
    assert saved.status_code == 200, saved.text
    nested = app.get("/rest/V1/products/f-1?fields=sku,extension_attributes[stock_item[qty,is_in_stock]]")
    assert nested.status_code == 200, nested.text
    assert set(nested.json()) == {"sku", "extension_attributes"}
    assert set(nested.json()["extension_attributes"]) <= {"stock_item"}
    assert set(nested.json()["extension_attributes"].get("stock_item", {})) <= {"qty", "is_in_stock"}

"""What every route shares with Magento's: a trailing slash matched in place, ``Allow`` on a 405, ASCII ids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conveyor.api.auth import create_integration_token
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
    whole = app.get("/rest/V1/products/f-1").json()
    assert app.get(f"/rest/V1/products/f-1?fields={','.join(whole)}").json() == whole  # same serialization
    nested = app.get("/rest/V1/products/f-1?fields=sku,extension_attributes[stock_item[qty,is_in_stock]]")
    assert nested.status_code == 200, nested.text
    assert set(nested.json()) == {"sku", "extension_attributes"}
    assert set(nested.json()["extension_attributes"]) <= {"stock_item"}
    assert set(nested.json()["extension_attributes"].get("stock_item", {})) <= {"qty", "is_in_stock"}


def test_errors_carry_a_trace_in_developer_mode_only(app: Harness, sqlite_url: str) -> None:
    from fastapi.testclient import TestClient

    from conveyor.api.app import create_app
    from conveyor.settings import Settings

    for path in (
        "/rest/V1/customerGroups/999",
        "/rest/V1/customerGroups/x",
        "/rest/V1/nowhere",
        "/rest/V1/probe/where",
    ):
        answer = app.get(path, headers={} if path.endswith("where") else app.headers)
        assert answer.status_code in (400, 401, 404), answer.text
        assert set(answer.json()) == {"message", "parameters"}, path
    broken = Registry()

    @broken.read("/V1/broken")
    def explode(ctx: OperationContext, params: dict[str, str]) -> int:
        raise ZeroDivisionError("oops")

    settings = Settings(database_url=sqlite_url, developer_mode=True)
    registry = Registry().include(default_registry()).include(broken)
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as client:
        missing = client.get("/rest/V1/directory/countries/XX")
        assert missing.status_code == 404
        assert (
            missing.json()["message"] == "The country isn't available." and "NotFoundError" in missing.json()["trace"]
        )
        with client.app.state.services.engine.begin() as conn:  # type: ignore[attr-defined]
            token = create_integration_token(conn, "dev")
        bug = client.get("/rest/V1/broken", headers={"Authorization": f"Bearer {token}"})
        assert bug.status_code == 500
        assert "ZeroDivisionError: oops" in bug.json()["trace"]
        wrong = client.post("/rest/V1/directory/currency")
        assert wrong.status_code == 405 and "trace" in wrong.json() and wrong.headers["Allow"] == "GET"


def test_bulk_items_take_ids_as_the_route_does(app: Harness) -> None:
    items = [
        {"id": 1, "group": {"code": "A"}},
        {"id": "1", "group": {"code": "B"}},
        {"id": "\u0661", "group": {"code": "C"}},
    ]
    answer = app.send("PUT", "/rest/async/bulk/V1/customerGroups/byId", items)
    assert answer.status_code == 202, answer.text
    assert [i["status"] for i in answer.json()["request_items"]] == ["accepted", "accepted", "rejected"]
    assert answer.json()["request_items"][2]["error_message"] == 'Invalid value of "\u0661" provided for the id field.'

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

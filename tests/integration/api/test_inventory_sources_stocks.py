"""MSI sources, stocks and stock-source links as a Magento client calls them, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.integration.api.harness import Harness
from tests.integration.api.inventory_support import criteria, msi, ok

__all__ = ["msi"]

SOURCES = "/rest/V1/inventory/sources"
STOCKS = "/rest/V1/inventory/stocks"
LINKS = "/rest/V1/inventory/stock-source-links"
DEFAULT_SOURCE = {
    "source_code": "default",
    "name": "Default Source",
    "enabled": True,
    "description": "Default Source",
    "latitude": 0,
    "longitude": 0,
    "country_id": "US",
    "postcode": "00000",
    "use_default_carrier_config": True,
    "carrier_links": [],
}


def source(code: str, **values: Any) -> dict[str, Any]:
    return {"source_code": code, "name": code.upper(), "country_id": "DE", "postcode": "10115", **values}


def test_sources_are_created_read_searched_updated_and_validated(msi: Harness) -> None:
    assert ok(msi.get(f"{SOURCES}/default")) == DEFAULT_SOURCE
    assert ok(msi.send("POST", SOURCES, {"source": source("berlin", city="Berlin", latitude=52.52)})) == []
    assert ok(msi.send("POST", SOURCES, {"source": source("munich", enabled=False)})) == []
    berlin = ok(msi.get(f"{SOURCES}/berlin"))
    assert berlin == {
        "source_code": "berlin",
        "name": "BERLIN",
        "enabled": True,
        "latitude": 52.52,
        "country_id": "DE",
        "city": "Berlin",
        "postcode": "10115",
        "use_default_carrier_config": True,
        "carrier_links": [],
    }

    page = ok(msi.get(f"{SOURCES}?{criteria(('country_id', 'DE', 'eq'), sort='source_code', size=1, page=2)}"))
    assert [s["source_code"] for s in page["items"]] == ["munich"]
    assert page["total_count"] == 2
    assert page["search_criteria"]["page_size"] == 1
    enabled = ok(msi.get(f"{SOURCES}?{criteria(('enabled', '1', 'eq'), sort='source_code')}"))
    assert [s["source_code"] for s in enabled["items"]] == ["berlin", "default"]

    assert ok(msi.send("PUT", f"{SOURCES}/berlin", {"source": {**source("berlin"), "name": "Berlin Mitte"}})) == []
    assert ok(msi.get(f"{SOURCES}/berlin"))["name"] == "Berlin Mitte"

    missing = msi.get(f"{SOURCES}/nowhere")
    assert (missing.status_code, missing.json()) == (
        404,
        {"message": 'Source with code "%value" does not exist.', "parameters": {"value": "nowhere"}},
    )
    invalid = msi.send("POST", SOURCES, {"source": {"source_code": "a b", "name": " ", "postcode": "1"}})
    assert invalid.status_code == 400
    assert invalid.json() == {
        "message": "Validation Failed",
        "parameters": [],
        "errors": [
            {"message": '"%field" can not contain whitespaces.', "parameters": {"field": "source_code"}},
            {"message": '"%field" can not be empty.', "parameters": {"field": "name"}},
            {"message": '"%field" can not be empty.', "parameters": {"field": "country_id"}},
        ],
    }
    disabled = msi.send("PUT", f"{SOURCES}/default", {"source": {**DEFAULT_SOURCE, "enabled": False}})
    assert disabled.status_code == 400
    assert disabled.json()["errors"] == [{"message": "Default source can not be disabled.", "parameters": []}]


def test_stocks_and_links_follow_msi_rules(msi: Harness) -> None:
    default = ok(msi.get(f"{STOCKS}/1"))
    assert default == {
        "stock_id": 1,
        "name": "Default Stock",
        "extension_attributes": {"sales_channels": [{"type": "website", "code": "base"}]},
    }
    ok(msi.send("POST", SOURCES, {"source": source("eu")}))
    ok(msi.send("POST", SOURCES, {"source": source("us", country_id="US")}))
    created = ok(msi.send("POST", STOCKS, {"stock": {"name": "Europe"}}))
    assert created == 2
    other = ok(msi.send("POST", STOCKS, {"stock": {"name": "Outlet"}}))
    assert ok(msi.get(f"{STOCKS}/{created}")) == {
        "stock_id": 2,
        "name": "Europe",
        "extension_attributes": {"sales_channels": []},
    }
    renamed = {"stock": {"name": "EU", "extension_attributes": {"sales_channels": [{"type": "website", "code": "eu"}]}}}
    assert ok(msi.send("PUT", f"{STOCKS}/{created}", renamed)) == created
    found = ok(msi.get(f"{STOCKS}?{criteria(('name', 'E%', 'like'))}"))
    assert found["items"] == [
        {"stock_id": 2, "name": "EU", "extension_attributes": {"sales_channels": [{"type": "website", "code": "eu"}]}}
    ]
    assert ok(msi.get(f"{STOCKS}?{criteria(sort='stock_id', size=2, page=2)}"))["items"][0]["stock_id"] == other

    links = [
        {"stock_id": created, "source_code": "eu", "priority": 1},
        {"stock_id": created, "source_code": "us", "priority": 2},
    ]
    assert ok(msi.send("POST", LINKS, {"links": links})) == []
    ordered = ok(msi.get(f"/rest/V1/inventory/get-sources-assigned-to-stock-ordered-by-priority/{created}"))
    assert [s["source_code"] for s in ordered] == ["eu", "us"]
    zero = msi.send("POST", LINKS, {"links": [{"stock_id": created, "source_code": "us", "priority": 0}]})
    assert zero.json()["errors"] == [
        {"message": '"%field" should be greater then 0.', "parameters": {"field": "priority"}}
    ]
    reordered = [
        {"stock_id": created, "source_code": "us", "priority": 1},
        {"stock_id": created, "source_code": "eu", "priority": 5},
    ]
    ok(msi.send("POST", LINKS, {"links": reordered}))
    ordered = ok(msi.get(f"/rest/V1/inventory/get-sources-assigned-to-stock-ordered-by-priority/{created}"))
    assert [s["source_code"] for s in ordered] == ["us", "eu"]
    page = ok(msi.get(f"{LINKS}?{criteria(('stock_id', str(created), 'eq'), sort='priority')}"))
    assert page["items"] == [
        {"stock_id": created, "source_code": "us", "priority": 1},
        {"stock_id": created, "source_code": "eu", "priority": 5},
    ]
    assert page["total_count"] == 2

    to_default = msi.send("POST", LINKS, {"links": [{"stock_id": 1, "source_code": "eu", "priority": 2}]})
    assert to_default.status_code == 400
    assert to_default.json()["errors"] == [
        {"message": "Can not save link related to Default Source or Default Stock", "parameters": []}
    ]
    unknown = msi.send("POST", LINKS, {"links": [{"stock_id": 99, "source_code": "eu", "priority": 1}]})
    assert (unknown.status_code, unknown.json()["message"]) == (404, "Could not save StockSourceLinks")
    assert ok(msi.send("POST", f"{LINKS}-delete", {"links": [{"stock_id": created, "source_code": "eu"}]})) == []
    assert ok(msi.get(f"{LINKS}?{criteria(('stock_id', str(created), 'eq'))}"))["total_count"] == 1

    assert ok(msi.get("/rest/V1/inventory/stock-resolver/website/eu"))["stock_id"] == created
    no_channel = msi.get("/rest/V1/inventory/stock-resolver/website/nowhere")
    assert (no_channel.status_code, no_channel.json()["message"]) == (404, "No linked stock found")

    not_default = msi.send("DELETE", f"{STOCKS}/1")
    assert (not_default.status_code, not_default.json()) == (
        400,
        {"message": "Default Stock could not be deleted.", "parameters": []},
    )
    selling = msi.send("DELETE", f"{STOCKS}/{created}")
    assert selling.json()["message"] == "Stock has at least one sale channel and could not be deleted."
    assert ok(msi.send("PUT", f"{STOCKS}/{created}", {"stock": {"name": "EU"}})) == created  # channels: none
    assert ok(msi.get(f"{STOCKS}/1"))["extension_attributes"]["sales_channels"] == [
        {"type": "website", "code": "base"},
        {"type": "website", "code": "eu"},  # a channel a stock loses goes back to the default stock
    ]
    assert ok(msi.send("DELETE", f"{STOCKS}/{created}")) == []
    assert ok(msi.send("DELETE", f"{STOCKS}/{other}")) == []
    twice = msi.send("DELETE", f"{STOCKS}/{other}")
    assert (twice.status_code, twice.json()) == (
        404,
        {
            "message": 'There is no stock with "%fieldValue" for "%fieldName". Verify and try again.',
            "parameters": {"fieldName": "stock_id", "fieldValue": str(other)},
        },
    )
    gone = msi.get(f"{STOCKS}/{other}")
    assert (gone.status_code, gone.json()) == (
        404,
        {"message": 'Stock with id "%value" does not exist.', "parameters": {"value": str(other)}},
    )


def test_inventory_writes_are_served_async_and_in_bulk(msi: Harness) -> None:
    one = msi.send("POST", "/rest/async/V1/inventory/sources", {"source": source("eu")})
    assert one.status_code == 202, one.text
    many = msi.send(
        "PUT",
        "/rest/async/bulk/V1/inventory/stocks/byStockId",
        [
            {"stockId": 5, "stock": {"name": "Five"}},
            {"stockId": 1, "stock": {"name": ""}},
        ],
    )
    assert many.status_code == 202, many.text
    msi.drain()
    assert ok(msi.get(f"{SOURCES}/eu"))["name"] == "EU"
    assert ok(msi.get(f"{STOCKS}/5"))["name"] == "Five"
    assert ok(msi.get(f"{STOCKS}/1"))["name"] == "Default Stock"  # the invalid item failed alone
    assert ok(msi.send("POST", STOCKS, {"stock": {"name": "Six"}})) == 6  # ids continue after a given one

"""Base prices, costs and special prices by sku, with Magento's per-price error lists, as a Magento client calls
them."""

from __future__ import annotations

from tests.integration.api.harness import Harness

BASE = "/rest/V1/products"
MISSING = {"message": "Requested products don't exist: %sku", "parameters": {"sku": "NOPE"}}


def create(api: Harness, *skus: str) -> None:
    for sku in skus:
        answer = api.send("POST", BASE, {"product": {"sku": sku, "name": sku, "price": 10}})
        assert answer.status_code == 200, answer.text


def test_base_prices_are_read_updated_and_checked(api: Harness) -> None:
    create(api, "P-1", "P-2")
    read = api.send("POST", f"{BASE}/base-prices-information", {"skus": ["P-1", "P-2"]})
    assert read.status_code == 200, read.text
    assert read.json() == [{"price": 10.0, "store_id": 0, "sku": "P-1"}, {"price": 10.0, "store_id": 0, "sku": "P-2"}]
    for flag in (True, False):  # a JSON number, as the document says (pydantic's lax float took them as 1 and 0)
        answer = api.send("POST", f"{BASE}/base-prices", {"prices": [{"price": flag, "store_id": 0, "sku": "P-1"}]})
        assert (answer.status_code, answer.json()["parameters"]) == (400, [str(flag).lower(), "prices.0.price"])
    updated = api.send(
        "POST",
        f"{BASE}/base-prices",
        {
            "prices": [
                {"price": 12.5, "store_id": 0, "sku": "P-1"},
                {"price": -1, "store_id": 0, "sku": "P-2"},
                {"price": 3, "store_id": 0, "sku": "NOPE"},
                {"price": 3, "store_id": 99, "sku": "P-2"},
            ]
        },
    )
    assert updated.status_code == 200, updated.text
    assert updated.json() == [
        {
            "message": "Invalid attribute Price = %price. Row ID: SKU = %SKU, Store ID: %storeId.",
            "parameters": ["-1", "P-2", "0"],
        },
        {"message": "Invalid attribute %fieldName = %fieldValue.", "parameters": ["SKU", "NOPE"]},
        {
            "message": "Requested store is not found. Row ID: SKU = %SKU, Store ID: %storeId.",
            "parameters": ["P-2", "99"],
        },
    ]
    assert api.get(f"{BASE}/P-1").json()["price"] == 12.5
    assert api.get(f"{BASE}/P-2").json()["price"] == 10.0
    missing = api.send("POST", f"{BASE}/base-prices-information", {"skus": ["P-1", "NOPE"]})
    assert (missing.status_code, missing.json()) == (404, MISSING)


def test_costs_are_read_updated_deleted_and_checked(api: Harness) -> None:
    create(api, "C-1")
    assert api.send("POST", f"{BASE}/cost-information", {"skus": ["C-1"]}).json() == []
    saved = api.send("POST", f"{BASE}/cost", {"prices": [{"cost": 4.25, "store_id": 0, "sku": "C-1"}]})
    assert (saved.status_code, saved.json()) == (200, [])
    assert api.send("POST", f"{BASE}/cost-information", {"skus": ["C-1"]}).json() == [
        {"cost": 4.25, "store_id": 0, "sku": "C-1"}
    ]
    bad = api.send("POST", f"{BASE}/cost", {"prices": [{"cost": -2, "store_id": 0, "sku": "C-1"}]})
    assert bad.json() == [
        {
            "message": "Invalid attribute Cost = %cost. Row ID: SKU = %SKU, Store ID: %storeId.",
            "parameters": ["-2", "C-1", "0"],
        }
    ]
    assert api.send("POST", f"{BASE}/cost-delete", {"skus": ["C-1"]}).json() is True
    assert api.send("POST", f"{BASE}/cost-information", {"skus": ["C-1"]}).json() == []
    missing = api.send("POST", f"{BASE}/cost-delete", {"skus": ["NOPE"]})
    assert (missing.status_code, missing.json()) == (404, MISSING)


def test_special_prices_are_read_updated_deleted_and_checked(api: Harness) -> None:
    create(api, "S-1")
    special = {
        "price": 7.5,
        "store_id": 1,
        "sku": "S-1",
        "price_from": "2026-01-01 00:00:00",
        "price_to": "2026-02-01 00:00:00",
    }
    saved = api.send("POST", f"{BASE}/special-price", {"prices": [special]})
    assert (saved.status_code, saved.json()) == (200, [])
    assert api.send("POST", f"{BASE}/special-price-information", {"skus": ["S-1"]}).json() == [special]
    bad = api.send(
        "POST", f"{BASE}/special-price", {"prices": [{**special, "price_from": "2026-13-01", "sku": "NOPE"}]}
    )
    row = "Row ID: SKU = %SKU, Store ID: %storeId, Price From: %priceFrom, Price To: %priceTo."
    values = ["NOPE", "1", "2026-13-01", "2026-02-01 00:00:00"]
    assert bad.json() == [
        {
            "message": "The product that was requested doesn't exist. Verify the product and try again. " + row,
            "parameters": values,
        },
        {"message": "Invalid attribute %label = %priceTo. " + row, "parameters": ["Price From", *values]},
    ]
    deleted = api.send("POST", f"{BASE}/special-price-delete", {"prices": [special]})
    assert (deleted.status_code, deleted.json()) == (200, [])
    assert api.send("POST", f"{BASE}/special-price-information", {"skus": ["S-1"]}).json() == []


def test_price_updates_are_served_asynchronously(api: Harness) -> None:
    create(api, "A-1")
    queued = api.send(
        "POST", "/rest/async/V1/products/base-prices", {"prices": [{"price": 3, "store_id": 0, "sku": "A-1"}]}
    )
    assert queued.status_code == 202, queued.text
    api.drain()
    assert api.get(f"{BASE}/A-1").json()["price"] == 3.0

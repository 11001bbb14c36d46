"""Tier prices by sku through the REST API on the three databases: per-price results, upsert, read back,
replace and delete, as Magento's TierPriceStorage routes do them."""

from __future__ import annotations

from typing import Any

from tests.integration.api.harness import Harness
from tests.integration.api.test_products_api import api, sqlite_api

__all__ = ["api", "sqlite_api"]  # the product-side app

PRICES = "/rest/V1/products/tier-prices"
INFORMATION = "/rest/V1/products/tier-prices-information"
ROW = "Row ID: SKU = %SKU, Website ID: %websiteId, Customer Group: %customerGroup, Quantity: %qty."


def price(
    sku: str, amount: float, group: str = "ALL GROUPS", quantity: float = 1, kind: str = "fixed", website: int = 0
) -> dict[str, Any]:
    return {
        "price": amount,
        "price_type": kind,
        "website_id": website,
        "sku": sku,
        "customer_group": group,
        "quantity": quantity,
    }


def stored(api: Harness, *skus: str) -> list[dict[str, Any]]:
    answer = api.send("POST", INFORMATION, {"skus": list(skus)})
    assert answer.status_code == 200, answer.text
    return sorted(answer.json(), key=lambda p: (p["sku"], p["customer_group"], p["quantity"]))


def test_tier_prices_are_checked_one_by_one_then_upserted_replaced_and_deleted(api: Harness) -> None:
    for sku, kind in (("A", "simple"), ("B", "simple"), ("K", "bundle"), ("C", "configurable"), ("G", "giftcard")):
        api.send("POST", "/rest/V1/products", {"product": {"sku": sku, "name": sku, "price": 100, "type_id": kind}})
    sent = [
        price("A", 90, quantity=2),
        price("A", 10, "general", 5, "discount"),  # group codes match in any letter case
        price("B", 8, "Wholesale"),
        price("nope", 1),
        price("A", -1, "Retailer", 3),
        price("K", 5, quantity=2),  # a bundle takes discounts only
        price("C", 5),  # a configurable takes no tier prices
        price("G", 5),  # nor does a gift card (Magento's TierPriceValidator)
        price("B", 7, "Nobody", 4, website=9),
    ]
    answer = api.send("POST", PRICES, {"prices": sent})
    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {"message": "Invalid attribute SKU = %SKU. " + ROW, "parameters": ["nope", "0", "ALL GROUPS", "1"]},
        {"message": "Invalid attribute Price = %price. " + ROW, "parameters": ["-1", "A", "0", "Retailer", "3"]},
        {
            "message": "Invalid attribute Price Type = %priceType. " + ROW,
            "parameters": ["fixed", "K", "0", "ALL GROUPS", "2"],
        },
        {"message": "Invalid attribute SKU = %SKU. " + ROW, "parameters": ["C", "0", "ALL GROUPS", "1"]},
        {"message": "Invalid attribute SKU = %SKU. " + ROW, "parameters": ["G", "0", "ALL GROUPS", "1"]},
        {"message": "Invalid attribute Website ID = %websiteId. " + ROW, "parameters": ["B", "9", "Nobody", "4"]},
        {
            "message": "No such entity with Customer Group = %customerGroup. " + ROW,
            "parameters": ["B", "9", "Nobody", "4"],
        },
    ]
    assert stored(api, "A", "B", "K") == [
        price("A", 90, quantity=2),
        price("A", 10, "General", 5, "discount"),
        price("B", 8, "Wholesale"),
    ]
    # the product payload shows the same prices with group ids
    tiers = api.get("/rest/V1/products/B").json()["tier_prices"]
    assert [(t["customer_group_id"], t["qty"], t["value"]) for t in tiers] == [(2, 1, 8)]

    # an existing (sku, website, group, quantity) is updated, the others stay
    assert api.send("POST", PRICES, {"prices": [price("A", 85, "all groups", 2)]}).json() == []
    assert stored(api, "A") == [price("A", 85, quantity=2), price("A", 10, "General", 5, "discount")]

    # PUT replaces the prices of the skus it names, and only theirs
    assert api.send("PUT", PRICES, {"prices": [price("A", 70, "Wholesale", 3)]}).json() == []
    assert stored(api, "A", "B") == [price("A", 70, "Wholesale", 3), price("B", 8, "Wholesale")]

    # delete matches on sku, website, group and quantity (the amount does not matter)
    deleted = api.send("POST", "/rest/V1/products/tier-prices-delete", {"prices": [price("B", 0, "wholesale")]})
    assert (deleted.status_code, deleted.json()) == (200, [])
    assert stored(api, "A", "B") == [price("A", 70, "Wholesale", 3)]


def test_duplicates_unknown_skus_and_bad_bodies(sqlite_api: Harness) -> None:
    api = sqlite_api
    api.send("POST", "/rest/V1/products", {"product": {"sku": "A", "name": "A", "price": 100}})
    twice = [price("A", 9, "General", 2), price("A", 8, "GENERAL", 2.0)]
    answer = api.send("POST", PRICES, {"prices": twice}).json()
    assert [r["message"].split(":")[0] for r in answer] == [
        "We found a duplicate website, tier price, customer group and quantity"
    ] * 2
    assert stored(api, "A") == []  # neither of the two is saved
    unknown = api.send("POST", INFORMATION, {"skus": ["A", "x", "y"]})
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"message": "Requested products don't exist: %sku", "parameters": {"sku": "x, y"}},
    )
    malformed = api.send("POST", PRICES, {"prices": [{**price("A", 1), "price": "cheap"}]})
    assert malformed.status_code == 400 and malformed.json()["parameters"] == ["cheap", "prices.0.price"]
    for value in (True, False):  # a JSON number, as the document says; pydantic's lax float took them as 1 and 0
        flag = api.send("POST", f"{PRICES}-delete", {"prices": [{**price("A", 1), "price": value}]})
        assert flag.status_code == 400 and flag.json()["parameters"][-1] == "prices.0.price", flag.text
    too_many = api.send("POST", PRICES, {"prices": [price("A", 1, quantity=1e9), price("A", 1e15, quantity=3)]}).json()
    assert [r["message"].split(" =")[0] for r in too_many] == ["Invalid attribute Quantity", "Invalid attribute Price"]

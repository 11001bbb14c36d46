"""A product's links, websites, group tier prices and the type lists, called as a Magento client calls them."""

from __future__ import annotations

from typing import Any

from tests.integration.api.harness import Harness

BASE = "/rest/V1/products"
NOT_FOUND = {
    "message": "The product that was requested doesn't exist. Verify the product and try again.",
    "parameters": [],
}


def create(api: Harness, *skus: str, **fields: Any) -> None:
    for sku in skus:
        answer = api.send("POST", BASE, {"product": {"sku": sku, "name": sku, "price": 10, **fields}})
        assert answer.status_code == 200, answer.text


def test_the_type_lists(api: Harness) -> None:
    types = api.get(f"{BASE}/types")
    assert types.status_code == 200, types.text
    assert {"name": "simple", "label": "Simple Product"} in types.json()
    assert {item["name"] for item in types.json()} >= {"simple", "virtual", "configurable", "bundle", "grouped"}
    assert api.get(f"{BASE}/links/types").json() == [
        {"code": 1, "name": "related"},
        {"code": 5, "name": "crosssell"},
        {"code": 4, "name": "upsell"},
        {"code": 3, "name": "associated"},
    ]
    assert api.get(f"{BASE}/links/related/attributes").json() == [{"code": "position", "type": "int"}]
    assert api.get(f"{BASE}/links/associated/attributes").json() == [
        {"code": "position", "type": "int"},
        {"code": "qty", "type": "decimal"},
    ]
    assert api.get(f"{BASE}/links/nonsense/attributes").json() == []


def test_links_are_added_read_updated_and_deleted(api: Harness) -> None:
    create(api, "L-1", "L-2", "L-3")
    link = {"sku": "L-1", "link_type": "related", "linked_product_sku": "L-2", "position": 1}
    added = api.send("POST", f"{BASE}/L-1/links", {"items": [link, {**link, "linked_product_sku": "L-3"}]})
    assert added.status_code == 200, added.text
    assert added.json() is True
    related = api.get(f"{BASE}/L-1/links/related")
    assert related.status_code == 200, related.text
    assert related.json() == [
        {
            "sku": "L-1",
            "link_type": "related",
            "linked_product_sku": "L-2",
            "linked_product_type": "simple",
            "position": 1,
        },
        {
            "sku": "L-1",
            "link_type": "related",
            "linked_product_sku": "L-3",
            "linked_product_type": "simple",
            "position": 1,
        },
    ]
    assert api.get(f"{BASE}/L-1/links/upsell").json() == []

    upsell = {"sku": "L-1", "link_type": "upsell", "linked_product_sku": "L-3", "position": 0}
    assert api.send("PUT", f"{BASE}/L-1/links", {"entity": upsell}).json() is True
    moved = api.send("PUT", f"{BASE}/L-1/links", {"entity": {**link, "position": 9}})
    assert moved.status_code == 200, moved.text
    assert [(x["linked_product_sku"], x["position"]) for x in api.get(f"{BASE}/L-1/links/related").json()] == [
        ("L-3", 1),
        ("L-2", 9),
    ]
    assert [x["linked_product_sku"] for x in api.get(f"{BASE}/L-1/links/upsell").json()] == ["L-3"]
    product = api.get(f"{BASE}/L-1").json()
    assert len(product["product_links"]) == 3

    assert api.send("DELETE", f"{BASE}/L-1/links/related/L-2").json() is True
    assert [x["linked_product_sku"] for x in api.get(f"{BASE}/L-1/links/related").json()] == ["L-3"]
    again = api.send("DELETE", f"{BASE}/L-1/links/related/L-2")
    assert again.status_code == 404
    assert again.json() == {
        "message": "Product %1 doesn't have linked %2 as %3",
        "parameters": ["L-1", "L-2", "related"],
    }

    unknown_type = api.get(f"{BASE}/L-1/links/cousin")
    assert unknown_type.status_code == 404
    assert unknown_type.json() == {
        "message": 'The "%1" link type is unknown. Verify the type and try again.',
        "parameters": ["cousin"],
    }
    missing = api.send("POST", f"{BASE}/L-1/links", {"items": [{**link, "linked_product_sku": "NOPE"}]})
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    bad_type = api.send("POST", f"{BASE}/L-1/links", {"items": [{**link, "link_type": "cousin"}]})
    assert bad_type.status_code == 404
    assert bad_type.json()["parameters"] == ["cousin"]
    assert api.get(f"{BASE}/NOPE/links/related").status_code == 404


def test_websites_are_assigned_and_unassigned(api: Harness) -> None:
    create(api, "W-1")
    assert api.get(f"{BASE}/W-1").json()["extension_attributes"]["website_ids"] == [1]
    assert api.send("DELETE", f"{BASE}/W-1/websites/1").json() is True
    assert api.get(f"{BASE}/W-1").json()["extension_attributes"]["website_ids"] == []
    link = {"productWebsiteLink": {"sku": "W-1", "website_id": 1}}
    assigned = api.send("POST", f"{BASE}/W-1/websites", link)
    assert (assigned.status_code, assigned.json()) == (200, True)
    assert api.send("PUT", f"{BASE}/W-1/websites", link).json() is True  # already there: no error
    assert api.get(f"{BASE}/W-1").json()["extension_attributes"]["website_ids"] == [1]
    unknown = api.send("POST", f"{BASE}/W-1/websites", {"productWebsiteLink": {"sku": "W-1", "website_id": 77}})
    assert unknown.status_code == 400
    assert unknown.json()["message"] == 'Could not assign product "%1" to websites "%2"'
    assert unknown.json()["parameters"][1] == "77"
    missing = api.send("POST", f"{BASE}/W-1/websites", {"productWebsiteLink": {"sku": "NOPE", "website_id": 1}})
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)


def test_group_tier_prices_are_added_listed_and_removed(api: Harness) -> None:
    create(api, "T-1", price=20)
    tiers = f"{BASE}/T-1/group-prices"
    assert api.send("POST", f"{tiers}/1/tiers/5/price/18.5").json() is True
    assert api.send("POST", f"{tiers}/all/tiers/10/price/15").json() is True
    assert api.send("POST", f"{tiers}/1/tiers/5/price/17").json() is True  # same tier: its price changes
    assert api.get(f"{tiers}/1/tiers").json() == [
        {"customer_group_id": 1, "qty": 5.0, "value": 17.0, "extension_attributes": {"website_id": 0}}
    ]
    assert api.get(f"{tiers}/all/tiers").json() == [
        {"customer_group_id": 32000, "qty": 10.0, "value": 15.0, "extension_attributes": {"website_id": 0}}
    ]
    assert len(api.get(f"{BASE}/T-1").json()["tier_prices"]) == 2

    assert api.send("DELETE", f"{tiers}/1/tiers/5").json() is True
    assert api.get(f"{tiers}/1/tiers").json() == []
    gone = api.send("DELETE", f"{tiers}/1/tiers/5")
    assert gone.status_code == 404
    assert gone.json() == {
        "message": "Product hasn't group price with such data: customerGroupId = '%1',website = %2, qty = %3",
        "parameters": ["1", "0", "5"],
    }
    invalid = api.send("POST", f"{tiers}/1/tiers/0/price/5")
    assert invalid.status_code == 400
    assert invalid.json() == {"message": "The data was invalid. Verify the data and try again.", "parameters": []}
    no_group = api.send("POST", f"{tiers}/999/tiers/1/price/5")
    assert no_group.status_code == 404
    assert no_group.json()["parameters"] == ["id", "999"]
    assert api.get(f"{BASE}/NOPE/group-prices/1/tiers").status_code == 404

"""A category's product links through the REST API as a Magento client calls them: assign, read back, move,
remove, the tree's counts, and Magento's errors (unknown category or product, a product not in the category,
a store's root category that cannot be deleted)."""

from __future__ import annotations

from tests.integration.api.harness import Harness, api, sqlite_api
from tests.integration.catalog.product_fixtures import add_store_view

__all__ = ["api", "sqlite_api"]

BASE = "/rest/V1/categories"


def product(api: Harness, sku: str) -> None:
    answer = api.send("POST", "/rest/V1/products", {"product": {"sku": sku, "name": sku.title(), "price": 5}})
    assert answer.status_code == 200, answer.text


def test_assign_read_move_remove(api: Harness) -> None:
    bags = api.send("POST", BASE, {"category": {"name": "Bags"}}).json()["id"]
    for sku in ("tote", "duffel", "clutch"):
        product(api, sku)
    assert api.get(f"{BASE}/{bags}/products").json() == []

    for sku, position in (("tote", 2), ("duffel", 1)):
        answer = api.send("POST", f"{BASE}/{bags}/products", {"productLink": {"sku": sku, "position": position}})
        assert (answer.status_code, answer.json()) == (200, True), answer.text
    # Magento reads the category from the link itself
    linked = api.send(
        "PUT", f"{BASE}/{bags}/products", {"productLink": {"sku": "clutch", "position": 3, "category_id": str(bags)}}
    )
    assert linked.json() is True
    links = api.get(f"{BASE}/{bags}/products").json()
    assert links == [
        {"sku": "duffel", "position": 1, "category_id": str(bags)},
        {"sku": "tote", "position": 2, "category_id": str(bags)},
        {"sku": "clutch", "position": 3, "category_id": str(bags)},
    ]
    # the product sees the link; the tree counts it
    tote = api.get("/rest/V1/products/tote").json()
    assert {"category_id": str(bags), "position": 2} in [
        {k: str(v) if k == "category_id" else v for k, v in link.items()}
        for link in tote["extension_attributes"]["category_links"]
    ]
    tree = api.get(f"{BASE}?rootCategoryId={bags}").json()
    assert (tree["id"], tree["product_count"]) == (bags, 3)

    # an anchor category counts its subcategories' products (distinct), as Magento's tree does
    gear = api.send("POST", BASE, {"category": {"name": "Gear"}}).json()["id"]
    packs = api.send("POST", BASE, {"category": {"name": "Packs", "parent_id": gear}}).json()["id"]
    for category, sku in ((packs, "tote"), (packs, "duffel"), (gear, "tote")):
        api.send("POST", f"{BASE}/{category}/products", {"productLink": {"sku": sku}})
    gear_node = api.get(f"{BASE}?rootCategoryId={gear}&depth=0").json()
    assert (gear_node["product_count"], gear_node["children_data"]) == (2, [])
    api.send(
        "PUT", f"{BASE}/{gear}", {"category": {"custom_attributes": [{"attribute_code": "is_anchor", "value": "0"}]}}
    )
    not_anchor = api.get(f"{BASE}?rootCategoryId={gear}").json()
    assert (not_anchor["product_count"], not_anchor["children_data"][0]["product_count"]) == (1, 2)

    moved = api.send("PUT", f"{BASE}/{bags}/products", {"productLink": {"sku": "clutch", "position": 0}})
    assert moved.json() is True
    assert [link["sku"] for link in api.get(f"{BASE}/{bags}/products").json()] == ["clutch", "duffel", "tote"]

    assert api.send("DELETE", f"{BASE}/{bags}/products/tote").json() is True
    assert [link["sku"] for link in api.get(f"{BASE}/{bags}/products").json()] == ["clutch", "duffel"]
    again = api.send("DELETE", f"{BASE}/{bags}/products/tote")
    assert (again.status_code, again.json()) == (
        400,
        {"message": "The category doesn't contain the specified product.", "parameters": []},
    )


def test_link_errors_and_root_categories(sqlite_api: Harness) -> None:
    api = sqlite_api
    product(api, "tote")
    unknown_category = api.send("POST", f"{BASE}/999/products", {"productLink": {"sku": "tote"}})
    assert (unknown_category.status_code, unknown_category.json()) == (
        404,
        {"message": "No such entity with %1 = %2", "parameters": ["id", "999"]},
    )
    unknown_product = api.send("POST", f"{BASE}/2/products", {"productLink": {"sku": "nope"}})
    assert (unknown_product.status_code, unknown_product.json()["message"]) == (
        404,
        "The product that was requested doesn't exist. Verify the product and try again.",
    )
    assert api.get(f"{BASE}/999/products").status_code == 404
    assert api.get(f"{BASE}/x1/products").status_code == 400
    missing_sku = api.send("POST", f"{BASE}/2/products", {"productLink": {"position": 1}})
    assert (missing_sku.status_code, missing_sku.json()["parameters"]) == (400, ["productLink.sku"])
    assert api.send("DELETE", f"{BASE}/2/products/nope").status_code == 404

    # a category read for another store view through storeId, as Magento's get($categoryId, $storeId)
    with api.engine.begin() as conn:
        add_store_view(conn, 2, "fr")
    shoes = api.send("POST", BASE, {"category": {"name": "Shoes"}}).json()["id"]
    api.send("PUT", f"/rest/fr/V1/categories/{shoes}", {"category": {"name": "Chaussures"}})
    assert api.get(f"{BASE}/{shoes}?storeId=2").json()["name"] == "Chaussures"
    assert api.get(f"{BASE}/{shoes}").json()["name"] == "Shoes"
    assert api.get(f"{BASE}/{shoes}?storeId=77").status_code == 404
    assert api.get(f"{BASE}/{shoes}?storeId=x").status_code == 400
    mode = api.get("/rest/V1/categories/attributes/display_mode/options").json()
    assert mode[0] == {"label": "Products only", "value": "PRODUCTS"}

    # Default Category is the default store's root: Magento refuses to delete it, as it refuses Root Catalog
    refused = api.send("DELETE", f"{BASE}/2")
    assert (refused.status_code, refused.json()) == (
        400,
        {"message": "Cannot delete category with id %1", "parameters": ["2"]},
    )

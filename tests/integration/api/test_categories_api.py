"""Categories through the REST API on the three databases: a small tree, one category, store-view names, move,
delete of a subtree, the list search and Magento's errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from conveyor.api.search import Filter, FilterGroup, SearchCriteria, SortOrder
from tests.integration.api.harness import Harness
from tests.integration.api.test_products_api import api, sqlite_api

__all__ = ["api", "sqlite_api"]  # the product-side app
from tests.integration.catalog.product_fixtures import add_store_view

BASE = "/rest/V1/categories"


def create(api: Harness, name: str, **fields: Any) -> int:
    answer = api.send("POST", BASE, {"category": {"name": name, **fields}})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


def names(node: dict[str, Any]) -> list[Any]:
    """The tree as nested (name, position, product_count, children) tuples."""
    return [(c["name"], c["position"], c["product_count"], names(c)) for c in node["children_data"]]


def custom(category: dict[str, Any]) -> dict[str, Any]:
    return {item["attribute_code"]: item["value"] for item in category["custom_attributes"]}


def test_tree_category_move_and_delete(api: Harness) -> None:
    # a new category's name is text: null is refused as Magento's empty attribute, and invalid in the document
    unnamed = api.send("POST", "/rest/V1/categories", {"category": {"name": None}})
    assert (unnamed.status_code, unnamed.json()["parameters"]) == (400, ["name"])
    assert not api.documented("POST", "/rest/V1/categories", {"category": {"name": None}})
    assert api.documented("POST", "/rest/V1/categories", {"category": {"name": "Gear"}})
    gear = create(api, "Gear")
    bags = create(api, "Bags", parent_id=gear)
    watches = create(api, "Watches", parent_id=gear, is_active=False)
    men = create(api, "Men")
    tops = create(api, "Tops", parent_id=men, position=5)
    api.send(
        "POST",
        "/rest/V1/products",
        {
            "product": {
                "sku": "bag",
                "name": "Bag",
                "price": 5,
                "extension_attributes": {"category_links": [{"category_id": bags}, {"category_id": gear}]},
            }
        },
    )

    tree = api.get(BASE).json()  # the default store view's root: Default Category
    assert (tree["id"], tree["parent_id"], tree["name"], tree["level"]) == (2, 1, "Default Category", 1)
    assert names(tree) == [
        ("Gear", 1, 1, [("Bags", 1, 1, []), ("Watches", 2, 0, [])]),
        ("Men", 2, 0, [("Tops", 5, 0, [])]),
    ]
    watches_node = tree["children_data"][0]["children_data"][1]
    assert (watches_node["is_active"], watches_node["level"], watches_node["parent_id"]) == (False, 3, gear)
    admin_tree = api.get("/rest/all/V1/categories").json()  # the admin scope starts at Root Catalog
    assert (admin_tree["id"], [c["id"] for c in admin_tree["children_data"]]) == (1, [2])

    one = api.get(f"{BASE}/{bags}").json()
    assert {k: one[k] for k in ("id", "parent_id", "name", "is_active", "position", "level", "path")} == {
        "id": bags,
        "parent_id": gear,
        "name": "Bags",
        "is_active": True,
        "position": 1,
        "level": 3,
        "path": f"1/2/{gear}/{bags}",
    }
    assert one["include_in_menu"] is True
    assert custom(one) == {
        "url_key": "bags",
        "url_path": "gear/bags",
        "is_anchor": "1",
        "path": f"1/2/{gear}/{bags}",
        "children_count": "0",
    }
    assert api.get(f"{BASE}/{gear}").json()["children"] == f"{bags},{watches}"

    # Watches under Men, after Tops; its level and path follow, Gear keeps Bags
    moved = api.send("PUT", f"{BASE}/{watches}/move", {"parentId": men, "afterId": tops})
    assert (moved.status_code, moved.json()) == (200, True)
    tree = api.get(BASE).json()
    assert names(tree) == [
        ("Gear", 1, 1, [("Bags", 1, 1, [])]),
        ("Men", 2, 0, [("Tops", 1, 0, []), ("Watches", 2, 0, [])]),
    ]
    assert api.get(f"{BASE}/{watches}").json()["path"] == f"1/2/{men}/{watches}"
    into_child = api.send("PUT", f"{BASE}/{gear}/move", {"parentId": bags})
    assert into_child.status_code == 400
    assert (
        into_child.json()["message"] == "Operation do not allow to move a parent category to any of children category"
    )

    # deleting Gear takes Bags and the product links with it
    assert api.send("DELETE", f"{BASE}/{gear}").json() is True
    gone = api.get(f"{BASE}/{bags}")
    assert (gone.status_code, gone.json()) == (
        404,
        {"message": "No such entity with %1 = %2", "parameters": ["id", str(bags)]},
    )
    assert names(api.get(BASE).json()) == [("Men", 2, 0, [("Tops", 1, 0, []), ("Watches", 2, 0, [])])]
    product = api.get("/rest/V1/products/bag").json()
    assert product["extension_attributes"]["category_links"] == []
    root = api.send("DELETE", f"{BASE}/1")
    assert (root.status_code, root.json()) == (
        400,
        {"message": "Cannot delete category with id %1", "parameters": ["1"]},
    )
    assert api.send("DELETE", f"{BASE}/{gear}").status_code == 404
    assert api.get(f"{BASE}/{2**40}").status_code == 404  # no category can have that id
    assert api.get(f"{BASE}/abc").status_code == 400


def test_update_store_view_names_and_the_list_search(api: Harness) -> None:
    gear = create(
        api, "Gear", include_in_menu=False, custom_attributes=[{"attribute_code": "description", "value": "All gear"}]
    )
    renamed = api.send("PUT", f"{BASE}/{gear}", {"category": {"name": "Outdoor Gear"}}).json()
    assert (renamed["name"], renamed["include_in_menu"], custom(renamed)["description"]) == (
        "Outdoor Gear",
        False,
        "All gear",
    )
    with api.engine.begin() as conn:
        add_store_view(conn, 2, "fr")
    api.send("PUT", f"/rest/fr/V1/categories/{gear}", {"category": {"name": "Équipement"}})
    assert api.get(f"/rest/fr/V1/categories/{gear}").json()["name"] == "Équipement"
    assert api.get(f"/rest/all/V1/categories/{gear}").json()["name"] == "Outdoor Gear"
    assert api.get("/rest/fr/V1/categories").json()["children_data"][0]["name"] == "Équipement"
    # Magento's save: POST with an id updates that category
    saved = api.send("POST", BASE, {"category": {"id": gear, "is_active": False}})
    assert (saved.json()["id"], saved.json()["is_active"]) == (gear, False)
    assert api.get(BASE).json()["children_data"][0]["is_active"] is False
    assert api.send("PUT", f"{BASE}/999", {"category": {"name": "Ghost"}}).status_code == 404
    no_name = api.send("POST", BASE, {"category": {"parent_id": gear}})
    assert no_name.status_code == 400 and no_name.json()["parameters"] == ["name"]
    no_parent = api.send("POST", BASE, {"category": {"name": "Orphan", "parent_id": 999}})
    assert no_parent.status_code == 404

    # the list search (names as the default store view sees them)
    for name in ("Bags", "Boots", "Tents"):
        create(api, name, parent_id=gear, is_active=name != "Tents")
    criteria = SearchCriteria(
        (FilterGroup((Filter("name", "b%", "like"), Filter("name", "Tents"))), FilterGroup((Filter("level", "3"),))),
        (SortOrder("name", "DESC"),),
        page_size=2,
    )
    found = api.get(f"{BASE}/list?{urlencode(criteria.to_query())}").json()
    assert [c["name"] for c in found["items"]] == ["Tents", "Boots"]
    assert found["total_count"] == 3 and found["search_criteria"] == criteria.echo()
    inactive = SearchCriteria((FilterGroup((Filter("is_active", "0"),)),))
    found = api.get(f"{BASE}/list?{urlencode(inactive.to_query())}").json()
    assert [c["name"] for c in found["items"]] == ["Outdoor Gear", "Tents"]
    bad = api.get(
        f"{BASE}/list?searchCriteria[filter_groups][0][filters][0][field]=nope"
        "&searchCriteria[filter_groups][0][filters][0][value]=1"
    )
    assert bad.status_code == 400 and bad.json()["parameters"][0] == "nope"


def test_tree_root_and_depth_from_the_query(sqlite_api: Harness) -> None:
    gear = create(sqlite_api, "Gear")
    bags = create(sqlite_api, "Bags", parent_id=gear)
    create(sqlite_api, "Small", parent_id=bags)
    shallow = sqlite_api.get(f"{BASE}?rootCategoryId={gear}&depth=1").json()
    assert (shallow["id"], names(shallow)) == (gear, [("Bags", 1, 0, [])])
    assert sqlite_api.get(f"{BASE}?depth=x").status_code == 400

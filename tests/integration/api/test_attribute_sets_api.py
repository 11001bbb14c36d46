"""Attribute sets, their groups and attributes through the REST API as a Magento client calls them (Catalog's
``/V1/products/attribute-sets`` and Eav's ``/V1/eav/attribute-sets``): create from a skeleton, read back,
search with filters and paging, update, delete, and Magento's errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tests.integration.api.harness import Harness, api, sqlite_api

__all__ = ["api", "sqlite_api"]

SETS = "/rest/V1/products/attribute-sets"
EAV = "/rest/V1/eav/attribute-sets"


def search(**criteria: Any) -> str:
    return urlencode({f"searchCriteria{k}": v for k, v in criteria.items()})


def test_sets_groups_and_assignments(api: Harness) -> None:
    created = api.send(
        "POST", SETS, {"attributeSet": {"attribute_set_name": "Shoes", "sort_order": 3}, "skeletonId": 4}
    )
    assert created.status_code == 200, created.text
    shoes = created.json()
    assert list(shoes) == ["attribute_set_id", "attribute_set_name", "sort_order", "entity_type_id"]
    assert (shoes["attribute_set_name"], shoes["sort_order"], shoes["entity_type_id"]) == ("Shoes", 3, 4)
    set_id = shoes["attribute_set_id"]
    assert api.get(f"{SETS}/{set_id}").json() == shoes

    # the skeleton's attributes and groups were copied
    copied = api.get(f"{SETS}/{set_id}/attributes")
    assert copied.status_code == 200, copied.text
    codes = [a["attribute_code"] for a in copied.json()]
    assert {"name", "sku", "price", "status", "image"} <= set(codes)
    assert codes == [a["attribute_code"] for a in api.get(f"{SETS}/4/attributes").json()]
    groups = api.get(
        "/rest/V1/products/attribute-sets/groups/list?"
        + search(
            **{
                "[filter_groups][0][filters][0][field]": "attribute_set_id",
                "[filter_groups][0][filters][0][value]": str(set_id),
                "[sortOrders][0][field]": "sort_order",
                "[pageSize]": "2",
            }
        )
    ).json()
    assert groups["total_count"] == len(
        api.get(
            f"{SETS}/groups/list?"
            + search(
                **{
                    "[filter_groups][0][filters][0][field]": "attribute_set_id",
                    "[filter_groups][0][filters][0][value]": "4",
                }
            )
        ).json()["items"]
    )
    first = groups["items"][0]
    assert list(first) == ["attribute_group_id", "attribute_group_name", "attribute_set_id", "extension_attributes"]
    assert first["attribute_group_name"] == "Product Details" and isinstance(first["attribute_group_id"], str)
    assert first["extension_attributes"] == {"attribute_group_code": "product-details", "sort_order": "10"}

    # a new group, renamed through the set's PUT; an attribute assigned to it and taken out again
    group = api.send(
        "POST",
        f"{SETS}/groups",
        {"group": {"attribute_group_name": "Fit & Feel", "attribute_set_id": set_id}},
    )
    assert group.status_code == 200, group.text
    group_id = group.json()["attribute_group_id"]
    assert group.json()["extension_attributes"]["attribute_group_code"] == "fit-feel"
    renamed = api.send(
        "PUT",
        f"{SETS}/{set_id}/groups",
        {
            "group": {
                "attribute_group_id": group_id,
                "attribute_group_name": "Fit",
                "extension_attributes": {"sort_order": 5},
            }
        },
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["attribute_group_name"], renamed.json()["extension_attributes"]["sort_order"]) == (
        "Fit",
        "5",
    )
    # a sort order is digits (a minus first): other text is refused ("--5" was a 500) and invalid in the document
    for text in ("--5", "apply_products", "5 "):
        group = {
            "attribute_group_id": group_id,
            "attribute_group_name": "Fit",
            "extension_attributes": {"sort_order": text},
        }
        answer = api.send("PUT", f"{SETS}/{set_id}/groups", {"group": group})
        assert (answer.status_code, answer.json()["parameters"]) == (
            400,
            [text, "group.extension_attributes.sort_order"],
        ), answer.text
        assert not api.documented("PUT", f"{SETS}/{{attributeSetId}}/groups", {"group": group}), text
    sorted_group = {"attribute_group_id": group_id, "extension_attributes": {"sort_order": "-12"}}
    assert api.documented("PUT", f"{SETS}/{{attributeSetId}}/groups", {"group": sorted_group})
    other_set = api.send(
        "PUT", f"{SETS}/4/groups", {"group": {"attribute_group_id": group_id, "attribute_group_name": "X"}}
    )
    assert other_set.json()["message"] == "The attribute group doesn't belong to the provided attribute set."

    api.send(
        "POST",
        "/rest/V1/products/attributes",
        {"attribute": {"attribute_code": "heel", "default_frontend_label": "Heel"}},
    )
    assigned = api.send(
        "POST",
        f"{SETS}/attributes",
        {"attributeSetId": set_id, "attributeGroupId": int(group_id), "attributeCode": "heel", "sortOrder": 1},
    )
    assert assigned.status_code == 200, assigned.text
    assert isinstance(assigned.json(), int)
    assert "heel" in [a["attribute_code"] for a in api.get(f"{SETS}/{set_id}/attributes").json()]
    assert "heel" not in [a["attribute_code"] for a in api.get(f"{SETS}/4/attributes").json()]
    wrong_group = api.send(
        "POST",
        f"{SETS}/attributes",
        {"attributeSetId": 4, "attributeGroupId": int(group_id), "attributeCode": "heel", "sortOrder": 1},
    )
    assert wrong_group.json()["message"] == "The attribute group doesn't belong to the attribute set."
    system = api.send("DELETE", f"{SETS}/{set_id}/attributes/sku")
    assert (system.status_code, system.json()["message"]) == (400, "The system attribute can't be deleted.")
    assert api.send("DELETE", f"{SETS}/{set_id}/attributes/heel").json() is True
    absent = api.send("DELETE", f"{SETS}/{set_id}/attributes/heel")
    assert absent.json()["parameters"] == ["heel", str(set_id)]

    # a group with system attributes stays; an empty one goes
    details = api.send("DELETE", f"{SETS}/groups/{first['attribute_group_id']}")
    assert details.json()["message"] == "The attribute group can't be deleted because it contains system attributes."
    assert api.send("DELETE", f"{SETS}/groups/{group_id}").json() is True
    assert api.send("DELETE", f"{SETS}/groups/{group_id}").json() == {
        "message": 'Group with id "%1" does not exist.',
        "parameters": [group_id],
    }

    # update, search, delete
    updated = api.send("PUT", f"{SETS}/{set_id}", {"attributeSet": {"attribute_set_name": "Footwear"}})
    assert (updated.status_code, updated.json()["attribute_set_name"], updated.json()["sort_order"]) == (
        200,
        "Footwear",
        3,
    )
    listed = api.get(
        f"{SETS}/sets/list?"
        + search(
            **{
                "[filter_groups][0][filters][0][field]": "attribute_set_name",
                "[filter_groups][0][filters][0][value]": "foot%",
                "[filter_groups][0][filters][0][condition_type]": "like",
            }
        )
    ).json()
    assert (listed["total_count"], [s["attribute_set_id"] for s in listed["items"]]) == (1, [set_id])
    everything = api.get(f"{SETS}/sets/list?searchCriteria[pageSize]=10").json()
    assert {s["entity_type_id"] for s in everything["items"]} == {4}  # products only; the category set is Eav's
    assert api.send("DELETE", f"{SETS}/{set_id}").json() is True
    assert api.get(f"{SETS}/{set_id}").json() == {
        "message": "No such entity with %1 = %2",
        "parameters": ["id", str(set_id)],
    }


def test_set_errors_and_the_eav_routes(api: Harness) -> None:
    default = api.send("DELETE", f"{SETS}/4")
    assert (default.status_code, default.json()["message"]) == (400, "The default attribute set can't be deleted.")
    category_set = api.get(f"{SETS}/3")
    assert category_set.json()["message"] == "Provided Attribute set non product Attribute set."
    duplicate = api.send("POST", SETS, {"attributeSet": {"attribute_set_name": "Default"}, "skeletonId": 4})
    assert duplicate.json() == {
        "message": 'A "%1" attribute set name already exists. Create a new name and try again.',
        "parameters": ["Default"],
    }
    empty = api.send("POST", SETS, {"attributeSet": {"attribute_set_name": " "}, "skeletonId": 4})
    assert empty.json()["message"] == "The attribute set name is empty. Enter the name and try again."
    no_skeleton = api.send("POST", SETS, {"attributeSet": {"attribute_set_name": "A"}})
    assert (no_skeleton.status_code, no_skeleton.json()["parameters"]) == (400, ["skeletonId"])
    unknown_skeleton = api.send("POST", SETS, {"attributeSet": {"attribute_set_name": "A"}, "skeletonId": 999})
    assert unknown_skeleton.status_code == 404
    with_id = {"attributeSet": {"attribute_set_id": 53409, "attribute_set_name": "A"}, "skeletonId": 4}
    given_id = api.send("POST", SETS, with_id)
    assert (given_id.status_code, given_id.json()["parameters"]) == (400, ["53409", "id"])  # Magento's: no id
    zero = api.send("POST", SETS, {"attributeSet": {"attribute_set_name": "A"}, "skeletonId": 0})
    assert (zero.status_code, zero.json()["parameters"]) == (400, ["0", "skeletonId"])
    # what the server refuses as invalid the document calls invalid; a taken name is a refusal it lists
    for invalid in (
        with_id,
        {"attributeSet": {"attribute_set_name": " "}, "skeletonId": 4},
        {"attributeSet": {"attribute_set_name": "A"}, "skeletonId": 0},
        {"attributeSet": {}, "skeletonId": 4},
    ):
        assert not api.documented("POST", SETS, invalid), invalid
        assert not api.documented("POST", EAV, {"entityTypeCode": "catalog_product", **invalid}), invalid
    assert api.documented("POST", SETS, {"attributeSet": {"attribute_set_name": "Default"}, "skeletonId": 4})
    listed = api.client.get("/openapi.json").json()["paths"][SETS]["post"]["x-conveyor-refusals"]["400"]
    assert duplicate.json()["message"] in listed
    assert api.get(f"{SETS}/abc").status_code == 400

    # a set products still use stays (Magento would delete the products with it; Conveyor refuses)
    used = api.send("POST", SETS, {"attributeSet": {"attribute_set_name": "Used"}, "skeletonId": 4}).json()
    made_product = api.send(
        "POST",
        "/rest/V1/products",
        {"product": {"sku": "in-set", "name": "In Set", "price": 1, "attribute_set_id": used["attribute_set_id"]}},
    )
    assert made_product.status_code == 200, made_product.text
    in_use = api.send("DELETE", f"{SETS}/{used['attribute_set_id']}")
    assert (in_use.status_code, in_use.json()["message"]) == (400, "The attribute set couldn't be deleted.")
    assert api.get(f"{SETS}/{used['attribute_set_id']}").status_code == 200

    # Eav: any entity type, the type named on create
    made = api.send(
        "POST",
        EAV,
        {"entityTypeCode": "catalog_category", "attributeSet": {"attribute_set_name": "Landing"}, "skeletonId": 3},
    )
    assert made.status_code == 200, made.text
    landing = made.json()
    assert (landing["entity_type_id"], landing["attribute_set_name"]) == (3, "Landing")
    assert api.get(f"{EAV}/{landing['attribute_set_id']}").json() == landing
    mismatch = api.send(
        "POST", EAV, {"entityTypeCode": "catalog_product", "attributeSet": {"attribute_set_name": "X"}, "skeletonId": 3}
    )
    assert mismatch.json()["parameters"] == ["3", "skeletonId"]
    bogus = api.send(
        "POST", EAV, {"entityTypeCode": "bogus", "attributeSet": {"attribute_set_name": "X"}, "skeletonId": 3}
    )
    assert bogus.json() == {"message": "Invalid entity_type specified: %1", "parameters": ["bogus"]}
    both = api.get(f"{EAV}/list?" + search(**{"[sortOrders][0][field]": "entity_type_id"})).json()
    assert [s["entity_type_id"] for s in both["items"]] == [3, 3, 4, 4] and both["total_count"] == 4
    by_type = api.get(
        f"{EAV}/list?"
        + search(
            **{
                "[filter_groups][0][filters][0][field]": "entity_type_code",
                "[filter_groups][0][filters][0][value]": "catalog_category",
                "[pageSize]": "1",
                "[currentPage]": "2",
            }
        )
    ).json()
    assert (by_type["total_count"], [s["attribute_set_name"] for s in by_type["items"]]) == (2, ["Landing"])
    renamed = api.send("PUT", f"{EAV}/{landing['attribute_set_id']}", {"attributeSet": {"attribute_set_name": "Promo"}})
    assert renamed.json()["attribute_set_name"] == "Promo"
    assert api.send("DELETE", f"{EAV}/{landing['attribute_set_id']}").json() is True
    assert api.send("DELETE", f"{EAV}/3").json()["message"] == "The default attribute set can't be deleted."
    assert api.get(f"{EAV}/{landing['attribute_set_id']}").status_code == 404

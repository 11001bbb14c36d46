"""Product and category attributes through the REST API as a Magento client calls them: create, read back,
search with filters and paging, update, options per store view, is-filterable, delete, and Magento's errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tests.integration.api.harness import Harness, api, sqlite_api
from tests.integration.catalog.product_fixtures import add_store_view

__all__ = ["api", "sqlite_api"]

BASE = "/rest/V1/products/attributes"
ATTRIBUTE_KEYS = [
    "is_wysiwyg_enabled",
    "is_html_allowed_on_front",
    "used_for_sort_by",
    "is_filterable",
    "is_filterable_in_search",
    "is_used_in_grid",
    "is_visible_in_grid",
    "is_filterable_in_grid",
    "position",
    "apply_to",
    "is_searchable",
    "is_visible_in_advanced_search",
    "is_comparable",
    "is_used_for_promo_rules",
    "is_visible_on_front",
    "used_in_product_listing",
    "is_visible",
    "scope",
    "attribute_id",
    "attribute_code",
    "frontend_input",
    "entity_type_id",
    "is_required",
    "options",
    "is_user_defined",
    "default_frontend_label",
    "frontend_labels",
    "backend_type",
    "source_model",
    "default_value",
    "is_unique",
    "validation_rules",
]


def search(**criteria: Any) -> str:
    return urlencode({f"searchCriteria{k}": v for k, v in criteria.items()})


def test_attribute_create_read_search_update_delete(api: Harness) -> None:
    with api.engine.begin() as conn:
        add_store_view(conn, 2, "de")
    body = {
        "attribute": {
            "attribute_code": "fabric",
            "frontend_input": "select",
            "default_frontend_label": "Fabric",
            "frontend_labels": [{"store_id": 2, "label": "Stoff"}],
            "scope": "global",
            "is_required": False,
            "is_filterable": True,
            "is_searchable": "1",
            "is_used_in_grid": True,
            "backend_type": "varchar",  # ignored: the input type decides
            "options": [
                {"label": "Cotton", "sort_order": 1, "store_labels": [{"store_id": 2, "label": "Baumwolle"}]},
                {"label": "Wool", "sort_order": 2, "is_default": True},
            ],
        }
    }
    created = api.send("POST", BASE, body)
    assert created.status_code == 200, created.text
    attribute = created.json()
    assert list(attribute) == [k for k in ATTRIBUTE_KEYS if k in attribute] and set(ATTRIBUTE_KEYS) <= set(attribute)
    assert {k: attribute[k] for k in ("attribute_code", "frontend_input", "backend_type", "scope")} == {
        "attribute_code": "fabric",
        "frontend_input": "select",
        "backend_type": "int",
        "scope": "global",
    }
    assert (attribute["entity_type_id"], attribute["is_searchable"], attribute["is_comparable"]) == ("4", "1", "0")
    assert (attribute["is_filterable"], attribute["is_used_in_grid"], attribute["is_user_defined"]) == (True,) * 3
    assert attribute["source_model"] == "Magento\\Eav\\Model\\Entity\\Attribute\\Source\\Table"
    assert attribute["frontend_labels"] == [{"store_id": 2, "label": "Stoff"}]
    options = attribute["options"]
    assert [o["label"] for o in options] == [" ", "Cotton", "Wool"] and options[0]["value"] == ""
    wool = options[2]["value"]
    assert attribute["default_value"] == wool

    assert api.get(f"{BASE}/fabric").json() == attribute
    # the store view sees its option labels; the admin scope sees the admin ones
    assert [o["label"] for o in api.get("/rest/de/V1/products/attributes/fabric/options").json()] == [
        " ",
        "Baumwolle",
        "Wool",
    ]
    assert api.get("/rest/all/V1/products/attributes/fabric/options").json()[1] == {
        "label": "Cotton",
        "value": options[1]["value"],
    }

    # a code made from the label, and search with filters, sorting and paging
    made = api.send("POST", BASE, {"attribute": {"default_frontend_label": "Care Notes", "frontend_input": "text"}})
    assert (made.status_code, made.json()["attribute_code"], made.json()["backend_type"]) == (
        200,
        "care_notes",
        "varchar",
    )
    query = search(
        **{
            "[filter_groups][0][filters][0][field]": "is_user_defined",
            "[filter_groups][0][filters][0][value]": "1",
            "[filter_groups][1][filters][0][field]": "attribute_code",
            "[filter_groups][1][filters][0][value]": "fabric,care_notes,sku",
            "[filter_groups][1][filters][0][condition_type]": "in",
            "[sortOrders][0][field]": "attribute_code",
            "[sortOrders][0][direction]": "ASC",
            "[pageSize]": "1",
            "[currentPage]": "2",
        }
    )
    page = api.get(f"{BASE}?{query}")
    assert page.status_code == 200, page.text
    found = page.json()
    assert (found["total_count"], [i["attribute_code"] for i in found["items"]]) == (2, ["fabric"])
    assert found["search_criteria"]["page_size"] == 1
    selects = api.get(
        f"{BASE}?"
        + search(
            **{
                "[filter_groups][0][filters][0][field]": "frontend_input",
                "[filter_groups][0][filters][0][value]": "select",
                "[filter_groups][1][filters][0][field]": "attribute_code",
                "[filter_groups][1][filters][0][value]": "%stat%",
                "[filter_groups][1][filters][0][condition_type]": "like",
            }
        )
    ).json()
    status = selects["items"][0]
    assert [i["attribute_code"] for i in selects["items"]] == ["status"]
    assert status["options"] == [{"label": "Enabled", "value": "1"}, {"label": "Disabled", "value": "2"}]
    assert status["is_user_defined"] is False

    # update merges; code and input type stay
    updated = api.send(
        "PUT",
        f"{BASE}/fabric",
        {"attribute": {"default_frontend_label": "Material", "frontend_input": "text", "is_comparable": True}},
    )
    assert updated.status_code == 200, updated.text
    after = updated.json()
    assert (after["default_frontend_label"], after["frontend_input"], after["is_comparable"]) == (
        "Material",
        "select",
        "1",
    )
    assert after["frontend_labels"] == [{"store_id": 2, "label": "Stoff"}] and after["is_filterable"] is True

    # what a client read back, blank entry included, plus a new option: nothing is lost, the default stays
    sent_back = [*after["options"][:2], {"label": "Linen"}]
    merged = api.send("PUT", f"{BASE}/fabric", {"attribute": {"options": sent_back}})
    assert merged.status_code == 200, merged.text
    assert [o["label"] for o in merged.json()["options"]] == [" ", "Cotton", "Wool", "Linen"]
    assert merged.json()["default_value"] == wool
    status_options = api.get(f"{BASE}/status").json()["options"]
    api.send("PUT", f"{BASE}/status", {"attribute": {"options": status_options}})  # a source model's stay fixed
    assert api.get(f"{BASE}/status").json()["options"] == status_options

    # is-filterable
    assert api.get(f"{BASE}/fabric/is-filterable").json() is True
    assert api.send("PUT", f"{BASE}/fabric/is-filterable/false").json() is False
    assert api.get(f"{BASE}/fabric/is-filterable").json() is False

    # delete: user attributes go, system ones stay
    assert api.send("DELETE", f"{BASE}/care_notes").json() is True
    assert api.get(f"{BASE}/care_notes").status_code == 404
    refused = api.send("DELETE", f"{BASE}/sku")
    assert (refused.status_code, refused.json()["message"]) == (400, "The system attribute can't be deleted.")


def test_options_add_update_delete(api: Harness) -> None:
    api.send(
        "POST",
        BASE,
        {"attribute": {"attribute_code": "tone", "frontend_input": "select", "default_frontend_label": "Tone"}},
    )
    added = api.send(
        "POST",
        f"{BASE}/tone/options",
        {"option": {"label": "Warm", "sort_order": 2, "store_labels": [{"store_id": 1, "label": "Warm EN"}]}},
    )
    assert added.status_code == 200, added.text
    warm = added.json()
    assert isinstance(warm, str) and warm.isdigit()
    cold = api.send(
        "POST", f"{BASE}/tone/options", {"option": {"label": "Cold", "sort_order": 1, "is_default": True}}
    ).json()
    assert [(o["label"], o["value"]) for o in api.get(f"{BASE}/tone/options").json()] == [
        (" ", ""),
        ("Cold", cold),
        ("Warm EN", warm),
    ]
    assert api.get(f"{BASE}/tone").json()["default_value"] == cold
    taken = api.send("POST", f"{BASE}/tone/options", {"option": {"label": "warm"}})
    assert taken.json() == {
        "message": 'Admin store attribute option label "%1" is already exists.',
        "parameters": ["warm"],
    }
    empty = api.send("POST", f"{BASE}/tone/options", {"option": {"label": "  "}})
    assert (empty.status_code, empty.json()["message"]) == (
        400,
        "The attribute option label is empty. Enter the value and try again.",
    )
    not_select = api.send("POST", f"{BASE}/sku/options", {"option": {"label": "x"}})
    assert not_select.json() == {"message": 'The "%1" attribute doesn\'t work with options.', "parameters": ["sku"]}

    relabelled = api.send("PUT", f"{BASE}/tone/options/{warm}", {"option": {"label": "Hot"}})
    assert (relabelled.status_code, relabelled.json()) == (200, True)
    assert [o["label"] for o in api.get("/rest/all/V1/products/attributes/tone/options").json()] == [" ", "Cold", "Hot"]
    clash = api.send("PUT", f"{BASE}/tone/options/{warm}", {"option": {"label": "Cold"}})
    assert clash.json()["message"] == "Admin store attribute option label '%1' is already exists."
    missing = api.send("PUT", f"{BASE}/tone/options/99999", {"option": {"label": "New"}})
    assert missing.status_code == 404  # Magento's NoSuchEntityException
    assert missing.json() == {
        "message": "The '%1' attribute doesn't include an option id '%2'.",
        "parameters": ["tone", "99999"],
    }

    assert api.send("DELETE", f"{BASE}/tone/options/{warm}").json() is True
    gone = api.send("DELETE", f"{BASE}/tone/options/{warm}")
    assert gone.status_code == 404
    assert [o["value"] for o in api.get(f"{BASE}/tone/options").json()] == ["", cold]


def test_types_media_types_category_attributes_and_errors(sqlite_api: Harness) -> None:
    api = sqlite_api
    # the admin label is a store 0 label that is not empty, wherever it comes (as the document's "contains" says)
    labels = [{"store_id": 0, "label": "Fabric"}, {"store_id": 0, "label": ""}]
    attribute = {"attribute_code": "fabric", "frontend_labels": labels}
    assert api.documented("POST", BASE, {"attribute": attribute})
    made = api.send("POST", BASE, {"attribute": attribute})
    assert made.status_code == 200 and made.json()["default_frontend_label"] == "Fabric", made.text
    types = api.get(f"{BASE}/types").json()
    assert {"value": "select", "label": "Dropdown"} in types and all(list(t) == ["value", "label"] for t in types)

    media = api.get("/rest/V1/products/media/types/Default")
    assert media.status_code == 200, media.text
    roles = {a["attribute_code"] for a in media.json()}
    assert {"image", "small_image", "thumbnail"} <= roles and all(
        a["frontend_input"] == "media_image" for a in media.json()
    )
    assert api.get("/rest/V1/products/media/types/Nope").json() == []

    category = api.get("/rest/V1/categories/attributes/is_active")
    assert category.status_code == 200, category.text
    assert (category.json()["entity_type_id"], category.json()["attribute_code"]) == ("3", "is_active")
    listed = api.get("/rest/V1/categories/attributes?" + search(**{"[pageSize]": "2"})).json()
    assert len(listed["items"]) == 2 and listed["total_count"] > 2
    assert api.get("/rest/V1/categories/attributes/is_active/options").status_code == 200
    assert api.get("/rest/V1/categories/attributes/nope").json() == {
        "message": 'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.',
        "parameters": ["nope"],
    }

    # the list route is no longer taken for a product sku (issue 14's gap)
    listing = api.get(f"{BASE}?searchCriteria[pageSize]=5")
    assert listing.status_code == 200 and len(listing.json()["items"]) == 5

    bad_code = api.send("POST", BASE, {"attribute": {"attribute_code": "9lives", "default_frontend_label": "L"}})
    assert bad_code.status_code == 400
    assert bad_code.json()["message"].startswith('Attribute code "%1" is invalid.')
    duplicate = api.send("POST", BASE, {"attribute": {"attribute_code": "name", "default_frontend_label": "N"}})
    assert (duplicate.status_code, duplicate.json()["parameters"]) == (400, ["name"])
    no_label = api.send("POST", BASE, {"attribute": {"attribute_code": "nolabel"}})
    assert no_label.json() == {"message": '"%1" is required. Enter and try again.', "parameters": ["frontend_label"]}
    bad_input = api.send(
        "POST", BASE, {"attribute": {"attribute_code": "x1", "frontend_input": "gizmo", "default_frontend_label": "X"}}
    )
    assert bad_input.json()["parameters"] == ["gizmo", "frontend_input"]
    no_store = api.send(
        "POST",
        BASE,
        {
            "attribute": {
                "attribute_code": "x2",
                "default_frontend_label": "X",
                "frontend_labels": [{"store_id": 99, "label": "Y"}],
            }
        },
    )
    assert (no_store.status_code, no_store.json()["parameters"]) == (400, ["store_id", "99"])
    bad_type = api.send(
        "POST", BASE, {"attribute": {"attribute_code": "x3", "default_frontend_label": "X", "apply_to": ["gizmo"]}}
    )
    assert bad_type.json()["parameters"] == ["gizmo", "apply_to"]
    api.send(
        "POST", BASE, {"attribute": {"attribute_code": "x4", "frontend_input": "select", "default_frontend_label": "X"}}
    )
    option_store = api.send(
        "POST", f"{BASE}/x4/options", {"option": {"label": "A", "store_labels": [{"store_id": 99, "label": "B"}]}}
    )
    assert (option_store.status_code, [o["label"] for o in api.get(f"{BASE}/x4/options").json()]) == (400, [" "])
    assert api.send("PUT", f"{BASE}/nope", {"attribute": {"default_frontend_label": "N"}}).status_code == 404
    assert api.send("PUT", f"{BASE}/name/is-filterable/maybe").status_code == 400


def test_options_in_bulk(sqlite_api: Harness) -> None:
    """The option writes are also served asynchronously and in bulk (Magento's byAttributeCode path)."""
    api = sqlite_api
    api.send(
        "POST",
        BASE,
        {"attribute": {"attribute_code": "finish", "frontend_input": "select", "default_frontend_label": "F"}},
    )
    accepted = api.send(
        "POST",
        "/rest/async/bulk/V1/products/attributes/byAttributeCode/options",
        [{"attributeCode": "finish", "option": {"label": label}} for label in ("Matte", "Gloss", "Matte")],
    )
    assert accepted.status_code == 202, accepted.text
    api.drain()
    assert [o["label"] for o in api.get(f"{BASE}/finish/options").json()] == [" ", "Matte", "Gloss"]
    detail = api.get(f"/rest/V1/bulk/{accepted.json()['bulk_uuid']}/detailed-status").json()
    assert [op["status"] for op in detail["operations_list"]] == [1, 1, 3]  # the repeated label fails alone

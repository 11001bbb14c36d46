"""Product saves as Magento makes them: a new product takes its set's defaults (select defaults included), only the
set's attributes are saved, and Magento's bulk payload for ``PUT /async/bulk/V1/products/bySku`` is accepted."""

from __future__ import annotations

from typing import Any

from conveyor.catalog.eav import AttributeRepository
from conveyor.catalog.eav.attributes import AttributeInput, AttributeOption
from tests.integration.api.harness import Harness

BASE = "/rest/V1/products"


def custom(product: dict[str, Any]) -> dict[str, Any]:
    return {item["attribute_code"]: item["value"] for item in product["custom_attributes"]}


def select_with_default(api: Harness, code: str) -> int:
    """The select attribute ``code`` with options Red and Blue, Blue its default; Blue's option id."""
    repository = AttributeRepository()
    with api.engine.begin() as conn:
        repository.save(
            conn,
            AttributeInput(
                attribute_code=code,
                frontend_input="select",
                scope="global",
                default_frontend_label=code.title(),
                options=[AttributeOption(label="Red"), AttributeOption(label="Blue", is_default=True)],
            ),
        )
        return repository.option_ids(conn, code, ["Blue"])["Blue"]


def test_a_new_product_takes_its_sets_select_defaults_and_only_its_sets_attributes(api: Harness) -> None:
    blue = select_with_default(api, "color")  # seeded in the Default set
    select_with_default(api, "shade")  # a new attribute in no set
    saved = api.send("POST", BASE, {"product": {"sku": "D-1", "name": "Plain", "price": 5}})
    assert saved.status_code == 200, saved.text
    values = custom(api.get(f"{BASE}/D-1").json())
    assert values["color"] == str(blue)
    assert "shade" not in values and "size" not in values  # no default: nothing stored

    outside = api.send(
        "PUT",
        f"{BASE}/D-1",
        {"product": {"custom_attributes": [{"attribute_code": "shade", "value": str(blue + 1)}]}},
    )
    assert outside.status_code == 200, outside.text
    assert "shade" not in custom(outside.json())  # Magento saves only the attributes of the product's set

    bulk = api.send("POST", "/rest/async/bulk/V1/products", [{"product": {"sku": "D-2", "name": "Bulk", "price": 6}}])
    assert bulk.status_code == 202, bulk.text
    assert [item["status"] for item in bulk.json()["request_items"]] == ["accepted"]
    api.drain()
    assert custom(api.get(f"{BASE}/D-2").json())["color"] == str(blue)


def test_bulk_put_by_sku_takes_magentos_documented_payload(api: Harness) -> None:
    for sku in ("B-1", "B-2"):
        assert api.send("POST", BASE, {"product": {"sku": sku, "name": sku, "price": 1}}).status_code == 200
    answer = api.send(
        "PUT",
        "/rest/async/bulk/V1/products/bySku",
        [
            {"product": {"sku": "B-1", "name": "Renamed one"}},
            {"sku": "B-2", "product": {"name": "Renamed two"}},
            {"product": {"name": "No sku anywhere"}},
        ],
    )
    assert answer.status_code == 202, answer.text
    items = answer.json()["request_items"]
    assert [item["status"] for item in items] == ["accepted", "accepted", "rejected"]
    assert items[2]["error_message"] == '"sku" is required. Enter and try again.'
    api.drain()
    assert api.get(f"{BASE}/B-1").json()["name"] == "Renamed one"
    assert api.get(f"{BASE}/B-2").json()["name"] == "Renamed two"


def test_url_keys_are_unique_per_store_and_visibility_is_checked(api: Harness) -> None:
    taken = {"message": "URL key for specified store already exists.", "parameters": []}
    first = api.send("POST", BASE, {"product": {"sku": "U-1", "name": "Joust Bag", "price": 1}})
    assert first.status_code == 200, first.text
    assert custom(first.json())["url_key"] == "joust-bag"
    same_name = api.send("POST", BASE, {"product": {"sku": "U-2", "name": "Joust Bag", "price": 1}})
    assert (same_name.status_code, same_name.json()) == (400, taken)
    keyed = {"attribute_code": "url_key", "value": "joust-bag-2"}
    second = api.send(
        "POST", BASE, {"product": {"sku": "U-2", "name": "Joust Bag", "price": 1, "custom_attributes": [keyed]}}
    )
    assert second.status_code == 200, second.text
    steal = {"product": {"custom_attributes": [{"attribute_code": "url_key", "value": "joust-bag"}]}}
    stolen = api.send("PUT", f"{BASE}/U-2", steal)
    assert (stolen.status_code, stolen.json()) == (400, taken)
    assert api.send("PUT", f"{BASE}/U-1", steal).status_code == 200  # its own key
    assert api.get(f"{BASE}/U-2").status_code == 200 and api.get(f"{BASE}/NOPE").status_code == 404
    for visibility in (0, 5):
        refused = api.send("POST", BASE, {"product": {"sku": "U-3", "name": "V", "price": 1, "visibility": visibility}})
        assert refused.status_code == 400, refused.text
        assert refused.json() == {
            "message": 'The "%1" attribute value is not valid: %2',
            "parameters": ["visibility", str(visibility)],
        }
    assert (
        api.send("POST", BASE, {"product": {"sku": "U-3", "name": "V", "price": 1, "visibility": 1}}).json()[
            "visibility"
        ]
        == 1
    )


def test_a_product_is_answered_with_magentos_default_fields(api: Harness) -> None:
    saved = api.send("POST", BASE, {"product": {"sku": "F-1", "name": "Fields", "price": 3}})
    assert saved.status_code == 200, saved.text
    product = api.get(f"{BASE}/F-1").json()
    assert product == saved.json()
    assert set(product) == {
        "id",
        "sku",
        "name",
        "attribute_set_id",
        "price",
        "status",
        "visibility",
        "type_id",
        "created_at",
        "updated_at",
        "extension_attributes",
        "product_links",
        "options",
        "media_gallery_entries",
        "tier_prices",
        "custom_attributes",
    }
    assert (product["product_links"], product["options"], product["media_gallery_entries"], product["tier_prices"]) == (
        [],
        [],
        [],
        [],
    )
    assert product["extension_attributes"] == {"website_ids": [1], "category_links": []}
    assert (product["attribute_set_id"], product["status"], product["visibility"], product["type_id"]) == (
        4,
        1,
        4,
        "simple",
    )

"""Configurable products through Magento's ``/V1/configurable-products`` routes, as a Magento client calls them,
on SQLite and PostgreSQL: options, children, variations, their shapes key by key and Magento's refusals."""

from __future__ import annotations

from typing import Any

from conveyor.api.operations import default_registry
from conveyor.catalog.eav import AttributeRepository
from tests.integration.api.composite_support import api, create, magento_routes
from tests.integration.api.harness import Harness
from tests.integration.catalog.product_fixtures import select_options

__all__ = ["api"]

BASE = "/rest/V1/configurable-products"


def message(answer: Any) -> tuple[int, Any]:
    return answer.status_code, answer.json()


def test_every_route_of_the_module_is_served_with_magentos_acl_resource() -> None:
    served = {(op.method, op.path): op.resource for op in default_registry()}
    routes = magento_routes("ConfigurableProduct")
    assert len(routes) == 9
    assert [(method, path, served.get((method, path))) for method, path, _ in routes] == routes


def test_options_and_children_round_trip(api: Harness) -> None:
    with api.engine.begin() as conn:
        colors = select_options(conn, "color", ["Red", "Blue"])
        sizes = select_options(conn, "size", ["S", "M"])
        color = AttributeRepository().get(conn, "color").attribute_id
        size = AttributeRepository().get(conn, "size").attribute_id

    def child(sku: str, **values: int) -> None:
        custom = [{"attribute_code": code, "value": value} for code, value in values.items()]
        create(api, sku, name=sku, visibility=1, custom_attributes=custom)

    child("MH01-Red", color=colors["Red"], size=sizes["S"])
    child("MH01-Blue", color=colors["Blue"], size=sizes["S"])
    child("MH01-Red-again", color=colors["Red"], size=sizes["M"])
    child("MH01-plain")
    parent = create(api, "MH01", name="Chaz Hoodie", type_id="configurable")

    # a first option: the option's id; it reads back in Magento's shape (attribute_id as text)
    sent = {"attribute_id": str(color), "label": "Color", "position": 0, "values": [{"value_index": colors["Red"]}]}
    added = api.send("POST", f"{BASE}/MH01/options", {"option": sent})
    assert added.status_code == 200, added.text
    option_id = added.json()
    assert isinstance(option_id, int)
    expected = {
        "id": option_id,
        "attribute_id": str(color),
        "label": "Color",
        "position": 0,
        "values": [],
        "product_id": parent["id"],
    }
    assert api.get(f"{BASE}/MH01/options/all").json() == [expected]

    # children: attached, listed as products, refused when already there, lacking a value or duplicating one
    assert message(api.send("POST", f"{BASE}/MH01/child", {"childSku": "MH01-Red"})) == (200, True)
    assert message(api.send("POST", f"{BASE}/MH01/child", {"childSku": "MH01-Blue"})) == (200, True)
    assert message(api.send("POST", f"{BASE}/MH01/child", {"childSku": "MH01-Red"})) == (
        400,
        {"message": "The product is already attached.", "parameters": []},
    )
    assert message(api.send("POST", f"{BASE}/MH01/child", {"childSku": "MH01-plain"})) == (
        400,
        {
            "message": 'The child product doesn\'t have the "%1" attribute value. Verify the value and try again.',
            "parameters": ["color"],
        },
    )
    duplicate = api.send("POST", f"{BASE}/MH01/child", {"childSku": "MH01-Red-again"})
    assert duplicate.status_code == 400
    assert duplicate.json()["message"] == 'Products "%1" and "%2" have the same set of attribute values.'
    children = api.get(f"{BASE}/MH01/children").json()
    assert [(c["sku"], c["type_id"], c["name"]) for c in children] == [
        ("MH01-Red", "simple", "MH01-Red"),
        ("MH01-Blue", "simple", "MH01-Blue"),
    ]
    assert {"color": str(colors["Red"]), "size": str(sizes["S"])}.items() <= {
        item["attribute_code"]: item["value"] for item in children[0]["custom_attributes"]
    }.items()
    assert api.get(f"{BASE}/MH01-Red/children").json() == []  # not configurable: no children, no error

    # update by the path's id (not the body's); a second option; read one back
    updated = api.send(
        "PUT", f"{BASE}/MH01/options/{option_id}", {"option": {"id": 1, "label": "Colour", "position": 2}}
    )
    assert message(updated) == (200, option_id)
    got = api.get(f"{BASE}/MH01/options/{option_id}").json()
    values = sorted([{"value_index": colors["Red"]}, {"value_index": colors["Blue"]}], key=lambda v: v["value_index"])
    assert got == {**expected, "label": "Colour", "position": 2, "values": values}
    assert message(api.get(f"{BASE}/MH01/options/99999")) == (
        404,
        {
            "message": 'The "%1" entity that was requested doesn\'t exist. Verify the entity and try again.',
            "parameters": ["99999"],
        },
    )

    # the product itself carries the options and the children's ids
    product = api.get("/rest/V1/products/MH01").json()
    extension = product["extension_attributes"]
    assert extension["configurable_product_options"] == [got]
    assert extension["configurable_product_links"] == [c["id"] for c in children]

    # removing a child, twice
    assert message(api.send("DELETE", f"{BASE}/MH01/children/MH01-Blue")) == (200, True)
    assert message(api.send("DELETE", f"{BASE}/MH01/children/MH01-Blue")) == (
        404,
        {"message": "The option that was requested doesn't exist. Verify the entity and try again.", "parameters": []},
    )
    assert [c["sku"] for c in api.get(f"{BASE}/MH01/children").json()] == ["MH01-Red"]

    # a second option by attribute; deleting an option takes the children with it
    size_option = {"attribute_id": size, "label": "Size", "position": 1, "values": [{"value_index": sizes["S"]}]}
    size_id = api.send("POST", f"{BASE}/MH01/options", {"option": size_option}).json()
    assert [o["attribute_id"] for o in api.get(f"{BASE}/MH01/options/all").json()] == [str(size), str(color)]
    assert message(api.send("DELETE", f"{BASE}/MH01/options/{size_id}")) == (200, True)
    assert [o["id"] for o in api.get(f"{BASE}/MH01/options/all").json()] == [option_id]
    assert api.get(f"{BASE}/MH01/children").json() == []
    assert message(api.send("DELETE", f"{BASE}/MH01/options/{size_id}"))[0] == 404


def test_a_first_option_makes_a_simple_product_configurable_and_bad_options_are_refused(api: Harness) -> None:
    with api.engine.begin() as conn:
        colors = select_options(conn, "color", ["Red"])
        color = AttributeRepository().get(conn, "color").attribute_id
        local = select_options(conn, "fabric", ["Wool"], scope="store")
        fabric = AttributeRepository().get(conn, "fabric").attribute_id
    create(api, "TEE")
    create(api, "KIT", type_id="bundle")
    assert message(api.get(f"{BASE}/TEE/options/all")) == (
        400,
        {"message": 'This is implemented for the "%1" configurable product only.', "parameters": ["TEE"]},
    )
    option = {"attribute_id": str(color), "label": "Color", "values": [{"value_index": colors["Red"]}]}
    assert api.send("POST", f"{BASE}/TEE/options", {"option": option}).status_code == 200
    assert api.get("/rest/V1/products/TEE").json()["type_id"] == "configurable"
    refusals = [
        ("TEE", {**option, "label": ""}, "Option label is not specified."),
        ("TEE", {**option, "values": []}, "Option values are not specified."),
        ("TEE", {"label": "x", "values": [{"value_index": 1}]}, "Option attribute ID is not specified."),
        ("KIT", option, "Incompatible product type"),
    ]
    for sku, sent, text in refusals:
        assert message(api.send("POST", f"{BASE}/{sku}/options", {"option": sent})) == (
            400,
            {"message": text, "parameters": []},
        )
    assert message(api.send("POST", f"{BASE}/TEE/options", {"option": {"values": [{}]}})) == (
        400,
        {
            "message": "Option attribute ID is not specified.",
            "parameters": [],
            "errors": [
                {"message": "Option label is not specified.", "parameters": []},
                {"message": "Value index is not specified for an option.", "parameters": []},
            ],
        },
    )
    not_global = {"attribute_id": str(fabric), "label": "Fabric", "values": [{"value_index": local["Wool"]}]}
    assert api.send("POST", f"{BASE}/TEE/options", {"option": not_global}).status_code == 400
    unknown = api.send("POST", f"{BASE}/NOPE/options", {"option": option})
    assert unknown.status_code == 404
    assert message(api.send("POST", f"{BASE}/TEE/options", {"option": {**option, "attribute_id": "9x"}})) == (
        400,
        {"message": 'Invalid value of "%1" provided for the %2 field.', "parameters": ["9x", "option.attribute_id"]},
    )
    assert message(api.send("PUT", f"{BASE}/TEE/options/777", {"option": {"label": "x"}})) == (
        404,
        {"message": 'Option with id "%1" not found', "parameters": ["777"]},
    )


def test_variations_are_generated_not_saved(api: Harness) -> None:
    with api.engine.begin() as conn:
        colors = select_options(conn, "color", ["Red", "Blue", "Green"])
        sizes = select_options(conn, "size", ["S"])
        color = AttributeRepository().get(conn, "color").attribute_id
        size = AttributeRepository().get(conn, "size").attribute_id
    body = {
        "product": {"sku": "TEE", "name": "Tee", "price": 12.5, "attribute_set_id": 4, "type_id": "simple"},
        "options": [
            {"attribute_id": str(color), "values": [{"value_index": colors["Blue"]}, {"value_index": colors["Red"]}]},
            {"attribute_id": size, "values": [{"value_index": sizes["S"]}, {"value_index": 987654}]},
        ],
    }
    answer = api.send("PUT", f"{BASE}/variation", body)
    assert answer.status_code == 200, answer.text
    red, blue, small = colors["Red"], colors["Blue"], sizes["S"]
    assert answer.json() == [
        {
            "sku": f"TEE-{value}-{small}",
            "name": f"Tee-{value}-{small}",
            "attribute_set_id": 4,
            "price": 12.5,
            "visibility": 1,
            "type_id": "simple",
            "custom_attributes": [
                {"attribute_code": "color", "value": str(value)},
                {"attribute_code": "size", "value": str(small)},
            ],
        }
        for value in sorted([red, blue])
    ]
    assert api.get("/rest/V1/products/TEE").status_code == 404
    missing = api.send("PUT", f"{BASE}/variation", {**body, "options": [{"attribute_id": "99999", "values": []}]})
    assert missing.status_code == 404


def test_a_child_attached_asynchronously(api: Harness) -> None:
    with api.engine.begin() as conn:
        colors = select_options(conn, "color", ["Red"])
        color = AttributeRepository().get(conn, "color").attribute_id
    create(api, "MJ-Red", custom_attributes=[{"attribute_code": "color", "value": colors["Red"]}])
    create(api, "MJ", type_id="configurable")
    option = {"attribute_id": str(color), "label": "Color", "values": [{"value_index": colors["Red"]}]}
    assert api.send("POST", f"{BASE}/MJ/options", {"option": option}).status_code == 200
    accepted = api.send(
        "POST", "/rest/async/bulk/V1/configurable-products/bySku/child", [{"sku": "MJ", "childSku": "MJ-Red"}]
    )
    assert accepted.status_code == 202, accepted.text
    api.drain()
    assert [c["sku"] for c in api.get(f"{BASE}/MJ/children").json()] == ["MJ-Red"]

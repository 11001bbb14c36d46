"""Bundle products through Magento's ``/V1/bundle-products`` routes, as a Magento client calls them, on SQLite and
PostgreSQL: options, selections, option types, their shapes key by key and Magento's refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conveyor.api.operations import default_registry
from conveyor.catalog.events import PRODUCT_SAVED
from tests.integration.api.composite_support import api, composite_side, create, magento_routes
from tests.integration.api.harness import Harness, harness
from tests.integration.catalog.product_fixtures import add_store_view

__all__ = ["api"]

BASE = "/rest/V1/bundle-products"
NOT_FOUND = "The option that was requested doesn't exist. Verify the entity and try again."


def message(answer: Any) -> tuple[int, Any]:
    return answer.status_code, answer.json()


def test_every_route_of_the_module_is_served_with_magentos_acl_resource() -> None:
    served = {(op.method, op.path): op.resource for op in default_registry()}
    routes = magento_routes("Bundle")
    assert len(routes) == 10
    assert [(method, path, served.get((method, path))) for method, path, _ in routes] == routes


def test_options_and_selections_round_trip(api: Harness) -> None:
    for sku in ("S1", "S2", "S3"):
        create(api, sku)
    create(api, "CONF", type_id="configurable")
    fixed = [{"attribute_code": "price_type", "value": "1"}]
    bundle = create(api, "KIT", type_id="bundle", custom_attributes=fixed)

    # an option with one selection; the option's id; it reads back in Magento's shape
    link = {"sku": "S1", "qty": 2, "price": 5, "price_type": 0, "is_default": True, "can_change_quantity": 1}
    sent = {"sku": "KIT", "title": "Pick", "type": "radio", "required": True, "position": 1, "product_links": [link]}
    added = api.send("POST", f"{BASE}/options/add", {"option": sent})
    assert added.status_code == 200, added.text
    option_id = added.json()
    assert isinstance(option_id, int)
    (first,) = api.get(f"{BASE}/KIT/children").json()
    assert first == {
        "id": first["id"],
        "sku": "S1",
        "option_id": option_id,
        "qty": 2.0,
        "position": 0,
        "is_default": True,
        "price": 5.0,
        "price_type": 0,
        "can_change_quantity": 1,
    }
    assert first["id"].isdigit()  # Magento's link ids are text
    expected = {
        "option_id": option_id,
        "title": "Pick",
        "required": True,
        "type": "radio",
        "position": 1,
        "sku": "KIT",
        "product_links": [first],
    }
    assert api.get(f"{BASE}/KIT/options/{option_id}").json() == expected
    assert api.get(f"{BASE}/KIT/options/all").json() == [expected]

    # a selection added to the option: its id; refused twice, composite, or for another product's option
    second = api.send("POST", f"{BASE}/KIT/links/{option_id}", {"linkedProduct": {"sku": "S2", "qty": 1}})
    assert second.status_code == 200, second.text
    link_id = second.json()
    assert isinstance(link_id, int)
    refusals = [
        ("KIT", option_id, "S2", 'Child with specified sku: "%1" already assigned to product: "%2"', ["S2", "KIT"]),
        ("KIT", option_id, "CONF", "The bundle product can't contain another composite product.", []),
        ("KIT", 99999, "S3", 'Product with specified sku: "%1" does not contain option: "%2"', ["KIT", "99999"]),
        ("S1", option_id, "S3", 'The product with the "%1" SKU isn\'t a bundle product.', ["S1"]),
    ]
    for sku, option, child, text, parameters in refusals:
        answer = api.send("POST", f"{BASE}/{sku}/links/{option}", {"linkedProduct": {"sku": child}})
        assert message(answer) == (400, {"message": text, "parameters": parameters})
    assert api.send("POST", f"{BASE}/KIT/links/{option_id}", {"linkedProduct": {"sku": "NOPE"}}).status_code == 404

    # a selection updated by the path's id: the fields given change, the others stay
    changed = {"id": "1", "sku": "S3", "qty": 3, "position": 4}
    assert message(api.send("PUT", f"{BASE}/KIT/links/{link_id}", {"linkedProduct": changed})) == (200, True)
    children = api.get(f"{BASE}/KIT/children").json()
    assert [(c["id"], c["sku"], c["qty"], c["position"], c["is_default"]) for c in children] == [
        (first["id"], "S1", 2.0, 0, True),
        (str(link_id), "S3", 3.0, 4, False),
    ]
    assert api.get(f"{BASE}/KIT/children?optionId={option_id}").json() == children
    assert message(api.send("PUT", f"{BASE}/KIT/links/99999", {"linkedProduct": {"sku": "S3"}})) == (
        400,
        {
            "message": 'The product link with the "%1" ID field wasn\'t found. Verify the ID and try again.',
            "parameters": ["99999"],
        },
    )

    # the option updated by the path's id: the title changes, selections stay when not given
    updated = api.send(
        "PUT", f"{BASE}/options/{option_id}", {"option": {"sku": "KIT", "title": "Choose", "option_id": 1}}
    )
    assert message(updated) == (200, option_id)
    again = api.get(f"{BASE}/KIT/options/{option_id}").json()
    assert (again["title"], again["type"], len(again["product_links"])) == ("Choose", "radio", 2)

    # the product carries its options as Magento returns them by default
    product = api.get("/rest/V1/products/KIT").json()
    assert product["id"] == bundle["id"]
    unpriced = {key: value for key, value in children[1].items() if key != "price"}  # a selection price of 0
    assert product["extension_attributes"]["bundle_product_options"] == [
        {**again, "product_links": [children[0], unpriced]}
    ]

    # a selection removed, twice; given product_links replace the option's
    assert message(api.send("DELETE", f"{BASE}/KIT/options/{option_id}/children/s3")) == (200, True)
    assert message(api.send("DELETE", f"{BASE}/KIT/options/{option_id}/children/S3")) == (
        404,
        {"message": "The bundle product doesn't exist. Review your request and try again.", "parameters": []},
    )
    links = [{"id": first["id"], "sku": "S1", "qty": 5}, {"sku": "S2"}]
    assert api.send(
        "PUT", f"{BASE}/options/{option_id}", {"option": {"sku": "KIT", "product_links": links}}
    ).json() == (option_id)
    assert [(c["sku"], c["qty"]) for c in api.get(f"{BASE}/KIT/children").json()] == [("S1", 5.0), ("S2", 1.0)]

    # deleting the option takes its selections; the bundle has none left
    assert message(api.send("DELETE", f"{BASE}/KIT/options/{option_id}")) == (200, True)
    assert api.get(f"{BASE}/KIT/options/all").json() == []
    assert api.get(f"{BASE}/KIT/children").json() == []
    assert message(api.get(f"{BASE}/KIT/options/{option_id}")) == (404, {"message": NOT_FOUND, "parameters": []})


def test_a_dynamic_price_bundle_shows_no_selection_prices_and_others_are_refused(api: Harness) -> None:
    create(api, "S1")
    create(api, "DYN", type_id="bundle")
    sent = {"sku": "DYN", "title": "Any", "product_links": [{"sku": "S1", "price": 3}]}
    option_id = api.send("POST", f"{BASE}/options/add", {"option": sent}).json()
    assert api.get(f"{BASE}/DYN/options/{option_id}").json() == {
        "option_id": option_id,
        "title": "Any",
        "required": False,
        "type": "select",
        "position": 0,
        "sku": "DYN",
        "product_links": [
            {
                "id": api.get(f"{BASE}/DYN/children").json()[0]["id"],
                "sku": "S1",
                "option_id": option_id,
                "qty": 1.0,
                "position": 0,
                "is_default": False,
                "can_change_quantity": 0,
            }
        ],
    }
    # the product's own payload shows a selection's price when it has one, its type only at a fixed price
    (option,) = api.get("/rest/V1/products/DYN").json()["extension_attributes"]["bundle_product_options"]
    assert [(link["sku"], link["price"], "price_type" in link) for link in option["product_links"]] == [
        ("S1", 3.0, False)
    ]
    only = {"message": "This is implemented for bundle products only.", "parameters": []}
    assert message(api.get(f"{BASE}/S1/children")) == (400, only)
    assert message(api.get(f"{BASE}/S1/options/all")) == (400, only)
    assert message(api.send("POST", f"{BASE}/options/add", {"option": {"sku": "S1", "title": "x"}})) == (400, only)
    assert message(api.send("POST", f"{BASE}/options/add", {"option": {"sku": "DYN"}})) == (
        400,
        {"message": '"%1" is required. Enter and try again.', "parameters": ["title"]},
    )
    assert api.get(f"{BASE}/NOPE/options/all").status_code == 404
    assert message(api.get(f"{BASE}/DYN/children?optionId=x")) == (
        400,
        {"message": 'Invalid value of "%1" provided for the %2 field.', "parameters": ["x", "optionId"]},
    )
    assert message(api.send("DELETE", f"{BASE}/DYN/options/99999")) == (200, True)  # as Magento: no error


def test_option_types(api: Harness) -> None:
    assert api.get(f"{BASE}/options/types").json() == [
        {"label": "Drop-down", "code": "select"},
        {"label": "Radio Buttons", "code": "radio"},
        {"label": "Checkbox", "code": "checkbox"},
        {"label": "Multiple Select", "code": "multi"},
    ]


TOPOLOGY = """
exchanges:
  - name: magento
    bindings:
      - {id: product-events, topic: "catalog.product.#", destination: erp.events}
queues: [erp.events]
"""


def test_a_selection_added_emits_the_bundles_saved_event_and_a_refused_one_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    topology = tmp_path / "events.yaml"
    topology.write_text(TOPOLOGY)
    with harness(sqlite_url, registry=composite_side(), topology_files=[topology]) as events_api:
        create(events_api, "S1")
        kit = create(events_api, "KIT", type_id="bundle")
        option_id = events_api.send("POST", f"{BASE}/options/add", {"option": {"sku": "KIT", "title": "A"}}).json()
        transport = events_api.mq.transport_for_queue("erp.events")

        def published() -> list[tuple[str, Any]]:
            deliveries = transport.reserve("erp.events", 100, "test")
            for delivery in deliveries:
                transport.ack(delivery)
            return [(d.envelope.topic, d.envelope.json()) for d in deliveries]

        published()
        added = events_api.send("POST", f"{BASE}/KIT/links/{option_id}", {"linkedProduct": {"sku": "S1"}})
        assert added.status_code == 200
        saved = {"sku": "KIT", "entity_id": kit["id"], "store_id": 0, "new": False}
        assert published() == [(PRODUCT_SAVED, saved)]
        again = events_api.send("POST", f"{BASE}/KIT/links/{option_id}", {"linkedProduct": {"sku": "S1"}})
        assert again.status_code == 400
        assert published() == []


def test_an_option_title_saved_through_a_store_view_is_that_views(api: Harness) -> None:
    with api.engine.begin() as conn:
        add_store_view(conn, 2, "de")
    create(api, "S1")
    create(api, "KIT", type_id="bundle")
    option = {"sku": "KIT", "title": "Choose", "product_links": [{"sku": "S1"}]}
    option_id = api.send("POST", f"{BASE}/options/add", {"option": option}).json()
    renamed = api.send(
        "PUT", f"/rest/de/V1/bundle-products/options/{option_id}", {"option": {"sku": "KIT", "title": "Wahl"}}
    )
    assert message(renamed) == (200, option_id)
    assert api.get(f"/rest/de/V1/bundle-products/KIT/options/{option_id}").json()["title"] == "Wahl"
    assert api.get(f"/rest/all/V1/bundle-products/KIT/options/{option_id}").json()["title"] == "Choose"
    assert [o["title"] for o in api.get("/rest/all/V1/bundle-products/KIT/options/all").json()] == ["Choose"]

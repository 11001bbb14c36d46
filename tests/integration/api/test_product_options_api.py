"""A product's custom options as a Magento client uses them: the type list, create, read back (also in the
product), update, delete, errors, and options given in the product payload itself."""

from __future__ import annotations

from typing import Any

from tests.integration.api.harness import Harness

BASE = "/rest/V1/products"


def test_options_are_created_read_updated_and_deleted(api: Harness) -> None:
    assert api.send("POST", BASE, {"product": {"sku": "O-1", "name": "Mug", "price": 5}}).status_code == 200
    types = api.get(f"{BASE}/options/types").json()
    assert types[0] == {"label": "Field", "code": "field", "group": "Text"}
    assert {"label": "Drop-down", "code": "drop_down", "group": "Select"} in types and len(types) == 10

    engraving = {
        "product_sku": "O-1",
        "title": "Engraving",
        "type": "field",
        "sort_order": 1,
        "is_require": False,
        "price": 2.5,
        "price_type": "fixed",
        "sku": "engr",
        "max_characters": 20,
    }
    created = api.send("POST", f"{BASE}/options", {"option": engraving})
    assert created.status_code == 200, created.text
    field_id = created.json()["option_id"]
    assert created.json() == {**engraving, "option_id": field_id}
    colour = {
        "product_sku": "O-1",
        "title": "Colour",
        "type": "drop_down",
        "sort_order": 2,
        "is_require": True,
        "values": [
            {"title": "Red", "sort_order": 1, "price": 0, "price_type": "fixed", "sku": "red"},
            {"title": "Gold", "sort_order": 2, "price": 10, "price_type": "percent", "sku": "gold"},
        ],
    }
    select = api.send("POST", f"{BASE}/options", {"option": colour}).json()
    select_id = select["option_id"]
    assert [v["title"] for v in select["values"]] == ["Red", "Gold"]
    assert all(isinstance(v["option_type_id"], int) for v in select["values"])
    assert "price" not in select

    listed = api.get(f"{BASE}/O-1/options").json()
    assert [o["option_id"] for o in listed] == [field_id, select_id]
    assert api.get(f"{BASE}/O-1").json()["options"] == listed
    assert api.get(f"{BASE}/O-1/options/{field_id}").json() == created.json()

    changed = api.send(
        "PUT", f"{BASE}/options/{field_id}", {"option": {**engraving, "title": "Name engraving", "price": 3}}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["option_id"], changed.json()["title"], changed.json()["price"]) == (
        field_id,
        "Name engraving",
        3.0,
    )

    assert api.send("DELETE", f"{BASE}/O-1/options/{select_id}").json() is True
    assert [o["option_id"] for o in api.get(f"{BASE}/O-1/options").json()] == [field_id]
    gone = api.get(f"{BASE}/O-1/options/{select_id}")
    assert gone.status_code == 404
    assert gone.json() == {
        "message": "No such entity with %fieldName = %fieldValue",
        "parameters": {"fieldName": "optionId", "fieldValue": str(select_id)},
    }
    assert api.send("DELETE", f"{BASE}/O-1/options/{select_id}").status_code == 404

    bad_type = api.send("POST", f"{BASE}/options", {"option": {**engraving, "type": "hologram"}})
    assert (bad_type.status_code, bad_type.json()["message"]) == (400, "Invalid option type")
    no_values = api.send("POST", f"{BASE}/options", {"option": {**colour, "values": []}})
    assert (no_values.status_code, no_values.json()["message"]) == (400, "Missed values for option required fields")
    no_sku = api.send("POST", f"{BASE}/options", {"option": {**engraving, "product_sku": None}})
    assert no_sku.status_code == 400
    assert no_sku.json()["message"] == "The ProductSku is empty. Set the ProductSku and try again."
    assert api.send("POST", f"{BASE}/options", {"option": {**engraving, "product_sku": "NOPE"}}).status_code == 404


def test_options_travel_in_the_product_payload(api: Harness) -> None:
    option = {"title": "Gift note", "type": "area", "is_require": False, "price": 1, "price_type": "fixed"}
    saved = api.send("POST", BASE, {"product": {"sku": "O-2", "name": "Card", "price": 2, "options": [option]}})
    assert saved.status_code == 200, saved.text
    (stored,) = saved.json()["options"]
    assert {k: stored[k] for k in option} == {**option, "price": 1.0}
    assert stored["product_sku"] == "O-2"
    kept = api.send("PUT", f"{BASE}/O-2", {"product": {"options": [{**stored, "title": "Note"}]}})
    assert [(o["option_id"], o["title"]) for o in kept.json()["options"]] == [(stored["option_id"], "Note")]
    cleared = api.send("PUT", f"{BASE}/O-2", {"product": {"options": []}})
    assert cleared.json()["options"] == []


def test_the_document_refuses_what_the_option_checks_refuse(api: Harness) -> None:
    """Each option the server refuses with Magento's option messages is invalid by the document too (a random
    contract run found an unknown type documented as valid), and the options it takes are valid by it."""
    field: dict[str, Any] = {"title": "Engraving", "type": "field", "price": 2.5, "price_type": "fixed"}
    select: dict[str, Any] = {
        "title": "Colour",
        "type": "drop_down",
        "values": [{"title": "Red", "price": 1, "price_type": "fixed"}],
    }
    assert api.send("POST", BASE, {"product": {"sku": "O-3", "name": "Mug", "price": 5}}).status_code == 200
    refused: list[dict[str, Any]] = [
        {**field, "type": "hologram"},
        {**field, "title": ""},
        {**field, "price_type": "per-letter"},
        {**field, "price": 1e14},
        {**select, "values": []},
        {k: v for k, v in select.items() if k != "values"},
        {**select, "values": [{"title": "", "price": 1}]},
        {**select, "values": [{"title": "Red", "price": 1, "price_type": "per-letter"}]},
    ]
    for option in refused:
        for path, body in _both_routes(option, "O-3"):
            answer = api.send("POST", path, body)
            assert answer.status_code == 400, (option, answer.text)
            assert not api.documented("POST", path, body), option
    for option in (field, select):
        for path, body in _both_routes(option, "O-3"):
            assert api.documented("POST", path, body), option
            assert api.send("POST", path, body).status_code == 200, option


def _both_routes(option: dict[str, Any], sku: str) -> list[tuple[str, dict[str, Any]]]:
    """The option on the option route and in the product payload."""
    return [
        (f"{BASE}/options", {"option": {**option, "product_sku": sku}}),
        (BASE, {"product": {"sku": sku, "options": [option]}}),
    ]

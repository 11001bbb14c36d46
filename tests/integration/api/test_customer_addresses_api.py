"""Customers and their addresses as a Magento client reads them, key by key, and addresses by id, on every database."""

from __future__ import annotations

from typing import Any

from tests.integration.api.harness import Harness

BASE = "/rest/V1/customers"
ADDRESS_KEYS = {
    "id",
    "customer_id",
    "region",
    "region_id",
    "country_id",
    "street",
    "telephone",
    "postcode",
    "city",
    "firstname",
    "lastname",
    "default_billing",
    "default_shipping",
}
CUSTOMER_KEYS = {
    "id",
    "group_id",
    "default_billing",
    "default_shipping",
    "created_at",
    "updated_at",
    "created_in",
    "email",
    "firstname",
    "lastname",
    "store_id",
    "website_id",
    "addresses",
    "disable_auto_group_change",
    "extension_attributes",
}


def address(city: str, **values: Any) -> dict[str, Any]:
    return {
        "firstname": "Jane",
        "lastname": "Doe",
        "street": ["1 Main St", "Apt 2"],
        "city": city,
        "region": {"region_code": "TX", "region": "Texas", "region_id": 57},
        "region_id": 57,
        "postcode": "78701",
        "country_id": "US",
        "telephone": "555-0100",
        **values,
    }


def test_customer_and_address_shapes_address_reads_and_deletes(api: Harness) -> None:
    sent = {
        "email": "jane@example.com",
        "firstname": "Jane",
        "lastname": "Doe",
        "addresses": [address("Austin", default_billing=True), address("Dallas", default_shipping=True)],
        "extension_attributes": {"is_subscribed": True},
    }
    created = api.send("POST", BASE, {"customer": sent})
    assert created.status_code == 200, created.text
    jane = api.get(f"{BASE}/{created.json()['id']}").json()
    assert set(jane) == CUSTOMER_KEYS  # Magento's keys: no custom_attributes when there are none, no is_active
    assert jane["extension_attributes"] == {"is_subscribed": True}
    assert (jane["disable_auto_group_change"], jane["created_in"], jane["store_id"]) == (0, "Default Store View", 1)
    austin, dallas = jane["addresses"]
    assert (jane["default_billing"], jane["default_shipping"]) == (str(austin["id"]), str(dallas["id"]))
    assert set(austin) == ADDRESS_KEYS
    assert austin["region"] == {"region_code": "TX", "region": "Texas", "region_id": 57}
    assert (austin["default_billing"], austin["default_shipping"]) == (True, False)

    by_id = api.get(f"{BASE}/addresses/{austin['id']}")
    assert by_id.status_code == 200 and by_id.json() == austin
    assert api.get(f"{BASE}/{jane['id']}/billingAddress").json() == austin
    assert api.get(f"{BASE}/{jane['id']}/shippingAddress").json() == dallas

    unsubscribed = api.send("PUT", f"{BASE}/{jane['id']}", {"customer": {**sent, "addresses": None}})
    assert unsubscribed.json()["extension_attributes"] == {"is_subscribed": True}  # left out: kept
    sent["extension_attributes"] = {"is_subscribed": False}
    changed = api.send("PUT", f"{BASE}/{jane['id']}", {"customer": {**sent, "addresses": None}}).json()
    assert changed["extension_attributes"] == {"is_subscribed": False}
    assert [a["id"] for a in changed["addresses"]] == [austin["id"], dallas["id"]]

    deleted = api.send("DELETE", f"/rest/V1/addresses/{austin['id']}")
    assert (deleted.status_code, deleted.json()) == (200, True)
    after = api.get(f"{BASE}/{jane['id']}").json()
    assert "default_billing" not in after and after["default_shipping"] == str(dallas["id"])
    assert [a["id"] for a in after["addresses"]] == [dallas["id"]]
    assert api.get(f"{BASE}/{jane['id']}/billingAddress").json() is None
    missing = api.get(f"{BASE}/addresses/{austin['id']}")
    assert (missing.status_code, missing.json()) == (
        404,
        {
            "message": "No such entity with %fieldName = %fieldValue",
            "parameters": {"fieldName": "addressId", "fieldValue": str(austin["id"])},
        },
    )
    assert api.send("DELETE", f"/rest/V1/addresses/{austin['id']}").status_code == 404
    assert api.get(f"{BASE}/addresses/abc").status_code == 400


def test_address_validation_names_the_field_as_magento(api: Harness) -> None:
    sent = {"email": "jane@example.com", "firstname": "Jane", "lastname": "Doe"}
    for field in ("firstname", "lastname", "street", "city", "country_id", "telephone"):
        incomplete = {**address("Austin"), field: None}
        answer = api.send("POST", BASE, {"customer": {**sent, "addresses": [incomplete]}})
        assert (answer.status_code, answer.json()) == (
            400,
            {"message": '"%fieldName" is required. Enter and try again.', "parameters": {"fieldName": field}},
        )
    assert api.get(f"{BASE}/search?searchCriteria[pageSize]=10").json()["total_count"] == 0


def test_async_address_delete(api: Harness) -> None:
    created = api.send("POST", BASE, {"customer": {"email": "j@example.com", "firstname": "J", "lastname": "D"}})
    jane = api.send(
        "PUT", f"{BASE}/{created.json()['id']}", {"customer": {**created.json(), "addresses": [address("Austin")]}}
    ).json()
    address_id = jane["addresses"][0]["id"]
    queued = api.send("DELETE", "/rest/async/bulk/V1/addresses/byAddressId", [{"addressId": address_id}])
    assert queued.status_code == 202 and queued.json()["errors"] is False
    api.drain()
    assert api.get(f"{BASE}/{jane['id']}").json()["addresses"] == []

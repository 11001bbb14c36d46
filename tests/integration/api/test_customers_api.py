"""Customers through the REST API on the three databases: Magento's routes, payloads, messages and status codes."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from conveyor.api.auth import verify_password
from conveyor.api.resources.customers import snake_keys
from conveyor.api.search import Filter, FilterGroup, SearchCriteria, SortOrder
from conveyor.catalog.customers import DUPLICATE_EMAIL, customer_table
from tests.integration.api.harness import Harness
from tests.integration.catalog.test_customers import add_second_website

BASE = "/rest/V1/customers"
REQUIRED = '"%1" is required. Enter and try again.'
INVALID = 'Invalid value of "%1" provided for the %2 field.'
# What the repositories' checks answer: Magento's InputException, with named parameters
NAMED_REQUIRED = '"%fieldName" is required. Enter and try again.'
NAMED_INVALID = 'Invalid value of "%value" provided for the %fieldName field.'
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")

HOME: dict[str, Any] = {  # camelCase keys, as in Magento's own createAccount example
    "defaultBilling": True,
    "firstname": "Jane",
    "lastname": "Doe",
    "region": {"regionCode": "NY", "region": "New York", "regionId": 43},
    "postcode": "10755",
    "street": ["123 Oak Ave", "Floor 2", "Back door"],
    "city": "Purchase",
    "telephone": "512-555-1111",
    "countryId": "US",
}
OFFICE: dict[str, Any] = {
    "default_shipping": True,
    "firstname": "Jane",
    "lastname": "Doe",
    "company": "Acme",
    "street": "1 Industrial Way",
    "city": "Austin",
    "region": {"region_code": "TX", "region": "Texas", "region_id": 57},
    "region_id": 57,
    "postcode": "78701",
    "country_id": "us",
    "telephone": "555-0100",
    "vat_id": "US123",
}


def new_customer(email: str = "jane.doe@example.com", **values: Any) -> dict[str, Any]:
    return {"email": email, "firstname": "Jane", "lastname": "Doe", **values}


def create(api: Harness, customer: dict[str, Any], password: str | None = None, store: str = "") -> Any:
    body: dict[str, Any] = {"customer": customer}
    if password is not None:
        body["password"] = password
    return api.send("POST", f"/rest{store}/V1/customers", body)


def stored_customers(api: Harness) -> list[tuple[str, int]]:
    with api.engine.connect() as conn:
        query = sa.select(customer_table.c.email, customer_table.c.website_id).order_by(customer_table.c.entity_id)
        return [(email, website) for email, website in conn.execute(query)]


def test_create_read_replace_addresses_and_delete_field_by_field(api: Harness) -> None:
    sent = new_customer(
        "Jane.Doe@Example.com",
        middlename="Q",
        prefix="Dr.",
        dob="1980-01-31",
        gender=2,
        taxvat="DE999",
        group_id=2,
        addresses=[HOME, OFFICE],
        custom_attributes=[
            {"attribute_code": "loyalty_tier", "value": "gold"},
            {"attributeCode": "visits", "value": 5},
        ],
    )
    created = create(api, sent, "Str0ng-Password")
    assert created.status_code == 200, created.text
    customer = created.json()
    assert isinstance(customer["id"], int)
    assert TIMESTAMP.fullmatch(customer["created_at"]) and TIMESTAMP.fullmatch(customer["updated_at"])
    home, office = customer["addresses"]
    assert {k: customer[k] for k in ("email", "firstname", "lastname", "middlename", "prefix", "dob", "gender")} == {
        "email": "jane.doe@example.com",
        "firstname": "Jane",
        "lastname": "Doe",
        "middlename": "Q",
        "prefix": "Dr.",
        "dob": "1980-01-31",
        "gender": 2,
    }
    assert (customer["taxvat"], customer["group_id"], customer["website_id"], customer["store_id"]) == (
        "DE999",
        2,
        1,
        1,
    )
    assert customer["created_in"] == "Default Store View"
    assert customer["default_billing"] == str(home["id"]) and customer["default_shipping"] == str(office["id"])
    assert customer["custom_attributes"] == [
        {"attribute_code": "loyalty_tier", "value": "gold"},
        {"attribute_code": "visits", "value": "5"},
    ]
    assert "password" not in created.text and "password_hash" not in customer
    assert home == {
        "id": home["id"],
        "customer_id": customer["id"],
        "region": {"region_code": "NY", "region": "New York", "region_id": 43},
        "region_id": 43,
        "country_id": "US",
        "street": ["123 Oak Ave", "Floor 2", "Back door"],
        "telephone": "512-555-1111",
        "postcode": "10755",
        "city": "Purchase",
        "firstname": "Jane",
        "lastname": "Doe",
        "default_shipping": False,
        "default_billing": True,
    }
    assert (office["street"], office["company"], office["country_id"], office["vat_id"]) == (
        ["1 Industrial Way"],
        "Acme",
        "US",
        "US123",
    )
    assert office["default_shipping"] is True and office["default_billing"] is False
    url = f"{BASE}/{customer['id']}"
    assert api.get(url).json() == customer
    assert api.get(f"{url}/billingAddress").json() == home
    assert api.get(f"{url}/shippingAddress").json() == office
    with api.engine.connect() as conn:
        stored_hash = conn.execute(sa.select(customer_table.c.password_hash)).scalar_one()
    assert verify_password("Str0ng-Password", stored_hash)

    # PUT replaces the addresses: the office stays (by id) and becomes both defaults, home is dropped
    moved = {**OFFICE, "id": office["id"], "default_billing": True, "city": "Dallas", "street": ["2 Elm St", "Unit 5"]}
    changed = {**sent, "firstname": "Janet", "addresses": [moved, {**HOME, "defaultBilling": False}]}
    changed["custom_attributes"] = [{"attribute_code": "visits", "value": None}]
    updated = api.send("PUT", url, {"customer": changed})
    assert updated.status_code == 200, updated.text
    after = updated.json()
    assert after["firstname"] == "Janet" and after["created_at"] == customer["created_at"]
    first, second = after["addresses"]
    assert first["id"] == office["id"] and first["street"] == ["2 Elm St", "Unit 5"] and first["city"] == "Dallas"
    assert second == {**home, "default_billing": False}  # an address sent again without its id keeps it
    assert after["default_billing"] == after["default_shipping"] == str(office["id"])
    assert after["custom_attributes"] == [{"attribute_code": "loyalty_tier", "value": "gold"}]
    assert api.get(url).json() == after
    only_office = api.send("PUT", url, {"customer": {**changed, "id": customer["id"], "addresses": [moved]}})
    assert [a["id"] for a in only_office.json()["addresses"]] == [office["id"]]
    assert api.get(f"{url}/billingAddress").json()["id"] == office["id"]

    # another id in the body is ignored: the path's customer is saved (Magento's UpdateCustomerId plugin)
    other = api.send("PUT", url, {"customer": {**changed, "id": customer["id"] + 1, "firstname": "Jo"}})
    assert other.status_code == 200, other.text
    assert (other.json()["id"], other.json()["firstname"]) == (customer["id"], "Jo")
    assert api.get(f"/rest/V1/customers/{customer['id'] + 1}").status_code == 404
    assert api.send("DELETE", url).json() is True
    missing = {
        "message": "No such entity with %fieldName = %fieldValue",
        "parameters": {"fieldName": "customerId", "fieldValue": str(customer["id"])},
    }
    for response in (api.get(url), api.send("DELETE", url), api.send("PUT", url, {"customer": changed})):
        assert (response.status_code, response.json()) == (404, missing)
    assert api.get(f"{url}/billingAddress").status_code == 404
    assert stored_customers(api) == []


def test_duplicates_per_website_and_malformed_payloads_name_the_field(api: Harness) -> None:
    with api.engine.begin() as conn:
        add_second_website(conn)
    assert create(api, new_customer()).status_code == 200
    duplicate = create(api, new_customer("JANE.DOE@example.com", firstname="Other"))
    assert (duplicate.status_code, duplicate.json()) == (400, {"message": DUPLICATE_EMAIL, "parameters": []})
    in_second_website = create(api, new_customer(), store="/de")  # the store view's website
    assert in_second_website.status_code == 200, in_second_website.text
    assert (in_second_website.json()["website_id"], in_second_website.json()["store_id"]) == (2, 2)
    explicit = create(api, new_customer(website_id=2))
    assert (explicit.status_code, explicit.json()["message"]) == (400, DUPLICATE_EMAIL)

    def refused(
        body: Any, message: str, parameters: list[str] | dict[str, str], url: str = BASE, method: str = "POST"
    ) -> None:
        answer = api.send(method, url, body)
        assert (answer.status_code, answer.json()["message"], answer.json()["parameters"]) == (
            400,
            message,
            parameters,
        ), answer.text

    no_email = new_customer()
    del no_email["email"]
    refused({"customer": no_email}, REQUIRED, ["customer.email"])
    refused({"customer": new_customer("not-an-email")}, INVALID, ["not-an-email", "customer.email"])
    refused({"password": "Str0ng-Password"}, REQUIRED, ["customer"])
    refused({"customer": new_customer("x@example.com", firstname=" ")}, NAMED_REQUIRED, {"fieldName": "firstname"})
    refused({"customer": new_customer("x@example.com", gender=7)}, NAMED_INVALID, {"value": "7", "fieldName": "gender"})
    # a gender the store has not is invalid in the document too; a group it has not is a refusal the document lists
    assert not api.documented("POST", BASE, {"customer": new_customer("x@example.com", gender=7)})
    assert not api.documented("POST", BASE, {"customer": new_customer("x@example.com", gender=-1)})
    assert api.documented("POST", BASE, {"customer": new_customer("x@example.com", gender=3, group_id=99)})
    assert not api.documented("POST", BASE, {"customer": new_customer("x@example.com", firstname=" ")})
    assert not api.documented("POST", BASE, {"customer": new_customer("x@example.com", lastname="\t")})
    listed = api.client.get("/openapi.json").json()["paths"][BASE]["post"]["x-conveyor-refusals"]
    assert listed == {"400": [NAMED_INVALID, DUPLICATE_EMAIL]}
    refused(
        {"customer": new_customer("x@example.com", dob="2999-01-01")},
        NAMED_INVALID,
        {"value": "2999-01-01", "fieldName": "dob"},
    )
    refused(
        {"customer": new_customer("x@example.com", group_id=99)},
        NAMED_INVALID,
        {"value": "99", "fieldName": "group_id"},
    )
    refused({"customer": new_customer("x@example.com", website_id="one")}, INVALID, ["one", "customer.website_id"])
    refused(
        {"customer": new_customer("x@example.com", addresses=[{**OFFICE, "country_id": None}])},
        NAMED_REQUIRED,
        {"fieldName": "country_id"},
    )
    huge = {**OFFICE, "region_id": 2**40}
    refused(
        {"customer": new_customer("x@example.com", addresses=[huge])},
        INVALID,
        [str(2**40), "customer.addresses.0.region_id"],
    )
    refused(
        {"customer": new_customer("x@example.com"), "password": "short"},
        "The password needs at least %1 characters. Create a new password and try again.",
        ["8"],
    )
    refused(
        {"customer": new_customer("x@example.com"), "password": "alllowercase"},
        "Minimum of different classes of characters in password is %1. "
        "Classes of characters: Lower Case, Upper Case, Digits, Special Characters.",
        ["3"],
    )
    refused({"customer": new_customer()}, INVALID, ["abc", "customerId"], url=f"{BASE}/abc", method="PUT")
    garbage = api.client.post(BASE, content=b'{"customer": ', headers=api.headers)
    assert garbage.status_code == 400 and garbage.json()["parameters"][-1] == "body"
    assert stored_customers(api) == [("jane.doe@example.com", 1), ("jane.doe@example.com", 2)]


def test_search_filters_sorts_pages_and_counts(api: Harness) -> None:
    people = [("Ann", "Zed", 1), ("Bob", "Yates", 2), ("Cid", "Xu", 2), ("Dee", "Wolf", 3), ("Eve", "Vance", 2)]
    ids = {}
    for first, last, group in people:
        made = create(api, new_customer(f"{first.lower()}@example.com", firstname=first, lastname=last, group_id=group))
        ids[first] = made.json()["id"]
    criteria = SearchCriteria(
        filter_groups=(
            FilterGroup((Filter("group_id", "2"), Filter("email", "ANN@example.com"))),  # OR; email ignores case
            FilterGroup((Filter("lastname", "%E%", "like"),)),  # AND
        ),
        sort_orders=(SortOrder("firstname", "DESC"),),
        page_size=2,
        current_page=1,
    )
    found = api.get(f"{BASE}/search?{urlencode(criteria.to_query())}")
    assert found.status_code == 200, found.text
    page = found.json()
    assert [c["firstname"] for c in page["items"]] == ["Eve", "Bob"]
    assert page["total_count"] == 3 and page["search_criteria"] == criteria.echo()
    assert page["items"][0]["id"] == ids["Eve"] and page["items"][0]["email"] == "eve@example.com"
    second = SearchCriteria(criteria.filter_groups, criteria.sort_orders, page_size=2, current_page=2)
    assert [c["firstname"] for c in api.get(f"{BASE}/search?{urlencode(second.to_query())}").json()["items"]] == ["Ann"]
    by_ids = SearchCriteria((FilterGroup((Filter("entity_id", f"{ids['Cid']},{ids['Dee']}", "in"),)),))
    assert [c["lastname"] for c in api.get(f"{BASE}/search?{urlencode(by_ids.to_query())}").json()["items"]] == [
        "Xu",
        "Wolf",
    ]
    everything = api.get(f"{BASE}/search?searchCriteria").json()
    assert everything["total_count"] == 5 and [c["firstname"] for c in everything["items"]] == [p[0] for p in people]
    unknown = api.get(f"{BASE}/search?searchCriteria[sortOrders][0][field]=password_hash")
    assert (unknown.status_code, unknown.json()["parameters"]) == (
        400,
        ["password_hash", "searchCriteria[sort_orders][0][field]"],
    )


# words of two letters or more: like Magento's converter, "aAA" reads as "a_aa" (no field has one-letter words)
words = st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6), min_size=1, max_size=4)


@given(st.lists(words, min_size=1, max_size=4, unique_by="_".join), st.integers())
def test_camel_case_keys_read_as_snake_case_and_free_form_values_are_kept(names: list[list[str]], value: int) -> None:
    snake = ["_".join(w) for w in names]
    camel = [w[0] + "".join(part.capitalize() for part in w[1:]) for w in names]
    free = {"keepMe": {"innerKey": value}}
    payload = {c: [{c: value}] for c in camel} | {"productOptions": free}
    assert snake_keys(payload, ("product_options",)) == {s: [{s: value}] for s in snake} | {"product_options": free}
    already = {s: {s: value} for s in snake}
    assert snake_keys(already) == already

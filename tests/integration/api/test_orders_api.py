"""Orders and shipments through the REST API on the three databases: Magento's routes, payloads and messages,
amounts as JSON numbers, search, comments and shipping up to the order's completion."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import orjson
from hypothesis import given
from hypothesis import strategies as st

from conveyor.api.resources.orders import json_number
from conveyor.api.search import Filter, FilterGroup, SearchCriteria, SortOrder
from tests.integration.api.harness import Harness
from tests.integration.catalog.test_orders import ADDRESS

ORDERS = "/rest/V1/orders"
ENTITY_MISSING = {
    "message": "The entity that was requested doesn't exist. Verify the entity and try again.",
    "parameters": [],
}
REQUIRED = '"%1" is required. Enter and try again.'
INVALID = 'Invalid value of "%1" provided for the %2 field.'
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def entity(invoiced: bool = True, **values: Any) -> dict[str, Any]:
    """A guest order: a configurable shirt (parent and child) and socks; ``values`` override."""
    qty = {"shirt": 2 if invoiced else 0, "socks": 3 if invoiced else 0}
    payload: dict[str, Any] = {
        "customer_email": "guest@example.com",
        "customer_firstname": "Gus",
        "customer_lastname": "Guest",
        "baseGrandTotal": 64.37,  # camelCase is read as Magento reads it
        "grand_total": 64.37,
        "subtotal": 54.97,
        "shipping_amount": 5,
        "tax_amount": 4.4,
        "discount_amount": -0.0001,
        "items": [
            {
                "item_id": 1,
                "sku": "SHIRT-RED-M",
                "name": "Shirt",
                "product_id": 10,
                "product_type": "configurable",
                "qty_ordered": 2,
                "qty_invoiced": qty["shirt"],
                "price": 19.99,
                "row_total": 39.98,
                "weight": 0.25,
                "product_options": {"info_buyRequest": {"super_attribute": {"93": "5"}}},
            },
            {
                "item_id": 2,
                "parent_item_id": 1,
                "sku": "SHIRT-RED-M",
                "name": "Shirt Red M",
                "product_id": 11,
                "product_type": "simple",
                "qty_ordered": 2,
                "qty_invoiced": qty["shirt"],
                "price": 0,
            },
            {
                "item_id": 3,
                "sku": "SOCKS",
                "name": "Socks",
                "qty_ordered": 3,
                "qty_invoiced": qty["socks"],
                "price": 4.9966,
                "row_total": 14.99,
            },
        ],
        "billing_address": ADDRESS,
        "payment": {"method": "checkmo", "amount_ordered": 64.37, "additional_information": ["Check / Money order"]},
        "extension_attributes": {
            "shipping_assignments": [
                {"shipping": {"address": {**ADDRESS, "city": "Dallas"}, "method": "flatrate_flatrate"}}
            ]
        },
    }
    payload.update(values)
    return payload


def create(api: Harness, **values: Any) -> dict[str, Any]:
    created = api.send("POST", ORDERS, {"entity": entity(**values)})
    assert created.status_code == 200, created.text
    return dict(created.json())


def refused(answer: Any, message: str, parameters: list[str]) -> None:
    assert (answer.status_code, answer.json()["message"], answer.json()["parameters"]) == (400, message, parameters), (
        answer.text
    )


def is_number(value: Any, expected: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == expected


def test_create_and_read_back_with_amounts_as_json_numbers(api: Harness) -> None:
    customer = api.send(
        "POST",
        "/rest/V1/customers",
        {"customer": {"email": "jane@example.com", "firstname": "Jane", "lastname": "Doe"}},
    ).json()
    payload = entity(customer_id=customer["id"], customer_email=None, customer_firstname=None, increment_id="WEB-1")
    created = api.send("POST", ORDERS, {"entity": payload})
    assert created.status_code == 200, created.text
    order = created.json()
    assert api.get(f"{ORDERS}/{order['entity_id']}").json() == order
    assert (order["increment_id"], order["state"], order["status"], order["store_id"]) == ("WEB-1", "new", "pending", 1)
    assert (order["customer_id"], order["customer_email"], order["customer_firstname"]) == (
        customer["id"],
        "jane@example.com",
        "Jane",
    )
    assert (order["customer_is_guest"], order["customer_group_id"], order["order_currency_code"]) == (0, 1, "USD")
    assert TIMESTAMP.fullmatch(order["created_at"])
    for name, sent in (("grand_total", 64.37), ("base_grand_total", 64.37), ("subtotal", 54.97)):
        assert is_number(order[name], sent), (name, order[name])
    assert is_number(order["shipping_amount"], 5) and is_number(order["tax_amount"], 4.4)
    assert is_number(order["discount_amount"], -0.0001) and is_number(order["total_qty_ordered"], 5)
    parent, child, socks = order["items"]
    assert (parent["sku"], parent["product_type"], parent["product_id"]) == ("SHIRT-RED-M", "configurable", 10)
    assert is_number(parent["price"], 19.99) and is_number(parent["row_total"], 39.98)
    assert is_number(parent["qty_ordered"], 2) and is_number(parent["weight"], 0.25)
    assert parent["product_options"] == {"info_buyRequest": {"super_attribute": {"93": "5"}}}  # kept verbatim
    assert child["parent_item_id"] == parent["item_id"] and child["parent_item"]["item_id"] == parent["item_id"]
    assert (child["product_type"], child["name"], child["price"]) == ("simple", "Shirt Red M", 0)
    assert is_number(socks["price"], 4.9966) and "parent_item_id" not in socks
    billing = order["billing_address"]
    assert (billing["street"], billing["region_code"], billing["email"]) == (
        ["1 Main St", "Suite 400"],
        "TX",
        "jane@example.com",
    )
    shipping = order["extension_attributes"]["shipping_assignments"][0]["shipping"]
    assert (shipping["address"]["city"], shipping["address"]["address_type"], shipping["method"]) == (
        "Dallas",
        "shipping",
        "flatrate_flatrate",
    )
    assert order["payment"]["method"] == "checkmo" and is_number(order["payment"]["amount_ordered"], 64.37)
    assert order["payment"]["additional_information"] == ["Check / Money order"]

    refused(
        api.send("POST", ORDERS, {"entity": entity(increment_id="WEB-1")}),
        'An order with increment ID "%1" already exists.',
        ["WEB-1"],
    )
    refused(
        api.send("POST", ORDERS, {"entity": entity(entity_id=order["entity_id"])}),
        'The order "%1" exists already; an existing order cannot be saved again.',
        [str(order["entity_id"])],
    )
    refused(api.send("POST", ORDERS, {"entity": entity(items=[])}), REQUIRED, ["items"])
    refused(api.send("POST", ORDERS, {"entity": entity(grand_total="abc")}), INVALID, ["abc", "entity.grand_total"])
    refused(
        api.send("POST", ORDERS, {"entity": entity(customer_email="nobody")}),
        '"%1" is not a valid email address.',
        ["customer_email"],
    )
    refused(api.send("POST", ORDERS, {"order": entity()}), REQUIRED, ["entity"])
    # an item's product_options is an object (a number or text was stored, then failed the answer with a 500)
    for options in (-463.0, ""):
        items = [{**entity()["items"][2], "product_options": options}]
        for method, url in (("POST", ORDERS), ("PUT", f"{ORDERS}/create")):
            answer = api.send(method, url, {"entity": entity(items=items)})
            refused(answer, INVALID, [str(options), "entity.items.0.product_options"])
    # a child naming no item of the payload: a valid order the payload's links refuse, a refusal both routes list
    orphan = [{**entity()["items"][1], "parent_item_id": 77}]
    refused(api.send("PUT", f"{ORDERS}/create", {"entity": entity(items=orphan)}), INVALID, ["77", "parent_item_id"])
    # every shipping assignment given has an address, checked as the first (which Magento reads) is
    first = entity()["extension_attributes"]["shipping_assignments"][0]
    for second, field in (({"shipping": {"method": "x"}}, "address"), ({"shipping": {"address": {}}}, "country_id")):
        extension = {"shipping_assignments": [first, second]}
        answer = api.send("PUT", f"{ORDERS}/create", {"entity": entity(extension_attributes=extension)})
        assert answer.status_code == 400 and answer.json()["parameters"][0].endswith(field), answer.text
        assert not api.documented("PUT", f"{ORDERS}/create", {"entity": entity(extension_attributes=extension)})
    paths = api.client.get("/openapi.json").json()["paths"]
    for path, method in ((ORDERS, "post"), (f"{ORDERS}/create", "put")):
        listed = paths[path][method]["x-conveyor-refusals"]["400"]
        assert INVALID in listed and 'An order with increment ID "%1" already exists.' in listed
    assert api.get(f"{ORDERS}/{order['entity_id'] + 1}").json() == ENTITY_MISSING
    assert api.get(f"{ORDERS}/{order['entity_id'] + 1}").status_code == 404
    everything = api.get(f"{ORDERS}?searchCriteria").json()
    assert everything["total_count"] == 1  # nothing refused was stored


def test_search_by_status_email_and_created_at_range(api: Harness) -> None:
    placed = [
        ("A-1", "pending", "ann@example.com", "2024-01-10 10:00:00", 10.5),
        ("B-1", "processing", "bob@example.com", "2024-02-10 10:00:00", 99.99),
        ("C-1", "pending", "cid@shop.test", "2024-03-10 10:00:00", 25),
        ("D-1", "holded", "dee@example.com", "2024-02-20 10:00:00", 7),
    ]
    for number, status, email, created_at, total in placed:
        create(api, increment_id=number, status=status, customer_email=email, created_at=created_at, grand_total=total)

    def search(criteria: SearchCriteria) -> dict[str, Any]:
        found = api.get(f"{ORDERS}?{urlencode(criteria.to_query())}")
        assert found.status_code == 200, found.text
        assert found.json()["search_criteria"] == criteria.echo()
        return dict(found.json())

    in_range = SearchCriteria(
        filter_groups=(
            FilterGroup((Filter("status", "pending,processing", "in"),)),
            FilterGroup((Filter("created_at", "2024-02-01 00:00:00", "from"),)),
            FilterGroup((Filter("created_at", "2024-03-31 23:59:59", "to"),)),
        ),
        sort_orders=(SortOrder("grand_total", "DESC"),),
        page_size=1,
        current_page=1,
    )
    first = search(in_range)
    assert [o["increment_id"] for o in first["items"]] == ["B-1"] and first["total_count"] == 2
    assert is_number(first["items"][0]["grand_total"], 99.99)
    second = search(SearchCriteria(in_range.filter_groups, in_range.sort_orders, page_size=1, current_page=2))
    assert [o["increment_id"] for o in second["items"]] == ["C-1"]
    by_email = search(
        SearchCriteria(
            filter_groups=(
                FilterGroup((Filter("customer_email", "%@EXAMPLE.com", "like"),)),
                FilterGroup((Filter("grand_total", "10.5", "gteq"),)),
            )
        )
    )
    assert [o["increment_id"] for o in by_email["items"]] == ["A-1", "B-1"] and by_email["total_count"] == 2
    pending = search(SearchCriteria((FilterGroup((Filter("status", "pending"),)),), (SortOrder("created_at", "DESC"),)))
    assert [o["increment_id"] for o in pending["items"]] == ["C-1", "A-1"]
    bad_date = api.get(
        f"{ORDERS}?searchCriteria[filter_groups][0][filters][0][field]=created_at"
        "&searchCriteria[filter_groups][0][filters][0][value]=yesterday"
        "&searchCriteria[filter_groups][0][filters][0][condition_type]=from"
    )
    assert bad_date.status_code == 400 and bad_date.json()["parameters"][0] == "yesterday"


def test_comments_and_shipping_partially_then_fully(api: Harness) -> None:
    order = create(api)
    url = f"{ORDERS}/{order['entity_id']}"
    parent, child, socks = (item["item_id"] for item in order["items"])
    noted = api.send(
        "POST",
        f"{url}/comments",
        {"statusHistory": {"comment": "Packed", "is_customer_notified": 1, "isVisibleOnFront": 1}},
    )
    assert (noted.status_code, noted.json()) == (200, True)
    recolored = api.send("POST", f"{url}/comments", {"statusHistory": {"comment": "", "status": "pending_review"}})
    assert recolored.json() is True
    histories = api.get(url).json()["status_histories"]
    assert {(h.get("comment"), h["status"], h.get("is_customer_notified")) for h in histories} == {
        ("Packed", "pending", 1),
        (None, "pending_review", 0),
    }
    assert next(h for h in histories if h.get("comment") == "Packed")["is_visible_on_front"] == 1
    assert api.get(url).json()["status"] == "pending_review"
    refused(
        api.send("POST", f"{url}/comments", {"statusHistory": {"status": "x"}}), REQUIRED, ["statusHistory.comment"]
    )
    missing = api.send("POST", f"{ORDERS}/999999/comments", {"statusHistory": {"comment": "x"}})
    assert (missing.status_code, missing.json()) == (404, ENTITY_MISSING)

    ship = f"/rest/V1/order/{order['entity_id']}/ship"
    first = api.send(
        "POST",
        ship,
        {
            "items": [{"order_item_id": parent, "qty": 1}],
            "tracks": [{"track_number": "1Z999", "title": "UPS Ground", "carrier_code": "ups"}],
            "notify": True,
            "comment": {"comment": "First box"},
        },
    )
    assert first.status_code == 200, first.text
    assert isinstance(first.json(), int)
    after_first = api.get(url).json()
    assert (after_first["state"], after_first["status"]) == ("processing", "processing")
    shipped = {item["item_id"]: item["qty_shipped"] for item in after_first["items"]}
    assert shipped == {parent: 1, child: 1, socks: 0}  # the child follows its parent
    assert any(
        h.get("comment") == "First box" and h["entity_name"] == "shipment" for h in after_first["status_histories"]
    )

    refused(
        api.send("POST", ship, {"items": [{"order_item_id": socks, "qty": 4}]}),
        "Shipment Document Validation Error(s):\n"
        'The quantity to ship must not be greater than the unshipped quantity for product SKU "%1".',
        ["SOCKS"],
    )
    refused(
        api.send("POST", ship, {"items": [{"order_item_id": 999999, "qty": 1}]}), INVALID, ["999999", "order_item_id"]
    )
    refused(
        api.send("POST", ship, {"items": [{"order_item_id": child, "qty": 1}]}),
        'Item "%1" ships with its parent item %2: ship the parent.',
        ["SHIRT-RED-M", str(parent)],
    )
    refused(api.send("POST", ship, {"items": [{"order_item_id": socks}]}), REQUIRED, ["items.0.qty"])
    rest = api.send("POST", ship, {"tracks": [{"track_number": "1Z1000", "carrier_code": "ups"}]})  # all that is left
    assert rest.status_code == 200, rest.text
    done = api.get(url).json()
    assert (done["state"], done["status"]) == ("complete", "complete")
    assert {item["item_id"]: item["qty_shipped"] for item in done["items"]} == {parent: 2, child: 2, socks: 3}
    refused(
        api.send("POST", ship, {}),
        "Shipment Document Validation Error(s):\nThe order does not allow a shipment to be created.",
        [],
    )

    shipment = api.get(f"/rest/V1/shipment/{first.json()}").json()
    assert (shipment["entity_id"], shipment["order_id"], shipment["total_qty"]) == (first.json(), order["entity_id"], 1)
    assert [(i["order_item_id"], i["sku"], i["qty"], i["price"]) for i in shipment["items"]] == [
        (parent, "SHIRT-RED-M", 1, 19.99)
    ]
    assert [(t["track_number"], t["title"], t["carrier_code"]) for t in shipment["tracks"]] == [
        ("1Z999", "UPS Ground", "ups")
    ]
    assert api.get("/rest/V1/shipment/999999").json() == ENTITY_MISSING
    criteria = SearchCriteria((FilterGroup((Filter("order_id", str(order["entity_id"])),)),), (SortOrder("entity_id"),))
    listed = api.get(f"/rest/V1/shipments?{urlencode(criteria.to_query())}").json()
    assert listed["total_count"] == 2 and [s["entity_id"] for s in listed["items"]] == [first.json(), rest.json()]
    assert [(i["sku"], i["qty"]) for i in listed["items"][1]["items"]] == [("SHIRT-RED-M", 1), ("SOCKS", 3)]
    assert listed["items"][1]["tracks"][0]["track_number"] == "1Z1000"


def test_an_order_not_invoiced_stays_processing_and_async_routes_work(api: Harness) -> None:
    order = create(api, invoiced=False)
    queued = api.send("POST", f"/rest/async/V1/order/{order['entity_id']}/ship", {"items": []})
    noted = api.send(
        "POST", f"/rest/async/V1/orders/{order['entity_id']}/comments", {"statusHistory": {"comment": "Later"}}
    )
    assert queued.status_code == noted.status_code == 202, queued.text
    assert api.get(f"{ORDERS}/{order['entity_id']}").json()["state"] == "new"  # nothing before the consumer runs
    api.drain()
    shipped = api.get(f"{ORDERS}/{order['entity_id']}").json()
    assert (shipped["state"], shipped["status"]) == ("processing", "processing")  # shipped, but not invoiced
    assert [item["qty_shipped"] for item in shipped["items"]] == [2, 2, 3]
    assert shipped["status_histories"][0]["comment"] == "Later"
    status = api.get(f"/rest/V1/bulk/{queued.json()['bulk_uuid']}/detailed-status").json()
    assert status["operations_list"][0]["status"] == 1
    assert isinstance(int(status["operations_list"][0]["result_serialized_data"]), int)


@given(st.decimals(min_value=Decimal("-99999999999.9999"), max_value=Decimal("99999999999.9999"), places=4))
def test_amounts_of_up_to_15_digits_are_json_numbers_that_read_back_exactly(amount: Decimal) -> None:
    written = orjson.dumps(json_number(amount))
    assert written[:1] != b'"'
    assert Decimal(written.decode()) == amount

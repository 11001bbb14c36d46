"""The rest of the Sales routes as a Magento client calls them: order creation with per-website line numbers,
order items and addresses, shipments with tracks, labels and comments, document comments and emails, the
credit memo cancel Magento refuses, async and bulk writes, and the events each document emits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from conveyor.api.search import Filter, FilterGroup, SearchCriteria
from tests.integration.api.harness import Harness, harness
from tests.integration.api.test_domain_events import EVENTS_QUEUE, TOPOLOGY, events
from tests.integration.api.test_orders_api import ENTITY_MISSING, ORDERS, entity

RULES = {
    "base": {"start": 1, "step": 1, "width": 3, "prefix": "B-"},
    "admin": {"start": 100, "step": 100, "width": 5, "number_children": True},
}


@pytest.fixture
def sales_api(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    """The API with line-number rules for both websites and a queue bound to every sales event."""
    monkeypatch.setenv("CONVEYOR_LINE_NUMBERS", json.dumps(RULES))
    topology = tmp_path / "events.yaml"
    topology.write_text(TOPOLOGY.format(queue=EVENTS_QUEUE))
    with harness(db_url, topology_files=[topology]) as running:
        yield running


def ok(answer: Any) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def numbers(order: dict[str, Any]) -> list[str | None]:
    return [item.get("extension_attributes", {}).get("line_number") for item in order["items"]]


def test_documents_comments_emails_tracks_labels_items_and_addresses(sales_api: Harness) -> None:
    api = sales_api
    payload = entity(invoiced=False, store_id=1)
    created = ok(api.send("PUT", f"{ORDERS}/create", {"entity": payload}))
    assert numbers(created) == ["B-001", None, "B-002"]  # website base: its own rule, children not numbered
    admin = ok(api.send("POST", ORDERS, {"entity": {**payload, "store_id": 0}}))
    assert numbers(admin) == ["00100", "00200", "00300"]  # website admin numbers children too
    order_id = created["entity_id"]
    shirt, child, socks = (item["item_id"] for item in created["items"])
    assert [topic for topic, _ in events(api)] == ["sales.order.placed", "sales.order.placed"]

    # order items: searched by order, one by id with its parent
    criteria = SearchCriteria((FilterGroup((Filter("order_id", str(order_id)),)),))
    items = ok(api.get(f"/rest/V1/orders/items?{urlencode(criteria.to_query())}"))
    assert (items["total_count"], sorted(i["sku"] for i in items["items"])) == (
        3,
        ["SHIRT-RED-M", "SHIRT-RED-M", "SOCKS"],
    )
    one = ok(api.get(f"/rest/V1/orders/items/{child}"))
    assert (one["parent_item_id"], one["parent_item"]["item_id"], one["qty_ordered"]) == (shirt, shirt, 2)
    assert ok(api.get(f"/rest/V1/orders/items/{socks}"))["extension_attributes"] == {"line_number": "B-002"}
    assert api.get("/rest/V1/orders/items/999999").json() == ENTITY_MISSING

    # the billing address replaced
    billing = {**payload["billing_address"], "address_type": "billing", "city": "Houston", "street": ["9 Elm"]}
    saved = ok(api.send("PUT", f"{ORDERS}/{order_id}", {"entity": billing}))
    assert (saved["city"], saved["street"], saved["parent_id"]) == ("Houston", ["9 Elm"], order_id)
    assert ok(api.get(f"{ORDERS}/{order_id}"))["billing_address"]["city"] == "Houston"
    gone = api.send("PUT", f"{ORDERS}/{order_id}", {"entity": {**billing, "entity_id": 999999}})
    assert (gone.status_code, gone.json()) == (404, ENTITY_MISSING)
    # neither an id nor a type names the address, or the address lacks a city: refused, and invalid in the document
    unnamed = {key: value for key, value in billing.items() if key != "address_type"}
    cityless = {key: value for key, value in billing.items() if key != "city"}
    for invalid, field in ((unnamed, "address_type"), (cityless, "city")):
        answer = api.send("PUT", f"{ORDERS}/{order_id}", {"entity": invalid})
        assert (answer.status_code, answer.json()["parameters"]) == (400, [field]), answer.text
        assert not api.documented("PUT", f"{ORDERS}/{{parent_id}}", {"entity": invalid}), field
    assert api.documented("PUT", f"{ORDERS}/{{parent_id}}", {"entity": {**unnamed, "entity_id": 1}})

    # shipments through the repository route: empty refused, then one with a track, a comment and a label
    refused = api.send("POST", "/rest/V1/shipment", {"entity": {"order_id": order_id, "items": []}})
    assert (refused.status_code, refused.json()["message"]) == (400, "We cannot create an empty shipment.")
    shipment = ok(
        api.send(
            "POST",
            "/rest/V1/shipment",
            {
                "entity": {
                    "order_id": order_id,
                    "items": [{"order_item_id": shirt, "qty": 1}],
                    "tracks": [{"track_number": "1Z1", "carrier_code": "ups", "title": "UPS"}],
                    "comments": [{"comment": "Box one", "is_visible_on_front": 1}],
                    "shipping_label": "JVBERi0xLjQ=",
                }
            },
        )
    )
    shipment_id = shipment["entity_id"]
    assert [(c["comment"], c["is_visible_on_front"]) for c in shipment["comments"]] == [("Box one", 1)]
    assert ok(api.get(f"/rest/V1/shipment/{shipment_id}/label")) == "JVBERi0xLjQ="
    track = ok(
        api.send(
            "POST",
            "/rest/V1/shipment/track",
            {
                "entity": {
                    "parent_id": shipment_id,
                    "order_id": order_id,
                    "track_number": "JJD2",
                    "carrier_code": "dhl",
                    "weight": 1.5,
                    "qty": 1,
                }
            },
        )
    )
    assert (track["parent_id"], track["order_id"], track["weight"], track["qty"]) == (shipment_id, order_id, 1.5, 1)
    assert [t["track_number"] for t in ok(api.get(f"/rest/V1/shipment/{shipment_id}"))["tracks"]] == ["1Z1", "JJD2"]
    assert ok(api.send("DELETE", f"/rest/V1/shipment/track/{track['entity_id']}")) is True
    again = api.send("DELETE", f"/rest/V1/shipment/track/{track['entity_id']}")
    assert (again.status_code, again.json()) == (404, ENTITY_MISSING)
    noted = ok(api.send("POST", f"/rest/V1/shipment/{shipment_id}/comments", {"entity": {"comment": "Left dock"}}))
    assert (noted["parent_id"], noted["comment"], noted["is_visible_on_front"]) == (shipment_id, "Left dock", 0)
    listed = ok(api.get(f"/rest/V1/shipment/{shipment_id}/comments"))
    assert [c["comment"] for c in listed["items"]] == ["Box one", "Left dock"] and listed["total_count"] == 2
    assert ok(api.send("POST", f"/rest/V1/shipment/{shipment_id}/emails")) is True
    assert ok(api.get(f"/rest/V1/shipment/{shipment_id}"))["email_sent"] == 1

    # an invoice: comments and email
    invoice_id = ok(api.send("POST", f"/rest/V1/order/{order_id}/invoice", {}))
    comment = ok(
        api.send("POST", "/rest/V1/invoices/comments", {"entity": {"parent_id": invoice_id, "comment": "Paid"}})
    )
    assert (comment["parent_id"], comment["comment"]) == (invoice_id, "Paid")
    missing = api.send("POST", "/rest/V1/invoices/comments", {"entity": {"comment": "Paid"}})
    assert (missing.status_code, missing.json()["parameters"]) == (400, ["parent_id"])
    assert ok(api.send("POST", f"/rest/V1/invoices/{invoice_id}/emails")) is True
    assert ok(api.get(f"/rest/V1/invoices/{invoice_id}"))["email_sent"] == 1

    # a credit memo through the repository route; comments, email, and the cancel Magento refuses
    memo = ok(
        api.send(
            "POST",
            "/rest/V1/creditmemo",
            {"entity": {"order_id": order_id, "items": [{"order_item_id": socks, "qty": 1}], "shipping_amount": 0}},
        )
    )
    assert (memo["order_id"], memo["grand_total"], [i["sku"] for i in memo["items"]]) == (order_id, 4.9966, ["SOCKS"])
    ok(api.send("POST", f"/rest/V1/creditmemo/{memo['entity_id']}/comments", {"entity": {"comment": "Torn"}}))
    assert [c["comment"] for c in ok(api.get(f"/rest/V1/creditmemo/{memo['entity_id']}/comments"))["items"]] == ["Torn"]
    assert ok(api.send("POST", f"/rest/V1/creditmemo/{memo['entity_id']}/emails")) is True
    cancel = api.send("PUT", f"/rest/V1/creditmemo/{memo['entity_id']}")
    assert (cancel.status_code, cancel.json()["message"]) == (400, "You can not cancel Credit Memo")
    assert ok(api.send("POST", f"{ORDERS}/{order_id}/emails")) is True
    assert ok(api.get(f"{ORDERS}/{order_id}"))["email_sent"] == 1

    published = events(api)
    topics = [topic for topic, _ in published]
    for topic in (
        "sales.shipment.created",
        "sales.shipment.notified",
        "sales.invoice.created",
        "sales.invoice.notified",
        "sales.creditmemo.created",
        "sales.creditmemo.notified",
        "sales.order.notified",
        "sales.order.status_changed",
    ):
        assert topic in topics
    invoiced = next(payload for topic, payload in published if topic == "sales.invoice.created")
    assert invoiced == {
        "invoice_id": invoice_id,
        "order_id": order_id,
        "increment_id": created["increment_id"],
        "store_id": 1,
        "state": 2,
    }


def test_hold_and_cancel_through_async_and_bulk_with_their_events(sales_api: Harness) -> None:
    api = sales_api
    first, second = (ok(api.send("POST", ORDERS, {"entity": entity(invoiced=False)})) for _ in range(2))
    events(api)
    queued = api.send("POST", f"/rest/async/V1/order/{first['entity_id']}/invoice", {"capture": True})
    bulk = api.send("POST", "/rest/async/bulk/V1/orders/byId/hold", [{"id": second["entity_id"]}])
    assert queued.status_code == bulk.status_code == 202, bulk.text
    api.drain()
    assert ok(api.get(f"{ORDERS}/{first['entity_id']}"))["state"] == "processing"
    assert ok(api.get(f"{ORDERS}/{second['entity_id']}"))["state"] == "holded"
    bulk = api.send("POST", "/rest/async/bulk/V1/orders/byId/cancel", [{"id": second["entity_id"]}])
    api.drain()
    status = ok(api.get(f"/rest/V1/bulk/{bulk.json()['bulk_uuid']}/detailed-status"))
    assert status["operations_list"][0]["result_serialized_data"] == "false"  # an order on hold cannot be canceled
    ok(api.send("POST", f"{ORDERS}/{second['entity_id']}/unhold"))
    assert ok(api.send("POST", f"{ORDERS}/{second['entity_id']}/cancel")) is True
    topics = [(topic, payload.get("state")) for topic, payload in events(api)]
    assert ("sales.invoice.created", 2) in topics
    assert ("sales.order.held", "holded") in topics
    assert ("sales.order.unheld", "new") in topics
    assert ("sales.order.canceled", "canceled") in topics

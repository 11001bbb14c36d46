"""Invoices, shipments, credit memos, cancel and hold through the REST API, as a Magento client uses them: the
quantities and totals each document leaves, the states the order goes through, and Magento's refusals."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from conveyor.api.search import Filter, FilterGroup, SearchCriteria, SortOrder
from tests.integration.api.harness import Harness
from tests.integration.api.test_orders_api import ENTITY_MISSING, ORDERS, entity

INVOICE_ERRORS = "Invoice Document Validation Error(s):\n"
CREDITMEMO_ERRORS = "Creditmemo Document Validation Error(s):\n"
SHIPMENT_ERRORS = "Shipment Document Validation Error(s):\n"


def place(api: Harness, method: str = "checkmo", **values: Any) -> dict[str, Any]:
    """A new order, nothing invoiced: a configurable shirt (2, with its child) and socks (3); 64.37 in all."""
    payload = entity(invoiced=False, **values)
    payload["payment"]["method"] = method
    created = api.send("POST", ORDERS, {"entity": payload})
    assert created.status_code == 200, created.text
    return dict(created.json())


def refused(answer: Any, message: str, parameters: list[str] | None = None, status: int = 400) -> None:
    body = answer.json()
    assert (answer.status_code, body["message"], body.get("parameters", [])) == (status, message, parameters or []), (
        answer.text
    )


def order(api: Harness, order_id: int) -> dict[str, Any]:
    return dict(api.get(f"{ORDERS}/{order_id}").json())


def quantities(found: dict[str, Any], name: str) -> list[Any]:
    return [item[name] for item in found["items"]]


def search(api: Harness, path: str, field: str, value: Any, key: str = "entity_id") -> dict[str, Any]:
    criteria = SearchCriteria((FilterGroup((Filter(field, str(value)),)),), (SortOrder(key),))
    answer = api.get(f"/rest/V1/{path}?{urlencode(criteria.to_query())}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_invoice_partially_ship_refund_until_closed(api: Harness) -> None:
    placed = place(api)
    order_id = placed["entity_id"]
    shirt, _child, socks = (item["item_id"] for item in placed["items"])
    assert [i["extension_attributes"]["line_number"] for i in placed["items"] if i.get("parent_item_id") is None] == [
        "0010",
        "0020",
    ]
    assert "line_number" not in placed["items"][1].get("extension_attributes", {})  # children are not numbered
    invoice_url = f"/rest/V1/order/{order_id}/invoice"

    # hold: nothing can be invoiced; unhold restores state and status
    assert api.send("POST", f"{ORDERS}/{order_id}/hold").json() is True
    held = order(api, order_id)
    assert (held["state"], held["status"], held["hold_before_state"], held["hold_before_status"]) == (
        "holded",
        "holded",
        "new",
        "pending",
    )
    refused(
        api.send("POST", invoice_url, {}),
        INVOICE_ERRORS + "An invoice cannot be created when an order has a status of holded",
    )
    refused(api.send("POST", f"{ORDERS}/{order_id}/hold"), "A hold action is not available.")
    assert api.send("POST", f"{ORDERS}/{order_id}/unhold").json() is True
    refused(api.send("POST", f"{ORDERS}/{order_id}/unhold"), "You cannot remove the hold.")
    unheld = order(api, order_id)
    assert (unheld["state"], unheld["status"], unheld.get("hold_before_state")) == ("new", "pending", None)

    # a partial invoice: one shirt; the first invoice carries the shipping, a check is paid at once
    refused(
        api.send("POST", invoice_url, {"items": [{"order_item_id": socks, "qty": 4}]}),
        INVOICE_ERRORS
        + 'The quantity to invoice must not be greater than the uninvoiced quantity for product SKU "SOCKS".',
    )
    refused(
        api.send("POST", invoice_url, {"items": [{"order_item_id": 999999, "qty": 1}]}),
        INVOICE_ERRORS + "The invoice contains one or more items that are not part of the original order.",
    )
    first = api.send(
        "POST",
        invoice_url,
        {
            "items": [{"order_item_id": shirt, "qty": 1}],
            "notify": True,
            "appendComment": True,
            "comment": {"comment": "Part one", "is_visible_on_front": 1},
        },
    )
    assert first.status_code == 200, first.text
    invoice = api.get(f"/rest/V1/invoices/{first.json()}").json()
    assert (invoice["order_id"], invoice["state"], invoice["total_qty"], invoice["email_sent"]) == (order_id, 2, 1, 1)
    assert (invoice["subtotal"], invoice["shipping_amount"], invoice["grand_total"]) == (19.99, 5, 24.99)
    assert [(i["order_item_id"], i["sku"], i["qty"], i["row_total"]) for i in invoice["items"]] == [
        (shirt, "SHIRT-RED-M", 1, 19.99)
    ]
    assert [(c["comment"], c["is_visible_on_front"]) for c in invoice["comments"]] == [("Part one", 1)]
    partly = order(api, order_id)
    assert (partly["state"], partly["status"]) == ("processing", "processing")
    assert quantities(partly, "qty_invoiced") == [1, 1, 0]  # the child follows its parent
    assert (partly["total_invoiced"], partly["total_paid"], partly["base_total_paid"]) == (24.99, 24.99, 24.99)
    assert partly["total_due"] == 39.38

    # ship everything: processing until everything is invoiced too
    assert api.send("POST", f"/rest/V1/order/{order_id}/ship", {}).status_code == 200
    assert order(api, order_id)["state"] == "processing"
    refused(
        api.send("POST", f"/rest/V1/order/{order_id}/ship", {}),
        SHIPMENT_ERRORS + "The order does not allow a shipment to be created.",
    )

    # the last invoice takes what is left of each total; everything invoiced and shipped: complete
    rest = api.send("POST", "/rest/V1/invoices", {"entity": {"order_id": order_id}})
    assert rest.status_code == 200, rest.text
    assert (rest.json()["grand_total"], rest.json()["shipping_amount"], rest.json()["tax_amount"]) == (39.38, 0, 4.4)
    complete = order(api, order_id)
    assert (complete["state"], complete["status"], complete["total_paid"]) == ("complete", "complete", 64.37)
    assert quantities(complete, "qty_invoiced") == [2, 2, 3]
    refused(
        api.send("POST", invoice_url, {}),
        INVOICE_ERRORS + "An invoice cannot be created when an order has a status of complete",
    )

    # refunds: a partial one keeps the order complete; more money than paid is refused; the rest closes it
    refund_url = f"/rest/V1/order/{order_id}/refund"
    refused(
        api.send("POST", refund_url, {"items": [{"order_item_id": socks, "qty": 4}]}),
        CREDITMEMO_ERRORS
        + 'The quantity to creditmemo must not be greater than the unrefunded quantity for product SKU "SOCKS".',
    )
    refused(
        api.send("POST", refund_url, {"arguments": {"adjustment_positive": 1000}}),
        CREDITMEMO_ERRORS + "The most money available to refund is %1.",
        ["64.37"],
    )
    memo = api.send(
        "POST",
        refund_url,
        {
            "items": [{"order_item_id": socks, "qty": 1}],
            "arguments": {"shipping_amount": 0},
            "comment": {"comment": "Hole"},
        },
    )
    assert memo.status_code == 200, memo.text
    credit = api.get(f"/rest/V1/creditmemo/{memo.json()}").json()
    assert (credit["order_id"], credit["state"], credit["grand_total"], credit["shipping_amount"]) == (
        order_id,
        2,
        4.9966,
        0,
    )
    assert [(c["comment"], c["parent_id"]) for c in credit["comments"]] == [("Hole", memo.json())]
    partial = order(api, order_id)
    assert (partial["state"], partial["total_refunded"], partial["total_offline_refunded"]) == (
        "complete",
        4.9966,
        4.9966,
    )
    assert quantities(partial, "qty_refunded") == [0, 0, 1]
    closing = api.send("POST", refund_url, {})
    assert closing.status_code == 200, closing.text
    closed = order(api, order_id)
    assert (closed["state"], closed["status"], closed["total_refunded"]) == ("closed", "closed", 64.37)
    assert quantities(closed, "qty_refunded") == [2, 2, 3]
    assert closed["payment"]["amount_refunded"] == 64.37
    refused(
        api.send("POST", refund_url, {}),
        CREDITMEMO_ERRORS + "A creditmemo can not be created when an order has a status of closed",
    )

    # read back through the searches and the comment lists
    invoices = search(api, "invoices", "order_id", order_id)
    assert [i["entity_id"] for i in invoices["items"]] == [first.json(), rest.json()["entity_id"]]
    assert invoices["total_count"] == 2
    memos = search(api, "creditmemos", "order_id", order_id)
    assert [m["entity_id"] for m in memos["items"]] == [memo.json(), closing.json()]
    assert [m["grand_total"] for m in memos["items"]] == [4.9966, 59.3734]
    listed = api.get(f"/rest/V1/invoices/{first.json()}/comments").json()
    assert (listed["total_count"], listed["items"][0]["comment"]) == (1, "Part one")
    assert listed["search_criteria"]["filter_groups"][0]["filters"][0]["field"] == "parent_id"
    histories = api.get(f"{ORDERS}/{order_id}/comments").json()
    assert {(h["comment"], h["entity_name"]) for h in histories["items"]} >= {
        ("Part one", "invoice"),
        ("Hole", "creditmemo"),
    }
    assert api.get(f"{ORDERS}/{order_id}/statuses").json() == "closed"
    assert api.get("/rest/V1/invoices/999999").json() == ENTITY_MISSING
    assert api.get("/rest/V1/creditmemo/999999").json() == ENTITY_MISSING


def test_cancel_leaves_what_was_invoiced_and_the_states_refuse_documents(api: Harness) -> None:
    untouched = place(api)["entity_id"]
    assert api.send("POST", f"{ORDERS}/{untouched}/cancel").json() is True
    canceled = order(api, untouched)
    assert (canceled["state"], canceled["status"]) == ("canceled", "canceled")
    assert quantities(canceled, "qty_canceled") == [2, 2, 3]
    assert (canceled["total_canceled"], canceled["subtotal_canceled"]) == (64.37, 54.97)
    assert api.send("POST", f"{ORDERS}/{untouched}/cancel").json() is False  # Magento answers false
    refused(api.send("POST", f"{ORDERS}/{untouched}/hold"), "A hold action is not available.")
    refused(
        api.send("POST", f"/rest/V1/order/{untouched}/ship", {}),
        SHIPMENT_ERRORS + "A shipment cannot be created when an order has a status of %1",
        ["canceled"],
    )
    refused(
        api.send("POST", f"/rest/V1/order/{untouched}/invoice", {}),
        INVOICE_ERRORS + "An invoice cannot be created when an order has a status of canceled",
    )
    refused(
        api.send("POST", f"/rest/V1/order/{untouched}/refund", {}),
        CREDITMEMO_ERRORS + "A creditmemo can not be created when an order has a status of canceled",
    )

    # invoiced in part: what is left is canceled; what was invoiced can still ship and be refunded
    partly = place(api)
    shirt = partly["items"][0]["item_id"]
    api.send("POST", f"/rest/V1/order/{partly['entity_id']}/invoice", {"items": [{"order_item_id": shirt, "qty": 1}]})
    assert api.send("POST", f"{ORDERS}/{partly['entity_id']}/cancel").json() is True
    after = order(api, partly["entity_id"])
    assert (after["state"], after["status"]) == ("processing", "processing")
    assert quantities(after, "qty_canceled") == [1, 1, 3]
    assert after["total_canceled"] == 39.38
    assert api.send("POST", f"/rest/V1/order/{partly['entity_id']}/ship", {}).status_code == 200
    shipped = order(api, partly["entity_id"])
    assert (shipped["state"], quantities(shipped, "qty_shipped")) == ("complete", [1, 1, 0])
    assert quantities(shipped, "qty_canceled") == [1, 1, 3]
    numbers = [i.get("extension_attributes", {}).get("line_number") for i in shipped["items"]]
    assert numbers == ["0010", None, "0020"]  # canceled items keep their numbers
    missing = api.send("POST", f"{ORDERS}/999999/cancel")
    assert (missing.status_code, missing.json()) == (404, ENTITY_MISSING)


def test_online_payment_authorize_capture_void_and_refund_online_with_transactions(api: Harness) -> None:
    placed = place(api, method="braintree")
    order_id = placed["entity_id"]
    authorized = api.send("POST", f"/rest/V1/order/{order_id}/invoice", {"capture": False})
    invoice_id = authorized.json()
    assert api.get(f"/rest/V1/invoices/{invoice_id}").json()["state"] == 1  # open: authorized, not paid
    assert (order(api, order_id).get("total_paid"), order(api, order_id)["total_invoiced"]) == (None, 64.37)
    refused(api.send("POST", f"/rest/V1/invoices/{invoice_id}/void"), "The void action is not available.")
    assert api.send("POST", f"/rest/V1/invoices/{invoice_id}/capture").json() is True
    captured = api.get(f"/rest/V1/invoices/{invoice_id}").json()
    assert (captured["state"], captured["can_void_flag"]) == (2, 1)
    assert captured["transaction_id"] == f"{placed['increment_id']}-capture-{invoice_id}"
    assert order(api, order_id)["total_paid"] == 64.37
    refused(api.send("POST", f"/rest/V1/invoices/{invoice_id}/capture"), "The capture action is not available.")

    assert api.send("POST", f"/rest/V1/invoices/{invoice_id}/void").json() is True
    voided = order(api, order_id)
    assert (api.get(f"/rest/V1/invoices/{invoice_id}").json()["state"], voided["state"]) == (3, "processing")
    assert (voided["total_paid"], voided["total_invoiced"], quantities(voided, "qty_invoiced")) == (0, 0, [0, 0, 0])

    paid = api.send("POST", f"/rest/V1/order/{order_id}/invoice", {"capture": True}).json()
    memo = api.send("POST", f"/rest/V1/invoice/{paid}/refund", {"isOnline": True})
    assert memo.status_code == 200, memo.text
    refunded = order(api, order_id)
    assert (refunded["total_online_refunded"], refunded["total_refunded"], refunded["state"]) == (
        64.37,
        64.37,
        "closed",
    )
    assert refunded.get("total_offline_refunded") is None
    assert api.get(f"/rest/V1/invoices/{paid}").json()["base_total_refunded"] == 64.37

    transactions = search(api, "transactions", "order_id", order_id, "transaction_id")
    by_type = {t["txn_type"]: t for t in transactions["items"]}
    assert sorted(by_type) == ["capture", "refund", "void"] and transactions["total_count"] == 4
    capture = next(t for t in transactions["items"] if t["txn_id"].endswith(f"-capture-{paid}"))
    one = api.get(f"/rest/V1/transactions/{capture['transaction_id']}").json()
    assert [(c["txn_type"], c["parent_txn_id"]) for c in one["child_transactions"]] == [("refund", capture["txn_id"])]
    assert api.get("/rest/V1/transactions/999999").json() == ENTITY_MISSING

    # an offline payment records no transaction and refunds nothing online
    check = place(api)
    invoice = api.send("POST", f"/rest/V1/order/{check['entity_id']}/invoice", {}).json()
    refused(api.send("POST", f"/rest/V1/invoices/{invoice}/void"), "The void action is not available.")
    refused(
        api.send("POST", f"/rest/V1/invoice/{invoice}/refund", {"isOnline": True}),
        CREDITMEMO_ERRORS + "We can't create creditmemo for the invoice.",
    )
    assert search(api, "transactions", "order_id", check["entity_id"], "transaction_id")["total_count"] == 0
    memo = api.send(
        "POST",
        "/rest/V1/creditmemo/refund",
        {"creditmemo": {"order_id": check["entity_id"], "invoice_id": invoice, "items": []}, "offlineRequested": True},
    )
    assert memo.status_code == 200, memo.text
    assert (memo.json()["invoice_id"], memo.json()["grand_total"]) == (invoice, 64.37)
    assert order(api, check["entity_id"])["state"] == "closed"


def test_a_refund_against_an_invoice_refunds_no_more_than_it_billed(api: Harness) -> None:
    placed = place(api)
    order_id = placed["entity_id"]
    shirt, _, socks = (item["item_id"] for item in placed["items"])
    first = ok_id(
        api.send("POST", f"/rest/V1/order/{order_id}/invoice", {"items": [{"order_item_id": shirt, "qty": 1}]})
    )
    ok_id(api.send("POST", f"/rest/V1/order/{order_id}/invoice", {}))
    too_many = (
        CREDITMEMO_ERRORS
        + 'The quantity to creditmemo must not be greater than the unrefunded quantity for product SKU "%s".'
    )
    refund = f"/rest/V1/invoice/{first}/refund"
    refused(api.send("POST", refund, {"items": [{"order_item_id": socks, "qty": 1}]}), too_many % "SOCKS")
    refused(api.send("POST", refund, {"items": [{"order_item_id": shirt, "qty": 2}]}), too_many % "SHIRT-RED-M")
    memo = ok_id(
        api.send("POST", refund, {"items": [{"order_item_id": shirt, "qty": 1}], "arguments": {"shipping_amount": 0}})
    )
    assert api.get(f"/rest/V1/creditmemo/{memo}").json()["invoice_id"] == first
    refused(api.send("POST", refund, {"items": [{"order_item_id": shirt, "qty": 1}]}), too_many % "SHIRT-RED-M")
    assert quantities(order(api, order_id), "qty_refunded") == [1, 1, 0]


def ok_id(answer: Any) -> int:
    assert answer.status_code == 200, answer.text
    return int(answer.json())


def test_valid_documents_an_order_refuses_are_listed_and_invalid_quantities_and_amounts_are_declared(
    sqlite_api: Harness,
) -> None:
    """An order's refusals of a valid invoice, shipment or refund are listed per route (their reasons filled in);
    what is refused whatever the order holds (a negative or unreadable quantity, an amount past its column) is
    invalid in the document, and an amount ``decimal`` cannot round is a 400, not a 500."""
    api = sqlite_api
    placed = place(api)
    order_id = placed["entity_id"]
    shirt, _, socks = (item["item_id"] for item in placed["items"])
    document = api.client.get("/openapi.json").json()["paths"]
    routes = {
        "invoice": (f"/rest/V1/order/{order_id}/invoice", "/rest/V1/order/{orderId}/invoice"),
        "ship": (f"/rest/V1/order/{order_id}/ship", "/rest/V1/order/{orderId}/ship"),
        "refund": (f"/rest/V1/order/{order_id}/refund", "/rest/V1/order/{orderId}/refund"),
    }
    unknown = api.send("POST", routes["invoice"][0], {"items": [{"order_item_id": 999, "qty": 1}]})
    assert unknown.status_code == 400 and unknown.json()["message"].startswith(INVOICE_ERRORS)
    assert document[routes["invoice"][1]]["post"]["x-conveyor-refusals"] == {"400": [INVOICE_ERRORS + "%1"]}
    over = api.send("POST", routes["ship"][0], {"items": [{"order_item_id": socks, "qty": 4}]})
    assert over.status_code == 400
    assert over.json()["message"] in document[routes["ship"][1]]["post"]["x-conveyor-refusals"]["400"]
    for name, (url, path) in routes.items():
        for qty in (-1, "1E999", 0.00001 if name == "ship" else -0.5):
            body = {"items": [{"order_item_id": shirt, "qty": qty}]}
            answer = api.send("POST", url, body)
            assert (answer.status_code, answer.json()["parameters"][-1:]) == (400, ["qty"]), (name, answer.text)
            assert not api.documented("POST", path, body), (name, qty)
        assert api.documented("POST", path, {"items": [{"order_item_id": shirt, "qty": "1.5"}]})
    ok_id(api.send("POST", routes["invoice"][0], {}))
    for amount in ("1E999", 10**20):
        refund: dict[str, Any] = {"items": [], "arguments": {"shipping_amount": amount}}
        answer = api.send("POST", routes["refund"][0], refund)
        assert answer.status_code == 400, answer.text  # "1E999" was a 500: decimal could not round it
        assert not api.documented("POST", routes["refund"][1], refund)

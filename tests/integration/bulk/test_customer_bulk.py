"""Magento's asynchronous bulk example with customers, on the DB queue of each database and on RabbitMQ."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import sqlalchemy as sa

from conveyor.bulk.schema import operation_table
from conveyor.catalog.customers import DUPLICATE_EMAIL, customer_table
from tests.integration.api.harness import Harness

BULK = "/rest/async/bulk/V1/customers"


def item(email: str, first: str, last: str) -> dict[str, Any]:
    return {"customer": {"email": email, "firstname": first, "lastname": last}, "password": "Strong-Password1"}


def customers_in_store(api: Harness) -> list[tuple[str, str]]:
    with api.engine.connect() as conn:
        c = customer_table.c
        return [(e, f) for e, f in conn.execute(sa.select(c.email, c.firstname).order_by(c.entity_id))]


def operations_of(api: Harness, bulk_uuid: str) -> list[dict[str, Any]]:
    found = api.get(f"/rest/V1/bulk/{bulk_uuid}/detailed-status")
    assert found.status_code == 200, found.text
    return list(found.json()["operations_list"])


def test_magento_example_two_complete_and_two_duplicates_fail(bulk_api: Harness) -> None:
    existing = bulk_api.send("POST", "/rest/V1/customers", item("tgomez@example.com", "Teresa", "Gomez"))
    assert existing.status_code == 200, existing.text
    items = [
        item("mshaw@example.com", "Melanie", "Shaw"),
        item("bmartin@example.com", "Bryce", "Martin"),
        item("BMartin@example.com", "Bryce", "Again"),  # the same email as the item before, in the same website
        item("tgomez@example.com", "Teresa", "Twice"),  # the customer who exists already
    ]
    sent = bulk_api.send("POST", BULK, items)
    assert sent.status_code == 202, sent.text
    answer = sent.json()
    assert answer["errors"] is False
    assert [(i["id"], i["status"]) for i in answer["request_items"]] == [(n, "accepted") for n in range(4)]
    with bulk_api.engine.connect() as conn:
        stored = list(
            conn.execute(
                sa.select(operation_table.c.serialized_data)
                .where(operation_table.c.bulk_uuid == answer["bulk_uuid"])
                .order_by(operation_table.c.operation_key)
            ).scalars()
        )
    assert [i["data_hash"] for i in answer["request_items"]] == [hashlib.sha256(s.encode()).hexdigest() for s in stored]
    assert [orjson.loads(s)["body"]["customer"]["lastname"] for s in stored] == ["Shaw", "Martin", "Again", "Twice"]
    assert customers_in_store(bulk_api) == [("tgomez@example.com", "Teresa")]  # nothing before the consumer runs

    bulk_api.drain()
    operations = operations_of(bulk_api, answer["bulk_uuid"])
    assert [op["status"] for op in operations] == [1, 1, 3, 3]
    assert [op.get("result_message") for op in operations] == [None, None, DUPLICATE_EMAIL, DUPLICATE_EMAIL]
    results = [orjson.loads(op["result_serialized_data"]) for op in operations[:2]]
    assert [(r["email"], r["firstname"], r["website_id"]) for r in results] == [
        ("mshaw@example.com", "Melanie", 1),
        ("bmartin@example.com", "Bryce", 1),
    ]
    summary = bulk_api.get(f"/rest/V1/bulk/{answer['bulk_uuid']}/status").json()
    assert (summary["status"], summary["operation_count"]) == (3, 4)  # finished with failure
    assert customers_in_store(bulk_api) == [
        ("tgomez@example.com", "Teresa"),
        ("mshaw@example.com", "Melanie"),
        ("bmartin@example.com", "Bryce"),
    ]
    assert {r["id"] for r in results} == {
        c["id"] for c in bulk_api.get("/rest/V1/customers/search?searchCriteria").json()["items"][1:]
    }


def test_a_malformed_item_is_rejected_by_name_and_the_others_are_processed(bulk_api: Harness) -> None:
    nameless: dict[str, Any] = {"customer": {"firstname": "No", "lastname": "Email"}}
    items = [
        item("one@example.com", "One", "Ok"),
        nameless,
        item("two@example.com", "Two", "Ok"),
        item("bad", "B", "C"),
    ]
    answer = bulk_api.send("POST", BULK, items).json()
    assert answer["errors"] is True
    assert [i["status"] for i in answer["request_items"]] == ["accepted", "rejected", "accepted", "rejected"]
    assert answer["request_items"][1]["error_message"] == '"customer.email" is required. Enter and try again.'
    assert (
        answer["request_items"][3]["error_message"] == 'Invalid value of "bad" provided for the customer.email field.'
    )
    bulk_api.drain()
    assert [op["status"] for op in operations_of(bulk_api, answer["bulk_uuid"])] == [1, 5, 1, 5]
    assert customers_in_store(bulk_api) == [("one@example.com", "One"), ("two@example.com", "Two")]

    ids = [c["id"] for c in bulk_api.get("/rest/V1/customers/search?searchCriteria").json()["items"]]
    renamed = bulk_api.send(
        "PUT",
        f"{BULK}/byCustomerId",
        [
            {"customerId": ids[0], "customer": {"email": "one@example.com", "firstname": "Uno", "lastname": "Ok"}},
            {"customerId": 999999, "customer": {"email": "x@example.com", "firstname": "X", "lastname": "Y"}},
        ],
    )
    assert renamed.status_code == 202, renamed.text
    bulk_api.drain()
    updates = operations_of(bulk_api, renamed.json()["bulk_uuid"])
    assert [(op["status"], op.get("result_message")) for op in updates] == [
        (1, None),
        (3, "No such entity with customerId = 999999"),
    ]
    assert customers_in_store(bulk_api)[0] == ("one@example.com", "Uno")

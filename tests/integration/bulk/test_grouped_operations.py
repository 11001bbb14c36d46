"""The bulk consumer's batches: one transaction per reserved batch, a savepoint per operation, and runs of one
topic grouped through the operation's batch implementation (products through one ``save_many``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from conveyor.bulk.consumer import OperationConsumer, OperationRunner
from conveyor.bulk.schema import operation_table
from conveyor.bulk.topology import QUEUE
from conveyor.catalog.products import product_table
from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.middleware import MaxMessages, StopWhenEmpty
from conveyor.mq.middleware.base import Middleware
from conveyor.mq.queue import Transaction
from tests.integration.api.harness import Harness, harness
from tests.integration.api.test_products_api import product_side

BULK = "/rest/async/bulk/V1/products"


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest) -> Iterator[Harness]:
    db_url = str(request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[request.param]))
    with harness(db_url, registry=product_side()) as app:
        yield app


class Calls:
    """Counts the registry's single and grouped runs, delegating to it."""

    def __init__(self, api: Harness) -> None:
        self.api = api
        self.single: list[str] = []
        self.grouped: list[int] = []

    def run(self, transaction: Transaction, topic: str, data: Any, user_type: int, user_id: int | None) -> Any:
        self.single.append(topic)
        return self.api.registry.run_serialized(transaction, topic, data, user_type, user_id)

    def run_batch(
        self, transaction: Transaction, topic: str, data: Sequence[Any], user_type: int, user_id: int | None
    ) -> list[Any]:
        self.grouped.append(len(data))
        return self.api.registry.run_serialized_batch(transaction, topic, data, user_type, user_id)


def consume(api: Harness, consumer: OperationConsumer, *middleware: Middleware, max_attempts: int = 3) -> None:
    options = ConsumerOptions(batch_size=100, sleep=0.02, max_attempts=max_attempts, retry_delay=0.0)
    Worker(api.mq, {QUEUE: consumer}, options, [*middleware, StopWhenEmpty()]).run()


def grouped(api: Harness, calls: Calls) -> OperationConsumer:
    return OperationConsumer(api.mq, calls.run, calls.run_batch, api.registry.has_batch)


def product(n: int, **overrides: Any) -> dict[str, Any]:
    return {
        "product": {
            "sku": f"G-{n:02}",
            "name": f"Grouped {n}",
            "attribute_set_id": 4,
            "price": 10 + n,
            "status": 1,
            "visibility": 4,
            "type_id": "simple",
            **overrides,
        }
    }


def operations(api: Harness, bulk_uuid: str) -> list[dict[str, Any]]:
    found = api.get(f"/rest/V1/bulk/{bulk_uuid}/detailed-status")
    assert found.status_code == 200, found.text
    return sorted(found.json()["operations_list"], key=lambda op: op["id"])


def stored_skus(api: Harness) -> set[str]:
    with api.engine.connect() as conn:
        return set(conn.execute(sa.select(product_table.c.sku)).scalars())


def test_valid_products_are_saved_through_one_batch_call(api: Harness) -> None:
    bulk_uuid = api.send("POST", BULK, [product(n) for n in range(12)]).json()["bulk_uuid"]
    calls = Calls(api)
    consume(api, grouped(api, calls))
    assert calls.grouped == [12] and calls.single == []
    ops = operations(api, bulk_uuid)
    assert [op["status"] for op in ops] == [1] * 12
    with api.engine.connect() as conn:
        results = conn.execute(
            sa.select(operation_table.c.result_serialized_data)
            .where(operation_table.c.bulk_uuid == bulk_uuid)
            .order_by(operation_table.c.operation_key)
        ).scalars()
        assert [orjson.loads(r)["sku"] for r in results] == [f"G-{n:02}" for n in range(12)]
    assert api.get("/rest/V1/products/G-07").json()["price"] == 17


def test_one_item_failing_in_the_repository_fails_alone(api: Harness) -> None:
    items = [product(n) for n in range(8)]
    items[5] = product(5, attribute_set_id=987654)  # valid at intake, unknown to the repository
    sent = api.send("POST", BULK, items).json()
    assert sent["errors"] is False
    calls = Calls(api)
    consume(api, grouped(api, calls))
    assert calls.grouped == [8]  # tried as a group, then one by one
    assert calls.single == ["async.V1.products.POST"] * 8
    ops = operations(api, sent["bulk_uuid"])
    assert [op["status"] for op in ops] == [1, 1, 1, 1, 1, 3, 1, 1]
    failed = ops[5]
    assert failed["error_code"] == 400
    assert failed["result_message"] == 'The "attribute_set_id" attribute value is not valid: 987654'
    assert stored_skus(api) == {f"G-{n:02}" for n in range(8) if n != 5}
    assert api.mq.transport_for_queue(QUEUE).dead_letters(QUEUE) == []


def test_updates_by_sku_are_grouped_and_a_repeated_sku_applies_in_order(api: Harness) -> None:
    api.send("POST", BULK, [product(n) for n in range(3)])
    consume(api, grouped(api, Calls(api)))
    updates = [{"sku": f"G-{n:02}", "product": {"price": 100 + n}} for n in range(3)]
    calls = Calls(api)
    first = api.send("PUT", BULK + "/bySku", updates).json()["bulk_uuid"]
    consume(api, grouped(api, calls))
    assert calls.grouped == [3] and calls.single == []
    assert [op["status"] for op in operations(api, first)] == [1, 1, 1]
    assert [api.get(f"/rest/V1/products/G-{n:02}").json()["price"] for n in range(3)] == [100, 101, 102]
    twice = [{"sku": "G-00", "product": {"price": 5}}, {"sku": "G-00", "product": {"price": 6}}]
    second = api.send("PUT", BULK + "/bySku", twice).json()["bulk_uuid"]
    consume(api, grouped(api, Calls(api)))
    assert [op["status"] for op in operations(api, second)] == [1, 1]
    assert api.get("/rest/V1/products/G-00").json()["price"] == 6  # the later item wins


def test_a_transient_error_rolls_back_the_whole_batch_and_every_message_is_retried(api: Harness) -> None:
    bulk_uuid = api.send("POST", BULK, [product(n) for n in range(5)]).json()["bulk_uuid"]
    failures: list[int] = []

    def flaky(transaction: Transaction, topic: str, data: Any, user_type: int, user_id: int | None) -> Any:
        result = api.registry.run_serialized(transaction, topic, data, user_type, user_id)
        if result["sku"] == "G-03" and not failures:
            failures.append(1)
            raise ConnectionError("the database went away")
        return result

    runner: OperationRunner = flaky
    consume(api, OperationConsumer(api.mq, runner), MaxMessages(5))
    ops = operations(api, bulk_uuid)
    assert [op["status"] for op in ops] == [2] * 5  # G-00..G-02 ran, but their transaction was rolled back
    assert all("ConnectionError" in op["result_message"] for op in ops)
    assert stored_skus(api) == set()
    consume(api, OperationConsumer(api.mq, runner))
    assert [op["status"] for op in operations(api, bulk_uuid)] == [1] * 5
    assert stored_skus(api) == {f"G-{n:02}" for n in range(5)}


def test_a_bug_fails_its_operation_only_and_dead_letters_its_message(api: Harness) -> None:
    bulk_uuid = api.send("POST", BULK, [product(n) for n in range(4)]).json()["bulk_uuid"]

    def buggy(transaction: Transaction, topic: str, data: Any, user_type: int, user_id: int | None) -> Any:
        result = api.registry.run_serialized(transaction, topic, data, user_type, user_id)
        if result["sku"] == "G-01":
            return 1 / 0
        return result

    consume(api, OperationConsumer(api.mq, buggy))
    ops = operations(api, bulk_uuid)
    assert [(op["status"], op.get("error_code")) for op in ops] == [(1, None), (3, 500), (1, None), (1, None)]
    assert "ZeroDivisionError" in ops[1]["result_message"]
    assert stored_skus(api) == {"G-00", "G-02", "G-03"}  # G-01's writes went with its savepoint
    (letter,) = api.mq.transport_for_queue(QUEUE).dead_letters(QUEUE)
    assert orjson.loads(letter.envelope.body)["operation_key"] == 1
    assert "division by zero" in (letter.error or "")

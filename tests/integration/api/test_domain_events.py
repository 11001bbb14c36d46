"""Domain events through the outbox: a write and its event commit together, and an event no queue is bound to
is not published at all. On every backend, with events bound to a queue of the DB queue and of RabbitMQ."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conveyor.catalog import OrderInput, OrderRepository
from conveyor.catalog.events import ORDER_PLACED, ORDER_STATUS_CHANGED, PRODUCT_DELETED, PRODUCT_SAVED, SHIPMENT_CREATED
from tests.integration.api.harness import Harness, harness
from tests.integration.api.test_orders_api import ORDERS, create, entity

EVENTS_QUEUE = "erp.events"
TOPOLOGY = """
exchanges:
  - name: magento
    bindings:
      - {{id: sales-events, topic: "sales.#", destination: {queue}}}
      - {{id: product-events, topic: "catalog.product.#", destination: {queue}}}
queues: [{queue}]
"""


@pytest.fixture
def events_api(db_url: str, tmp_path: Path) -> Iterator[Harness]:
    """The API with a queue bound to every sales and product event."""
    topology = tmp_path / "events.yaml"
    topology.write_text(TOPOLOGY.format(queue=EVENTS_QUEUE))
    with harness(db_url, topology_files=[topology]) as running:
        yield running


def events(api: Harness) -> list[tuple[str, dict[str, Any]]]:
    """What reached the bound queue since the last call: (topic, payload), in publishing order (acked)."""
    transport = api.mq.transport_for_queue(EVENTS_QUEUE)
    deliveries = transport.reserve(EVENTS_QUEUE, 100, "test")
    for delivery in deliveries:
        transport.ack(delivery)
    return [(d.envelope.topic, d.envelope.json()) for d in deliveries]


def test_an_order_placed_through_the_api_emits_one_event_with_its_commit(events_api: Harness) -> None:
    order = create(events_api)
    assert events(events_api) == [
        (
            ORDER_PLACED,
            {
                "order_id": order["entity_id"],
                "increment_id": order["increment_id"],
                "store_id": order["store_id"],
                "state": order["state"],
                "status": order["status"],
            },
        )
    ]
    refused = events_api.send("POST", ORDERS, {"entity": entity(increment_id=order["increment_id"])})
    assert refused.status_code == 400  # a duplicate number: nothing written, nothing published
    assert events(events_api) == []


def test_an_order_written_in_a_transaction_that_rolls_back_emits_nothing(events_api: Harness) -> None:
    data = OrderInput.model_validate(entity())
    with pytest.raises(RuntimeError, match="after the write"), events_api.mq.transaction() as transaction:
        OrderRepository().create(transaction.conn, data, events=transaction)
        raise RuntimeError("a failure after the write")
    assert events(events_api) == []
    assert events_api.get(ORDERS, params={"searchCriteria[pageSize]": 10}).json()["total_count"] == 0
    with events_api.mq.transaction() as transaction:
        placed = OrderRepository().create(transaction.conn, data, events=transaction)
    assert [(topic, payload["order_id"]) for topic, payload in events(events_api)] == [(ORDER_PLACED, placed.entity_id)]


def test_a_status_change_and_a_shipment_emit_their_events(events_api: Harness) -> None:
    order = create(events_api)
    events(events_api)
    url = f"{ORDERS}/{order['entity_id']}"
    events_api.send("POST", f"{url}/comments", {"statusHistory": {"comment": "Packed"}})
    assert events(events_api) == []  # a comment without a status changes nothing
    events_api.send("POST", f"{url}/comments", {"statusHistory": {"comment": "", "status": "pending_review"}})
    ((topic, changed),) = events(events_api)
    assert (topic, changed["previous_status"], changed["status"]) == (ORDER_STATUS_CHANGED, "pending", "pending_review")
    shipped = events_api.send("POST", f"/rest/V1/order/{order['entity_id']}/ship", {"items": []})
    assert shipped.status_code == 200, shipped.text
    published = events(events_api)
    assert [topic for topic, _ in published] == [SHIPMENT_CREATED, ORDER_STATUS_CHANGED]
    assert published[0][1] == {
        "shipment_id": shipped.json(),
        "order_id": order["entity_id"],
        "increment_id": order["increment_id"],
        "store_id": order["store_id"],
        "external_id": None,
    }
    assert (published[1][1]["previous_status"], published[1][1]["state"]) == ("pending_review", "complete")


def test_product_saves_and_deletes_emit_their_events(events_api: Harness) -> None:
    product = {"sku": "EV-1", "name": "Evented", "price": 5, "attribute_set_id": 4, "type_id": "simple"}
    saved = events_api.send("POST", "/rest/V1/products", {"product": product})
    assert saved.status_code == 200, saved.text
    updated = events_api.send("PUT", "/rest/V1/products/EV-1", {"product": {"name": "Evented again"}})
    assert updated.status_code == 200, updated.text
    assert events_api.send("DELETE", "/rest/V1/products/EV-1").json() is True
    entity_id = saved.json()["id"]
    assert [
        (topic, payload["sku"], payload["entity_id"], payload.get("new")) for topic, payload in events(events_api)
    ] == [
        (PRODUCT_SAVED, "EV-1", entity_id, True),
        (PRODUCT_SAVED, "EV-1", entity_id, False),
        (PRODUCT_DELETED, "EV-1", entity_id, None),
    ]


def test_without_a_bound_queue_no_event_is_published(api: Harness) -> None:
    """The default topology binds nothing to events: placing an order publishes no message anywhere."""
    create(api)
    for queue in api.mq.topology.queues:
        counts = api.mq.transport_for_queue(queue).counts(queue)
        assert counts.waiting + counts.complete == 0, queue
    assert not api.mq.is_bound(ORDER_PLACED)

"""A shipment created by fulfilment sync emits ``sales.shipment.created`` exactly when its command commits; a
second run with the same external id creates nothing and emits nothing. Through the App's bus, as a worker runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from conveyor.app import App
from conveyor.catalog import OrderRepository
from conveyor.catalog.events import SHIPMENT_CREATED
from conveyor.settings import Settings
from conveyor.sync import EntityType, apply_fulfillments, fetch_fulfillments
from conveyor.sync.commands import command_for
from conveyor.sync.simulator import SimulatorServer
from tests.integration.sync.conftest import admin
from tests.integration.sync.store_check import create_orders

QUEUE = "erp.sales"
TOPOLOGY = f"""
exchanges:
  - name: magento
    bindings:
      - {{id: sales, topic: "sales.shipment.#", destination: {QUEUE}}}
queues: [{QUEUE}]
"""


def shipment_events(app: App) -> list[dict[str, Any]]:
    transport = app.mq.transport_for_queue(QUEUE)
    deliveries = transport.reserve(QUEUE, 100, "test")
    for delivery in deliveries:
        transport.ack(delivery)
    assert {d.envelope.topic for d in deliveries} <= {SHIPMENT_CREATED}
    return [d.envelope.json() for d in deliveries]


def shipped_order(sim: SimulatorServer, engine: Engine, db_url: str, tmp_path: Path, order_no: str) -> App:
    """An order in the ERP and in the store that the ERP has shipped; the App of a store with a queue bound to
    shipment events, its source the simulator."""
    topology = tmp_path / "events.yaml"
    topology.write_text(TOPOLOGY)
    sku = sim.simulator.catalogue.products["P00003"].variants[0].sku
    admin(sim, "POST", "orders", {"order_no": order_no, "lines": [{"sku": sku, "quantity": 2}]})
    with engine.begin() as conn:
        create_orders(conn, [sim.simulator.catalogue.orders[order_no]])
    admin(sim, "POST", "change", {"entity_type": "fulfillment", "ids": [order_no]})
    settings = Settings(database_url=db_url, source_url=sim.api_url, rate_limit_enabled=False)
    return App(settings, topology_files=[topology])


def test_fulfilment_sync_emits_one_shipment_event_per_external_id(
    sim: SimulatorServer, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    command = command_for(EntityType.FULFILLMENT, "200000009")
    with shipped_order(sim, engine, db_url, tmp_path, "200000009") as app:
        (fulfillment,) = sim.simulator.catalogue.orders["200000009"].fulfillments
        created = app.bus.handle(command, "inline").value
        assert isinstance(created, list)
        (shipment_id,) = created
        with engine.connect() as conn:
            order = OrderRepository().get_by_increment_id(conn, "200000009")
        assert shipment_events(app) == [
            {
                "shipment_id": shipment_id,
                "order_id": order.entity_id,
                "increment_id": "200000009",
                "store_id": order.store_id,
                "external_id": fulfillment.id,
            }
        ]
        assert app.bus.handle(command, "inline").value == []  # the same external id: nothing new
        assert shipment_events(app) == []


def test_a_fulfilment_whose_transaction_rolls_back_leaves_neither_shipment_nor_event(
    sim: SimulatorServer, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    with shipped_order(sim, engine, db_url, tmp_path, "200000010") as app:
        fetched = fetch_fulfillments(app.sync_source, "200000010")
        with pytest.raises(RuntimeError, match="after the shipment"), app.mq.transaction() as transaction:
            assert len(apply_fulfillments(transaction.conn, fetched, events=transaction)) == 1
            raise RuntimeError("a failure after the shipment")
        assert shipment_events(app) == []
        with engine.connect() as conn:
            order = OrderRepository().get_by_increment_id(conn, "200000010")
            assert OrderRepository().shipments(conn, order.entity_id) == []
        with app.mq.transaction() as transaction:
            (shipment_id,) = apply_fulfillments(transaction.conn, fetched, events=transaction)
        assert [event["shipment_id"] for event in shipment_events(app)] == [shipment_id]

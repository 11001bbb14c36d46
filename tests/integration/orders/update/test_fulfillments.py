"""Fulfilment sync takes the order update's path: a source's fulfilment is the ERP shipment document with its id,
in the same ledger as the files and REST documents. Synced twice (inline, then queued), it ships once with one
ledger row; a fulfilment and an openTRANS DISPATCHNOTIFICATION with the same id ship once, whichever comes first;
a refused fulfilment leaves the order as it was and shows in the sync log with Magento's message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from conveyor.app import App
from conveyor.bus import queue_name, sync_log
from conveyor.catalog import NO_EVENTS
from conveyor.catalog.sales import OrderRepository, shipment_table
from conveyor.mq.consumer import ConsumerOptions
from conveyor.mq.handlers import Assignment
from conveyor.mq.workers import Limits, build_worker
from conveyor.orders.update import Directories, DocumentError, document_table, process_directory
from conveyor.settings import Settings
from conveyor.sync import EntityType, Fulfillment, OrderFulfillments, apply_fulfillments
from conveyor.sync.commands import command_for
from conveyor.sync.models import FulfillmentLine
from conveyor.sync.simulator import SimulatorConfig, SimulatorServer
from tests.integration.orders.update.support import SAMPLES, Shop
from tests.integration.sync.conftest import admin

DISPATCH = "sample_dispatchnotification_opentrans_2_1.xml"  # shipment LA86 of order ORD112: 4000 of SG8, line P697


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(SimulatorConfig(seed=5, customers=1, products=2, orders=0, quota="none")).start()
    yield server
    server.stop()


def ledger(shop: Shop) -> list[tuple[str, str, str, int | None, int | None]]:
    """(external id, status, source, entity id, pipeline id) of every ledger row."""
    d = document_table.c
    with shop.engine.connect() as conn:
        rows = conn.execute(sa.select(d.external_id, d.status, d.source, d.entity_id, d.pipeline_id).order_by(d.id))
        return [tuple(row) for row in rows]


def shipments(shop: Shop, order_id: int) -> list[tuple[int, str | None]]:
    s = shipment_table.c
    with shop.engine.connect() as conn:
        query = sa.select(s.entity_id, s.external_id).where(s.order_id == order_id).order_by(s.entity_id)
        return [(int(i), e) for i, e in conn.execute(query)]


def fulfil(shop: Shop, order_no: str, fulfillment: Fulfillment) -> list[int]:
    with shop.mq.transaction() as tx:
        return apply_fulfillments(tx.conn, OrderFulfillments(order_no, [fulfillment]), events=tx)


def test_a_fulfilment_and_a_dispatch_notification_with_one_id_ship_once(shop: Shop) -> None:
    shop.stock({"SG8": 5000, "SOCKS": 10})
    order = shop.place("ORD112", [("SG8", 4000)])
    la86 = Fulfillment(
        id="LA86",  # the DISPATCHNOTIFICATION_ID of the openTRANS sample
        order_no="ORD112",
        shipped_at=datetime(2026, 12, 1, tzinfo=UTC),
        carrier="dhl",
        carrier_name="DHL",
        tracking_numbers=["PACK-04943"],
        lines=[FulfillmentLine(sku="SG8", quantity=Decimal(4000))],
    )
    (shipment_id,) = fulfil(shop, "ORD112", la86)
    assert fulfil(shop, "ORD112", la86) == []  # synced twice: shipped once
    assert ledger(shop) == [("LA86", "applied", "sync", shipment_id, None)]

    # the ERP's file of the same shipment: a duplicate, archived; nothing shipped again
    inbox = shop.root / "inbox"
    inbox.mkdir()
    (inbox / DISPATCH).write_bytes((SAMPLES / DISPATCH).read_bytes())
    (inbox / "sample.ok").write_text("")
    assert [(r.name, r.status) for r in process_directory(shop.engine, Directories.of(inbox))] == [
        (DISPATCH, "duplicate")
    ]
    shop.run_pipelines()
    assert shipments(shop, order["entity_id"]) == [(shipment_id, "LA86")]
    assert shop.quantities(order["entity_id"], "qty_shipped") == {"SG8": 4000}
    assert ledger(shop) == [("LA86", "applied", "sync", shipment_id, None)]
    shipment = shop.api.get(f"/rest/V1/shipment/{shipment_id}").json()
    assert [(t["track_number"], t["carrier_code"], t["title"]) for t in shipment["tracks"]] == [
        ("PACK-04943", "dhl", "DHL")
    ]

    # the other way round: the ERP's document first (received, then applied by its pipeline), the fulfilment after
    socks = shop.place("100000007", [("SOCKS", 2)])
    document = {"type": "shipment", "external_id": "DN-7", "order": "100000007", "items": [{"sku": "SOCKS", "qty": 2}]}
    assert shop.send(document).status_code == 200
    dn7 = la86.model_copy(
        update={"id": "DN-7", "order_no": "100000007", "lines": [FulfillmentLine(sku="SOCKS", quantity=Decimal(1))]}
    )
    assert fulfil(shop, "100000007", dn7) == []  # in the ledger, its pipeline on its way: nothing now
    shop.run_pipelines()
    assert fulfil(shop, "100000007", dn7) == []
    ((_, external_id),) = shipments(shop, socks["entity_id"])
    assert external_id == "DN-7" and shop.quantities(socks["entity_id"], "qty_shipped") == {"SOCKS": 2}
    assert [row[:3] for row in ledger(shop)] == [("LA86", "applied", "sync"), ("DN-7", "applied", "rest")]


def test_a_refused_fulfilment_changes_nothing_and_says_why(shop: Shop) -> None:
    shop.stock({"SOCKS": 10})
    order = shop.place("100000008", [("SOCKS", 1)])
    over = Fulfillment(
        id="F-OVER",
        order_no="100000008",
        shipped_at=datetime(2026, 12, 1, tzinfo=UTC),
        carrier="ups",
        tracking_numbers=["1Z1"],
        lines=[FulfillmentLine(sku="SOCKS", quantity=Decimal(3))],
    )
    message = 'The quantity to ship must not be greater than the unshipped quantity for product SKU "SOCKS".'
    with pytest.raises(DocumentError) as refused:
        fulfil(shop, "100000008", over)
    assert str(refused.value).startswith("shipment F-OVER for order 100000008, item sku SOCKS: Shipment Document")
    assert str(refused.value).endswith(message)
    assert shipments(shop, order["entity_id"]) == [] and ledger(shop) == []
    assert shop.quantities(order["entity_id"], "qty_shipped") == {"SOCKS": 0}
    assert shop.order(order["entity_id"])["state"] == order["state"]
    assert shop.salable("SOCKS") == 9  # the placed order's reservation only


def test_a_fulfilment_shipped_before_the_ledger_existed_changes_nothing(sqlite_shop: Shop) -> None:
    sqlite_shop.stock({"SOCKS": 10})
    order = sqlite_shop.place("100000009", [("SOCKS", 2)])
    with sqlite_shop.engine.begin() as conn:  # what fulfilment sync wrote before it went through the ledger
        shipment = OrderRepository().create_shipment(
            conn, order["entity_id"], [("SOCKS", 1)], external_id="F-OLD", events=NO_EVENTS
        )
    old = Fulfillment(
        id="F-OLD",
        order_no="100000009",
        shipped_at=datetime(2026, 11, 1, tzinfo=UTC),
        carrier="ups",
        lines=[FulfillmentLine(sku="SOCKS", quantity=Decimal(1))],
    )
    assert fulfil(sqlite_shop, "100000009", old) == []
    assert shipments(sqlite_shop, order["entity_id"]) == [(shipment.entity_id, "F-OLD")] and ledger(sqlite_shop) == []
    assert sqlite_shop.quantities(order["entity_id"], "qty_shipped") == {"SOCKS": 1}


def consume(app: App, queue: str) -> int:
    """Work the queue until it is empty, as ``conveyor bus consume`` does."""
    worker = build_worker(
        app.mq,
        [Assignment(queue=queue_name(queue), handler=app.bus, consumer=None)],
        ConsumerOptions(batch_size=10, sleep=0.05, max_attempts=1, retry_delay=0.1),
        Limits(stop_when_empty=True),
        signals=False,
    )
    worker.run()
    return worker.handled


def erp_order(shop: Shop, sim: SimulatorServer, number: str, sku: str, ordered: int, in_shop: int) -> dict[str, Any]:
    """An order in the ERP (``ordered`` of sku, all shipped there) and in the shop (``in_shop`` of sku)."""
    admin(sim, "POST", "orders", {"order_no": number, "lines": [{"sku": sku, "quantity": ordered}]})
    admin(sim, "POST", "change", {"entity_type": "fulfillment", "ids": [number]})
    return shop.place(number, [(sku, in_shop)])


def test_synced_by_the_bus_inline_then_queued_a_fulfilment_ships_once(shop: Shop, sim: SimulatorServer) -> None:
    sku = sim.simulator.catalogue.all_skus()[0]
    shop.stock({sku: 10})
    shipped = erp_order(shop, sim, "500000001", sku, 2, 2)
    refused = erp_order(shop, sim, "500000002", sku, 3, 1)  # the ERP shipped more than the shop's order holds
    (fulfillment,) = sim.simulator.catalogue.orders["500000001"].fulfillments
    settings = Settings(database_url=str(shop.engine.url.render_as_string(hide_password=False)), source_url=sim.api_url)
    with App(settings.model_copy(update={"rate_limit_enabled": False})) as app:
        command = command_for(EntityType.FULFILLMENT, "500000001")
        created = app.bus.handle(command, "inline").value
        assert isinstance(created, list)
        (shipment_id,) = created
        app.bus.handle(command, mode="queue")
        assert consume(app, "fulfillments") == 1
        assert shipments(shop, shipped["entity_id"]) == [(shipment_id, fulfillment.id)]
        assert ledger(shop) == [(fulfillment.id, "applied", "sync", shipment_id, None)]

        with pytest.raises(DocumentError, match="must not be greater than the unshipped quantity"):
            app.bus.handle(command_for(EntityType.FULFILLMENT, "500000002"), "inline")
        app.bus.handle(command_for(EntityType.FULFILLMENT, "500000002"), mode="queue")
        assert consume(app, "fulfillments") == 1
        with app.engine.connect() as conn:
            entries = sync_log.entries(conn, entity="500000002")
            assert [e.outcome for e in sync_log.entries(conn, entity="500000001")] == ["success", "success"]
    assert [e.outcome for e in entries] == ["failed", "failed"]
    message = f'The quantity to ship must not be greater than the unshipped quantity for product SKU "{sku}".'
    assert all(e.error_summary == message for e in entries)
    assert all("DocumentError: shipment F" in (e.error or "") and "order 500000002" in (e.error or "") for e in entries)
    assert shipments(shop, refused["entity_id"]) == [] and len(ledger(shop)) == 1
    assert shop.quantities(refused["entity_id"], "qty_shipped") == {sku: 0}

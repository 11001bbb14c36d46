"""Order update, ERP → shop: shipments, invoices, cancellations and credit memos sent as JSON (REST, files) and as
openTRANS, applied by their pipelines with Magento's quantities and states, and MSI's salable quantity after each
step; a document sent twice changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from conveyor.catalog.inventory import reservation_table
from conveyor.catalog.sales import invoice_table, shipment_table
from tests.integration.orders.support import order_payload, place
from tests.integration.orders.update.support import SAMPLES, Shop
from tests.support.pipelines import pipeline_status


def count(shop: Shop, table: sa.Table) -> int:
    with shop.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def accepted(shop: Shop, document: dict[str, Any]) -> dict[str, Any]:
    answer = shop.send(document)
    assert answer.status_code == 200, answer.text
    body = dict(answer.json())
    assert body["status"] == "received" and body["pipeline_id"]
    return body


def test_json_documents_move_quantities_states_and_salable_quantity_as_magento(shop: Shop) -> None:
    shop.stock({"SOCKS": 10, "SHIRT": 5})
    order = shop.place("100000001", [("SOCKS", 2), ("SHIRT", 1)])
    lines = {i["sku"]: i["extension_attributes"]["line_number"] for i in order["items"]}
    assert lines == {"SOCKS": "P697", "SHIRT": "P698"}
    # placing reserves: salable = source quantity - ordered
    assert (shop.salable("SOCKS"), shop.salable("SHIRT")) == (8, 4)

    # an invoice of the socks by line number, through REST, applied by its pipeline
    body = accepted(
        shop,
        {"type": "invoice", "external_id": "INV-1", "order": "100000001", "items": [{"line_number": "P697", "qty": 2}]},
    )
    assert shop.run_pipelines() >= 1
    assert shop.quantities(order["entity_id"], "qty_invoiced") == {"SOCKS": 2, "SHIRT": 0}
    assert shop.order(order["entity_id"])["state"] == "processing"
    entry = shop.api.get(f"/rest/V1/conveyor/orders/documents/{body['id']}").json()
    assert (entry["status"], entry["increment_id"]) == ("applied", "100000001")
    assert (shop.salable("SOCKS"), shop.salable("SHIRT")) == (8, 4)  # invoicing moves no stock

    # a shipment of the socks by sku, with a track: the source gives them, the reservation is compensated
    accepted(
        shop,
        {
            "type": "shipment",
            "external_id": "DN-1",
            "order": "100000001",
            "items": [{"sku": "SOCKS", "qty": 2}],
            "tracks": [{"track_number": "1Z999", "carrier_code": "ups", "title": "UPS"}],
        },
    )
    shop.run_pipelines()
    assert shop.quantities(order["entity_id"], "qty_shipped") == {"SOCKS": 2, "SHIRT": 0}
    shipments = shop.api.get(
        f"/rest/V1/shipments?searchCriteria[filter_groups][0][filters][0][field]=order_id"
        f"&searchCriteria[filter_groups][0][filters][0][value]={order['entity_id']}"
    ).json()
    assert shipments["items"][0]["tracks"][0]["track_number"] == "1Z999"
    assert shop.source_quantity("SOCKS") == 8
    assert shop.salable("SOCKS") == 8

    # a credit memo of one shipped sock returned to stock: back into the source
    accepted(
        shop,
        {
            "type": "creditmemo",
            "external_id": "CM-1",
            "order": "100000001",
            "items": [{"sku": "SOCKS", "qty": 1, "return_to_stock": True}],
        },
    )
    shop.run_pipelines()
    assert shop.quantities(order["entity_id"], "qty_refunded") == {"SOCKS": 1, "SHIRT": 0}
    assert (shop.source_quantity("SOCKS"), shop.salable("SOCKS")) == (9, 9)

    # a cancellation cancels what is left (the shirt): its reservation is compensated; socks invoiced and
    # shipped leave the order complete (Magento: something invoiced keeps it from "canceled")
    accepted(shop, {"type": "cancellation", "external_id": "CX-1", "order": "100000001"})
    shop.run_pipelines()
    assert shop.quantities(order["entity_id"], "qty_canceled") == {"SOCKS": 0, "SHIRT": 1}
    assert shop.order(order["entity_id"])["state"] == "complete"
    assert (shop.salable("SHIRT"), shop.source_quantity("SHIRT")) == (5, 5)
    # MSI's ledger: every reservation of the order compensated, each step under its event type
    with shop.engine.connect() as conn:
        rows = conn.execute(
            sa.select(reservation_table.c.sku, reservation_table.c.quantity, reservation_table.c.metadata)
        ).all()
    totals: dict[str, Decimal] = {}
    for sku, quantity, _ in rows:
        totals[sku] = totals.get(sku, Decimal(0)) + Decimal(quantity)
    assert totals == {"SOCKS": 0, "SHIRT": 0}
    events = sorted((sku, json.loads(metadata)["event_type"], float(quantity)) for sku, quantity, metadata in rows)
    assert events == [
        ("SHIRT", "order_canceled", 1.0),
        ("SHIRT", "order_placed", -1.0),
        ("SOCKS", "order_placed", -2.0),
        ("SOCKS", "shipment_created", 2.0),
    ]
    assert all(json.loads(m)["object_increment_id"] == "100000001" for _, _, m in rows)


def test_an_unshipped_refund_returned_to_stock_gives_back_its_reservation(shop: Shop) -> None:
    shop.stock({"SOCKS": 10})
    order = shop.place("100000002", [("SOCKS", 3)])
    accepted(shop, {"type": "invoice", "external_id": "INV-2", "order": "100000002"})  # everything
    shop.run_pipelines()
    assert shop.salable("SOCKS") == 7
    accepted(
        shop,
        {
            "type": "creditmemo",
            "external_id": "CM-2",
            "order": "100000002",
            "items": [{"line_number": "P697", "qty": 3, "return_to_stock": True}],
        },
    )
    shop.run_pipelines()
    found = shop.order(order["entity_id"])
    assert (found["state"], found["status"]) == ("closed", "closed")
    assert (shop.source_quantity("SOCKS"), shop.salable("SOCKS")) == (10, 10)


def test_the_opentrans_samples_ship_and_invoice_their_orders(shop: Shop) -> None:
    shop.stock({"SG8": 5000, "NB-A4": 10})
    shipped = shop.place("ORD112", [("SG8", 4000)])
    assert shipped["items"][0]["extension_attributes"]["line_number"] == "P697"  # the sample's LINE_ITEM_ID
    invoiced = shop.place("100000003", [("NB-A4", 4)])
    shop.erp_order_id(invoiced, "O3849")  # the sample names the ERP's order id

    from conveyor.orders.update import Directories, process_directory

    inbox = shop.root / "inbox"
    inbox.mkdir()
    for name in ("sample_dispatchnotification_opentrans_2_1.xml", "sample_invoice_opentrans_2_1.xml"):
        (inbox / name).write_bytes((SAMPLES / name).read_bytes())
    (inbox / "sample.ok").write_text("")
    results = process_directory(shop.engine, Directories.of(inbox))
    assert sorted((r.name, r.status) for r in results) == [
        ("sample_dispatchnotification_opentrans_2_1.xml", "accepted"),
        ("sample_invoice_opentrans_2_1.xml", "accepted"),
    ]
    assert sorted(p.name for p in (inbox / "archive").iterdir()) == [
        "sample.ok",
        "sample_dispatchnotification_opentrans_2_1.xml",
        "sample_invoice_opentrans_2_1.xml",
    ]
    shop.run_pipelines()

    assert shop.quantities(shipped["entity_id"], "qty_shipped") == {"SG8": 4000}
    assert shop.order(shipped["entity_id"])["state"] == "processing"  # shipped, not invoiced
    with shop.engine.connect() as conn:
        row = conn.execute(sa.select(shipment_table).where(shipment_table.c.order_id == shipped["entity_id"])).one()
    assert row.external_id == "LA86"
    shipment = shop.api.get(f"/rest/V1/shipment/{row.entity_id}").json()
    assert [(t["track_number"], t["title"]) for t in shipment["tracks"]] == [
        ("PACK-04943", "Transportation Services Inc.")
    ]
    assert (shop.source_quantity("SG8"), shop.salable("SG8")) == (1000, 1000)

    assert shop.quantities(invoiced["entity_id"], "qty_invoiced") == {"NB-A4": 4}
    with shop.engine.connect() as conn:
        invoice = conn.execute(sa.select(invoice_table).where(invoice_table.c.order_id == invoiced["entity_id"])).one()
    assert invoice.external_id == "I21298"
    assert Decimal(invoice.grand_total) > 0


def test_a_configurable_reserves_and_ships_through_its_child(sqlite_shop: Shop) -> None:
    shop = sqlite_shop
    shop.stock({"TEE-M": 10})
    entity = order_payload(1, "100000040", "checkmo")
    entity["items"] = [
        {"item_id": 1, "sku": "TEE-M", "name": "Tee", "product_type": "configurable", "qty_ordered": 2, "price": 10},
        {"item_id": 2, "parent_item_id": 1, "sku": "TEE-M", "name": "Tee M", "qty_ordered": 2, "price": 0},
    ]
    placed = place(shop.api, entity)
    assert shop.salable("TEE-M") == 8  # the child keeps the stock: reserved once, not for the parent too
    accepted(
        shop, {"type": "shipment", "external_id": "S-40", "order": "100000040", "items": [{"sku": "TEE-M", "qty": 2}]}
    )
    shop.run_pipelines()
    assert [i["qty_shipped"] for i in shop.order(placed["entity_id"])["items"]] == [2, 2]
    assert (shop.source_quantity("TEE-M"), shop.salable("TEE-M")) == (8, 8)


def test_a_document_the_order_refuses_when_its_pipeline_runs_is_refused_and_may_be_sent_again(
    sqlite_shop: Shop,
) -> None:
    shop = sqlite_shop
    shop.stock({"SOCKS": 10})
    placed = shop.place("100000041", [("SOCKS", 1)])
    invoice = {"type": "invoice", "external_id": "I-41", "order": "100000041"}
    first = accepted(shop, invoice)
    assert shop.api.send("POST", f"/rest/V1/orders/{placed['entity_id']}/hold").json() is True
    shop.run_pipelines()
    entry = shop.api.get(f"/rest/V1/conveyor/orders/documents/{first['id']}").json()
    assert entry["status"] == "refused"
    assert entry["error"] == (
        "invoice I-41 for order 100000041: Invoice Document Validation Error(s):\n"
        "An invoice cannot be created when an order has a status of holded"
    )
    assert pipeline_status(shop.mq, int(str(first["pipeline_id"]))) == "error"
    assert shop.quantities(placed["entity_id"], "qty_invoiced") == {"SOCKS": 0}

    assert shop.api.send("POST", f"/rest/V1/orders/{placed['entity_id']}/unhold").json() is True
    again = accepted(shop, invoice)  # refused before: it may come again, with a pipeline of its own
    assert (again["id"], again["duplicate"]) == (first["id"], False) and again["pipeline_id"] != first["pipeline_id"]
    shop.run_pipelines()
    assert shop.api.get(f"/rest/V1/conveyor/orders/documents/{first['id']}").json()["status"] == "applied"
    assert shop.quantities(placed["entity_id"], "qty_invoiced") == {"SOCKS": 1}

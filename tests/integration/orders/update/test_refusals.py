"""Documents the order refuses — unknown order, an item not in the order, more than is left, a state that
refuses the document — are refused with the sales domain's Magento message, naming the document, the order and
the item; a file goes to the error directory with its report and nothing is written. A document sent twice, by
REST or as a file, changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from conveyor.catalog.sales import invoice_table, shipment_table
from conveyor.cli import main
from conveyor.db.engine import now
from conveyor.orders.update import Directories, apply_received, document_table, process_directory
from tests.integration.orders.update.support import DOCUMENTS, Shop


def count(shop: Shop, table: sa.Table) -> int:
    with shop.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def drop(inbox: Path, name: str, document: dict[str, Any]) -> None:
    (inbox / name).write_text(json.dumps(document), encoding="utf-8")


def three_orders(shop: Shop) -> Shop:
    """Three orders: one open (100000010), one canceled (100000011), one on hold (100000012)."""
    shop.stock({"SOCKS": 10, "SHIRT": 10})
    shop.place("100000010", [("SOCKS", 2), ("SHIRT", 1)])
    canceled = shop.place("100000011", [("SOCKS", 1)])
    held = shop.place("100000012", [("SOCKS", 1)])
    assert shop.api.send("POST", f"/rest/V1/orders/{canceled['entity_id']}/cancel").json() is True
    assert shop.api.send("POST", f"/rest/V1/orders/{held['entity_id']}/hold").json() is True
    return shop


@pytest.fixture
def refusing(sqlite_shop: Shop) -> Shop:
    return three_orders(sqlite_shop)


CASES: list[tuple[dict[str, Any], str]] = [
    (
        {"type": "invoice", "external_id": "I-1", "order": "NOPE"},
        "invoice I-1 for order NOPE: unknown order NOPE: no order has this increment id or ERP order id",
    ),
    (
        {"type": "shipment", "external_id": "S-1", "order": "100000010", "items": [{"sku": "HAT", "qty": 1}]},
        "shipment S-1 for order 100000010, item sku HAT: item sku HAT is not in the order",
    ),
    (
        {"type": "shipment", "external_id": "S-2", "order": "100000010", "items": [{"line_number": "P697", "qty": 3}]},
        "shipment S-2 for order 100000010, item line P697: Shipment Document Validation Error(s):\n"
        'The quantity to ship must not be greater than the unshipped quantity for product SKU "SOCKS".',
    ),
    (
        {"type": "shipment", "external_id": "S-3", "order": "100000011"},
        "shipment S-3 for order 100000011: Shipment Document Validation Error(s):\n"
        "A shipment cannot be created when an order has a status of canceled",
    ),
    (
        {"type": "invoice", "external_id": "I-2", "order": "100000012"},
        "invoice I-2 for order 100000012: Invoice Document Validation Error(s):\n"
        "An invoice cannot be created when an order has a status of holded",
    ),
    (
        {"type": "creditmemo", "external_id": "C-1", "order": "100000010"},
        "creditmemo C-1 for order 100000010: Creditmemo Document Validation Error(s):\n"
        "The order does not allow a creditmemo to be created.",
    ),
    (
        {"type": "cancellation", "external_id": "X-1", "order": "100000011"},
        'cancellation X-1 for order 100000011: The order cannot be canceled: it has a status of "canceled" and '
        "nothing left to cancel.",
    ),
]


def test_each_refusal_names_document_order_item_and_reason_and_the_file_goes_aside(refusing: Shop) -> None:
    shop = refusing
    inbox = shop.root / "inbox"
    inbox.mkdir()
    for number, (document, _) in enumerate(CASES):
        drop(inbox, f"doc_{number}.json", document)
    (inbox / "doc_bad.json").write_text(
        '{"type": "shipment", "external_id": "S-9", "order": "1", "items": [{"qty": 1}]}'
    )
    (inbox / "doc.ok").write_text("")
    before = (count(shop, invoice_table), count(shop, shipment_table))

    results = {r.name: r for r in process_directory(shop.engine, Directories.of(inbox))}

    assert {r.status for r in results.values()} == {"refused"}
    for number, (_, reason) in enumerate(CASES):
        name = f"doc_{number}.json"
        assert results[name].reason == reason
        assert (inbox / "error" / name).exists() and not (inbox / name).exists()
        assert f"reason: {reason}\n" in (inbox / "error" / f"{name}.report.txt").read_text()
    assert results["doc_bad.json"].reason == "doc_bad.json: items.0: Value error, an item needs a line_number or a sku"
    assert (inbox / "archive" / "doc.ok").exists()  # the OK-file follows its bunch
    assert (count(shop, invoice_table), count(shop, shipment_table)) == before
    assert count(shop, document_table) == 0
    assert shop.salable("SOCKS") == 10 - 2 - 1  # open orders reserve (the canceled one no more); dry runs nothing


def test_rest_refuses_with_magentos_error_shape(refusing: Shop) -> None:
    document, _ = CASES[2]
    answer = refusing.send(document)
    assert answer.status_code == 400
    body = answer.json()
    assert body["message"] == "%1 for order %2, item %3: %4"
    assert body["parameters"][:3] == ["shipment S-2", "100000010", "line P697"]
    unknown_field = refusing.send({**document, "colour": "red"})
    assert unknown_field.status_code == 400
    # the document lists the refusal; a body its models refuse as a whole is invalid in it too
    route = refusing.api.client.get("/openapi.json").json()["paths"][DOCUMENTS]["post"]
    assert body["message"] in route["x-conveyor-refusals"]["400"]
    order = {"external_id": "X-1", "order": "100000010"}
    for invalid in (
        {"type": "cancellation", **order, "items": [{"sku": "P697", "qty": 1}]},
        {"type": "invoice", **order, "tracks": [{"track_number": "1Z"}]},
        {"type": "invoice", **order, "items": [{"qty": 1}]},
        {"type": "invoice", **order, "items": [{"sku": None, "qty": 1}]},
        # amounts: not negative, within their column, as text too (a random contract run sent the text
        # "-4528.8E+0…7160088183712767", which the document took)
        {"type": "creditmemo", **order, "adjustment_negative": "-4528.8E+0000000000000000000000007160088183712767"},
        {"type": "creditmemo", **order, "adjustment_negative": "-0.5"},
        {"type": "creditmemo", **order, "shipping_amount": "1E+40"},
        {"type": "creditmemo", **order, "adjustment_positive": 1e20},
    ):
        assert refusing.send(invalid).status_code == 400, invalid
        assert not refusing.api.documented("POST", DOCUMENTS, invalid), invalid
    assert refusing.api.documented("POST", DOCUMENTS, {"type": "shipment", **order, "tracks": [{"track_number": "1Z"}]})
    for amount in ("4.95", "-0.0", 0, 12.5):
        assert refusing.api.documented("POST", DOCUMENTS, {"type": "creditmemo", **order, "shipping_amount": amount})
    assert refusing.api.get("/rest/V1/conveyor/orders/documents/999").status_code == 404
    unknown_order = refusing.send(CASES[0][0])  # Magento's 404 for an entity it cannot find, the message naming it
    assert unknown_order.status_code == 404
    assert unknown_order.json()["parameters"] == ["invoice I-1", "NOPE", CASES[0][1].split(": ", 1)[1]]


def test_rest_needs_a_token(refusing: Shop) -> None:
    answer = refusing.api.send("POST", "/rest/V1/conveyor/orders/documents", CASES[0][0], headers={})
    assert answer.status_code == 401


def test_a_document_sent_twice_changes_nothing(shop: Shop) -> None:
    three_orders(shop)
    invoice = {"type": "invoice", "external_id": "INV-9", "order": "100000010", "items": [{"sku": "SHIRT", "qty": 1}]}
    first = shop.send(invoice).json()
    second = shop.send(invoice).json()
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    assert second["id"] == first["id"] and second["pipeline_id"] == first["pipeline_id"]
    shop.run_pipelines()
    order_id = shop.api.get(
        "/rest/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=increment_id"
        "&searchCriteria[filter_groups][0][filters][0][value]=100000010"
    ).json()["items"][0]["entity_id"]
    after_first = (shop.order(order_id), count(shop, invoice_table))

    with shop.engine.connect() as conn:
        invoice_id = conn.execute(
            sa.select(invoice_table.c.entity_id).where(invoice_table.c.external_id == "INV-9")
        ).scalar_one()
    # again, by REST, as a file, and its pipeline step run once more: nothing changes
    assert shop.send(invoice).json() == {
        **first,
        "status": "applied",
        "duplicate": True,
        "order_id": order_id,
        "increment_id": "100000010",
        "entity_id": invoice_id,
    }
    inbox = shop.root / "again"
    inbox.mkdir()
    drop(inbox, "inv.json", invoice)
    (inbox / "inv.ok").write_text("")
    [result] = process_directory(shop.engine, Directories.of(inbox))
    assert (result.status, result.location) == ("duplicate", inbox / "archive" / "inv.json")
    assert apply_received(shop.engine, first["id"], now=now()) is None
    shop.run_pipelines()
    assert (shop.order(order_id), count(shop, invoice_table)) == after_first
    assert shop.quantities(order_id, "qty_invoiced") == {"SOCKS": 0, "SHIRT": 1}


def test_only_files_an_ok_file_covers_are_read(sqlite_shop: Shop) -> None:
    shop = sqlite_shop
    shop.stock({"SOCKS": 10})
    shop.place("100000020", [("SOCKS", 2)])
    inbox = shop.root / "inbox"
    inbox.mkdir()
    drop(
        inbox,
        "ship_1.json",
        {"type": "shipment", "external_id": "S-20", "order": "100000020", "items": [{"sku": "SOCKS", "qty": 1}]},
    )
    drop(
        inbox,
        "ship_2.json",
        {"type": "shipment", "external_id": "S-21", "order": "100000020", "items": [{"sku": "SOCKS", "qty": 1}]},
    )
    drop(inbox, "later.json", {"type": "shipment", "external_id": "S-22", "order": "100000020"})
    assert process_directory(shop.engine, Directories.of(inbox)) == []  # no OK-file yet
    (inbox / "ship.ok").write_text("ship_1.json\n")  # a listing OK-file takes exactly what it lists
    assert [(r.name, r.status) for r in process_directory(shop.engine, Directories.of(inbox))] == [
        ("ship_1.json", "accepted")
    ]
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["later.json", "ship_2.json"]
    (inbox / "ship.ok").write_text("")  # an empty one every file of its prefix
    assert [(r.name, r.status) for r in process_directory(shop.engine, Directories.of(inbox))] == [
        ("ship_2.json", "accepted")
    ]
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["later.json"]
    shop.run_pipelines()
    with shop.engine.connect() as conn:
        assert count(shop, shipment_table) == 2
        statuses = conn.execute(sa.select(document_table.c.status)).scalars().all()
    assert statuses == ["applied", "applied"]


def test_cli_applies_one_file_and_watch_once_reports_refusals(
    sqlite_shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = sqlite_shop
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", str(shop.settings.database_url))
    shop.stock({"SOCKS": 10})
    order = shop.place("100000030", [("SOCKS", 2)])
    inbox = shop.root / "inbox"
    inbox.mkdir()
    drop(inbox, "inv.json", {"type": "invoice", "external_id": "I-30", "order": "100000030"})
    runner = CliRunner()
    applied = runner.invoke(main, ["orders", "update", "apply", str(inbox / "inv.json")], env={"COLUMNS": "200"})
    assert applied.exit_code == 0, applied.output
    assert "applied inv.json" in applied.output and "of order 100000030" in applied.output
    assert shop.quantities(order["entity_id"], "qty_invoiced") == {"SOCKS": 2}
    assert (inbox / "archive" / "inv.json").exists()

    drop(inbox, "bad.json", {"type": "invoice", "external_id": "I-31", "order": "100000030"})
    (inbox / "bad.ok").write_text("")
    watched = runner.invoke(main, ["orders", "update", "watch", str(inbox), "--once"], env={"COLUMNS": "200"})
    assert watched.exit_code == 1
    assert "refused bad.json" in watched.output
    assert "The order does not allow an invoice to be created." in watched.output
    shown = runner.invoke(main, ["orders", "update", "show"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "I-30" in shown.output and "applied" in shown.output


def test_the_async_route_submits_through_the_bulk_consumer(refusing: Shop) -> None:
    document = {"type": "shipment", "external_id": "S-50", "order": "100000010", "items": [{"sku": "SOCKS", "qty": 1}]}
    answer = refusing.api.send("POST", "/rest/async/V1/conveyor/orders/documents", document)
    assert answer.status_code == 202, answer.text
    refusing.api.drain()
    refusing.run_pipelines()
    with refusing.engine.connect() as conn:
        row = conn.execute(sa.select(document_table).where(document_table.c.external_id == "S-50")).one()
    assert (row.status, row.source, row.increment_id) == ("applied", "rest", "100000010")

"""The order export end to end: orders placed through REST on two websites with different rules, the initializer,
the pipelines (Transform → Transport → Handle response → Notify) against a file drop, the ERP simulator over HTTP
and a real SMTP server; then the faults: an ERP answering 503, bad response files, a broken template."""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from lxml import etree

from conveyor.orders import export_order, initialize_exports, process_responses, select_exports
from conveyor.pipelines.heartbeat import Heartbeat
from conveyor.pipelines.schema import pipeline_table
from conveyor.pipelines.store import retry_steps
from tests.integration.api.harness import harness
from tests.integration.orders.support import (
    OPENTRANS_SCHEMA,
    World,
    add_website,
    erp_simulator,
    free_port,
    order_payload,
    pipelines_mq,
    place,
    smtp_server,
    sshd_server,
    wait_for,
    world_settings,
)

ORDERRESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<ORDERRESPONSE xmlns="http://www.opentrans.org/XMLSchema/2.1" version="2.1">
  <ORDERRESPONSE_HEADER><ORDERRESPONSE_INFO>
    <ORDER_ID>{order}</ORDER_ID><ORDERRESPONSE_DATE>2026-12-06</ORDERRESPONSE_DATE>
    <SUPPLIER_ORDER_ID>{erp}</SUPPLIER_ORDER_ID>
  </ORDERRESPONSE_INFO></ORDERRESPONSE_HEADER>
</ORDERRESPONSE>
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    db_url = str(request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[request.param]))
    with opened(db_url, tmp_path, monkeypatch) as running:
        yield running


@pytest.fixture
def sqlite_world(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Faults of the export, not of the database: SQLite is enough."""
    with opened(sqlite_url, tmp_path, monkeypatch) as running:
        yield running


@contextmanager
def opened(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    rules_path = tmp_path / "orders.yaml"
    monkeypatch.setenv("CONVEYOR_ORDERS_RULES", str(rules_path))  # what the runners' steps read
    settings = world_settings(db_url, rules_path, tmp_path / "work")
    with harness(db_url) as api, smtp_server() as (mailbox, smtp_port), erp_simulator() as erp:
        mq = pipelines_mq(settings, db_url)
        try:
            yield World(api, mq, settings, rules_path, tmp_path, mailbox, smtp_port, erp)
        finally:
            mq.close()


def rules_for(world: World, **overrides: Any) -> dict[str, Any]:
    """base: checkmo orders (any status) or pending bank transfers, to openTRANS files answered by response files;
    second: every order of the last day, JSON over HTTP to the ERP simulator (its answer carries the id)."""
    email = {
        "sender": "shop@example.com",
        "host": "127.0.0.1",
        "port": world.smtp_port,
        "subject": "Order {increment_id}",
    }
    responses = world.root / "responses"
    file_target = {
        "name": "erp-file",
        "format": "opentrans",
        "channel": "file",
        "options": {"directory": str(world.root / "out"), "pattern": "{increment_id}.{extension}"},
        "response": {"type": "file", "directory": str(responses)},
        "notify": {"email": email},
    }
    http_target = {
        "name": "erp-http",
        "format": "json",
        "channel": "http",
        "options": {"url": f"{world.erp.url}/api/v1/sales-orders", "auth": {"type": "hmac", "secret": "s3cret"}},
        "response": {"type": "sync"},
        "retries": 1,
        "notify": {"email": email},
    }
    http_target.update(overrides)
    raw = {
        "websites": {
            "base": {
                "conditions": [{"payment_method": "checkmo"}, {"payment_method": "banktransfer", "status": "pending"}],
                "targets": [file_target],
            },
            "second": {"max_age": "1d", "targets": [http_target]},
        }
    }
    return raw


def place_orders(world: World) -> None:
    second = add_website(world.engine, 2, "second")
    old = (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S")
    for entity in (
        order_payload(1, "B-1", "checkmo"),
        order_payload(1, "B-2", "checkmo"),
        order_payload(1, "B-3", "banktransfer"),  # pending: exported
        order_payload(1, "B-4", "purchaseorder"),  # no condition selects it
        order_payload(second, "S-1", "purchaseorder"),
        order_payload(second, "S-2", "checkmo"),
        order_payload(second, "S-3", "checkmo", created_at=old),  # older than max_age
    ):
        place(world.api, entity)


def test_exactly_the_matching_orders_are_exported_once_answered_and_notified_once(world: World) -> None:
    rules = world.write_rules(rules_for(world))
    place_orders(world)
    done = initialize_exports(world.engine, rules, now=time.time())
    assert {target: len(ids) for target, ids in done.created.items()} == {"erp-file": 3, "erp-http": 2}
    again = initialize_exports(world.engine, rules, now=time.time())
    assert again.total == 0  # never two exports of one order to one target

    world.run_pipelines()
    exports = {(row.increment_id, row.target): row for row in world.exports()}
    assert sorted(exports) == [
        ("B-1", "erp-file"),
        ("B-2", "erp-file"),
        ("B-3", "erp-file"),
        ("S-1", "erp-http"),
        ("S-2", "erp-http"),
    ]
    # HTTP: the ERP answered with its ids, received each order once, signed and keyed
    received = {order["key"]: order for order in world.received()}
    assert sorted(received) == ["S-1-erp-http", "S-2-erp-http"]
    assert {received[f"{n}-erp-http"]["erp_order_id"] for n in ("S-1", "S-2")} == {
        exports[("S-1", "erp-http")].erp_order_id,
        exports[("S-2", "erp-http")].erp_order_id,
    }
    body = json.loads(received["S-1-erp-http"]["body"])
    assert body["order_id"] == "S-1" and [line["sku"] for line in body["lines"]] == ["SOCKS", "SHIRT"]
    assert [line["line_number"] for line in body["lines"]] == ["0010", "0020"]  # the sales numbering
    assert all(world.pipeline_status(exports[(n, "erp-http")].pipeline_id) == "success" for n in ("S-1", "S-2"))
    # files: one openTRANS ORDER per order, valid against the schema; their response steps wait, not running
    schema = etree.XMLSchema(etree.parse(str(OPENTRANS_SCHEMA)))
    written = sorted(p.name for p in (world.root / "out").iterdir())
    assert written == ["B-1.xml", "B-2.xml", "B-3.xml"]
    for name in written:
        document = etree.parse(str(world.root / "out" / name))
        assert schema.validate(document), schema.error_log
    first = etree.parse(str(world.root / "out" / "B-1.xml"))
    ns = {"o": "http://www.opentrans.org/XMLSchema/2.1", "b": "http://www.bmecat.org/bmecat/2005"}
    assert first.findtext(".//o:ORDER_ID", namespaces=ns) == "B-1"
    assert first.findtext(".//o:ORDER_ITEM/o:PRODUCT_ID/b:DESCRIPTION_SHORT", namespaces=ns) == "Socks & more"
    waiting = world.steps(exports[("B-1", "erp-file")].pipeline_id)
    assert (waiting["transport"].status, waiting["response"].status) == ("success", "pending")
    wait_for(lambda: len(world.mailbox.messages) == 2)
    assert sorted(m["To"] for m in world.mailbox.messages) == ["s-1@example.com", "s-2@example.com"]

    # the ERP answers the files: JSON, openTRANS, one malformed and one for an order it never got
    responses = world.root / "responses"
    responses.mkdir()
    (responses / "b1.json").write_text(json.dumps({"increment_id": "B-1", "erp_order_id": "F-100"}))
    (responses / "b2.xml").write_text(ORDERRESPONSE.format(order="B-2", erp="F-200"))
    (responses / "broken.json").write_text("{not json")
    (responses / "stranger.xml").write_text(ORDERRESPONSE.format(order="X-9", erp="F-999"))
    outcome = process_responses(world.engine, rules)
    assert sorted(outcome.matched) == [("b1.json", "B-1", "F-100"), ("b2.xml", "B-2", "F-200")]
    assert sorted(name for name, _ in outcome.refused) == ["broken.json", "stranger.xml"]
    assert sorted(p.name for p in (responses / "archive").iterdir()) == ["b1.json", "b2.xml"]
    errors = responses / "error"
    assert sorted(p.name for p in errors.iterdir()) == [
        "broken.json",
        "broken.json.report.txt",
        "stranger.xml",
        "stranger.xml.report.txt",
    ]
    assert "not valid JSON" in (errors / "broken.json.report.txt").read_text()
    assert (errors / "broken.json.report.txt").read_text().startswith("file: broken.json\ntarget: erp-file\nat: ")
    assert "unknown order X-9" in (errors / "stranger.xml.report.txt").read_text()
    assert [p.name for p in responses.iterdir() if p.is_file()] == []

    world.run_pipelines()
    world.run_pipelines()  # nothing left: no second mail for anyone
    exports = {(row.increment_id, row.target): row for row in world.exports()}
    assert {key: (row.status, row.erp_order_id) for key, row in exports.items()} == {
        ("B-1", "erp-file"): ("notified", "F-100"),
        ("B-2", "erp-file"): ("notified", "F-200"),
        ("B-3", "erp-file"): ("sent", None),  # no answer yet: waiting, not notified
        ("S-1", "erp-http"): ("notified", exports[("S-1", "erp-http")].erp_order_id),
        ("S-2", "erp-http"): ("notified", exports[("S-2", "erp-http")].erp_order_id),
    }
    wait_for(lambda: len(world.mailbox.messages) >= 4)
    time.sleep(0.05)
    mails = sorted(m["To"] for m in world.mailbox.messages)
    assert mails == ["b-1@example.com", "b-2@example.com", "s-1@example.com", "s-2@example.com"]
    mail = next(m for m in world.mailbox.messages if m["To"] == "b-1@example.com")
    assert mail["Subject"] == "Order B-1" and "F-100" in mail.get_payload()
    assert world.pipeline_status(exports[("B-3", "erp-file")].pipeline_id) == "running"
    assert len(world.received()) == 2


def test_an_erp_answering_503_is_retried_then_fails_and_a_later_retry_completes(sqlite_world: World) -> None:
    world = sqlite_world
    rules = world.write_rules(rules_for(world))
    add_website(world.engine, 2, "second")
    place(world.api, order_payload(2, "S-9", "checkmo"))
    httpx.post(f"{world.erp.url}/admin/faults", json={"fail": 2, "status": 503}).raise_for_status()
    (pipeline_id,) = initialize_exports(world.engine, rules, now=time.time()).created["erp-http"]
    world.run_pipelines()
    steps = world.steps(pipeline_id)
    assert (steps["transport"].status, steps["transport"].attempts) == ("error", 2)
    assert "HTTP 503" in steps["transport"].error
    assert steps["response"].status == "abandoned" and world.pipeline_status(pipeline_id) == "error"
    (row,) = world.exports()
    assert (row.status, row.attempts, row.erp_order_id) == ("error", 2, None)
    assert "HTTP 503" in row.error

    with world.engine.begin() as conn:
        retry_steps(conn, pipeline_id, time.time())
    world.run_pipelines()
    assert world.pipeline_status(pipeline_id) == "success"
    (row,) = world.exports()
    assert row.status == "notified" and row.erp_order_id == "ERP-000001"
    (received,) = world.received()
    assert received["posts"] == 1  # the two refused posts never reached the ERP's order book
    wait_for(lambda: len(world.mailbox.messages) == 1)

    # exported again on purpose: the same idempotency key, so the ERP keeps one order; no second mail
    (again,) = export_order(world.engine, rules, row.order_id, now=time.time(), force=True)
    assert again.pipeline_id is not None and again.note == "forced"
    world.run_pipelines()
    (received,) = world.received()
    assert (received["posts"], received["erp_order_id"]) == (2, "ERP-000001")
    (row,) = world.exports()
    assert (row.status, row.erp_order_id) == ("notified", "ERP-000001")
    assert world.pipeline_status(again.pipeline_id) == "success"
    assert "already notified" in (world.steps(again.pipeline_id)["notify"].output or "")
    time.sleep(0.05)
    assert len(world.mailbox.messages) == 1


def test_a_template_error_fails_the_transform_naming_template_line_and_order(sqlite_world: World) -> None:
    world = sqlite_world
    template = world.root / "broken.json.j2"
    template.write_text('{\n  "id": {{ order.increment_id | json }},\n  "x": {{ order.no_such_field }}\n}\n')
    rules = world.write_rules(rules_for(world, template=str(template), retries=0))
    add_website(world.engine, 2, "second")
    place(world.api, order_payload(2, "S-7", "checkmo"))
    (pipeline_id,) = initialize_exports(world.engine, rules, now=time.time()).created["erp-http"]
    world.run_pipelines()
    transform = world.steps(pipeline_id)["transform"]
    assert transform.status == "error"
    assert f"template '{template}', line 3, order S-7" in transform.error
    assert "no_such_field" in transform.error
    assert world.received() == []


def test_the_heartbeat_runs_the_initializer_and_the_export_pipelines_it_creates(sqlite_world: World) -> None:
    from conveyor.pipelines.config import definitions

    world = sqlite_world
    world.write_rules(rules_for(world))
    add_website(world.engine, 2, "second")
    place(world.api, order_payload(2, "S-5", "checkmo"))
    found = definitions(world.settings)
    assert {"orders.initialize", "orders.responses"} <= set(found)
    Heartbeat(world.mq, found, world.settings).run()  # spawns orders.initialize; its runner creates the export
    world.run_pipelines()
    world.run_pipelines()
    (row,) = world.exports()
    assert (row.increment_id, row.target, row.status) == ("S-5", "erp-http", "notified")
    assert world.pipeline_status(row.pipeline_id) == "success"


def test_a_webhook_tells_of_each_accepted_order_once(sqlite_world: World) -> None:
    world = sqlite_world
    webhook = {"webhook": {"url": f"{world.erp.url}/api/v1/notifications", "headers": {"X-Shop": "base"}}}
    rules = world.write_rules(rules_for(world, notify=webhook))
    add_website(world.engine, 2, "second")
    place(world.api, order_payload(2, "S-3", "checkmo"))
    initialize_exports(world.engine, rules, now=time.time())
    world.run_pipelines()
    world.run_pipelines()
    (notice,) = httpx.get(f"{world.erp.url}/admin/notifications").json()
    assert notice["key"] == "S-3-erp-http"
    assert notice["body"] == {
        "event": "order.accepted",
        "increment_id": "S-3",
        "target": "erp-http",
        "erp_order_id": "ERP-000001",
    }
    assert world.mailbox.messages == []


def test_the_soap_channel_places_orders_once_per_key_with_the_erp_simulator() -> None:
    from conveyor.orders import ChannelError, Document
    from conveyor.orders.channels.soap import SoapChannel

    with erp_simulator() as erp:
        channel = SoapChannel({"wsdl": f"{erp.url}/api/v1/soap/orders?wsdl", "timeout": 5})
        document = Document('{"order": "S-1"}', "S-1-erp.json", "application/json", "S-1", "erp")
        first, again = channel.send(document), channel.send(document)
        assert first.erp_order_id == again.erp_order_id == "ERP-000001"
        (received,) = httpx.get(f"{erp.url}/admin/sales-orders").json()
        assert (received["key"], received["body"], received["posts"]) == ("S-1-erp", '{"order": "S-1"}', 2)
        httpx.post(f"{erp.url}/admin/faults", json={"fail": 1, "status": 503}).raise_for_status()
        with pytest.raises(ChannelError, match="SOAP PlaceOrder"):
            channel.send(document)


def test_a_refused_sftp_connection_is_retried_then_fails_and_a_later_retry_completes(sqlite_world: World) -> None:
    world = sqlite_world
    port, root = free_port(), world.root / "sshd"
    root.mkdir()
    sftp = {
        "name": "erp-sftp",
        "format": "csv",
        "channel": "sftp",
        "options": {
            "host": "127.0.0.1",
            "port": port,
            "username": getpass.getuser(),
            "key_file": str(root / "user_key"),
            "directory": str(root / "drop"),
            "pattern": "ORDER_{increment_id}.{extension}",
            "host_key": "accept",
            "timeout": 5,
        },
        "retries": 2,
    }
    raw = rules_for(world)
    raw["websites"]["second"]["targets"] = [sftp]
    rules = world.write_rules(raw)
    add_website(world.engine, 2, "second")
    place(world.api, order_payload(2, "S-8", "checkmo"))
    (pipeline_id,) = initialize_exports(world.engine, rules, now=time.time()).created["erp-sftp"]
    world.run_pipelines()  # nobody listens on the port yet
    transport = world.steps(pipeline_id)["transport"]
    assert (transport.status, transport.attempts) == ("error", 3)
    assert f"sftp://{getpass.getuser()}@127.0.0.1:{port}" in transport.error and "connect" in transport.error
    assert world.pipeline_status(pipeline_id) == "error"
    (row,) = world.exports()
    assert (row.status, row.attempts) == ("error", 3)

    with sshd_server(root, port) as (_, _, drop):  # the server is back: a retry of the pipeline completes
        with world.engine.begin() as conn:
            retry_steps(conn, pipeline_id, time.time())
        world.run_pipelines()
        assert world.pipeline_status(pipeline_id) == "success"
        (row,) = world.exports()
        assert (row.status, row.attempts, row.error) == ("accepted", 4, None)
        assert [p.name for p in drop.iterdir()] == ["ORDER_S-8.csv"]
        lines = (drop / "ORDER_S-8.csv").read_text().splitlines()
        assert lines[1].startswith("S-8,0010,SOCKS,") and lines[2].startswith("S-8,0020,SHIRT,")


def test_a_pass_that_died_after_selecting_is_completed_by_the_next_and_two_at_once_never_double(world: World) -> None:
    rules = world.write_rules(rules_for(world))
    place_orders(world)
    assert select_exports(world.engine, rules, now=time.time()) == {"erp-file": 3, "erp-http": 2}
    assert [row.pipeline_id for row in world.exports()] == [None] * 5  # the pass died here
    with ThreadPoolExecutor(2) as pool:  # two passes at once, one pipeline per transaction
        passes = list(pool.map(lambda _: initialize_exports(world.engine, rules, now=time.time(), batch=1), (1, 2)))
    assert [sum(p.selected.values()) for p in passes] == [0, 0]
    assert sum(p.total for p in passes) == 5
    rows = world.exports()
    assert len({row.pipeline_id for row in rows}) == 5 and None not in {row.pipeline_id for row in rows}
    with world.engine.connect() as conn:
        names = conn.execute(
            sa.select(pipeline_table.c.name, pipeline_table.c.key).where(pipeline_table.c.name.like("order_export.%"))
        ).all()
    assert sorted(names) == sorted(
        (f"order_export.{row.target}", str(row.order_id)) for row in rows
    )  # one pipeline per export, keyed by its order

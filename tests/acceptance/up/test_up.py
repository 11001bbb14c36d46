"""``conveyor up`` on a fresh directory: ready within 10 s, a bulk, an import and an EDS change set processed by its
children, /metrics matching the store, a SIGKILLed consumer restarted, and SIGTERM leaving no process behind.

One system serves the module's tests that only use it (starting one costs seconds of CPU); the stop test starts its
own. Serial: it starts a dozen processes and bounds start and stop by the wall clock.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from conveyor.api.eds import PATH
from conveyor.bulk.schema import operation_table
from conveyor.cli.up_demo import TESTDATA_ENV
from conveyor.db import make_engine
from conveyor.mq.transports.sql import SqlTransport
from conveyor.sync import change_sets
from conveyor.sync.schema import ACKNOWLEDGED, PROCESSED
from conveyor.sync.simulator import SimulatorConfig, SimulatorServer
from tests.acceptance.up.system import System, free_port, processes_in, start_up, wait_for
from tests.support.testdata import TESTDATA

pytestmark = pytest.mark.serial

SECRET = "up-test-secret"
BULK = "/rest/async/bulk/V1/customerGroups"
CORRELATION = "up-test-correlation-42"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    """The ERP; its webhook is the API's EDS route on the port ``system`` takes."""
    port = free_port()
    config = SimulatorConfig(
        seed=5, customers=10, products=6, quota="none", webhook_url=f"http://127.0.0.1:{port}{PATH}",
        webhook_secret=SECRET,
    )  # fmt: skip
    server = SimulatorServer(config).start()
    server.port_for_api = port  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, sim: SimulatorServer) -> Iterator[System]:
    directory = tmp_path_factory.mktemp("up")
    env = {
        "CONVEYOR_IMPORT_WATCH_DIR": str(directory / "incoming"),
        "CONVEYOR_EDS_SECRET": SECRET,
        "CONVEYOR_SOURCE_URL": sim.api_url,
    }
    running = start_up(directory, env, port=sim.port_for_api)  # type: ignore[attr-defined]
    try:
        wait_for(running.ready, 90, "ready", running.log)
        running.ready_after = time.monotonic() - running.started  # type: ignore[attr-defined]
        yield running
    finally:
        if running.process.poll() is None:
            running.stop(30)


def engine_of(system: System) -> sa.Engine:
    return make_engine(f"sqlite:///{system.directory / 'var' / 'conveyor.db'}")


def test_ready_within_10_seconds(system: System) -> None:
    assert system.ready_after < 10, system.output()  # type: ignore[attr-defined]
    answer = httpx.get(f"{system.url}/health/ready", timeout=5).json()
    assert answer == {"status": "ok", "checks": {"database": "ok", "broker:db": "ok"}}
    assert httpx.get(f"{system.url}/health/live", timeout=5).json() == {"status": "ok"}


def test_a_bulk_is_processed_and_its_messages_carry_the_correlation_id(system: System) -> None:
    headers = {"Authorization": f"Bearer {system.token()}", "X-Correlation-Id": CORRELATION}
    items = [{"group": {"code": f"Up-{n}", "tax_class_id": 3}} for n in range(5)]
    sent = httpx.post(f"{system.url}{BULK}", json=items, headers=headers, timeout=10)
    assert sent.status_code == 202, sent.text
    assert sent.headers["X-Correlation-Id"] == CORRELATION
    bulk_uuid = sent.json()["bulk_uuid"]

    def done() -> bool:
        status = httpx.get(f"{system.url}/rest/V1/bulk/{bulk_uuid}/detailed-status", headers=headers, timeout=5)
        return [o["status"] for o in status.json()["operations_list"]] == [1] * 5

    wait_for(done, 60, "the bulk's operations complete", system.log)
    with engine_of(system).connect() as conn:
        properties = conn.execute(
            sa.text("SELECT properties FROM queue_message WHERE topic_name LIKE 'async.%'")
        ).scalars()
        assert {json.loads(p).get("correlation_id") for p in properties} == {CORRELATION}


def test_a_bunch_dropped_into_the_watched_directory_is_imported(system: System) -> None:
    incoming = system.directory / "incoming"
    incoming.mkdir(exist_ok=True)
    lines = ["sku,attribute_set_code,product_type,name,price", "UP-1,Default,simple,Up one,9.50"]
    (incoming / "product-import_up_01.csv").write_text("\n".join(lines) + "\n")
    (incoming / "product-import_up_01.ok").write_text("")
    headers = {"Authorization": f"Bearer {system.token()}"}

    def imported() -> bool:
        found = httpx.get(f"{system.url}/rest/V1/products/UP-1", headers=headers, timeout=5)
        return found.status_code == 200 and found.json()["price"] == 9.5

    wait_for(imported, 60, "the product imported", system.log)


def test_an_eds_change_set_is_queued_handled_and_acknowledged(system: System, sim: SimulatorServer) -> None:
    answer = httpx.post(f"{sim.url}/admin/change", json={"entity_type": "customer", "count": 3}, timeout=30)
    assert answer.is_success, answer.text
    posted = answer.json()["change_set"]
    assert posted is not None and posted["delivered"], posted
    engine = engine_of(system)

    def acknowledged() -> bool:
        with engine.connect() as conn:
            found = [c for c in change_sets.listing(conn) if c.change_set_id == posted["id"]]
        return bool(found) and found[0].status in (PROCESSED, ACKNOWLEDGED)

    wait_for(acknowledged, 60, "the change set processed", system.log)


def test_metrics_parse_and_match_the_store(system: System) -> None:
    headers = {"Authorization": f"Bearer {system.token()}"}
    assert httpx.get(f"{system.url}/metrics", timeout=5).status_code == 401
    text = httpx.get(f"{system.url}/metrics", headers=headers, timeout=10).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    engine = engine_of(system)
    transport = SqlTransport(str(engine.url), engine=engine)
    counts = transport.counts("async.operations.all")
    assert value("conveyor_queue_messages", queue="async.operations.all", status="complete") == counts.complete
    assert value("conveyor_queue_messages", queue="async.operations.all", status="waiting") == counts.waiting
    with engine.connect() as conn:
        complete = conn.execute(
            sa.select(sa.func.count()).select_from(operation_table).where(operation_table.c.status == 1)
        ).scalar_one()
    assert complete > 0
    assert value("conveyor_bulk_operations", status="complete", code="1") == complete
    # the consumer processes' own counters, summed across processes by the multiprocess directory
    handled = value(
        "conveyor_consumer_messages_total", consumer="async.operations.all", queue="async.operations.all",
        outcome="handled",
    )  # fmt: skip
    assert handled == counts.complete
    assert value("conveyor_import_rows", outcome="created") >= 0
    assert any(name == "conveyor_http_requests_total" for name, _ in samples)
    assert any(name == "conveyor_handler_duration_seconds_bucket" for name, _ in samples)


def test_a_sigkilled_consumer_is_started_again(system: System) -> None:
    victim = wait_for(lambda: system.child("async.operations.all"), 60, "the bulk consumer", system.log)
    os.kill(victim.pid, signal.SIGKILL)

    def replaced() -> psutil.Process | None:
        found = system.child("async.operations.all")
        return found if found is not None and found.pid != victim.pid else None

    wait_for(replaced, 30, "a new bulk consumer", system.log)
    assert "async.operations.all" in system.output()
    assert f"exited with code {-signal.SIGKILL}" in system.output()


def test_sigterm_stops_every_process_of_a_fresh_directory_within_10_seconds(tmp_path: Path) -> None:
    directory = tmp_path / "fresh"
    system = start_up(directory, admin=False)
    wait_for(system.ready, 90, "ready", system.log)
    wait_for(lambda: system.child("heartbeat"), 60, "the heartbeat", system.log)
    before = processes_in(directory)
    assert len(before) >= 7  # up, the API, the consumers, the heartbeat, refresh
    took = system.stop(10)
    assert took < 10
    assert system.process.returncode == 0, system.output()
    assert processes_in(directory) == []
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in before)


def test_the_demo_prints_a_login_that_works_loads_work_and_stops_with_its_simulator(tmp_path: Path) -> None:
    system = start_up(tmp_path / "demo", admin=False, args=("--demo",), env={TESTDATA_ENV: str(TESTDATA)})
    try:
        line = wait_for(
            lambda: next((x for x in system.output().splitlines() if "login: demo / " in x), None), 90, "the login"
        )
        assert f"admin UI: {system.url}/admin" in line
        password = line.rsplit(" / ", 1)[1].strip()
        answer = httpx.post(
            f"{system.url}/rest/V1/integration/admin/token", json={"username": "demo", "password": password}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        wait_for(lambda: "commands queued for the command worker" in system.output(), 60, "the bulk sync", system.log)
        assert "the heartbeat starts the catalog_import pipeline" in system.output()
    finally:
        took = system.stop(15)
    assert took < 10 and system.process.returncode == 0, system.output()
    assert processes_in(system.directory) == []


def test_a_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        system = start_up(tmp_path / "busy", admin=False, port=port)
        assert system.process.wait(30) == 2
    assert f"--port {port}: cannot listen on 127.0.0.1:{port}" in system.output()
    assert not (tmp_path / "busy" / "var").exists()

"""``conveyor sync …`` inline and queued against the simulator, and ``conveyor erp-sim`` as a real process."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import click
import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from conveyor.cli.bus import bus
from conveyor.cli.erp_sim import erp_sim
from conveyor.cli.sync import parse_since, sync
from conveyor.db import make_engine
from conveyor.settings import get_settings
from conveyor.sync import SyncOptions
from conveyor.sync.models import Customer
from conveyor.sync.simulator import Catalogue, SimulatorServer
from tests.integration.sync.store_check import check_store, create_orders


@pytest.fixture
def cli_env(sim: SimulatorServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The environment the commands read: the simulator as source, a SQLite store."""
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CONVEYOR_SOURCE_URL", sim.api_url)
    monkeypatch.setenv("CONVEYOR_SOURCE_RETRIES", "0")
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_sync_one_entity_of_each_type(sim: SimulatorServer, cli_env: str) -> None:
    runner = CliRunner()
    done = runner.invoke(sync, ["price-group", "VIP", "--inline"])
    assert done.exit_code == 0, done.output
    assert "price-group VIP synced: store id" in done.output
    done = runner.invoke(sync, ["product", "P00002", "--inline"])
    assert done.exit_code == 0 and "product P00002 synced" in done.output, done.output
    done = runner.invoke(sync, ["customer", "C000004", "--inline"])
    assert done.exit_code == 0 and "customer C000004 synced" in done.output, done.output
    done = runner.invoke(sync, ["attribute", "care", "--inline"])
    assert done.exit_code == 0 and "attribute care synced" in done.output, done.output
    missing = runner.invoke(sync, ["customer", "C999999", "--inline"])
    assert missing.exit_code == 1
    assert "customer 'C999999' does not exist at the source" in missing.output


def test_sync_bulk_all_fills_the_store(sim: SimulatorServer, cli_env: str) -> None:
    catalogue = sim.simulator.catalogue
    engine = make_engine(cli_env)
    with engine.begin() as conn:
        create_orders(conn, catalogue.orders.values())
    done = CliRunner().invoke(sync, ["bulk", "all", "--page-size", "5", "--inline"])
    assert done.exit_code == 0, done.output
    for line in ("price-group", "attribute", "customer", "product", "fulfillment"):
        assert line in done.output
    with engine.connect() as conn:
        check_store(conn, catalogue, SyncOptions())
    later = CliRunner().invoke(sync, ["bulk", "customers", "--since", "2030-01-01 00:00:00", "--inline"])
    assert later.exit_code == 0 and "customer" in later.output
    engine.dispose()


def test_sync_commands_are_queued_by_default_and_workers_fill_the_store(sim: SimulatorServer, cli_env: str) -> None:
    catalogue = sim.simulator.catalogue
    engine = make_engine(cli_env)
    with engine.begin() as conn:
        create_orders(conn, catalogue.orders.values())
    queued = CliRunner().invoke(sync, ["bulk", "all", "--page-size", "7"])
    assert queued.exit_code == 0, queued.output
    assert re.search(rf"customer\s+│ {len(catalogue.customers)}\s", queued.output), queued.output
    one = CliRunner().invoke(sync, ["customer", "C000004", "--queue"])
    assert one.exit_code == 0 and "customer C000004 queued (sync.customer, message" in one.output, one.output
    with engine.connect() as conn:  # nothing handled yet: queued only
        assert not conn.execute(sa.text("select count(*) from customer_entity")).scalar()
    # dependencies first: a worker drains the queues in this order (priority), as `bus consume --priority` does
    queues = ["price-groups", "attributes", "customers", "products", "fulfillments"]
    worked = CliRunner().invoke(bus, ["consume", *queues, "--priority", "--stop-when-empty"])
    assert worked.exit_code == 0, worked.output
    with engine.connect() as conn:
        check_store(conn, catalogue, SyncOptions())
        rows = conn.execute(sa.text("select outcome, count(*) from bus_sync_log group by outcome")).all()
    log = {str(outcome): int(count) for outcome, count in rows}
    handled = len(catalogue.customers) + 1 + len(catalogue.products) + len(catalogue.attributes)
    assert log.get("success", 0) >= handled and "failure" not in log
    engine.dispose()


def test_sync_bulk_reports_failures_and_exits_1(sim: SimulatorServer, cli_env: str) -> None:
    done = CliRunner().invoke(sync, ["bulk", "fulfillments", "--inline"])  # the store has none of the orders
    assert done.exit_code == 1
    assert "is not in the store" in done.output
    bad = CliRunner().invoke(sync, ["bulk", "products", "--since", "yesterday"])
    assert bad.exit_code == 2 and "is not a time" in bad.output


def test_an_unknown_source_name_is_a_clear_error(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_SOURCE", "ftp")
    get_settings.cache_clear()
    done = CliRunner().invoke(sync, ["customer", "C000001", "--inline"])
    assert done.exit_code == 1 and "unknown source 'ftp'" in done.output and "known: http" in done.output


def test_other_commands_attach_to_the_sync_group() -> None:
    @click.command("log")
    def log() -> None:
        click.echo("the sync log")

    group = click.Group("sync", commands=dict(sync.commands))
    group.add_command(log)
    done = CliRunner().invoke(group, ["log"])
    assert done.output == "the sync log\n"
    assert {"customer", "attribute", "price-group", "product", "fulfillments", "bulk"} <= set(sync.commands)


def test_since_reads_iso_and_magento_times() -> None:
    assert parse_since("2024-05-01 12:30:00").isoformat() == "2024-05-01T12:30:00+00:00"
    assert parse_since("2024-05-01T12:30:00Z").isoformat() == "2024-05-01T12:30:00+00:00"
    assert parse_since("2024-05-01T14:30:00+02:00").isoformat() == "2024-05-01T12:30:00+00:00"
    assert parse_since("2024-05-01").isoformat() == "2024-05-01T00:00:00+00:00"


def test_erp_sim_refuses_an_unreadable_quota() -> None:
    done = CliRunner().invoke(erp_sim, ["--quota", "lots/s"])
    assert done.exit_code == 2 and "cannot read the rate" in done.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_erp_sim_serves_a_seeded_catalogue_with_its_quota() -> None:
    port = _free_port()
    code = "from conveyor.cli.erp_sim import erp_sim; erp_sim()"
    args = ["--port", str(port), "--seed", "13", "--customers", "5", "--products", "3", "--quota", "3/min"]
    args += ["--order-numbers", "100000007,100000009"]
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/admin/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "erp-sim did not start"
            time.sleep(0.2)
        while time.time() % 60 > 50:  # three requests in one minute window
            time.sleep(1)
        answers = [httpx.get(f"{base}/api/v1/customers/C000002") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert Customer.model_validate_json(answers[0].content) == Catalogue(13, 5, 3).customers["C000002"]
        assert httpx.get(f"{base}/admin/stats").json()["quota"] == "3/min"
        assert [o["order_no"] for o in httpx.get(f"{base}/admin/orders").json()] == ["100000007", "100000009"]
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert "ERP simulator: seed 13, 5 customers, 3 products, 2 orders" in output

"""The issue's acceptance run, scaled to CI: a queued bulk sync by two worker processes fills the store with what
the simulator holds; then the simulator changes 200 entities and posts change sets, a worker is SIGKILLed mid-way,
and after a refresh the store matches again and every change set is acknowledged. On SQLite (DB queue) and on
PostgreSQL + RabbitMQ. The full-size run (2,000 customers, 5,000 products) is ``bench/sync_throughput.py``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from conveyor.cli.bus import bus
from conveyor.cli.sync import sync
from conveyor.sync import SyncOptions
from tests.integration.sync.conftest import QUEUES, Eds, StartEds, admin
from tests.integration.sync.store_check import check_store, create_orders

ROOT = Path(__file__).resolve().parents[3]
DEADLINE = 240.0


def _workers(eds: Eds, tmp_path: Path, count: int, tag: str) -> list[tuple[subprocess.Popen[bytes], Path]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CONVEYOR_TOPOLOGY_FILES": "[]"}
    started = []
    for n in range(count):
        log = tmp_path / f"worker-{tag}-{n}.log"
        command = [sys.executable, "-m", "conveyor", "bus", "consume", *QUEUES, "--priority", "--stop-when-empty"]
        with log.open("wb") as stderr:  # a file, not a pipe: a chatty worker must not block
            started.append((subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr), log))
    return started


def _wait(workers: list[tuple[subprocess.Popen[bytes], Path]], allow_killed: bool = False) -> None:
    deadline = time.monotonic() + DEADLINE
    for worker, log in workers:
        try:
            code = worker.wait(max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            pytest.fail(f"worker still running after {DEADLINE}s:\n{log.read_text()[-3000:]}")
        if not (code == 0 or (allow_killed and code == -signal.SIGKILL)):
            pytest.fail(f"worker exited with {code}:\n{log.read_text()[-3000:]}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql+amqp"])
def test_bulk_sync_then_change_sets_with_two_workers_and_a_kill(
    backend: str, request: pytest.FixtureRequest, start_eds: StartEds, tmp_path: Path
) -> None:
    if backend == "sqlite":
        eds = start_eds(request.getfixturevalue("sqlite_url"), seed=21, customers=150, products=60, orders=20)
    else:
        url, amqp = request.getfixturevalue("pg_url"), request.getfixturevalue("amqp_url")
        eds = start_eds(url, amqp, seed=21, customers=150, products=60, orders=20)
    catalogue = eds.sim.simulator.catalogue
    with eds.engine.begin() as conn:
        create_orders(conn, catalogue.orders.values())

    queued = CliRunner().invoke(sync, ["bulk", "all"])
    assert queued.exit_code == 0, queued.output
    _wait(_workers(eds, tmp_path, 2, "bulk"))
    with eds.engine.connect() as conn:
        check_store(conn, catalogue, SyncOptions())

    answers = [
        admin(eds.sim, "POST", "change", {"entity_type": kind, "count": count})
        for kind, count in (("customer", 90), ("product", 40), ("attribute", 4), ("fulfillment", 6))
        for _ in range(2)
    ]
    posted = [a for a in answers if a["change_set"] is not None]  # an order with nothing left to ship changes not
    assert sum(len(p["changed"]) for p in posted) >= 200 * 0.9
    assert all(p["change_set"]["delivered"] for p in posted)

    workers = _workers(eds, tmp_path, 2, "eds")
    time.sleep(1.0)
    victim, _log = workers[0]
    victim.send_signal(signal.SIGKILL)  # mid-stream: its reserved commands must come back, none applied twice
    killed_at = time.monotonic()
    _wait(workers, allow_killed=True)
    time.sleep(max(0.0, 10.5 - (time.monotonic() - killed_at)))  # reservations older than 10 s go back
    refreshed = CliRunner().invoke(bus, ["refresh", "--reserved", "10"])
    assert refreshed.exit_code == 0, refreshed.output
    _wait(_workers(eds, tmp_path, 1, "after"))

    with eds.engine.connect() as conn:
        check_store(conn, catalogue, SyncOptions())
        rows = conn.execute(sa.text("select status, count(*) from eds_change_set group by status")).all()
    statuses = {str(status): int(count) for status, count in rows}
    assert statuses == {"acknowledged": len(posted)}, statuses
    told = {d["id"]: d["acknowledged"] for d in admin(eds.sim, "GET", "change-sets")}
    assert all(told[p["change_set"]["id"]] for p in posted)
    assert eds.waiting() == 0

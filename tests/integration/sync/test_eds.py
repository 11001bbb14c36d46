"""Event-driven sync end to end: the simulator posts signed change sets to the running API, workers sync, the
source is told; forged, stale and replayed posts change nothing; a failing entity fails its change set visibly."""

from __future__ import annotations

import json
import time

import httpx
import sqlalchemy as sa
from click.testing import CliRunner

from conveyor.api.eds import PATH
from conveyor.cli.change_sets import change_sets
from conveyor.cli.sync import sync
from conveyor.sync import SyncOptions
from tests.integration.sync.conftest import WIDE, Eds, StartEds, admin
from tests.integration.sync.store_check import check_store, create_orders


def _initial_sync(eds: Eds) -> None:
    with eds.engine.begin() as conn:
        create_orders(conn, eds.sim.simulator.catalogue.orders.values())
    done = CliRunner().invoke(sync, ["bulk", "all", "--inline"])
    assert done.exit_code == 0, done.output


def test_change_sets_are_synced_and_acknowledged(start_eds: StartEds, sqlite_url: str) -> None:
    eds = start_eds(sqlite_url, seed=11, customers=15, products=6, orders=4)
    _initial_sync(eds)
    catalogue = eds.sim.simulator.catalogue
    posted = [
        admin(eds.sim, "POST", "change", {"entity_type": kind, "count": count})
        for kind, count in (("customer", 4), ("product", 3), ("attribute", 2), ("fulfillment", 1))
    ]
    for answer in posted:
        assert answer["change_set"]["delivered"], answer
        record = eds.row(answer["change_set"]["id"])
        assert record.status == "open" and record.item_count == len(answer["changed"])
    eds.work()
    with eds.engine.connect() as conn:
        check_store(conn, catalogue, SyncOptions())
    for answer in posted:
        assert eds.row(answer["change_set"]["id"]).status == "acknowledged"
    told = {d["id"]: d for d in admin(eds.sim, "GET", "change-sets")}
    assert all(told[a["change_set"]["id"]]["acknowledged"] for a in posted)
    assert eds.waiting() == 0
    listed = WIDE.invoke(change_sets, [])
    assert listed.exit_code == 0 and listed.output.count("acknowledged") >= len(posted), listed.output


def test_forged_stale_and_replayed_posts_change_nothing(start_eds: StartEds, sqlite_url: str) -> None:
    eds = start_eds(sqlite_url, seed=12, customers=5, products=2)
    body = {
        "id": "CS-X1",
        "entity_type": "customer",
        "entity_ids": ["C000001", "C000002"],
        "created_at": "2026-11-24T10:00:00Z",
    }
    forged = eds.post(body, secret="not-the-secret")
    assert forged.status_code == 401 and "isn't authorized" in forged.json()["message"]
    stale = eds.post(body, now=time.time() - 3600)
    assert stale.status_code == 401
    unsigned = httpx.post(eds.api.url + PATH, json=body, timeout=30)
    assert unsigned.status_code == 401
    assert eds.row("CS-X1") is None and eds.waiting() == 0

    first = eds.post(body)
    assert first.status_code == 202 and first.json() == {
        "change_set_id": "CS-X1",
        "status": "open",
        "queued": 2,
        "replay": False,
    }
    assert eds.waiting() == 2
    again = eds.post(body)
    assert again.status_code == 200 and again.json()["replay"] is True and again.json()["queued"] == 0
    assert eds.waiting() == 2  # nothing queued twice
    bad = eds.post({"id": "CS-X2", "entity_type": "planet", "entity_ids": [], "created_at": "2026-11-24T10:00:00Z"})
    assert bad.status_code == 400 and "entity_type" in json.dumps(bad.json())
    assert eds.row("CS-X2") is None


def test_a_failing_entity_fails_its_change_set_and_a_retry_settles_it(start_eds: StartEds, sqlite_url: str) -> None:
    eds = start_eds(sqlite_url, seed=13, customers=5, products=2)
    body = {
        "id": "CS-F1",
        "entity_type": "customer",
        "entity_ids": ["C000001", "C000002", "C000003"],
        "created_at": "2026-11-24T10:00:00Z",
    }
    assert eds.post(body).status_code == 202
    admin(eds.sim, "POST", "faults", {"fail": 1, "status": 422})  # the next source call is refused: permanent
    eds.work()
    record = eds.row("CS-F1")
    assert (record.status, record.done_count, record.failed_count) == ("failed", 2, 1)
    assert "C000001" in record.last_error and record.acknowledged_at is None
    listed = WIDE.invoke(change_sets, ["--failed"])
    assert "CS-F1" in listed.output and "C000001" in listed.output, listed.output
    assert not any(d["acknowledged"] for d in admin(eds.sim, "GET", "change-sets"))

    retried = WIDE.invoke(change_sets, ["--retry"])  # the source is fine again
    assert retried.exit_code == 0 and "1 failed item(s) queued again" in retried.output, retried.output
    eds.work()
    record = eds.row("CS-F1")
    assert (record.done_count, record.failed_count) == (3, 0)
    # processed; the simulator never sent CS-F1, so it refuses the acknowledgement (404) and the set stays processed
    assert record.status == "processed" and "acknowledge" in (record.last_error or "")
    with eds.engine.connect() as conn:
        customers = conn.execute(sa.text("select count(*) from customer_entity")).scalar()
    assert customers == 3

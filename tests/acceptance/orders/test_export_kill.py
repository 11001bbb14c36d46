"""Issue 15, "what it must show" 2: a runner SIGKILLed in the middle of a transport loses no order.

The ERP holds every request for a while, so the one runner is caught inside an HTTP or SOAP send; it is killed
there. The step comes back (the DB queue's live workers reap the dead one; RabbitMQ requeues its delivery), fresh
runners finish every export, and the scenario's checks hold: every order reached every target. The killed step
ran twice, and its document reached the ERP twice: the idempotency key (order + target) keeps the ERP's order
book at one order. Channels that cannot carry a key (local file, SFTP) would deliver a document sent again a
second time under the same name; the test counts their steps that ran twice (none here: the kill was inside a
keyed send) — see docs/ARCHITECTURE.md, "The order export".
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from conveyor.pipelines.schema import pipeline_table, step_table
from tests.acceptance.orders.scenario import KEYED, Plan, Run, check, drive, opened


def running_keyed_send(run: Run) -> tuple[str, str] | None:
    """(pipeline, step) of an HTTP or SOAP export step being run now, if any."""
    query = (
        sa.select(pipeline_table.c.name, step_table.c.name)
        .join(pipeline_table, pipeline_table.c.id == step_table.c.pipeline_id)
        .where(step_table.c.status == "running", pipeline_table.c.name.in_(KEYED))
    )
    with run.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else (str(row[0]), str(row[1]))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "pg+amqp"])
def test_a_runner_killed_mid_transport_loses_no_order_and_the_erp_keeps_one_of_each(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    if backend == "sqlite":
        db_url, amqp_url, connection = request.getfixturevalue("sqlite_url"), "amqp://unused", "db"
    else:
        db_url, amqp_url, connection = request.getfixturevalue("pg_url"), request.getfixturevalue("amqp_url"), "amqp"
    plan = Plan.of(20)
    with opened(db_url, amqp_url, connection, tmp_path) as run:
        run.place(plan)
        httpx.post(f"{run.erp_url}/admin/faults", json={"delay": 100000, "seconds": 1.0}).raise_for_status()
        run.start_heartbeat()
        victim = run.start_runner("victim", batch=1)
        deadline = time.monotonic() + 90
        while (caught := running_keyed_send(run)) is None:
            assert victim.poll() is None and time.monotonic() < deadline, run.logs()
            time.sleep(0.02)
        time.sleep(0.3)  # well inside the ERP's one-second hold: the request is out, no answer yet
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(10) == -signal.SIGKILL
        httpx.post(f"{run.erp_url}/admin/faults", json={}).raise_for_status()  # the ERP answers at once again

        drive(run, plan, placed=True, limit=180)
        again = check(run, plan)  # every order at every target; no file or SFTP step ran twice
        assert (caught[0], caught[1], 2) in again  # the killed step ran again
        # the killed send reached the ERP (posts) and was sent again: still one order per key
        received = {order["key"]: order for order in run.received()}
        resent = [key for key, order in received.items() if order["posts"] > 1]
        assert len(received) == 2 * len(plan.second)
        assert len(resent) <= len(again)  # a document posted twice is a step that ran twice
        # duplicates on the channels without a key: their export steps that ran twice (check() allows none)
        duplicates = [s for s in run.steps() if s[3] not in KEYED and s[2] > 1]
        assert duplicates == []

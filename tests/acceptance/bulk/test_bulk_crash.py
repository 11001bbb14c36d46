"""Crash safety of the bulk API: consumers SIGKILLed mid-bulk lose no operation and create no customer twice.

One bulk of customers is consumed by real ``conveyor queue consume async.operations.all`` processes whose
handler (``tests.acceptance.bulk.crash_handler``) kills its own process now and then: before the operation runs,
after it
ran and before its transaction commits, and after the commit before the message is acknowledged. Killed
workers are replaced as a supervisor would; when none is left and the bulk is not finished, the DB queue's
stale reservations are refreshed (RabbitMQ requeues a dead consumer's messages by itself) and workers start
again. In the end every operation is complete or failed for the client's reason, and the customers in the
store are exactly those of the complete operations.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from conveyor.bulk.schema import OperationStatus, operation_table
from conveyor.bulk.topology import QUEUE
from conveyor.catalog.customers import DUPLICATE_EMAIL, customer_table
from conveyor.mq.config import load_topology
from conveyor.mq.queue import MessageQueue
from conveyor.mq.transports.base import Transport
from conveyor.settings import Settings
from tests.acceptance.bulk.crash_handler import POINTS
from tests.integration.api.harness import Harness, harness
from tests.support.integrity import orphans

BULK = "/rest/async/bulk/V1/customers"
UNIQUE = 250  # customers the bulk creates
EXISTING = ["taken0@example.com", "taken1@example.com", "taken2@example.com"]  # created before the bulk
REPEATED = (7, 61, 150, 199, 233)  # items whose email comes again, in other case, at the end of the bulk
# Each worker dies during its n-th operation, n drawn from 1..KILL_WITHIN (about one operation in 25), until
# MAX_KILLS workers died (two at each point): every kill costs a process start (~3 s of imports), which
# bounds the run, and a worker lives at most KILL_WITHIN operations, so that the cap is reached in practice.
KILL_WITHIN = 50
MAX_KILLS = 6
WORKERS = 2
DEADLINE = 150.0
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(params=["sqlite", "postgresql", "amqp"])
def crash_api(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """The app on SQLite and PostgreSQL with the DB queue, and on PostgreSQL with the bulk queue on RabbitMQ."""
    amqp_url: str | None = None
    if request.param == "sqlite":
        db_url = str(request.getfixturevalue("sqlite_url"))
    else:
        db_url = str(request.getfixturevalue("pg_url"))
        if request.param == "amqp":
            amqp_url = str(request.getfixturevalue("amqp_url"))
    with harness(db_url, amqp_url=amqp_url) as api:
        assert api.mq.topology.queues[QUEUE].connection == ("amqp" if amqp_url else "db")
        yield api


def customer(email: str, first: str) -> dict[str, Any]:
    """A bulk item without a password: scrypt would make the run about hashing instead of crashing."""
    return {"customer": {"email": email, "firstname": first, "lastname": "Crash"}}


def bulk_items() -> list[dict[str, Any]]:
    """Unique customers, each customer of ``EXISTING`` once more, and a second item for each of ``REPEATED``."""
    items = [customer(f"crash{n}@example.com", f"N{n}") for n in range(UNIQUE)]
    for n, email in enumerate(EXISTING):
        items.insert(40 + 120 * n, customer(email, f"Again{n}"))
    items += [customer(f"CRASH{n}@Example.com", f"Repeat{n}") for n in REPEATED]
    return items


@dataclass
class Crew:
    """The consumer processes: spawned, replaced when they killed themselves, each told where to die."""

    api: Harness
    tmp_path: Path
    kills_file: Path
    topology: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: dict[int, Path] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    assigned: Counter[str] = field(default_factory=Counter)
    spawned: int = 0
    kills: int = 0

    def kill_points(self) -> list[str]:
        if not self.kills_file.exists():
            return []
        return [line.split()[0] for line in self.kills_file.read_text().splitlines()]

    def _next_point(self) -> str:
        """The point killed least so far (then the one assigned least), so that one run hits every point."""
        killed = Counter(self.kill_points())
        return min(POINTS, key=lambda p: (killed[p], self.assigned[p]))

    def spawn(self) -> subprocess.Popen[bytes]:
        settings = self.api.settings
        point = self._next_point()
        armed = self.kills + sum(w.poll() is None for w in self.workers) < MAX_KILLS
        kill_at = self.rng.randint(1, KILL_WITHIN) if armed else 0
        self.assigned[point] += bool(kill_at)
        self.spawned += 1
        env = {
            **os.environ,
            "CONVEYOR_DATABASE_URL": settings.database_url,
            "CONVEYOR_AMQP_URL": settings.amqp_url,
            "CONVEYOR_BULK_CONNECTION": settings.bulk_connection,
            "CONVEYOR_TOPOLOGY_FILES": "[]",
            # RabbitMQ pushes no more than a batch to a worker: else one worker hoards the queue while the
            # other finds it empty and stops, and a kill hands a hundred messages back at once
            "CONVEYOR_AMQP_PREFETCH": "10",
            "CRASH_KILL_AT": str(kill_at),
            "CRASH_POINT": point,
            "CRASH_KILLS_FILE": str(self.kills_file),
            "PYTHONPATH": str(ROOT),
        }
        command = [
            sys.executable,
            "-m",
            "conveyor",
            "queue",
            "consume",
            QUEUE,
            "--topology",
            str(self.topology),
            "--handler",
            "tests.acceptance.bulk.crash_handler:handle",
            "--stop-when-empty",
            "--sleep",
            "0.1",
            "--batch-size",
            "10",
            "--max-attempts",
            "1000",
            "--retry-delay",
            "0",
        ]
        log = self.tmp_path / f"worker-{self.spawned}.log"
        with log.open("wb") as stderr:  # a file, not a pipe: a chatty worker must not block on a full pipe
            worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        self.logs[worker.pid] = log
        return worker

    def start(self) -> None:
        self.workers = [self.spawn() for _ in range(WORKERS)]

    def watch(self) -> bool:
        """Replace the workers that killed themselves; True when every worker has stopped on its own."""
        for index, worker in enumerate(self.workers):
            code = worker.poll()
            if code == -9:
                self.kills += 1
                self.workers[index] = self.spawn()
            elif code not in (None, 0):
                self.stop()
                pytest.fail(f"worker exited with {code}:\n{self.logs[worker.pid].read_text()[-4000:]}")
        return all(w.poll() == 0 for w in self.workers)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()


def workers_topology(api: Harness, tmp_path: Path) -> Path:
    """A topology file of nothing but the built-in queues, declared here once before any worker starts.

    Two workers declaring queues missing from a fresh database at the same moment can both insert the same
    queue row, and one of them dies of the unique key (a race of ``SqlTransport.ensure_queues``, reported
    apart): this test is about crashes inside the operation consumer, not at start-up.
    """
    path = tmp_path / "workers-topology.yaml"
    path.write_text("{}\n")
    settings = Settings(**{**api.settings.model_dump(), "topology_files": []})
    mq = MessageQueue(load_topology([path], builtins=True, settings=settings), settings)
    try:
        mq.declare()
    finally:
        mq.close()
    return path


def unsettled(api: Harness) -> int:
    """Operations still open or waiting for a retry."""
    waiting = [int(OperationStatus.OPEN), int(OperationStatus.RETRIABLY_FAILED)]
    with api.engine.connect() as conn:
        query = sa.select(sa.func.count()).where(operation_table.c.status.in_(waiting))
        return int(conn.execute(query).scalar_one())


def open_keys(api: Harness) -> list[tuple[int, int]]:
    """(operation_key, status) of the operations still open or waiting for a retry."""
    waiting = [int(OperationStatus.OPEN), int(OperationStatus.RETRIABLY_FAILED)]
    o = operation_table.c
    with api.engine.connect() as conn:
        query = sa.select(o.operation_key, o.status).where(o.status.in_(waiting)).order_by(o.operation_key)
        return [(int(key), int(status)) for key, status in conn.execute(query)]


def queue_empty(transport: Transport) -> bool:
    counts = transport.counts(QUEUE)
    return counts.waiting == 0 and counts.retrying == 0 and counts.in_progress == 0


@pytest.mark.slow
def test_killed_consumers_lose_no_operation_and_duplicate_no_customer(crash_api: Harness, tmp_path: Path) -> None:
    api = crash_api
    for n, email in enumerate(EXISTING):
        made = api.send("POST", "/rest/V1/customers", customer(email, f"Taken{n}"))
        assert made.status_code == 200, made.text
    items = bulk_items()
    sent = api.send("POST", BULK, items)
    assert sent.status_code == 202, sent.text
    assert sent.json()["errors"] is False
    bulk_uuid = sent.json()["bulk_uuid"]
    transport = api.mq.transport_for_queue(QUEUE)
    connection = api.mq.topology.queues[QUEUE].connection

    seed = random.randrange(2**32)
    print(f"kill seed {seed}")  # shown with the failure: the same operations are drawn to die
    crew = Crew(api, tmp_path, tmp_path / "kills.txt", workers_topology(api, tmp_path), rng=random.Random(seed))
    started = time.monotonic()
    rounds, idle = 1, 0
    crew.start()
    try:
        while True:
            assert time.monotonic() - started < DEADLINE, (
                f"not settled in {DEADLINE:.0f}s: {unsettled(api)} operation(s) open, {transport.counts(QUEUE)}"
            )
            time.sleep(0.1)
            if not crew.watch():
                continue
            left = unsettled(api)
            if not left and queue_empty(transport):
                break
            if connection == "db":
                # nobody is alive: every reservation is a dead worker's; the broker needs no such help
                transport.refresh(reserved_seconds=0, max_attempts=1000)
            # open operations with no message left for them, round after round: their messages are lost
            idle = idle + 1 if left and queue_empty(transport) else 0
            assert idle < 3, f"{left} operation(s) open and no message left to run them: {open_keys(api)}"
            rounds += 1
            crew.start()
    finally:
        crew.stop()
    elapsed = time.monotonic() - started

    with api.engine.connect() as conn:
        o, c = operation_table.c, customer_table.c
        operations = conn.execute(
            sa.select(o.operation_key, o.status, o.result_message, o.error_code, o.result_serialized_data)
            .where(o.bulk_uuid == bulk_uuid)
            .order_by(o.operation_key)
        ).all()
        stored = conn.execute(sa.select(c.entity_id, c.email, c.firstname)).all()

    # no operation lost, none left open or retriable
    assert [op.operation_key for op in operations] == list(range(len(items)))
    outcomes = Counter((op.status, op.error_code, (op.result_message or "")[:300]) for op in operations)
    assert {status for status, _, _ in outcomes} <= {1, 3}, outcomes

    # the failed operations are exactly the duplicates, with Magento's message
    failed = [op for op in operations if op.status == OperationStatus.NOT_RETRIABLY_FAILED]
    assert {(op.result_message, op.error_code) for op in failed} == {(DUPLICATE_EMAIL, 400)}, outcomes
    by_email: dict[str, list[int]] = {}
    for key, item in enumerate(items):
        by_email.setdefault(item["customer"]["email"].lower(), []).append(key)
    failed_keys = {op.operation_key for op in failed}
    for email, keys in by_email.items():
        winners = [k for k in keys if k not in failed_keys]
        assert len(winners) == (0 if email in EXISTING else 1), (email, keys, winners)
    assert len(failed) == len(EXISTING) + len(REPEATED)

    # the customers in the store are exactly those of the complete operations, each once, with the ids reported
    complete = [op for op in operations if op.status == OperationStatus.COMPLETE]
    results = [orjson.loads(op.result_serialized_data) for op in complete]
    created = [(s.entity_id, s.email, s.firstname) for s in stored if s.email not in EXISTING]
    assert len(created) == len({email for _, email, _ in created}), "a customer was created twice"
    assert sorted(created) == sorted((r["id"], r["email"], r["firstname"]) for r in results)
    assert [items[op.operation_key]["customer"]["firstname"] for op in complete] == [r["firstname"] for r in results]
    assert sorted(email for _, email, _ in created) == sorted(f"crash{n}@example.com" for n in range(UNIQUE))

    summary = api.get(f"/rest/V1/bulk/{bulk_uuid}/status").json()
    assert (summary["status"], summary["operation_count"]) == (3, len(items))  # finished with failure

    # the test really killed consumers, at every point, and the queue holds nothing anymore
    points = crew.kill_points()
    assert crew.kills == len(points), (crew.kills, points)
    assert crew.kills >= 3, "the test must actually kill consumers"
    assert set(points) == set(POINTS), Counter(points)
    counts = transport.counts(QUEUE)
    assert counts.dead == 0 and queue_empty(transport), counts
    assert orphans(api.engine) == []  # `conveyor db check` after the kills: the store is whole
    print(
        f"{connection}: {len(items)} operations in {elapsed:.1f}s, {crew.kills} kills {dict(Counter(points))},"
        f" {crew.spawned} workers, {rounds} round(s)"
    )

"""Fault tests on every backend: SIGKILLed consumers, poison messages, rolled-back publishes.

Consumers are real ``conveyor queue consume`` processes that kill themselves at random points of their
handler (before or after the handler's commit). In the end every message must have been handled, none
lost, and duplicates only where a kill came after the commit and before the ack.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from conveyor.db import make_engine
from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.envelope import Envelope
from conveyor.mq.middleware import StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from conveyor.mq.transports.base import Transport
from tests.acceptance.mq.fault_handlers import handled_table, kills_table, results
from tests.conftest import need_restarts
from tests.integration.mq.conftest import BACKENDS, make_mq

MESSAGES = 10_000
WORKERS = 2
KILL_ONE_IN = 800  # about a dozen kills over 10,000 messages


def _topology_file(tmp_path: Path, connection: str) -> Path:
    path = tmp_path / "fault-topology.yaml"
    path.write_text(
        f"""
exchanges:
  - name: conveyor
    connection: {connection}
    bindings: [{{id: fault, topic: "fault.#", destination: fault}}]
queues: [{{name: fault, connection: {connection}}}]
publishers: [{{topic: fault.message, connections: [{{name: {connection}, exchange: conveyor}}]}}]
consumers:
  - {{name: fault, queue: fault, connection: {connection}, handler: "tests.acceptance.mq.fault_handlers:record"}}
"""
    )
    return path


def _prepare(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> tuple[str, MessageQueue, Path, sa.Engine, Transport]:
    """The fault topology on ``backend`` (file and MessageQueue) and an empty results table."""
    from conveyor.mq.config import load_topology

    connection = "amqp" if backend == "amqp" else "db"
    mq = make_mq(request, backend)
    topology = _topology_file(tmp_path, connection)
    mq.topology = load_topology([topology])
    mq.close()
    engine = make_engine(mq.database_url)
    results.drop_all(engine)  # the servers keep them between tests: not in the migrated metadata
    results.create_all(engine)

    def drop_results() -> None:  # nor left behind for later tests (the migration test compares every table)
        results.drop_all(engine)
        engine.dispose()

    request.addfinalizer(drop_results)
    return connection, mq, topology, engine, mq.transport(connection)


def _spawn(
    topology: Path, mq: MessageQueue, kill_one_in: int, *, until_empty: bool = True, **extra_env: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CONVEYOR_DATABASE_URL": mq.database_url,
        "CONVEYOR_AMQP_URL": mq.amqp_url,
        "FAULT_KILL_ONE_IN": str(kill_one_in),
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        **extra_env,
    }
    command = [
        sys.executable,
        "-m",
        "conveyor",
        "queue",
        "consume",
        "fault",
        "--topology",
        str(topology),
        *(["--stop-when-empty"] if until_empty else []),
        "--sleep",
        "0.2",
        "--batch-size",
        "20",
        "--max-attempts",
        "1000",
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _settled(transport: Transport, connection: str) -> bool:
    counts = transport.counts("fault")
    if connection == "db":
        return counts.complete == MESSAGES
    return counts.waiting == 0 and counts.retrying == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_killed_consumers_lose_nothing(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> None:
    connection, mq, topology, engine, transport = _prepare(request, backend, tmp_path)
    for start in range(0, MESSAGES, 1000):
        mq.publish_envelopes([Envelope.of("fault.message", {"n": n}) for n in range(start, start + 1000)])

    kills = 0
    deadline = time.monotonic() + 240
    workers = [_spawn(topology, mq, KILL_ONE_IN) for _ in range(WORKERS)]
    while time.monotonic() < deadline:
        time.sleep(0.2)
        for index, worker in enumerate(workers):
            code = worker.poll()
            if code == -9:  # killed itself mid-handler: replace it, as a supervisor would
                kills += 1
                workers[index] = _spawn(topology, mq, KILL_ONE_IN)
            elif code not in (None, 0):
                pytest.fail(worker.stderr.read().decode() if worker.stderr else str(code))
        if all(w.poll() is not None for w in workers):
            if _settled(transport, connection):
                break
            if connection == "db":
                transport.refresh(reserved_seconds=0, max_attempts=1000)  # nobody alive: all stale
            workers = [_spawn(topology, mq, KILL_ONE_IN) for _ in range(WORKERS)]
    else:
        for worker in workers:
            worker.kill()
        pytest.fail(f"not settled in time: {transport.counts('fault')}")

    with engine.connect() as conn:
        rows = conn.execute(sa.select(handled_table.c.n, sa.func.count()).group_by(handled_table.c.n)).all()
        kill_rows = conn.execute(sa.select(kills_table.c.point)).scalars().all()
    handled: dict[int, int] = {int(n): int(c) for n, c in rows}
    duplicates = sum(count - 1 for count in handled.values())
    assert set(handled) == set(range(MESSAGES)), f"lost {MESSAGES - len(handled)} messages"
    assert kills >= 3, "the test must actually kill consumers"
    assert len(kill_rows) == kills
    after_commit = sum(1 for point in kill_rows if point == "after-commit")
    assert duplicates <= after_commit, (duplicates, after_commit, kills)
    counts = transport.counts("fault")
    assert counts.dead == 0 and counts.waiting == 0 and counts.in_progress == 0
    print(f"{backend}: {kills} kills ({after_commit} after commit), {duplicates} duplicates")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_killed_consumers_batch_is_handled_by_a_live_one_within_seconds(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """No refresh, no timer: the live consumer sees the dead one's beats stop and takes its batch back, and only
    the message whose handler was running when the kill came counts a second attempt."""
    _, mq, topology, engine, transport = _prepare(request, backend, tmp_path)
    total, dead_after = 200, 2.0
    mq.publish_envelopes([Envelope.of("fault.message", {"n": n}) for n in range(total)])
    beats = {"CONVEYOR_QUEUE_HEARTBEAT_SECONDS": "0.5", "CONVEYOR_QUEUE_WORKER_DEAD_AFTER_SECONDS": str(dead_after)}
    doomed = _spawn(topology, mq, 0, until_empty=False, FAULT_HANDLER_SLEEP="0.05", **beats)
    survivor: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 60
        while transport.counts("fault").in_progress == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # the survivor joins (as on another host) and works beside it; the kill leaves the doomed one's batch
        survivor = _spawn(topology, mq, 0, until_empty=False, FAULT_HANDLER_SLEEP="0.05", **beats)
        while _registered(engine) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        doomed_id = _worker_of(engine, doomed.pid)
        doomed.kill()
        doomed.wait()
        killed_at = time.monotonic()
        assert _held_by(engine, doomed_id) > 0, "the kill must leave a claimed batch behind"
        while _held_by(engine, doomed_id) and time.monotonic() < killed_at + 60:
            time.sleep(0.05)
        recovered = time.monotonic() - killed_at
        assert _registered(engine) == 1  # `queue status` no longer lists the dead one
        while transport.counts("fault").complete < total and time.monotonic() < killed_at + 60:
            time.sleep(0.1)
    finally:
        for process in (doomed, survivor):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    counts = transport.counts("fault")
    assert (counts.complete, counts.dead, counts.in_progress) == (total, 0, 0), counts
    assert recovered < 10, f"the killed consumer's batch came back {recovered:.1f}s after the kill"
    with engine.connect() as conn:
        handled = conn.execute(sa.select(sa.func.count(sa.distinct(handled_table.c.n)))).scalar_one()
        trials = conn.exec_driver_sql("SELECT number_of_trials, COUNT(*) FROM queue_message_status GROUP BY 1").all()
    assert handled == total
    again = {int(t): int(c) for t, c in trials if int(t) > 1}
    assert sum(again.values()) <= 1 and max(again, default=1) == 2, trials  # at most the one that was running
    print(f"{backend}: the killed consumer's batch came back {recovered:.1f}s after the kill")


def _registered(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT COUNT(*) FROM queue_worker").scalar_one())


def _worker_of(engine: sa.Engine, pid: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT id FROM queue_worker WHERE pid = :p"), {"p": pid}).scalar_one())


def _held_by(engine: sa.Engine, worker: str) -> int:
    with engine.connect() as conn:
        statement = sa.text("SELECT COUNT(*) FROM queue_message_status WHERE reserved_by = :w AND status = 3")
        return int(conn.execute(statement, {"w": worker}).scalar_one())


def _restart(backend: str) -> None:
    """Restart the server behind ``backend`` the way an operator would (the CI machine's own commands)."""

    def sh(command: str) -> None:
        subprocess.run(command, shell=True, check=True, capture_output=True, timeout=120)

    if backend == "postgresql":
        sh("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart")
    elif backend == "mariadb":
        sh("mariadb-admin -uroot -h127.0.0.1 shutdown")
        # shutdown returns before the process is gone, and --oknodo would then start nothing
        sh("for i in $(seq 1 300); do pgrep -x mariadbd >/dev/null || exit 0; sleep 0.1; done; exit 1")
        sh("start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd")
    else:
        sh("rabbitmqctl stop_app")
        sh("rabbitmqctl start_app")
    deadline = time.monotonic() + 60
    port = {"postgresql": 5432, "mariadb": 3306, "amqp": 5672}[backend]
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{backend} did not come back")


@pytest.mark.serial  # restarts the shared servers
@pytest.mark.parametrize("backend", ["postgresql", "mariadb", "amqp"])
def test_a_server_restart_mid_stream_loses_nothing(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """Consumers keep running across a restart of the database (DB queue) or of RabbitMQ.

    Restarting a user's servers during ``make test`` would be rude: this runs in CI
    (CONVEYOR_REQUIRE_SERVICES=1) or when CONVEYOR_TEST_RESTARTS=1 asks for it.
    """
    need_restarts()
    if (
        shutil.which({"postgresql": "pg_ctlcluster", "mariadb": "mariadb-admin", "amqp": "rabbitmqctl"}[backend])
        is None
    ):
        pytest.skip("cannot restart the server from here")
    connection, mq, topology, engine, transport = _prepare(request, backend, tmp_path)
    total = 20_000
    for start in range(0, total, 1000):
        mq.publish_envelopes([Envelope.of("fault.message", {"n": n}) for n in range(start, start + 1000)])
    workers = [_spawn(topology, mq, 0) for _ in range(WORKERS)]
    deadline = time.monotonic() + 60
    while _handled_count(engine) < total // 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _handled_count(engine) < total // 2, "the restart must come mid-stream"
    _restart(backend)
    # publishing keeps working after the restart, too
    mq.publish_envelopes([Envelope.of("fault.message", {"n": n}) for n in range(total, total + 100)])
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if all(w.poll() is not None for w in workers):
            if len(_handled_numbers(engine)) == total + 100:
                break
            if connection == "db":
                transport.refresh(reserved_seconds=0, max_attempts=1000)
            workers = [_spawn(topology, mq, 0) for _ in range(WORKERS)]
        time.sleep(0.2)
    else:
        for worker in workers:
            worker.kill()
        pytest.fail(f"not settled in time: {len(_handled_numbers(engine))} handled, {transport.counts('fault')}")
    for worker in workers:
        assert worker.wait(timeout=60) == 0, worker.stderr.read().decode() if worker.stderr else ""
    assert _handled_numbers(engine) == set(range(total + 100))
    counts = transport.counts("fault")
    assert counts.dead == 0 and counts.waiting == 0 and counts.in_progress == 0


def _handled_numbers(engine: sa.Engine) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(handled_table.c.n).distinct()).scalars())


def _handled_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(handled_table)).scalar_one())


def _worker(mq: MessageQueue, handler: object, max_attempts: int = 3) -> Worker:
    return Worker(
        mq,
        {"poison": handler, "orders": handler},  # type: ignore[dict-item]
        ConsumerOptions(batch_size=50, sleep=0.05, max_attempts=max_attempts, retry_delay=0.0),
        [StopWhenEmpty()],
    )


def test_a_poison_message_is_dead_lettered_while_the_others_flow(mq: MessageQueue) -> None:
    seen: list[int] = []

    def handler(envelope: Envelope) -> None:
        data = envelope.json()
        if data.get("poison"):
            raise ValueError(f"cannot handle message {data['n']}")
        seen.append(data["n"])

    mq.publish_batch("poison.pill", [{"n": n, "poison": n == 37} for n in range(200)])
    worker = _worker(mq, handler)
    deadline = time.monotonic() + 30
    transport = mq.transport_for_queue("poison")
    while transport.counts("poison").dead == 0 and time.monotonic() < deadline:
        worker.run()
    assert sorted(seen) == [n for n in range(200) if n != 37]
    (letter,) = transport.dead_letters("poison")
    assert letter.envelope.json()["n"] == 37
    assert letter.attempts == 3
    assert letter.error is not None and "cannot handle message 37" in letter.error
    assert worker.failed >= 3

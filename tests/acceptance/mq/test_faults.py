"""Fault tests on every backend: SIGKILLed consumers, poison messages, rolled-back publishes.

Consumers are real ``conveyor queue consume`` processes that kill themselves at random points of their
handler (before or after the handler's commit). In the end every message must have been handled, none
lost, and duplicates only where a kill came after the commit and before the ack.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.envelope import Envelope
from conveyor.mq.middleware import StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from tests.conftest import need_restarts
from tests.integration.mq.conftest import BACKENDS, make_mq
from tests.support.faults import QUEUE, RESTART_TOOLS, FaultRun, duplicates, restart
from tests.support.integrity import orphans

MESSAGES = 2_000  # bench/faults.py runs the long version; CI keeps the assertion, not the volume
WORKERS = 2
KILL_ONE_IN = 250  # a handler rolls twice (before and after its commit): about 16 kills over 2,000 messages
# Replacements of the first MAX_KILLS killed consumers may die too, later ones don't: each kill costs a process start
# (~3 s of imports), and six kills (at both points, on two consumers) cover what the test asserts
MAX_KILLS = 6


def _prepare(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> FaultRun:
    """The fault topology on ``backend`` and empty results tables, dropped after the test."""
    run = FaultRun.prepare(make_mq(request, backend), tmp_path, backend)
    request.addfinalizer(run.close)
    return run


@pytest.mark.parametrize("backend", BACKENDS)
def test_killed_consumers_lose_nothing(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> None:
    run = _prepare(request, backend, tmp_path)
    run.publish(range(MESSAGES))

    kills = 0
    deadline = time.monotonic() + 240
    workers = [run.spawn(KILL_ONE_IN) for _ in range(WORKERS)]
    while time.monotonic() < deadline:
        time.sleep(0.2)
        for index, worker in enumerate(workers):
            code = worker.poll()
            if code == -9:  # killed itself mid-handler: replace it, as a supervisor would
                kills += 1
                workers[index] = run.spawn(KILL_ONE_IN if kills < MAX_KILLS else 0)
            elif code not in (None, 0):
                pytest.fail(worker.stderr.read().decode() if worker.stderr else str(code))
        if all(w.poll() is not None for w in workers):
            if run.settled(MESSAGES):
                break
            if run.connection == "db":
                run.transport.refresh(reserved_seconds=0, max_attempts=1000)  # nobody alive: all stale
            workers = [run.spawn(KILL_ONE_IN if kills < MAX_KILLS else 0) for _ in range(WORKERS)]
    else:
        for worker in workers:
            worker.kill()
        pytest.fail(f"not settled in time: {run.transport.counts(QUEUE)}")

    handled = run.handled()
    kill_rows = run.kill_points()
    assert set(handled) == set(range(MESSAGES)), f"lost {MESSAGES - len(handled)} messages"
    assert kills >= 3, "the test must actually kill consumers"
    assert len(kill_rows) == kills
    after_commit = sum(1 for point in kill_rows if point == "after-commit")
    assert duplicates(handled) <= after_commit, (duplicates(handled), after_commit, kills)
    counts = run.transport.counts(QUEUE)
    assert counts.dead == 0 and counts.waiting == 0 and counts.in_progress == 0
    assert orphans(run.engine) == []  # `conveyor db check` after the kills
    print(f"{backend}: {kills} kills ({after_commit} after commit), {duplicates(handled)} duplicates")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_killed_consumers_batch_is_handled_by_a_live_one_within_seconds(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """No refresh, no timer: the live consumer sees the dead one's beats stop and takes its batch back, and only
    the message whose handler was running when the kill came counts a second attempt."""
    run = _prepare(request, backend, tmp_path)
    total, dead_after = 200, 2.0
    run.publish(range(total))
    beats = {"CONVEYOR_QUEUE_HEARTBEAT_SECONDS": "0.5", "CONVEYOR_QUEUE_WORKER_DEAD_AFTER_SECONDS": str(dead_after)}
    doomed = run.spawn(until_empty=False, FAULT_HANDLER_SLEEP="0.05", **beats)
    survivor: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 60
        while run.transport.counts(QUEUE).in_progress == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # the survivor joins (as on another host) and works beside it; the kill leaves the doomed one's batch
        survivor = run.spawn(until_empty=False, FAULT_HANDLER_SLEEP="0.05", **beats)
        while run.registered() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        doomed_id = run.worker_of(doomed.pid)
        doomed.kill()
        doomed.wait()
        killed_at = time.monotonic()
        assert run.held_by(doomed_id) > 0, "the kill must leave a claimed batch behind"
        while run.held_by(doomed_id) and time.monotonic() < killed_at + 60:
            time.sleep(0.05)
        recovered = time.monotonic() - killed_at
        assert run.registered() == 1  # `queue status` no longer lists the dead one
        while run.transport.counts(QUEUE).complete < total and time.monotonic() < killed_at + 60:
            time.sleep(0.1)
    finally:
        for process in (doomed, survivor):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    counts = run.transport.counts(QUEUE)
    assert (counts.complete, counts.dead, counts.in_progress) == (total, 0, 0), counts
    assert recovered < 10, f"the killed consumer's batch came back {recovered:.1f}s after the kill"
    with run.engine.connect() as conn:
        trials = conn.exec_driver_sql("SELECT number_of_trials, COUNT(*) FROM queue_message_status GROUP BY 1").all()
    assert set(run.handled()) == set(range(total))
    again = {int(t): int(c) for t, c in trials if int(t) > 1}
    assert sum(again.values()) <= 1 and max(again, default=1) == 2, trials  # at most the one that was running
    assert orphans(run.engine) == []  # `conveyor db check` after the kill
    print(f"{backend}: the killed consumer's batch came back {recovered:.1f}s after the kill")


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
    if shutil.which(RESTART_TOOLS[backend]) is None:
        pytest.skip("cannot restart the server from here")
    run = _prepare(request, backend, tmp_path)
    total = 20_000
    run.publish(range(total))
    workers = [run.spawn() for _ in range(WORKERS)]
    deadline = time.monotonic() + 60
    while run.handled_count() < total // 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.handled_count() < total // 2, "the restart must come mid-stream"
    restart(backend)
    run.publish(range(total, total + 100))  # publishing keeps working after the restart, too
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if all(w.poll() is not None for w in workers):
            if len(run.handled()) == total + 100:
                break
            if run.connection == "db":
                run.transport.refresh(reserved_seconds=0, max_attempts=1000)
            workers = [run.spawn() for _ in range(WORKERS)]
        time.sleep(0.2)
    else:
        for worker in workers:
            worker.kill()
        pytest.fail(f"not settled in time: {len(run.handled())} handled, {run.transport.counts(QUEUE)}")
    for worker in workers:
        assert worker.wait(timeout=60) == 0, worker.stderr.read().decode() if worker.stderr else ""
    assert set(run.handled()) == set(range(total + 100))
    assert orphans(run.engine) == []  # `conveyor db check` after the restart
    counts = run.transport.counts(QUEUE)
    assert counts.dead == 0 and counts.waiting == 0 and counts.in_progress == 0


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

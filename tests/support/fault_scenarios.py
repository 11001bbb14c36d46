"""Fault scenarios, each a complete run judged the same way: sent, lost, duplicated, dead-lettered, recovery.

The acceptance tests run one small case of each (and assert on the ``FaultReport``); ``bench/faults.py`` runs them
all on every backend and writes the table of ``docs/RELIABILITY.md``. Consumers are real processes
(``FaultRun.spawn``); nothing refreshes reservations by hand: recovery is the workers' registry (a dead worker's
missed beats) or the broker's (a dead connection's deliveries).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
from pika.exceptions import AMQPError

from tests.support import netns
from tests.support.faults import PORTS, QUEUE, FaultRun, duplicates, restart

HEARTBEAT = 0.5
DEAD_AFTER = 3.0
BEATS = {
    "CONVEYOR_QUEUE_HEARTBEAT_SECONDS": str(HEARTBEAT),
    "CONVEYOR_QUEUE_WORKER_DEAD_AFTER_SECONDS": str(DEAD_AFTER),
}
AMQP_HEARTBEAT = 2  # seconds: the broker drops a silent connection after two missed beats


class ScenarioError(AssertionError):
    """A scenario could not be played as written (not settled in time, a consumer failed)."""


@dataclass
class FaultReport:
    """What one fault did to one backend's messages."""

    backend: str
    fault: str
    sent: int
    lost: int
    duplicated: int
    dead_lettered: int
    recovery: float | None  # seconds from the fault until its messages were moving again (poison: dead-lettered)
    faults: int = 1  # kills, restarts or cuts made
    after_commit_kills: int = 0  # kills between a handler's commit and its ack: the only source of duplicates
    seconds: float = 0.0  # the whole run

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _report(run: FaultRun, backend: str, fault: str, sent: range, started: float, **figures: Any) -> FaultReport:
    handled = run.handled()
    return FaultReport(
        backend=backend,
        fault=fault,
        sent=len(sent),
        lost=sum(1 for n in sent if n not in handled),
        duplicated=duplicates(handled),
        dead_lettered=run.transport.counts(QUEUE).dead,
        seconds=round(time.monotonic() - started, 1),
        **figures,
    )


def _wait(condition: Callable[[], bool], seconds: float, what: str, poll: float = 0.1) -> float:
    """Poll ``condition`` until true; returns the seconds it took (``ScenarioError`` after ``seconds``)."""
    started = time.monotonic()
    while not _holds(condition):
        if time.monotonic() - started > seconds:
            raise ScenarioError(f"{what}: not within {seconds:g}s")
        time.sleep(poll)
    return time.monotonic() - started


def _holds(condition: Callable[[], bool]) -> bool:
    """``condition()``, false while the server it asks is away (a restart, a dropped connection)."""
    try:
        return condition()
    except (sa.exc.DBAPIError, AMQPError, OSError):
        return False


def _read(value: Callable[[], int], seconds: float) -> int:
    """``value()`` as soon as the server it asks answers again."""
    found: list[int] = []

    def answered() -> bool:
        found.append(value())
        return True

    _wait(answered, seconds, "the server answering again")
    return found[-1]


@contextmanager
def _reaped(processes: list[subprocess.Popen[bytes]]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every process started in the block is killed (if still running) and waited for on the way out."""
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stderr is not None:
                process.stderr.close()


def _all_handled(run: FaultRun, sent: range) -> Callable[[], bool]:
    def check() -> bool:
        return len(run.handled()) >= len(sent) and run.settled(len(sent))

    return check


def _released(run: FaultRun, worker: str) -> bool:
    return run.held_by(worker) == 0


def _live(run: FaultRun, count: int) -> Callable[[], bool]:
    return lambda: run.registered() >= count


def killed_consumers(run: FaultRun, backend: str, total: int = 2000, kills: int = 5) -> FaultReport:
    """SIGKILL a consumer every second while two work; each killed one is replaced, as a supervisor would."""
    started, sent = time.monotonic(), range(total)
    run.publish(sent)
    recovery = 0.0
    made = 0
    with _reaped([]) as processes:
        workers = [run.spawn(until_empty=False, FAULT_HANDLER_SLEEP="0.002", **BEATS) for _ in range(2)]
        processes.extend(workers)
        _wait(_live(run, 2), 60, "two consumers registered")
        while made < kills and not _all_handled(run, sent)():
            time.sleep(1.0)
            _wait(_live(run, 2), 60, "a live consumer beside the next victim")  # a replacement may still start
            index = made % 2
            victim = workers[index]
            held = run.worker_of(victim.pid) if run.connection == "db" else None
            victim.kill()
            victim.wait()
            killed_at, made = time.monotonic(), made + 1
            if held is None:  # RabbitMQ: the closed socket ends the consumer, its deliveries go back
                _wait(lambda: _amqp_consumers(run) <= 1, 60, "the broker dropping the killed consumer", poll=0.3)
            workers[index] = run.spawn(until_empty=False, FAULT_HANDLER_SLEEP="0.002", **BEATS)
            processes.append(workers[index])
            if held is not None:  # the DB queue: the dead one's claims come back by its missed beats
                _wait(partial(_released, run, held), 60, "a killed consumer's claims returned")
            recovery = max(recovery, time.monotonic() - killed_at)
        _wait(_all_handled(run, sent), 120, "every message handled")
    return _report(run, backend, "SIGKILL of consumers", sent, started, recovery=round(recovery, 1), faults=made)


def server_restart(run: FaultRun, backend: str, total: int = 3000) -> FaultReport:
    """Restart the database (DB queue) or RabbitMQ mid-stream; consumers keep running and reconnect."""
    started, sent = time.monotonic(), range(total)
    run.publish(sent)
    with _reaped([]) as processes:
        processes.extend([run.spawn(until_empty=False, **BEATS) for _ in range(2)])
        _wait(lambda: run.handled_count() >= total // 5, 60, "a fifth handled before the restart")
        restart(backend)  # returns once the server accepts connections again: recovery counts from there
        restarted_at = time.monotonic()
        before = _read(run.handled_count, 60)
        _wait(lambda: run.handled_count() > before + _resumed(run), 60, "handling again after the restart")
        recovery = time.monotonic() - restarted_at
        _wait(_all_handled(run, sent), 180, "every message handled")
    return _report(run, backend, "server restart", sent, started, recovery=round(recovery, 1))


def dropped_connection(run: FaultRun, backend: str, total: int = 2000) -> FaultReport:
    """The server closes every connection of the consumers mid-stream (as a failover or a proxy would)."""
    started, sent = time.monotonic(), range(total)
    run.publish(sent)
    with _reaped([]) as processes:
        processes.extend([run.spawn(until_empty=False, FAULT_HANDLER_SLEEP="0.002", **BEATS) for _ in range(2)])
        _wait(lambda: run.handled_count() >= total // 5, 60, "a fifth handled before the drop")
        before = run.handled_count()
        _drop_connections(run, backend)
        dropped_at = time.monotonic()
        _wait(lambda: run.handled_count() > before + _resumed(run), 60, "handling again after the drop")
        recovery = time.monotonic() - dropped_at
        _wait(_all_handled(run, sent), 120, "every message handled")
    return _report(run, backend, "dropped connection", sent, started, recovery=round(recovery, 1))


def _resumed(run: FaultRun) -> int:
    """Messages handled past the fault before handling counts as resumed: past what the consumers had in hand
    (a claimed batch; on RabbitMQ the prefetched deliveries, handled even while the connection is gone)."""
    return 50 if run.connection == "db" else 2 * run.mq.settings.amqp_prefetch + 50


def _drop_connections(run: FaultRun, backend: str) -> None:
    """Close the consumers' server connections from the server's side."""
    if backend == "amqp":
        vhost = run.mq.amqp_url.rsplit("/", 1)[-1]
        listed = subprocess.run(
            ["rabbitmqctl", "list_connections", "-q", "--no-table-headers", "pid", "vhost"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        for line in listed:
            parts = line.split()
            if len(parts) == 2 and parts[1] == vhost:
                subprocess.run(
                    ["rabbitmqctl", "close_connection", parts[0], "fault test"], check=False, capture_output=True
                )
        return
    url = sa.engine.make_url(run.mq.database_url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if backend == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": url.database},
            )
        else:
            mine = conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one()
            ids = conn.execute(
                sa.text("SELECT id FROM information_schema.processlist WHERE db = :d AND id <> :m"),
                {"d": url.database, "m": mine},
            ).scalars()
            for connection_id in list(ids):
                conn.exec_driver_sql(f"KILL {int(connection_id)}")
    admin.dispose()


def poison_message(run: FaultRun, backend: str, total: int = 1000) -> FaultReport:
    """One message (n = -1) fails every time among ``total`` good ones: it alone is dead-lettered, after three
    attempts, while the others flow. ``run`` must be prepared with ``poison=True``."""
    started, sent = time.monotonic(), range(total)
    run.publish(range(-1, 0))
    run.publish(sent)
    env = {**BEATS, "FAULT_MAX_ATTEMPTS": "3", "CONVEYOR_QUEUE_RETRY_DELAY": "0"}
    with _reaped([]) as processes:
        processes.extend([run.spawn(until_empty=False, **env) for _ in range(2)])
        _wait(_live(run, 2), 60, "two consumers registered")
        recovery = _wait(lambda: run.transport.counts(QUEUE).dead >= 1, 60, "the poison message dead-lettered")
        _wait(_all_handled(run, sent), 120, "every good message handled")
    return _report(run, backend, "poison message", sent, started, recovery=round(recovery, 1), faults=1)


def partitioned_host(run: FaultRun, backend: str, total: int = 400) -> FaultReport:
    """Two hosts (network namespaces, each its own hostname) consume; one's link is cut mid-stream. Its claimed
    messages must be handled by the other within the detection time: the DB queue's registry reaps the silent
    worker (``CONVEYOR_QUEUE_WORKER_DEAD_AFTER_SECONDS``), RabbitMQ drops its connection (missed heartbeats) and
    requeues its unacknowledged deliveries. Recovery is measured to the moment the cut host holds nothing."""
    started, sent = time.monotonic(), range(total)
    run.publish(sent)
    ports = [sa.engine.make_url(run.mq.database_url).port or PORTS["postgresql"]]
    amqp = run.connection == "amqp"
    if amqp:
        ports.append(PORTS["amqp"])
    with netns.hosts(2, ports) as (doomed_host, survivor_host), _reaped([]) as processes:

        def on(host: netns.Host) -> subprocess.Popen[bytes]:
            amqp_url = host.url(run.mq.amqp_url) + ("" if "?" in run.mq.amqp_url else f"?heartbeat={AMQP_HEARTBEAT}")
            return run.spawn(
                until_empty=False,
                prefix=host.prefix(),
                database_url=host.url(run.mq.database_url),
                amqp_url=amqp_url,
                FAULT_HANDLER_SLEEP="0.02",
                **BEATS,
            )

        doomed = on(doomed_host)
        processes.extend([doomed, on(survivor_host)])
        _wait(lambda: len(run.hosts()) >= 2, 60, "a consumer on each host registered")
        _wait(lambda: run.handled_count() >= total // 5, 60, "a fifth handled before the cut")
        doomed_id = run.worker_of(doomed.pid, doomed_host.name)
        if not amqp:
            _wait(lambda: run.held_by(doomed_id) > 0, 10, "the doomed host holding a batch", poll=0.005)
        doomed_host.cut()
        cut_at = time.monotonic()
        held = _amqp_consumers(run) if amqp else run.held_by(doomed_id)
        if amqp:  # the broker closes the silent connection: its deliveries go back
            _wait(lambda: _amqp_consumers(run) <= 1, 60, "the broker dropping the cut host's connection", poll=0.3)
        else:
            _wait(lambda: run.held_by(doomed_id) == 0, 60, "the cut host's claims returned")
        recovery = time.monotonic() - cut_at
        _wait(_all_handled(run, sent), 120, "every message handled")
    report = _report(run, backend, "partitioned host", sent, started, recovery=round(recovery, 1))
    if not amqp and held == 0:
        raise ScenarioError("the cut host held no message: the scenario proved nothing")
    return report


def _amqp_consumers(run: FaultRun) -> int:
    """Consumers the broker counts on the fault queue (a cut host's stays until its heartbeats are missed)."""
    vhost = run.mq.amqp_url.rsplit("/", 1)[-1].split("?")[0]
    listed = subprocess.run(
        ["rabbitmqctl", "list_queues", "-p", vhost, "-q", "--no-table-headers", "name", "consumers"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    ).stdout
    for line in listed.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == QUEUE:
            return int(parts[1])
    return 0


SCENARIOS: dict[str, Callable[[FaultRun, str], FaultReport]] = {
    "sigkill": killed_consumers,
    "restart": server_restart,
    "dropped": dropped_connection,
    "partition": partitioned_host,
    "poison": poison_message,
}

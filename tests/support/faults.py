"""The fault harness shared by the fault tests and ``bench/faults.py``: a topology whose handler records each
message it handled, consumers as real ``conveyor queue consume`` processes, server restarts, and the counts
(handled, duplicated, held by a worker) a fault run is judged by.

Consumers record through ``tests.support.fault_handlers:record`` (one committed row per handled message), so a
run shows exactly which messages were lost and which were handled twice.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from conveyor.db import make_engine
from conveyor.mq.config import load_topology
from conveyor.mq.envelope import Envelope
from conveyor.mq.queue import MessageQueue
from conveyor.mq.transports.base import Transport
from tests.support.fault_handlers import handled_table, kills_table, results

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "fault"
RESTART_TOOLS = {"postgresql": "pg_ctlcluster", "mariadb": "mariadb-admin", "amqp": "rabbitmqctl"}
PORTS = {"postgresql": 5432, "mariadb": 3306, "amqp": 5672}


def topology_file(folder: Path, connection: str, *, poison: bool = False) -> Path:
    """The fault topology on ``connection`` (``db`` or ``amqp``); ``poison`` makes message n < 0 fail each time."""
    handler = "tests.support.fault_handlers:" + ("record_or_refuse" if poison else "record")
    path = folder / "fault-topology.yaml"
    path.write_text(
        f"""
exchanges:
  - name: conveyor
    connection: {connection}
    bindings: [{{id: fault, topic: "fault.#", destination: {QUEUE}}}]
queues: [{{name: {QUEUE}, connection: {connection}}}]
publishers: [{{topic: fault.message, connections: [{{name: {connection}, exchange: conveyor}}]}}]
consumers:
  - {{name: fault, queue: {QUEUE}, connection: {connection}, handler: "{handler}"}}
"""
    )
    return path


@dataclass
class FaultRun:
    """One fault run's queue (the fault topology on one backend), its topology file and the results tables."""

    mq: MessageQueue
    topology: Path
    connection: str
    engine: sa.Engine

    @property
    def transport(self) -> Transport:
        return self.mq.transport(self.connection)

    @classmethod
    def prepare(cls, mq: MessageQueue, folder: Path, backend: str, *, poison: bool = False) -> FaultRun:
        """Put the fault topology on ``mq`` (whose URLs name the backend) and empty the results tables."""
        connection = "amqp" if backend == "amqp" else "db"
        topology = topology_file(folder, connection, poison=poison)
        mq.topology = load_topology([topology])
        mq.close()
        engine = make_engine(mq.database_url)
        results.drop_all(engine)  # the servers keep them between runs: not in the migrated metadata
        results.create_all(engine)
        return cls(mq, topology, connection, engine)

    def close(self) -> None:
        """Drop the results tables (the migration test compares every table) and the engines."""
        results.drop_all(self.engine)
        self.engine.dispose()
        self.mq.close()

    def publish(self, numbers: range) -> None:
        """Publish ``fault.message {"n": n}`` for each n, a thousand per call."""
        for start in range(numbers.start, numbers.stop, 1000):
            stop = min(start + 1000, numbers.stop)
            self.mq.publish_envelopes([Envelope.of("fault.message", {"n": n}) for n in range(start, stop)])

    def spawn(
        self,
        kill_one_in: int = 0,
        /,
        *,
        until_empty: bool = True,
        prefix: Sequence[str] = (),
        database_url: str | None = None,
        amqp_url: str | None = None,
        **extra_env: str,
    ) -> subprocess.Popen[bytes]:
        """A ``conveyor queue consume`` process (under ``prefix``, e.g. a network namespace) that SIGKILLs itself
        in one of ``kill_one_in`` handlers; the URLs default to the run's own."""
        env = {
            **os.environ,
            "CONVEYOR_DATABASE_URL": database_url or self.mq.database_url,
            "CONVEYOR_AMQP_URL": amqp_url or self.mq.amqp_url,
            "FAULT_KILL_ONE_IN": str(kill_one_in),
            "PYTHONPATH": str(ROOT),
            **extra_env,
        }
        command = [
            *prefix,
            sys.executable,
            "-m",
            "conveyor",
            "queue",
            "consume",
            QUEUE,
            "--topology",
            str(self.topology),
            *(["--stop-when-empty"] if until_empty else []),
            "--sleep",
            "0.2",
            "--batch-size",
            "20",
            "--max-attempts",
            env.get("FAULT_MAX_ATTEMPTS", "1000"),
        ]
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def settled(self, total: int) -> bool:
        """Nothing left to handle: every message complete (DB queue), or none waiting (RabbitMQ)."""
        counts = self.transport.counts(QUEUE)
        if self.connection == "db":
            return counts.complete + counts.dead >= total and counts.in_progress == 0
        return counts.waiting == 0 and counts.retrying == 0

    def handled(self) -> dict[int, int]:
        """How often each message was handled (a number above 1 is a duplicate)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(handled_table.c.n, sa.func.count()).group_by(handled_table.c.n)).all()
        return {int(n): int(c) for n, c in rows}

    def handled_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(handled_table)).scalar_one())

    def kill_points(self) -> list[str]:
        """Where each self-kill came: ``before-commit`` or ``after-commit`` (only the latter may duplicate)."""
        with self.engine.connect() as conn:
            return [str(p) for p in conn.execute(sa.select(kills_table.c.point)).scalars()]

    def registered(self) -> int:
        """Workers in the registry (what ``queue status`` lists)."""
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT COUNT(*) FROM queue_worker").scalar_one())

    def hosts(self) -> set[str]:
        with self.engine.connect() as conn:
            return {str(h) for h in conn.exec_driver_sql("SELECT hostname FROM queue_worker").scalars()}

    def worker_of(self, pid: int, hostname: str | None = None) -> str:
        query = "SELECT id FROM queue_worker WHERE pid = :p" + ("" if hostname is None else " AND hostname = :h")
        with self.engine.connect() as conn:
            return str(conn.execute(sa.text(query), {"p": pid, "h": hostname}).scalar_one())

    def held_by(self, worker: str) -> int:
        """Messages the DB queue shows in progress for ``worker``."""
        with self.engine.connect() as conn:
            statement = sa.text("SELECT COUNT(*) FROM queue_message_status WHERE reserved_by = :w AND status = 3")
            return int(conn.execute(statement, {"w": worker}).scalar_one())

    def state(self) -> str:
        """What is left, for a run that did not settle: the queue's counts, and on the DB queue who holds what."""
        text = f"{self.transport.counts(QUEUE)}, {len(self.handled())} distinct handled"
        if self.connection == "db":
            with self.engine.connect() as conn:
                rows = conn.exec_driver_sql(
                    "SELECT s.status, s.reserved_by, w.id IS NOT NULL, COUNT(*) FROM queue_message_status s"
                    " LEFT JOIN queue_worker w ON w.id = s.reserved_by WHERE s.status <> 4 GROUP BY 1, 2, 3"
                ).all()
            text += "; not complete (status, reserved_by, registered, count): " + repr([tuple(r) for r in rows])
        return text


def duplicates(handled: dict[int, int]) -> int:
    return sum(count - 1 for count in handled.values())


def restart(backend: str) -> None:
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
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORTS[backend]), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{backend} did not come back")

"""The fault report: every fault on every backend, the figures of ``docs/RELIABILITY.md``.

Per backend (SQLite, PostgreSQL, MariaDB, RabbitMQ with PostgreSQL beside it) and fault (SIGKILL of consumers,
server restart, dropped connection, partitioned host, poison message): messages sent, lost, duplicated and
dead-lettered, and the seconds to recover. The scenarios are the acceptance tests' own
(``tests/support/fault_scenarios.py``), here with more messages and more faults; each runs on a fresh database
(and vhost), created for it and dropped after.

The targets: 0 lost everywhere, 0 dead letters except the poison message, duplicates at most the kills, and
recovery within 10 s of a worker's death without any manual refresh.

Restarts restart the machine's shared servers (PostgreSQL, MariaDB, RabbitMQ): run it where nothing else uses
them. Partitions need root (``ip netns``).

    .venv/bin/python bench/faults.py                                   # everything
    .venv/bin/python bench/faults.py --backends sqlite postgresql --faults sigkill poison
    .venv/bin/python bench/faults.py --no-restart                      # leave the servers running

The last line of stdout is one JSON object with every figure; a Markdown table goes before it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared harness lives under tests/support

from tests.support import netns
from tests.support.fault_scenarios import SCENARIOS, FaultReport, ScenarioError
from tests.support.faults import FaultRun
from tests.support.topologies import fanout_topology

from conveyor.db import make_engine, upgrade
from conveyor.db.engine import dispose_engines
from conveyor.mq.queue import MessageQueue
from conveyor.settings import Settings

BACKENDS = ("sqlite", "postgresql", "mariadb", "amqp")
FAULTS = ("sigkill", "restart", "dropped", "partition", "poison")
ADMIN = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test",
}
AMQP = "amqp://guest:guest@127.0.0.1:5672/"
NAME = "conveyor_faults"
NOT_APPLICABLE = {
    ("sqlite", "restart"): "no server: the database is a file of the consumers' own processes",
    ("sqlite", "dropped"): "no connection to drop: each process opens the file itself",
    ("sqlite", "partition"): "one machine's file: hosts on a network cannot share it",
}
LABELS = {
    "sigkill": "SIGKILL of consumers",
    "restart": "server restart",
    "dropped": "dropped connection",
    "partition": "partitioned host",
    "poison": "poison message",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # outlives a restart


@contextmanager
def _server_database(backend: str) -> Iterator[str]:
    admin = _admin(ADMIN[backend])

    def drop() -> None:
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s", {"n": NAME}
                )
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {NAME}")

    drop()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {NAME}")
    try:
        yield sa.engine.make_url(ADMIN[backend]).set(database=NAME).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        drop()
        admin.dispose()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@contextmanager
def _vhost() -> Iterator[str]:
    subprocess.run(["rabbitmqctl", "delete_vhost", NAME], check=False, capture_output=True, timeout=120)
    _rabbitmqctl("add_vhost", NAME)
    _rabbitmqctl("set_permissions", "-p", NAME, "guest", ".*", ".*", ".*")
    try:
        yield AMQP + NAME
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", NAME], check=False, capture_output=True, timeout=120)


@contextmanager
def fresh_queue(backend: str, folder: Path) -> Iterator[MessageQueue]:
    """A MessageQueue on a fresh, migrated database of ``backend`` (RabbitMQ: PostgreSQL and a fresh vhost)."""
    with _database(backend, folder) as db, _vhost() if backend == "amqp" else _none() as amqp:
        engine = make_engine(db)
        upgrade(engine)
        engine.dispose()
        connection = "amqp" if backend == "amqp" else "db"
        settings = Settings(database_url=db, amqp_url=amqp or "amqp://unused")
        yield MessageQueue(fanout_topology(connection), settings, database_url=db, amqp_url=settings.amqp_url)


@contextmanager
def _database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'faults-{time.monotonic_ns()}.db'}"
        dispose_engines()
        return
    with _server_database("postgresql" if backend == "amqp" else backend) as url:
        yield url


@contextmanager
def _none() -> Iterator[None]:
    yield None


def run_one(backend: str, fault: str, folder: Path) -> FaultReport | str:
    """The report of one fault on one backend, or why it was not run."""
    if (backend, fault) in NOT_APPLICABLE:
        return NOT_APPLICABLE[backend, fault]
    if fault == "partition" and (reason := netns.unavailable()):
        return reason
    with fresh_queue(backend, folder) as mq:
        run = FaultRun.prepare(mq, folder, backend, poison=fault == "poison")
        try:
            return SCENARIOS[fault](run, backend)
        except ScenarioError as exc:
            log(f"  left behind: {run.state()}")
            return f"FAILED: {exc}"
        finally:
            run.close()


def _cell(found: FaultReport | str) -> list[str]:
    if isinstance(found, str):
        return ["n/a" if not found.startswith("FAILED") else found] + [""] * 5
    recovery = "" if found.recovery is None else f"{found.recovery:.1f} s"
    return [
        str(found.sent),
        str(found.lost),
        str(found.duplicated),
        str(found.dead_lettered),
        recovery,
        str(found.faults),
    ]


def table(results: list[tuple[str, str, FaultReport | str]]) -> str:
    lines = [
        "| backend | fault | sent | lost | duplicated | dead-lettered | recovery | faults made |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend, fault, found in results:
        lines.append("| " + " | ".join([backend, LABELS[fault], *_cell(found)]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--faults", nargs="+", choices=FAULTS, default=list(FAULTS))
    parser.add_argument("--no-restart", action="store_true", help="skip the server restarts")
    args = parser.parse_args()
    results: list[tuple[str, str, FaultReport | str]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="conveyor-faults-") as tmp:
        for backend in args.backends:
            for fault in args.faults:
                if fault == "restart" and args.no_restart:
                    continue
                log(f"{backend}: {LABELS[fault]} …")
                try:
                    found: FaultReport | str = run_one(backend, fault, Path(tmp))
                except Exception as exc:
                    found = f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                    log(traceback.format_exc())
                log(f"  {found}")
                results.append((backend, fault, found))
    print(table(results))
    print(
        json.dumps(
            {
                "seconds": round(time.monotonic() - started, 1),
                "results": [
                    {"backend": b, "fault": f, **(r.as_dict() if isinstance(r, FaultReport) else {"skipped": r})}
                    for b, f, r in results
                ],
            }
        )
    )


if __name__ == "__main__":
    main()

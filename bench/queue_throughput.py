"""Queue throughput: Conveyor's message queue against a bare driver loop, on every backend.

For each backend (SQLite, PostgreSQL, MariaDB, RabbitMQ) the script runs the same workload twice, each
time on a freshly created database (or vhost):

* Conveyor: ``MessageQueue.publish_envelopes`` in batches, then K spawned processes each running a
  ``Worker`` from ``build_worker(..., Limits(stop_when_empty=True), signals=False)`` with a trivial handler.
* Bare: the same N messages and K processes, written directly against the driver (sqlite3, psycopg,
  PyMySQL, pika) with the same durability: committed inserts, a claimed batch, one autocommit DELETE (or
  basic_ack) per handled message; persistent messages and publisher confirms on RabbitMQ.

Consume timing starts when every consumer process has started, connected and declared (a barrier) and
stops when the last one reports that the queue is drained; the per-process start-up is reported apart.
The last line of stdout is one JSON object with every figure.

    .venv/bin/python bench/queue_throughput.py                         # all backends, 100 000 messages
    .venv/bin/python bench/queue_throughput.py --backends postgresql --messages 20000
    .venv/bin/python bench/queue_throughput.py --backends sqlite --messages 20000 --profile
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import importlib.util
import io
import json
import multiprocessing as mp
import os
import pstats
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import orjson
import pika
import psycopg
import pymysql  # type: ignore[import-untyped]
import sqlalchemy as sa
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", "postgresql", "mariadb", "amqp")
SERVER_DBS = ("postgresql", "mariadb")
MODEL_BACKENDS = ("sqlite", "postgresql")  # where the model loop also runs
PG_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIA_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
AMQP_HOST = os.environ.get("CONVEYOR_BENCH_AMQP_HOST", "127.0.0.1")
BENCH_DB = "conveyor_bench"
QUEUE = "bench"
TOPIC = "bench.item"
EXCHANGE = "bench"
BARE_TABLE = "bench_bare"
SETUP_TIMEOUT = 300.0  # seconds for a consumer process to start, connect and declare
RUN_TIMEOUT = 3600.0  # seconds for the consumers to drain the queue


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def payload(i: int) -> dict[str, Any]:
    """A small message: 62 bytes of JSON."""
    return {"sku": f"SKU-{i:08d}", "qty": i % 97, "store": "default", "price": 19.99}


def handle_body(body: bytes) -> None:
    """The trivial handler both sides run: decode the JSON body."""
    orjson.loads(body)


# --- isolated databases and vhosts ------------------------------------------------------------------


@dataclass
class Target:
    """Where one run happens: the database URL and, for RabbitMQ, the vhost URL."""

    backend: str
    db_url: str  # Conveyor's database; for amqp the SQLite file holding the worker registry
    amqp_url: str = "amqp://unused"
    vhost: str | None = None  # created for this run, deleted after it

    @property
    def connection(self) -> str:
        return "amqp" if self.backend == "amqp" else "db"


def _sqlalchemy_admin(admin_url: str) -> sa.Engine:
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")


def drop_server_db(admin_url: str) -> None:
    admin = _sqlalchemy_admin(admin_url)
    with admin.connect() as conn:
        if admin.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s",
                {"n": BENCH_DB},
            )
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
    admin.dispose()


def fresh_server_db(admin_url: str) -> str:
    """Drop and recreate ``conveyor_bench``; returns its SQLAlchemy URL."""
    drop_server_db(admin_url)
    admin = _sqlalchemy_admin(admin_url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {BENCH_DB}")
    admin.dispose()
    return make_url(admin_url).set(database=BENCH_DB).render_as_string(hide_password=False)


def rabbitmqctl(*args: str, check: bool = True) -> None:
    done = subprocess.run(["rabbitmqctl", *args], check=False, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")


def fresh_vhost(name: str) -> str:
    rabbitmqctl("delete_vhost", name, check=False)
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    return f"amqp://guest:guest@{AMQP_HOST}:5672/{name}"


def fresh_target(backend: str, tmp: Path, label: str, *, migrate: bool) -> Target:
    """An empty database (migrated when ``migrate``) or vhost for one run labelled ``label``."""
    if backend in SERVER_DBS:
        url = fresh_server_db(PG_ADMIN_URL if backend == "postgresql" else MARIA_ADMIN_URL)
        target = Target(backend, url)
    else:
        path = tmp / f"{backend}-{label}.db"
        for leftover in tmp.glob(f"{path.name}*"):
            leftover.unlink()
        target = Target(backend, f"sqlite:///{path}")
        if backend == "amqp":
            target.vhost = f"{BENCH_DB}_{label}"
            target.amqp_url = fresh_vhost(target.vhost)
    if migrate:
        from conveyor.db import make_engine, upgrade

        engine = make_engine(target.db_url)
        upgrade(engine)
        engine.dispose()
    return target


def drop_target(target: Target) -> None:
    if target.backend in SERVER_DBS:
        drop_server_db(PG_ADMIN_URL if target.backend == "postgresql" else MARIA_ADMIN_URL)
    if target.vhost:
        rabbitmqctl("delete_vhost", target.vhost, check=False)


# --- consumer processes -----------------------------------------------------------------------------


@dataclass
class ConsumeResult:
    seconds: float
    startup: float  # spawn until every process had connected and declared
    handled: list[int]
    runs: list[int] = field(default_factory=list)


ConsumerTarget = Callable[..., None]


def run_consumers(target: ConsumerTarget, processes: int, args: tuple[Any, ...]) -> ConsumeResult:
    """Start ``processes`` spawned consumers; time from the barrier (all ready) until the last one reports."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    results: Any = ctx.Queue()
    total = ctx.Value("q", 0)
    procs = [
        ctx.Process(target=_consumer_main, args=(target, barrier, results, total, *args), daemon=True)
        for _ in range(processes)
    ]
    spawned = time.perf_counter()
    for proc in procs:
        proc.start()
    try:
        barrier.wait(timeout=SETUP_TIMEOUT)
        started = time.perf_counter()
        reports: list[dict[str, Any]] = []
        deadline = started + RUN_TIMEOUT
        while len(reports) < processes:
            try:
                reports.append(results.get(timeout=1.0))
            except Exception:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead or time.perf_counter() > deadline:
                    raise RuntimeError(f"consumer processes failed or timed out: {dead}") from None
                continue
            if reports[-1].get("error"):
                raise RuntimeError(f"consumer process failed:\n{reports[-1]['error']}")
        finished = time.perf_counter()
    except Exception:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        raise
    for proc in procs:
        proc.join(timeout=60)
    return ConsumeResult(
        seconds=finished - started,
        startup=started - spawned,
        handled=[int(r["handled"]) for r in reports],
        runs=[int(r.get("runs", 1)) for r in reports],
    )


def _consumer_main(target: ConsumerTarget, barrier: Barrier, results: Any, total: Any, *args: Any) -> None:
    try:
        target(barrier, results, total, *args)
    except BaseException:
        barrier.abort()
        results.put({"handled": 0, "error": traceback.format_exc()})


# --- Conveyor ---------------------------------------------------------------------------------------


def conveyor_topology(connection: str) -> Any:
    from conveyor.mq.topology import Binding, Exchange, Publisher, PublisherConnection, Queue, Topology

    return Topology(
        exchanges={
            (connection, EXCHANGE): Exchange(
                name=EXCHANGE,
                connection=connection,
                bindings=(Binding(id=QUEUE, topic="bench.#", destination=QUEUE),),
            )
        },
        queues={QUEUE: Queue(name=QUEUE, connection=connection)},
        publishers={
            TOPIC: Publisher(topic=TOPIC, connections=(PublisherConnection(name=connection, exchange=EXCHANGE),))
        },
    ).validate()


def conveyor_mq(target: Target, prefetch: int) -> Any:
    from conveyor.mq.queue import MessageQueue
    from conveyor.settings import Settings

    settings = Settings(database_url=target.db_url, amqp_url=target.amqp_url, amqp_prefetch=prefetch)
    return MessageQueue(
        conveyor_topology(target.connection), settings, database_url=target.db_url, amqp_url=target.amqp_url
    )


def conveyor_publish(target: Target, messages: int, batch: int) -> float:
    """Seconds to publish ``messages`` through ``MessageQueue.publish_envelopes`` (envelopes built inside)."""
    from conveyor.db.engine import dispose_engines
    from conveyor.mq.envelope import Envelope

    mq = conveyor_mq(target, batch)
    mq.declare()
    started = time.perf_counter()
    for first in range(0, messages, batch):
        mq.publish_envelopes([Envelope.of(TOPIC, payload(i)) for i in range(first, min(messages, first + batch))])
    seconds = time.perf_counter() - started
    mq.close()
    dispose_engines()
    return seconds


def conveyor_worker(mq: Any, batch_size: int) -> Any:
    from conveyor.mq.consumer import ConsumerOptions
    from conveyor.mq.envelope import Envelope
    from conveyor.mq.handlers import Assignment
    from conveyor.mq.workers import Limits, build_worker

    def handler(envelope: Envelope) -> None:
        handle_body(envelope.body)

    return build_worker(
        mq,
        [Assignment(queue=QUEUE, handler=handler, consumer=None)],
        ConsumerOptions(batch_size=batch_size),
        Limits(stop_when_empty=True),
        signals=False,
    )


def conveyor_drain(mq: Any, batch_size: int, messages: int, total: Any, pushes: bool) -> tuple[int, int]:
    """Run stop-when-empty workers; (handled, runs).

    A DB worker's empty round is exact (claims are synchronous), so one run suffices. A broker pushes
    deliveries asynchronously, so a worker may see an empty round before the first prefetch arrives or while
    another process still holds unacked messages: it is run again until all ``messages`` were handled.
    """
    handled = runs = 0
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        worker = conveyor_worker(mq, batch_size)
        worker.run()
        runs += 1
        handled += worker.handled
        with total.get_lock():
            total.value += worker.handled
            done = total.value >= messages
        if not pushes or done or time.monotonic() > deadline:
            return handled, runs
        if worker.handled == 0:
            time.sleep(0.02)


def conveyor_consumer(
    barrier: Barrier, results: Any, total: Any, target: Target, batch_size: int, messages: int
) -> None:
    mq = conveyor_mq(target, batch_size)
    mq.declare()
    transport = mq.transport_for_queue(QUEUE)
    barrier.wait(timeout=SETUP_TIMEOUT)
    handled, runs = conveyor_drain(mq, batch_size, messages, total, bool(getattr(transport, "pushes", False)))
    results.put({"handled": handled, "runs": runs})
    mq.close()


def conveyor_verify(target: Target, messages: int, handled: list[int]) -> str:
    """Check that every message was handled once and acknowledged; returns the counts as text."""
    from conveyor.db.engine import dispose_engines

    mq = conveyor_mq(target, 100)
    counts = mq.transport_for_queue(QUEUE).counts(QUEUE)
    mq.close()
    dispose_engines()
    problems = []
    if sum(handled) != messages:
        problems.append(f"handled {sum(handled)} (per process {handled}) != {messages}")
    if target.connection == "db" and counts.complete != messages:
        problems.append(f"complete {counts.complete} != {messages}")
    if counts.waiting or counts.in_progress or counts.retrying or counts.dead:
        problems.append(f"queue not drained: {counts}")
    if problems:
        raise RuntimeError(f"{target.backend}: " + "; ".join(problems))
    return f"waiting={counts.waiting} in_progress={counts.in_progress} complete={counts.complete}"


# --- bare loop: SQL ---------------------------------------------------------------------------------


def bare_schema(dialect: str) -> str:
    if dialect == "sqlite":
        return f"CREATE TABLE {BARE_TABLE} (id INTEGER PRIMARY KEY, body BLOB NOT NULL, claimed_by TEXT)"
    if dialect == "postgresql":
        return f"CREATE TABLE {BARE_TABLE} (id BIGSERIAL PRIMARY KEY, body BYTEA NOT NULL, claimed_by TEXT)"
    return (
        f"CREATE TABLE {BARE_TABLE} (id BIGINT AUTO_INCREMENT PRIMARY KEY, body LONGBLOB NOT NULL,"
        " claimed_by VARCHAR(191) NULL) ENGINE=InnoDB"
    )


def sqlite_connect(url: str, synchronous: str) -> sqlite3.Connection:
    """A connection with Conveyor's pragmas (src/conveyor/db/engine.py), autocommit, explicit BEGIN."""
    conn = sqlite3.connect(make_url(url).database or "", timeout=60, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=60000")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def pg_connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))


def maria_connect(url: str) -> Any:
    parsed = make_url(url)
    conn = pymysql.connect(
        host=parsed.host,
        port=parsed.port or 3306,
        user=parsed.username,
        password=parsed.password or "",
        database=parsed.database,
        autocommit=True,
    )
    with conn.cursor() as cur:
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")  # as Conveyor's engine does
    return conn


def bare_sql_publish(target: Target, messages: int, batch: int) -> float:
    """Seconds to insert ``messages`` with executemany, one committed transaction per batch."""
    backend = target.backend
    bodies = (orjson.dumps(payload(i)) for i in range(messages))
    if backend == "sqlite":
        lite = sqlite_connect(target.db_url, "FULL")
        lite.execute(bare_schema("sqlite"))
        started = time.perf_counter()
        for chunk in chunks(bodies, batch):
            lite.execute("BEGIN IMMEDIATE")
            lite.executemany(f"INSERT INTO {BARE_TABLE} (body) VALUES (?)", [(b,) for b in chunk])
            lite.execute("COMMIT")
        seconds = time.perf_counter() - started
        lite.close()
        return seconds
    if backend == "postgresql":
        with pg_connect(target.db_url) as pg:
            pg.execute(bare_schema("postgresql"))
            pg.commit()
            started = time.perf_counter()
            for chunk in chunks(bodies, batch):
                with pg.cursor() as cur:
                    cur.executemany(f"INSERT INTO {BARE_TABLE} (body) VALUES (%s)", [(b,) for b in chunk])
                pg.commit()
            return time.perf_counter() - started
    maria = maria_connect(target.db_url)
    with maria.cursor() as cur:
        cur.execute(bare_schema("mariadb"))
    started = time.perf_counter()
    for chunk in chunks(bodies, batch):
        maria.begin()
        with maria.cursor() as cur:
            cur.executemany(f"INSERT INTO {BARE_TABLE} (body) VALUES (%s)", [(b,) for b in chunk])
        maria.commit()
    seconds = time.perf_counter() - started
    maria.close()
    return seconds


def chunks(items: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


CLAIM = f"SELECT id, body FROM {BARE_TABLE} WHERE claimed_by IS NULL ORDER BY id LIMIT {{limit}}"


def bare_sql_consumer(
    barrier: Barrier, results: Any, total: Any, target: Target, batch_size: int, messages: int
) -> None:
    """Claim a batch (SKIP LOCKED, or BEGIN IMMEDIATE on SQLite), commit, then DELETE each handled message."""
    worker = f"bare:{os.getpid()}"
    handled = 0
    if target.backend == "sqlite":
        lite = sqlite_connect(target.db_url, "NORMAL")
        barrier.wait(timeout=SETUP_TIMEOUT)
        while True:
            lite.execute("BEGIN IMMEDIATE")
            rows = lite.execute(CLAIM.format(limit=batch_size)).fetchall()
            if rows:
                marks = ",".join("?" * len(rows))
                lite.execute(
                    f"UPDATE {BARE_TABLE} SET claimed_by = ? WHERE id IN ({marks})",
                    [worker, *(r[0] for r in rows)],
                )
            lite.execute("COMMIT")
            if not rows:
                break
            for row_id, body in rows:
                handle_body(body)
                lite.execute(f"DELETE FROM {BARE_TABLE} WHERE id = ?", (row_id,))
                handled += 1
        lite.close()
    elif target.backend == "postgresql":
        pg = pg_connect(target.db_url)
        pg.autocommit = True
        # the same durability as Conveyor's consumer side: a lost ack only redelivers a message
        pg.execute("SET synchronous_commit = off")
        claim = CLAIM.format(limit=batch_size) + " FOR UPDATE SKIP LOCKED"
        barrier.wait(timeout=SETUP_TIMEOUT)
        with pg.cursor() as cur:
            while True:
                with pg.transaction():
                    rows = cur.execute(claim).fetchall()
                    if rows:
                        cur.execute(
                            f"UPDATE {BARE_TABLE} SET claimed_by = %s WHERE id = ANY(%s)",
                            (worker, [r[0] for r in rows]),
                        )
                if not rows:
                    break
                for row_id, body in rows:
                    handle_body(body)
                    cur.execute(f"DELETE FROM {BARE_TABLE} WHERE id = %s", (row_id,))
                    handled += 1
        pg.close()
    else:
        maria = maria_connect(target.db_url)
        claim = CLAIM.format(limit=batch_size) + " FOR UPDATE SKIP LOCKED"
        barrier.wait(timeout=SETUP_TIMEOUT)
        with maria.cursor() as cur:
            while True:
                maria.begin()
                cur.execute(claim)
                rows = cur.fetchall()
                if rows:
                    marks = ",".join(["%s"] * len(rows))
                    cur.execute(
                        f"UPDATE {BARE_TABLE} SET claimed_by = %s WHERE id IN ({marks})",
                        [worker, *(r[0] for r in rows)],
                    )
                maria.commit()
                if not rows:
                    break
                for row_id, body in rows:
                    handle_body(body)
                    cur.execute(f"DELETE FROM {BARE_TABLE} WHERE id = %s", (row_id,))
                    handled += 1
        maria.close()
    results.put({"handled": handled})


# --- model loop: Conveyor's own tables by hand (SQLite, PostgreSQL) ---------------------------------------
#
# The bare loop writes one row per message into a one-index table and deletes it; the DB queue keeps
# Magento's model: a message row, a status row per bound queue (three b-trees: its key, the message/queue pair
# and the waiting rows by due time), settled by UPDATE and kept until cleaned.
# This loop does that same work with the driver and the SQL Conveyor runs, and nothing else: the physical limit
# of the model, so that the report can say how much of the gap to the bare loop is the model and how much is
# Conveyor's code.

MODEL_CLAIM = (
    "UPDATE queue_message_status SET status = 3, number_of_trials = number_of_trials + 1, updated_at = ?,"
    " available_at = NULL, reserved_by = ? WHERE id IN (SELECT id FROM queue_message_status"
    " WHERE queue_id = ? AND available_at <= ? ORDER BY available_at, id LIMIT ?)"
    " RETURNING id, (SELECT body FROM queue_message WHERE queue_message.id = message_id)"
)
MODEL_ACK = (
    "UPDATE queue_message_status SET status = 4, updated_at = ?, reserved_by = NULL"
    " WHERE id = ? AND status = 3 AND reserved_by = ?"
)
# PostgreSQL: the same claim, the rows it picks locked with SKIP LOCKED in a CTE evaluated once
MODEL_CLAIM_PG = """
    WITH due_ids AS MATERIALIZED (
        SELECT id FROM queue_message_status WHERE queue_id = %(qid)s AND available_at <= %(t)s
        ORDER BY available_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
    )
    UPDATE queue_message_status
    SET status = 3, number_of_trials = number_of_trials + 1, updated_at = %(t)s, available_at = NULL,
        reserved_by = %(worker)s
    WHERE id IN (SELECT id FROM due_ids)
    RETURNING id, (SELECT body FROM queue_message WHERE queue_message.id = message_id)
"""
MODEL_PUBLISH_PG = """
    WITH m AS (
        INSERT INTO queue_message (topic_name, body, properties, created_at)
        SELECT %(topic)s, u.body, u.properties, %(t)s
        FROM unnest(%(bodies)s::bytea[], %(properties)s::text[]) WITH ORDINALITY AS u(body, properties, ord)
        ORDER BY u.ord
        RETURNING id
    )
    INSERT INTO queue_message_status (queue_id, message_id, status, number_of_trials, updated_at, available_at)
    SELECT %(qid)s, m.id, 2, 0, %(t)s, %(t)s FROM m ORDER BY m.id
"""


def model_queue_id(cursor: Any, mark: str = "?") -> int:
    found = cursor.execute(f"SELECT id FROM queue WHERE name = {mark}", (QUEUE,)).fetchone()
    if found is None:
        found = cursor.execute(f"INSERT INTO queue (name) VALUES ({mark}) RETURNING id", (QUEUE,)).fetchone()
    return int(found[0])


def model_batch(first: int, last: int) -> tuple[list[bytes], list[str]]:
    """The bodies and stored properties (the message id) of messages ``first`` … ``last - 1``."""
    bodies = [orjson.dumps(payload(i)) for i in range(first, last)]
    return bodies, [orjson.dumps({"message_id": os.urandom(16).hex()}).decode() for _ in bodies]


def model_publish(target: Target, messages: int, batch: int) -> float:
    """Seconds to write ``messages`` message rows and their status rows, one transaction per batch."""
    if target.backend == "postgresql":
        with pg_connect(target.db_url) as pg:
            qid = model_queue_id(pg, "%s")
            pg.commit()
            started = time.perf_counter()
            for first in range(0, messages, batch):
                bodies, properties = model_batch(first, min(messages, first + batch))
                parameters = {"topic": TOPIC, "t": time.time(), "qid": qid, "bodies": bodies, "properties": properties}
                pg.execute(MODEL_PUBLISH_PG, parameters)
                pg.commit()
            return time.perf_counter() - started
    lite = sqlite_connect(target.db_url, "FULL")
    qid = model_queue_id(lite)
    started = time.perf_counter()
    for first in range(0, messages, batch):
        t = time.time()
        bodies, properties = model_batch(first, min(messages, first + batch))
        lite.execute("BEGIN IMMEDIATE")
        lite.executemany(
            "INSERT INTO queue_message (topic_name, body, properties, created_at) VALUES (?, ?, ?, ?)",
            [(TOPIC, body, props, t) for body, props in zip(bodies, properties, strict=True)],
        )
        last = lite.execute("SELECT last_insert_rowid()").fetchone()[0]
        lite.execute(
            "INSERT INTO queue_message_status"
            " (queue_id, message_id, status, number_of_trials, updated_at, available_at)"
            " SELECT ?, id, 2, 0, ?, ? FROM queue_message WHERE id BETWEEN ? AND ?",
            (qid, t, t, last - len(bodies) + 1, last),
        )
        lite.execute("COMMIT")
    seconds = time.perf_counter() - started
    lite.close()
    return seconds


def model_consumer(barrier: Barrier, results: Any, total: Any, target: Target, batch_size: int, messages: int) -> None:
    """Claim a batch with its bodies in one statement, then settle each handled message with one UPDATE."""
    worker = f"model:{os.getpid()}"
    conn: Any
    if target.backend == "postgresql":
        conn = pg_connect(target.db_url)
        conn.autocommit = True
        conn.execute("SET synchronous_commit = off")  # as Conveyor's consumer connection
        cursor, ack = conn.cursor(), MODEL_ACK.replace("?", "%s")
        qid = model_queue_id(cursor, "%s")

        def claim() -> list[Any]:
            with conn.transaction():
                parameters = {"qid": qid, "t": time.time(), "limit": batch_size, "worker": worker}
                return list(cursor.execute(MODEL_CLAIM_PG, parameters).fetchall())

    else:
        conn = cursor = sqlite_connect(target.db_url, "NORMAL")
        ack = MODEL_ACK
        qid = model_queue_id(cursor)

        def claim() -> list[Any]:
            conn.execute("BEGIN IMMEDIATE")
            t = time.time()
            rows = conn.execute(MODEL_CLAIM, (t, worker, qid, t, batch_size)).fetchall()
            conn.execute("COMMIT")
            return list(rows)

    handled = 0
    barrier.wait(timeout=SETUP_TIMEOUT)
    while rows := claim():
        for status_id, body in sorted(rows):
            handle_body(body)
            cursor.execute(ack, (time.time(), status_id, worker))
            handled += 1
    conn.close()
    results.put({"handled": handled})


def bench_model(backend: str, args: argparse.Namespace, tmp: Path, consumers: int) -> dict[str, Any]:
    return bench_on_conveyor_tables("model", model_publish, model_consumer, backend, args, tmp, consumers)


def bare_sql_verify(target: Target, messages: int, handled: list[int]) -> None:
    engine = sa.create_engine(target.db_url)
    with engine.connect() as conn:
        left = conn.execute(sa.text(f"SELECT count(*) FROM {BARE_TABLE}")).scalar_one()
    engine.dispose()
    if sum(handled) != messages or left:
        raise RuntimeError(f"bare {target.backend}: handled {handled} of {messages}, {left} rows left")


# --- bare loop: AMQP --------------------------------------------------------------------------------


def amqp_declare(channel: Any, queue: str) -> None:
    """A durable topic exchange with one durable queue bound, as the Conveyor topology declares."""
    channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, EXCHANGE, routing_key="bench.#")


PERSISTENT = pika.BasicProperties(delivery_mode=2, content_type="application/json")


def bare_amqp_publish_sync(url: str, messages: int) -> float:
    """Seconds for BlockingChannel.basic_publish in confirm mode: one round trip per message."""
    conn = pika.BlockingConnection(pika.URLParameters(url))
    channel = conn.channel()
    amqp_declare(channel, "bench_sync")
    channel.confirm_delivery()
    bodies = [orjson.dumps(payload(i)) for i in range(messages)]
    started = time.perf_counter()
    for body in bodies:
        channel.basic_publish(EXCHANGE, TOPIC, body, PERSISTENT, mandatory=True)
    seconds = time.perf_counter() - started
    channel.queue_delete("bench_sync")
    conn.close()
    return seconds


def bare_amqp_publish(url: str, messages: int, window: int) -> float:
    """Seconds to publish with asynchronous confirms: up to ``window`` unconfirmed messages in flight.

    The fastest correct way pika offers: a SelectConnection, a channel in confirm mode, ``basic_publish``
    without waiting, and acks (``multiple`` or single) retiring delivery tags; done when all are confirmed.
    """
    state: dict[str, Any] = {"sent": 0, "confirmed": 0, "error": None, "started": 0.0, "finished": 0.0}
    outstanding: collections.deque[int] = collections.deque()
    connection: Any  # the SelectConnection, created once the callbacks below exist

    def publish_more(channel: Any) -> None:
        while state["sent"] < messages and len(outstanding) < window:
            channel.basic_publish(EXCHANGE, TOPIC, orjson.dumps(payload(state["sent"])), PERSISTENT, mandatory=True)
            state["sent"] += 1
            outstanding.append(state["sent"])  # delivery tags count from 1

    def on_confirm(frame: Any) -> None:
        method = frame.method
        if isinstance(method, pika.spec.Basic.Nack):
            state["error"] = f"broker nacked delivery tag {method.delivery_tag}"
            connection.close()
            return
        if method.multiple:
            while outstanding and outstanding[0] <= method.delivery_tag:
                outstanding.popleft()
                state["confirmed"] += 1
        else:
            outstanding.remove(method.delivery_tag)
            state["confirmed"] += 1
        if state["confirmed"] == messages:
            state["finished"] = time.perf_counter()
            connection.close()
        else:
            publish_more(channel_ref[0])

    channel_ref: list[Any] = []

    def on_channel(channel: Any) -> None:
        channel_ref.append(channel)
        channel.exchange_declare(
            EXCHANGE, exchange_type="topic", durable=True, callback=lambda _f: on_exchange(channel)
        )

    def on_exchange(channel: Any) -> None:
        channel.queue_declare(QUEUE, durable=True, callback=lambda _f: on_queue(channel))

    def on_queue(channel: Any) -> None:
        channel.queue_bind(QUEUE, EXCHANGE, routing_key="bench.#", callback=lambda _f: on_bound(channel))

    def on_bound(channel: Any) -> None:
        channel.add_on_return_callback(on_return)
        channel.confirm_delivery(on_confirm, callback=lambda _f: on_confirming(channel))

    def on_return(_channel: Any, method: Any, _properties: Any, _body: bytes) -> None:
        state["error"] = f"unroutable: {method.reply_text}"

    def on_confirming(channel: Any) -> None:
        state["started"] = time.perf_counter()
        publish_more(channel)

    def on_error(_conn: Any, error: Any) -> None:
        state["error"] = f"connection failed: {error}"
        connection.ioloop.stop()

    connection = pika.SelectConnection(
        pika.URLParameters(url),
        on_open_callback=lambda conn: conn.channel(on_open_callback=on_channel),
        on_open_error_callback=on_error,
        on_close_callback=lambda _conn, _reason: connection.ioloop.stop(),
    )
    connection.ioloop.start()
    if state["error"] or state["confirmed"] != messages:
        raise RuntimeError(f"bare amqp publish: {state['error'] or state['confirmed']} of {messages} confirmed")
    return float(state["finished"] - state["started"])


def bare_amqp_consumer(
    barrier: Barrier, results: Any, total: Any, target: Target, batch_size: int, messages: int
) -> None:
    """basic_consume with prefetch = batch size, basic_ack per handled message, until all are handled."""
    conn = pika.BlockingConnection(pika.URLParameters(target.amqp_url))
    channel = conn.channel()
    channel.basic_qos(prefetch_count=batch_size)
    handled = 0

    def on_message(ch: Any, method: Any, _properties: Any, body: bytes) -> None:
        nonlocal handled
        handle_body(body)
        ch.basic_ack(method.delivery_tag)
        handled += 1

    barrier.wait(timeout=SETUP_TIMEOUT)
    channel.basic_consume(QUEUE, on_message)
    reported = 0
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        before = handled
        conn.process_data_events(time_limit=0.02)
        if handled == before:  # idle: is everything handled, here or elsewhere?
            with total.get_lock():
                total.value += handled - reported
                reported = handled
                if total.value >= messages:
                    break
    results.put({"handled": handled})
    conn.close()


def bare_amqp_verify(target: Target, messages: int, handled: list[int]) -> None:
    conn = pika.BlockingConnection(pika.URLParameters(target.amqp_url))
    left = conn.channel().queue_declare(QUEUE, passive=True).method.message_count
    conn.close()
    if sum(handled) != messages or left:
        raise RuntimeError(f"bare amqp: handled {handled} of {messages}, {left} messages left")


# --- one backend ------------------------------------------------------------------------------------


def rate(messages: int, seconds: float) -> float:
    return round(messages / seconds, 1) if seconds > 0 else 0.0


def bench_conveyor(backend: str, args: argparse.Namespace, tmp: Path, consumers: int) -> dict[str, Any]:
    return bench_on_conveyor_tables("conveyor", conveyor_publish, conveyor_consumer, backend, args, tmp, consumers)


def bench_on_conveyor_tables(
    side: str,
    publish_with: Callable[[Target, int, int], float],
    consumer: ConsumerTarget,
    backend: str,
    args: argparse.Namespace,
    tmp: Path,
    consumers: int,
) -> dict[str, Any]:
    """Publish and consume on a migrated store, checked by Conveyor's own counts (Conveyor, or the model loop)."""
    target = fresh_target(backend, tmp, side, migrate=True)
    try:
        log(f"[{backend}] {side}: publishing {args.messages} messages in batches of {args.publish_batch}")
        publish = publish_with(target, args.messages, args.publish_batch)
        log(
            f"[{backend}] {side}: publish {rate(args.messages, publish):,.0f} msg/s;"
            f" consuming with {consumers} process(es)"
        )
        consumed = run_consumers(consumer, consumers, (target, args.batch_size, args.messages))
        counts = conveyor_verify(target, args.messages, consumed.handled)
        log(
            f"[{backend}] {side}: consume {rate(args.messages, consumed.seconds):,.0f} msg/s"
            f" (handled {consumed.handled}, worker runs {consumed.runs}; {counts})"
        )
    finally:
        drop_target(target)
    return {**figures(side, args.messages, publish, consumed), f"{side}_handled_per_process": consumed.handled}


def figures(side: str, messages: int, publish: float, consumed: ConsumeResult) -> dict[str, Any]:
    """One side's rates and timings, keyed ``<side>_…`` as the JSON line reports them."""
    return {
        f"{side}_publish": rate(messages, publish),
        f"{side}_consume": rate(messages, consumed.seconds),
        f"{side}_end_to_end": rate(messages, publish + consumed.seconds),
        f"{side}_publish_s": round(publish, 3),
        f"{side}_consume_s": round(consumed.seconds, 3),
        f"{side}_consumer_startup_s": round(consumed.startup, 3),
    }


def bench_bare(backend: str, args: argparse.Namespace, tmp: Path, consumers: int) -> dict[str, Any]:
    target = fresh_target(backend, tmp, "bare", migrate=False)
    extra: dict[str, Any] = {}
    try:
        log(f"[{backend}] bare: publishing {args.messages} messages")
        if backend == "amqp":
            sample = min(args.messages, args.sync_sample)
            sync = bare_amqp_publish_sync(target.amqp_url, sample)
            extra["bare_publish_sync_confirm"] = rate(sample, sync)
            log(
                f"[{backend}] bare: per-message synchronous confirms"
                f" {rate(sample, sync):,.0f} msg/s ({sample} messages)"
            )
            publish = bare_amqp_publish(target.amqp_url, args.messages, args.publish_batch)
        else:
            publish = bare_sql_publish(target, args.messages, args.publish_batch)
        log(f"[{backend}] bare: publish {rate(args.messages, publish):,.0f} msg/s; consuming with {consumers}")
        consumer = bare_amqp_consumer if backend == "amqp" else bare_sql_consumer
        consumed = run_consumers(consumer, consumers, (target, args.batch_size, args.messages))
        if backend == "amqp":
            bare_amqp_verify(target, args.messages, consumed.handled)
        else:
            bare_sql_verify(target, args.messages, consumed.handled)
        log(
            f"[{backend}] bare: consume {rate(args.messages, consumed.seconds):,.0f} msg/s (handled {consumed.handled})"
        )
    finally:
        drop_target(target)
    return {**figures("bare", args.messages, publish, consumed), **extra}


def amqp_available() -> str | None:
    """Why the amqp backend cannot run, or None."""
    if importlib.util.find_spec("conveyor.mq.transports.amqp") is None:
        return "conveyor.mq.transports.amqp is not importable (the AMQP transport is not written yet)"
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl is not on PATH (needed to create an isolated vhost)"
    return None


def bench_backend(backend: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Conveyor then bare, ``--repeat`` times (interleaved, so both see the same machine); medians."""
    consumers = args.consumers or (1 if backend == "sqlite" else 2)
    load = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    samples: list[dict[str, Any]] = []
    for repeat in range(args.repeat):
        if args.repeat > 1:
            log(f"[{backend}] repeat {repeat + 1} of {args.repeat}")
        sample: dict[str, Any] = {}
        if args.only in (None, "conveyor"):
            sample |= bench_conveyor(backend, args, tmp, consumers)
        if args.only in (None, "bare"):
            sample |= bench_bare(backend, args, tmp, consumers)
        if args.only is None and backend in MODEL_BACKENDS:
            sample |= bench_model(backend, args, tmp, consumers)
        samples.append(sample)
    figures: dict[str, Any] = {
        "messages": args.messages,
        "consumers": consumers,
        "batch_size": args.batch_size,
        "repeats": args.repeat,
        "load_1min_before": round(load, 2),
    }
    for key, value in samples[0].items():
        values = [s[key] for s in samples]
        figures[key] = statistics.median(values) if isinstance(value, float) else value
        if args.repeat > 1 and key.endswith(("_publish", "_consume")):
            figures[f"{key}_samples"] = values
    if args.only is None:
        for what in ("publish", "consume", "end_to_end"):
            figures[f"{what}_ratio"] = round(figures[f"conveyor_{what}"] / figures[f"bare_{what}"], 3)
            if f"model_{what}" in figures:
                figures[f"{what}_ratio_to_model"] = round(figures[f"conveyor_{what}"] / figures[f"model_{what}"], 3)
                figures[f"model_{what}_ratio"] = round(figures[f"model_{what}"] / figures[f"bare_{what}"], 3)
    return figures


def report(backend: str, f: dict[str, Any]) -> None:
    print(f"== {backend}: {f['messages']} messages, {f['consumers']} consumer process(es), batch {f['batch_size']}")
    for what in ("publish", "consume", "end_to_end"):
        mine, bare = f.get(f"conveyor_{what}"), f.get(f"bare_{what}")
        line = f"  {what:<11} conveyor {mine or 0:>10,.0f} msg/s   bare {bare or 0:>10,.0f} msg/s"
        print(line + (f"   ratio {mine / bare:.2f}" if mine and bare else ""))
    if "model_end_to_end" in f:
        for what in ("publish", "consume", "end_to_end"):
            mine, model, bare = f[f"conveyor_{what}"], f[f"model_{what}"], f[f"bare_{what}"]
            print(
                f"  {what:<11} model    {model:>10,.0f} msg/s   (the model / bare {model / bare:.2f};"
                f" conveyor / the model {mine / model:.2f})"
            )
    if "bare_publish_sync_confirm" in f:
        print(f"  bare publish with per-message synchronous confirms: {f['bare_publish_sync_confirm']:,.0f} msg/s")
    sys.stdout.flush()


# --- profiling --------------------------------------------------------------------------------------


def profile(backend: str, args: argparse.Namespace, tmp: Path) -> None:
    """Publish, then run one Conveyor worker (or the publish, with --profile-side publish) under cProfile."""
    from conveyor.db.engine import dispose_engines

    target = fresh_target(backend, tmp, "profile", migrate=True)
    profiler = cProfile.Profile()
    try:
        if args.profile_side == "publish":
            profiler.runcall(conveyor_publish, target, args.messages, args.publish_batch)
        else:
            seconds = conveyor_publish(target, args.messages, args.publish_batch)
            log(f"[{backend}] published {args.messages} in {seconds:.2f}s; consuming in-process under cProfile")
            mq = conveyor_mq(target, args.batch_size)
            mq.declare()
            pushes = bool(getattr(mq.transport_for_queue(QUEUE), "pushes", False))
            total = mp.get_context("spawn").Value("q", 0)
            started = time.perf_counter()
            handled, _runs = profiler.runcall(conveyor_drain, mq, args.batch_size, args.messages, total, pushes)
            elapsed = time.perf_counter() - started
            log(
                f"[{backend}] handled {handled} in {elapsed:.2f}s under the profiler"
                f" ({rate(handled, elapsed):,.0f} msg/s)"
            )
            mq.close()
            dispose_engines()
    finally:
        drop_target(target)
    for sort in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(25)
        print(f"--- top 25 by {sort} ({backend}, {args.profile_side}) ---")
        print(out.getvalue())


# --- main -------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: " + ", ".join(BACKENDS))
    parser.add_argument("--messages", type=int, default=100_000, help="messages per run (default 100000)")
    parser.add_argument(
        "--consumers", type=int, default=None, help="consumer processes (default 2 on servers, 1 on SQLite)"
    )
    parser.add_argument("--batch-size", type=int, default=100, help="reserve / claim batch and AMQP prefetch")
    parser.add_argument("--publish-batch", type=int, default=1000, help="messages per publish call / insert")
    parser.add_argument(
        "--sync-sample", type=int, default=10_000, help="messages for the per-message-confirm AMQP figure"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per side, interleaved; medians reported")
    parser.add_argument("--only", choices=("conveyor", "bare"), default=None, help="run one side only")
    parser.add_argument("--profile", action="store_true", help="profile Conveyor on the first backend instead")
    parser.add_argument("--profile-side", choices=("consume", "publish"), default="consume")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = sorted(set(args.backends) - set(BACKENDS))
    if unknown:
        parser.error(f"unknown backend(s) {', '.join(unknown)}; choose from {', '.join(BACKENDS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backends: list[str] = args.backends
    if "amqp" in backends and args.only != "bare":
        why = amqp_available()
        if why:
            log(f"skipping amqp: {why}")
            backends = [b for b in backends if b != "amqp"]
    tmp = Path(tempfile.mkdtemp(prefix="conveyor-bench-"))
    try:
        if args.profile:
            profile(backends[0], args, tmp)
            return 0
        figures: dict[str, dict[str, Any]] = {}
        for backend in backends:
            figures[backend] = bench_backend(backend, args, tmp)
            report(backend, figures[backend])
        print(json.dumps(figures))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

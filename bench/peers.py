"""Conveyor against the libraries a user would otherwise pick, on the same backend, in the same run.

The workload (issue 18): N small JSON messages (62 bytes, as in queue_throughput.py), a no-op handler that only
records which message it got; publish them all, then consume with 2 processes (1 on SQLite); each library at its
documented production-default durability (the settings are printed); medians of ``--runs`` interleaved runs.

* PostgreSQL: Conveyor's DB queue; pgqueuer (its default dequeue batch of 10, and batch 100); procrastinate
  (after ``ANALYZE`` of its jobs table).
* RabbitMQ: Conveyor's AMQP transport; Dramatiq; Celery (``task_acks_late=True``).
* SQLite: Conveyor's DB queue; huey (``SqliteHuey``); kombu's SQLAlchemy transport.

Every system gets its own store (its own database, vhost or file, created for the run and removed after it) and
runs its consumers as separate spawned processes. Consume time runs from the first handled message to the
return of the handler of the N-th, so each framework's worker start-up (reported apart as ``startup_s``: from
the moment every consumer process is ready, a barrier, to the first message) stays out of the rates. A run
counts the ids every handler saw: each must be handled exactly once; duplicates and losses are reported.
Peers that are not installed (the ``bench`` extra: ``pip install -e '.[bench]'``) are skipped with a message.
The last line of stdout is JSON.

    .venv/bin/python bench/peers.py                                   # every backend, 20 000 messages, 3 runs
    .venv/bin/python bench/peers.py --backends postgresql --messages 5000 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import importlib
import json
import multiprocessing as mp
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import orjson
import pika
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from queue_throughput import (
    PG_ADMIN_URL,
    QUEUE,
    SETUP_TIMEOUT,
    Target,
    conveyor_mq,
    conveyor_publish,
    drop_target,
    fresh_target,
    fresh_vhost,
    log,
    payload,
    rabbitmqctl,
    rate,
)

BACKENDS = ("postgresql", "amqp", "sqlite")
IDLE_TIMEOUT = 60.0  # seconds without progress after which a consumer gives up (losses are then reported)
PUBLISH_BATCH = 1000  # messages per call where a library has a batch publish


def message_id(body: dict[str, Any]) -> int:
    return int(body["sku"][4:])


# --- what every consumer process shares -------------------------------------------------------------------


@dataclass
class Shared:
    """The shared counters of one consume: handled so far (all processes), and when the N-th was handled."""

    total: Any
    first_at: Any
    done_at: Any
    messages: int


class Recorder:
    """The no-op handler's only work: note the id, count it across processes, stamp the N-th."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.ids: list[int] = []

    def __call__(self, i: int) -> None:
        self.ids.append(i)
        with self.shared.total.get_lock():
            self.shared.total.value += 1
            if self.shared.total.value == 1:
                self.shared.first_at.value = time.perf_counter()
            if self.shared.total.value == self.shared.messages:
                self.shared.done_at.value = time.perf_counter()

    def wait_all(self) -> None:
        """Until every message was handled (here or elsewhere), or nothing moved for IDLE_TIMEOUT seconds."""
        last, since = -1, time.monotonic()
        while True:
            seen = self.shared.total.value
            if seen >= self.shared.messages:
                return
            if seen != last:
                last, since = seen, time.monotonic()
            elif time.monotonic() - since > IDLE_TIMEOUT:
                return
            time.sleep(0.005)


RECORDER: Recorder | None = None  # the consumer process's recorder, for handlers that frameworks call by name


def record(i: int) -> None:
    assert RECORDER is not None
    RECORDER(i)


Consumer = Callable[[Barrier, Recorder, Any], None]


@dataclass
class Consumed:
    seconds: float
    startup: float  # from the barrier to the first handled message: the framework's worker start-up
    ids: list[int]
    per_process: list[int]


def run_consumers(consumer: Consumer, processes: int, messages: int, config: Any) -> Consumed:
    """Spawn the consumer processes; time from the first handled message until the N-th was handled."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    results: Any = ctx.Queue()
    total, first_at, done_at = ctx.Value("q", 0), ctx.Value("d", 0.0), ctx.Value("d", 0.0)
    procs = [
        ctx.Process(
            target=_consumer_main, args=(consumer, barrier, results, Shared(total, first_at, done_at, messages), config)
        )
        for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    try:
        barrier.wait(timeout=SETUP_TIMEOUT)
        started = time.perf_counter()
        reports: list[dict[str, Any]] = []
        while len(reports) < processes:
            try:
                reports.append(results.get(timeout=1.0))
            except Exception:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"consumer processes failed: {dead}") from None
                continue
            if reports[-1].get("error"):
                raise RuntimeError(f"consumer process failed:\n{reports[-1]['error']}")
        finished = done_at.value or time.perf_counter()
    finally:
        for proc in procs:
            proc.join(timeout=60)
            if proc.is_alive():
                proc.kill()
    ids = [i for r in reports for i in r["ids"]]
    first = first_at.value or finished
    return Consumed(finished - first, first - started, ids, [len(r["ids"]) for r in reports])


def _consumer_main(consumer: Consumer, barrier: Barrier, results: Any, shared: Shared, config: Any) -> None:
    global RECORDER
    RECORDER = Recorder(shared)
    try:
        consumer(barrier, RECORDER, config)
        results.put({"ids": RECORDER.ids})
    except BaseException:
        barrier.abort()
        results.put({"ids": [], "error": traceback.format_exc()})


def check_once(ids: list[int], messages: int) -> dict[str, int]:
    """Duplicates and losses among the handled ids."""
    counts = collections.Counter(ids)
    return {
        "handled": len(ids),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "lost": sum(1 for i in range(messages) if i not in counts),
    }


# --- Conveyor ---------------------------------------------------------------------------------------------


def conveyor_consumer(barrier: Barrier, rec: Recorder, config: tuple[Target, int]) -> None:
    """Conveyor's worker with a handler that records the id; rerun on a broker until all N were handled."""
    from conveyor.mq.consumer import ConsumerOptions
    from conveyor.mq.envelope import Envelope
    from conveyor.mq.handlers import Assignment
    from conveyor.mq.workers import Limits, build_worker

    target, batch = config
    mq = conveyor_mq(target, batch)
    mq.declare()
    pushes = bool(getattr(mq.transport_for_queue(QUEUE), "pushes", False))

    def handler(envelope: Envelope) -> None:
        rec(message_id(orjson.loads(envelope.body)))

    barrier.wait(timeout=SETUP_TIMEOUT)
    since = time.monotonic()
    while True:
        worker = build_worker(
            mq,
            [Assignment(queue=QUEUE, handler=handler, consumer=None)],
            ConsumerOptions(batch_size=batch),
            Limits(stop_when_empty=True),
            signals=False,
        )
        worker.run()
        if worker.handled:
            since = time.monotonic()
        if not pushes or rec.shared.total.value >= rec.shared.messages or time.monotonic() - since > IDLE_TIMEOUT:
            break
    mq.close()


def run_conveyor(backend: str, messages: int, processes: int, tmp: Path) -> dict[str, Any]:
    from conveyor.db.engine import dispose_engines

    # A new file name per run: an engine cached for a removed SQLite file would write into the old inode.
    target = fresh_target(backend, tmp, f"peers-{time.time_ns()}", migrate=True)
    try:
        publish = conveyor_publish(target, messages, PUBLISH_BATCH)
        consumed = run_consumers(conveyor_consumer, processes, messages, (target, 100))
        mq = conveyor_mq(target, 100)
        counts = mq.transport_for_queue(QUEUE).counts(QUEUE)
        mq.close()
        dispose_engines()
        left = counts.waiting + counts.in_progress + counts.retrying + counts.dead
    finally:
        drop_target(target)
    return result(messages, publish, consumed, left)


CONVEYOR_SETTINGS = {
    "postgresql": "DB queue: publish_envelopes in batches of 1000 (committed); claim batch 100; ack (UPDATE) per "
    "message after the handler, each with its own Sync in pipeline mode (committed alone, answer read at the batch "
    "end), consumer session synchronous_commit=off (a lost ack redelivers); rows kept",
    "amqp": "AMQP transport: persistent messages, publisher confirms, prefetch 100, basic_ack after the handler",
    "sqlite": "DB queue: WAL; publish synchronous=FULL, consumer synchronous=NORMAL; claim batch 100, ack per message",
}


# --- PostgreSQL peers -------------------------------------------------------------------------------------


def pg_database(name: str, *, create: bool) -> str:
    """Drop (and, with ``create``, recreate) database ``name``; its libpq URL."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s", {"n": name}
        )
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        if create:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(drivername="postgresql", database=name).render_as_string(hide_password=False)


async def _pgqueuer_connect(dsn: str) -> Any:
    import psycopg

    return await psycopg.AsyncConnection.connect(dsn, autocommit=True)


def pgqueuer_publish(dsn: str, messages: int) -> float:
    pgqueuer = importlib.import_module("pgqueuer")

    async def go() -> float:
        conn = await _pgqueuer_connect(dsn)
        queries = pgqueuer.Queries.from_psycopg_connection(conn)
        await queries.install()
        started = time.perf_counter()
        for first in range(0, messages, PUBLISH_BATCH):
            chunk = range(first, min(messages, first + PUBLISH_BATCH))
            await queries.enqueue(["bench"] * len(chunk), [orjson.dumps(payload(i)) for i in chunk], [0] * len(chunk))
        seconds = time.perf_counter() - started
        await conn.close()
        return seconds

    return asyncio.run(go())


def pgqueuer_consumer(barrier: Barrier, rec: Recorder, config: tuple[str, int]) -> None:
    pgqueuer = importlib.import_module("pgqueuer")
    types = importlib.import_module("pgqueuer.types")
    dsn, batch = config

    async def go() -> None:
        conn = await _pgqueuer_connect(dsn)
        qm = pgqueuer.QueueManager(pgqueuer.Queries.from_psycopg_connection(conn))

        async def handle(job: Any) -> None:
            rec(message_id(orjson.loads(job.payload)))

        qm.entrypoint("bench")(handle)

        barrier.wait(timeout=SETUP_TIMEOUT)
        await qm.run(batch_size=batch, mode=types.QueueExecutionMode.drain)

    asyncio.run(go())


def pgqueuer_left(dsn: str) -> int:
    with sa.create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1)).connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM pgqueuer").scalar_one())


def run_pgqueuer(batch: int, messages: int, processes: int) -> dict[str, Any]:
    name = f"peers_pgqueuer_{batch}"
    dsn = pg_database(name, create=True)
    try:
        publish = pgqueuer_publish(dsn, messages)
        consumed = run_consumers(pgqueuer_consumer, processes, messages, (dsn, batch))
        left = pgqueuer_left(dsn)
    finally:
        pg_database(name, create=False)
    return result(messages, publish, consumed, left)


def procrastinate_app(dsn: str) -> Any:
    procrastinate = importlib.import_module("procrastinate")
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))

    async def noop(**body: Any) -> None:
        record(message_id(body))

    app.task(name="bench_noop", queue="bench")(noop)

    return app


def procrastinate_publish(dsn: str, messages: int) -> float:
    app = procrastinate_app(dsn)

    async def go() -> float:
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            task = app.tasks["bench_noop"]
            started = time.perf_counter()
            for first in range(0, messages, PUBLISH_BATCH):
                await task.batch_defer_async(*(payload(i) for i in range(first, min(messages, first + PUBLISH_BATCH))))
            seconds = time.perf_counter() - started
        return seconds

    seconds = asyncio.run(go())
    with sa.create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1)).connect() as conn:
        conn.exec_driver_sql("ANALYZE procrastinate_jobs")
        conn.commit()
    return seconds


def procrastinate_consumer(barrier: Barrier, rec: Recorder, dsn: str) -> None:
    app = procrastinate_app(dsn)
    barrier.wait(timeout=SETUP_TIMEOUT)
    app.run_worker(queues=["bench"], wait=False, install_signal_handlers=False)


def run_procrastinate(messages: int, processes: int) -> dict[str, Any]:
    name = "peers_procrastinate"
    dsn = pg_database(name, create=True)
    try:
        publish = procrastinate_publish(dsn, messages)
        consumed = run_consumers(procrastinate_consumer, processes, messages, dsn)
        with sa.create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1)).connect() as conn:
            left = int(
                conn.exec_driver_sql("SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'").scalar_one()
            )
    finally:
        pg_database(name, create=False)
    return result(messages, publish, consumed, left)


# --- RabbitMQ peers ---------------------------------------------------------------------------------------


def amqp_left(url: str, queue: str) -> int:
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        return int(conn.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        conn.close()


def dramatiq_actor(url: str) -> Any:
    dramatiq = importlib.import_module("dramatiq")
    rabbitmq = importlib.import_module("dramatiq.brokers.rabbitmq")
    broker = rabbitmq.RabbitmqBroker(url=url)  # confirm_delivery=False is its default
    dramatiq.set_broker(broker)

    def noop(body: dict[str, Any]) -> None:
        record(message_id(body))

    return dramatiq.actor(noop, actor_name="bench_noop", queue_name="bench", broker=broker)


def dramatiq_publish(url: str, messages: int) -> float:
    actor = dramatiq_actor(url)
    started = time.perf_counter()
    for i in range(messages):
        actor.send(payload(i))
    seconds = time.perf_counter() - started
    actor.broker.close()
    return seconds


def dramatiq_consumer(barrier: Barrier, rec: Recorder, url: str) -> None:
    worker_mod = importlib.import_module("dramatiq.worker")
    actor = dramatiq_actor(url)
    worker = worker_mod.Worker(actor.broker)  # its default: 8 worker threads, prefetch 2 per thread
    barrier.wait(timeout=SETUP_TIMEOUT)
    worker.start()
    rec.wait_all()
    worker.stop()
    actor.broker.close()


def celery_app(url: str) -> Any:
    celery = importlib.import_module("celery")
    app = celery.Celery("bench_peers", broker=url)
    app.conf.update(
        task_acks_late=True,
        task_default_queue="bench",
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_connection_retry_on_startup=True,
    )

    def noop(body: dict[str, Any]) -> None:
        record(message_id(body))

    app.task(name="bench_noop", ignore_result=True)(noop)

    return app


def celery_publish(url: str, messages: int) -> float:
    app = celery_app(url)
    task = app.tasks["bench_noop"]
    started = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for i in range(messages):
            task.apply_async(args=(payload(i),), producer=producer)
    seconds = time.perf_counter() - started
    app.close()
    return seconds


def celery_consumer(barrier: Barrier, rec: Recorder, url: str) -> None:
    """One solo-pool worker per process (2 processes, as for every system); stopped once all N were handled."""
    state = importlib.import_module("celery.worker.state")
    app = celery_app(url)
    worker = app.Worker(
        hostname=f"bench{os.getpid()}@%h",
        pool="solo",
        concurrency=1,
        queues=["bench"],
        loglevel="WARNING",
        quiet=True,
        without_mingle=True,  # cluster chatter, not durability: it would only add start-up time to the timing
        without_gossip=True,
    )

    def stopper() -> None:
        rec.wait_all()
        vars(state)["should_stop"] = 0  # the worker's loop checks it and shuts down warm

    barrier.wait(timeout=SETUP_TIMEOUT)
    threading.Thread(target=stopper, daemon=True).start()
    worker.start()


def run_amqp_peer(name: str, messages: int, processes: int) -> dict[str, Any]:
    vhost = f"peers_{name}"
    url = fresh_vhost(vhost)
    try:
        if name == "dramatiq":
            publish = dramatiq_publish(url, messages)
            consumed = run_consumers(dramatiq_consumer, processes, messages, url)
        else:
            publish = celery_publish(url, messages)
            consumed = run_consumers(celery_consumer, processes, messages, url)
        left = amqp_left(url, "bench")
    finally:
        rabbitmqctl("delete_vhost", vhost, check=False)
    return result(messages, publish, consumed, left)


# --- SQLite peers -----------------------------------------------------------------------------------------


def huey_app(path: str) -> Any:
    huey = importlib.import_module("huey")
    app = huey.SqliteHuey("bench", filename=path)  # its defaults: WAL, fsync=None (SQLite's own default)

    def noop(body: dict[str, Any]) -> None:
        record(message_id(body))

    noop.__module__ = "bench_peers"  # huey names a task by its module, __main__ here but __mp_main__ in a consumer
    return app, app.task(name="bench_noop")(noop)


def huey_publish(path: str, messages: int) -> float:
    _app, noop = huey_app(path)
    started = time.perf_counter()
    for i in range(messages):
        noop(payload(i))
    return time.perf_counter() - started


def huey_consumer(barrier: Barrier, rec: Recorder, path: str) -> None:
    app, _noop = huey_app(path)
    consumer = app.create_consumer(workers=1, worker_type="thread")  # its defaults
    barrier.wait(timeout=SETUP_TIMEOUT)
    consumer.start()
    rec.wait_all()
    consumer.stop(graceful=True)


def kombu_url(path: str) -> str:
    return f"sqla+sqlite:///{path}"


def kombu_publish(path: str, messages: int) -> float:
    kombu = importlib.import_module("kombu")
    with kombu.Connection(kombu_url(path)) as conn:
        queue = conn.SimpleQueue("bench")
        started = time.perf_counter()
        for i in range(messages):
            queue.put(payload(i))
        seconds = time.perf_counter() - started
        queue.close()
    return float(seconds)


def kombu_consumer(barrier: Barrier, rec: Recorder, path: str) -> None:
    kombu = importlib.import_module("kombu")
    with kombu.Connection(kombu_url(path)) as conn:
        queue = conn.SimpleQueue("bench")
        barrier.wait(timeout=SETUP_TIMEOUT)
        since = time.monotonic()
        while rec.shared.total.value < rec.shared.messages and time.monotonic() - since < IDLE_TIMEOUT:
            try:
                message = queue.get(block=True, timeout=1)
            except queue.Empty:
                continue
            rec(message_id(message.payload))
            message.ack()
            since = time.monotonic()
        queue.close()


def sqlite_left(path: str, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def run_sqlite_peer(name: str, messages: int, processes: int, tmp: Path) -> dict[str, Any]:
    stem = f"peers-{name}-{time.time_ns()}.db"  # new per run: kombu caches its engine by URL
    path = str(tmp / stem)
    try:
        if name == "huey":
            publish = huey_publish(path, messages)
            consumed = run_consumers(huey_consumer, processes, messages, path)
            left = sqlite_left(path, "SELECT count(*) FROM task")
        else:
            publish = kombu_publish(path, messages)
            consumed = run_consumers(kombu_consumer, processes, messages, path)
            left = sqlite_left(path, "SELECT count(*) FROM kombu_message WHERE visible = 1")
    finally:
        for leftover in tmp.glob(f"{stem}*"):
            leftover.unlink()
    return result(messages, publish, consumed, left)


# --- the systems, per backend -----------------------------------------------------------------------------


@dataclass(frozen=True)
class System:
    name: str
    module: str | None  # the peer's package, None for Conveyor
    settings: str
    run: Callable[[int, int, Path], dict[str, Any]]


SYSTEMS: dict[str, list[System]] = {
    "postgresql": [
        System(
            "conveyor", None, CONVEYOR_SETTINGS["postgresql"], lambda n, k, tmp: run_conveyor("postgresql", n, k, tmp)
        ),
        System(
            "pgqueuer",
            "pgqueuer",
            "Queries.enqueue in lists of 1000 (autocommit); QueueManager.run(batch_size=10) (its default), drain "
            "mode; finished jobs deleted and logged in batches by its JobStatusLogBuffer; synchronous_commit as "
            "the server's (on)",
            lambda n, k, tmp: run_pgqueuer(10, n, k),
        ),
        System(
            "pgqueuer_batch100",
            "pgqueuer",
            "as pgqueuer, QueueManager.run(batch_size=100)",
            lambda n, k, tmp: run_pgqueuer(100, n, k),
        ),
        System(
            "procrastinate",
            "procrastinate",
            "batch_defer_async in batches of 1000, then ANALYZE procrastinate_jobs; run_worker(wait=False) with its "
            "defaults: concurrency 1, listen_notify, delete_jobs=never (rows kept with status succeeded); an "
            "async no-op task",
            lambda n, k, tmp: run_procrastinate(n, k),
        ),
    ],
    "amqp": [
        System("conveyor", None, CONVEYOR_SETTINGS["amqp"], lambda n, k, tmp: run_conveyor("amqp", n, k, tmp)),
        System(
            "dramatiq",
            "dramatiq",
            "RabbitmqBroker defaults: persistent messages (delivery_mode=2), confirm_delivery=False; actor.send per "
            "message; Worker defaults: 8 threads, prefetch 2 per thread, ack after the actor",
            lambda n, k, tmp: run_amqp_peer("dramatiq", n, k),
        ),
        System(
            "celery",
            "celery",
            "task_acks_late=True; persistent messages, no publisher confirms (its default); apply_async per message "
            "on one producer; a solo-pool worker per process, prefetch multiplier 4 (its default), without "
            "mingle and gossip; no result backend",
            lambda n, k, tmp: run_amqp_peer("celery", n, k),
        ),
    ],
    "sqlite": [
        System("conveyor", None, CONVEYOR_SETTINGS["sqlite"], lambda n, k, tmp: run_conveyor("sqlite", n, k, tmp)),
        System(
            "huey",
            "huey",
            "SqliteHuey defaults: WAL, fsync=None (SQLite's default synchronous=FULL), autocommit enqueue per task; "
            "consumer: 1 thread worker; a task row is deleted when dequeued, before it runs (at most once)",
            lambda n, k, tmp: run_sqlite_peer("huey", n, k, tmp),
        ),
        System(
            "kombu_sqlalchemy",
            "kombu",
            "sqla+sqlite:// transport defaults: rollback journal, synchronous=FULL, one committed INSERT per put; a "
            "message is marked invisible when fetched and ack is in memory (not redelivered after a crash); "
            "polling interval 1 s when empty",
            lambda n, k, tmp: run_sqlite_peer("kombu", n, k, tmp),
        ),
    ],
}


def result(messages: int, publish: float, consumed: Consumed, left: int) -> dict[str, Any]:
    once = check_once(consumed.ids, messages)
    return {
        "publish": rate(messages, publish),
        "consume": rate(messages, consumed.seconds),
        "end_to_end": rate(messages, publish + consumed.seconds),
        "publish_s": round(publish, 3),
        "consume_s": round(consumed.seconds, 3),
        "startup_s": round(consumed.startup, 3),
        "per_process": consumed.per_process,
        "left_in_store": left,
        **once,
    }


def installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def bench_backend(backend: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    processes = 1 if backend == "sqlite" else 2
    systems = []
    for system in SYSTEMS[backend]:
        if args.only and system.name not in args.only:
            continue
        if system.module and not installed(system.module):
            log(f"[{backend}] skipping {system.name}: {system.module} is not installed (pip install -e '.[bench]')")
            continue
        systems.append(system)
    print(f"== {backend}: {args.messages} messages, {processes} consumer process(es), medians of {args.runs} runs")
    for system in systems:
        print(f"  {system.name}: {system.settings}")
    sys.stdout.flush()
    samples: dict[str, list[dict[str, Any]]] = {s.name: [] for s in systems}
    for run in range(args.runs):
        for system in systems:
            log(f"[{backend}] run {run + 1}/{args.runs}: {system.name}")
            figures = system.run(args.messages, processes, tmp)
            samples[system.name].append(figures)
            log(
                f"[{backend}] {system.name}: publish {figures['publish']:,.0f}, consume {figures['consume']:,.0f},"
                f" end to end {figures['end_to_end']:,.0f} msg/s; duplicates {figures['duplicates']},"
                f" lost {figures['lost']}, left {figures['left_in_store']}"
            )
    out: dict[str, Any] = {"messages": args.messages, "processes": processes, "runs": args.runs, "systems": {}}
    for name, runs in samples.items():
        merged: dict[str, Any] = {
            what: round(statistics.median(r[what] for r in runs), 1) for what in ("publish", "consume", "end_to_end")
        }
        merged |= {f"{what}_samples": [r[what] for r in runs] for what in ("publish", "consume", "end_to_end")}
        merged |= {what: sum(r[what] for r in runs) for what in ("duplicates", "lost", "left_in_store")}
        merged["startup_s"] = round(statistics.median(r["startup_s"] for r in runs), 3)
        merged["settings"] = next(s.settings for s in systems if s.name == name)
        out["systems"][name] = merged
    peers = {n: f for n, f in out["systems"].items() if n != "conveyor"}
    if "conveyor" in out["systems"] and peers:
        for what in ("publish", "consume", "end_to_end"):
            best = max(peers, key=lambda n: peers[n][what])
            mine = out["systems"]["conveyor"][what]
            out[f"{what}_best_peer"] = best
            out[f"{what}_ratio"] = round(mine / peers[best][what], 2) if peers[best][what] else None
    return out


def report(backend: str, f: dict[str, Any]) -> None:
    print(f"  {'system':<18} {'publish':>10} {'consume':>10} {'end to end':>11}  exactly once")
    for name, s in f["systems"].items():
        once = (
            "yes"
            if not (s["duplicates"] or s["lost"] or s["left_in_store"])
            else (f"NO: {s['duplicates']} duplicates, {s['lost']} lost, {s['left_in_store']} left")
        )
        print(f"  {name:<18} {s['publish']:>10,.0f} {s['consume']:>10,.0f} {s['end_to_end']:>11,.0f}  {once}")
    for what in ("publish", "consume", "end_to_end"):
        if f.get(f"{what}_ratio") is not None:
            print(f"  {what}: Conveyor / best peer ({f[f'{what}_best_peer']}) = {f[f'{what}_ratio']:.2f}")
    sys.stdout.flush()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: " + ", ".join(BACKENDS))
    parser.add_argument("--messages", type=int, default=20_000, help="messages per run (default 20000)")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs per system; medians (default 3)")
    parser.add_argument("--only", default="", help="comma-separated system names to run (default: all)")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = sorted(set(args.backends) - set(BACKENDS))
    if unknown:
        parser.error(f"unknown backend(s) {', '.join(unknown)}; choose from {', '.join(BACKENDS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="conveyor-peers-"))
    figures: dict[str, Any] = {"load_1min_before": round(os.getloadavg()[0], 2)}
    try:
        for backend in args.backends:
            figures[backend] = bench_backend(backend, args, tmp)
            report(backend, figures[backend])
    finally:
        for leftover in tmp.iterdir():
            leftover.unlink()
        tmp.rmdir()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Sync throughput: a bulk product sync through Conveyor's bus and queue against a bare fetch-and-write loop,
then the EDS round trip (the source changes entities, Conveyor acknowledges every change set).

For each setup (``sqlite``: a SQLite file with the DB queue; ``postgresql``: a fresh PostgreSQL database with
RabbitMQ, ``CONVEYOR_BUS_CONNECTION=amqp``, one new vhost per run) against one ERP simulator per setup, started as a
separate process (``conveyor erp-sim --quota none``) so that it never shares the GIL with what is measured, and
with the rate limiter off on both sides (``CONVEYOR_RATE_LIMIT_ENABLED=0``). Every run below gets its own freshly
created and migrated database, whose price groups and attributes are synced first, untimed
(``conveyor sync bulk price-groups|attributes --inline``):

* bare (the limit), in this process: for each product id listed from the source, ``source.fetch_product(id)`` then
  ``apply_products(conn, source, [product], SyncOptions())`` in a transaction of its own: what a ``SyncProduct``
  command does, without bus, queue, middleware or sync log;
* Conveyor, in this process: one ``SyncProduct`` per id queued by ``conveyor sync bulk products`` (untimed), then
  the timed ``conveyor bus consume products --stop-when-empty --pause-when-empty 0`` (the worker the CLI builds,
  ``conveyor.cli.bus.command_worker``);
* Conveyor, K worker processes (``--workers``, default 2): the same, handled by K ``conveyor bus consume``
  processes; wall time from their start until the last one exits (process start-up included);
* bulk sync + EDS (once, after the product runs): on a database of its own, ``conveyor sync bulk all`` queued
  (timed apart) and handled by K worker processes (``--priority`` over every sync queue, dependencies first); then
  ``conveyor api serve`` serves the EDS webhook, K ``conveyor bus consume`` workers run (``--pause-when-empty``
  ``--eds-pause``), and the simulator is asked (``POST /admin/change``) to change ``--changes`` entities, customers
  and products in turn, in ``--change-sets`` change sets it signs and posts to the webhook. Timed: from the first
  change request to the last ``acknowledged_at`` in ``eds_change_set`` (every change set must be acknowledged, also
  at the simulator).

A run counts only if the three product runs leave the same number of products in their stores and the sync log
holds no failure. ``--repeat N`` runs the three N times, each on new databases, bare and in-process alternating
which goes first, and reports the medians (the samples in the JSON). Figures go to stderr as they come; the last
line of stdout is one JSON object with all of them.

    .venv/bin/python bench/sync_throughput.py                                 # both setups, 1,000 products
    .venv/bin/python bench/sync_throughput.py --setups sqlite --products 100 --customers 100
    .venv/bin/python bench/sync_throughput.py --repeat 3                      # medians of three runs
    .venv/bin/python bench/sync_throughput.py --full                          # 2,000 customers, 5,000 products
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from conveyor.catalog import NO_EVENTS
from conveyor.cli.bus import command_worker, opened_bus
from conveyor.db.engine import dispose_engines, get_engine
from conveyor.mq.schema import worker_table
from conveyor.mq.workers import Limits
from conveyor.settings import get_settings
from conveyor.sync import EntityType, HttpSource, SyncOptions
from conveyor.sync.handlers import apply_products
from conveyor.sync.schema import ACKNOWLEDGED, FAILED, change_set_table
from processes import START_TIMEOUT, free_port, log, processes, stderr_tail, wait_for

SETUPS = ("sqlite", "postgresql")
PG_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AMQP_HOST = os.environ.get("CONVEYOR_BENCH_AMQP_HOST", "127.0.0.1")
CONVEYOR = str(Path(sys.executable).with_name("conveyor"))
EDS_PATH = "/rest/V1/eds/change-sets"
EDS_SECRET = "bench-eds-secret"
SYNC_QUEUES = ("price-groups", "attributes", "customers", "products", "fulfillments", "change-sets")
FULL = {"customers": 2000, "products": 5000}
DEFAULT = {"customers": 300, "products": 1000}
RUN_TIMEOUT = 3600.0


@dataclass
class Simulator:
    api_url: str  # what CONVEYOR_SOURCE_URL points at
    admin_url: str
    webhook_port: int  # where the simulator posts change sets: the API of the EDS round listens there


@contextmanager
def simulator(customers: int, products: int) -> Iterator[Simulator]:
    port, webhook_port = free_port(), free_port()
    command = [
        CONVEYOR, "erp-sim", "--port", str(port), "--quota", "none", "--seed", "1",
        "--customers", str(customers), "--products", str(products),
        "--webhook", f"http://127.0.0.1:{webhook_port}{EDS_PATH}", "--webhook-secret", EDS_SECRET,
    ]  # fmt: skip
    with processes([command], dict(os.environ)) as (process,):
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/admin/health", process, "the ERP simulator")
        yield Simulator(base + "/api/v1", base + "/admin", webhook_port)


# --- fresh stores ---------------------------------------------------------------------------------------------


@dataclass
class Store:
    """One freshly migrated database (and, on RabbitMQ, its own vhost) and the environment pointing at it."""

    setup: str
    env: dict[str, str]
    db_url: str

    def run(self, *args: str) -> str:
        """A ``conveyor`` command with this store's environment; its stdout (a failure raises with stderr)."""
        done = subprocess.run([CONVEYOR, *args], env=self.env, capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"conveyor {' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
        return done.stdout.decode()

    def scalar(self, sql: str, **params: Any) -> Any:
        with get_engine(self.db_url).connect() as conn:
            return conn.execute(sa.text(sql), params).scalar_one()


def _admin_engine() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _drop_pg(name: str) -> None:
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@contextmanager
def fresh_store(setup: str, tag: str, sim: Simulator, workdir: Path) -> Iterator[Store]:
    """A new database for one run, migrated, with the source's price groups and attributes synced (untimed)."""
    env = {
        **os.environ,
        "CONVEYOR_SOURCE_URL": sim.api_url,
        "CONVEYOR_RATE_LIMIT_ENABLED": "0",
        "CONVEYOR_EDS_SECRET": EDS_SECRET,
    }
    vhost = pg_name = None
    if setup == "sqlite":
        db_url = f"sqlite:///{workdir / f'{tag}.db'}"
        env["CONVEYOR_BUS_CONNECTION"] = "db"
    else:
        pg_name = f"conveyor_bench_sync_{tag}"
        _drop_pg(pg_name)
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {pg_name}")
        admin.dispose()
        db_url = make_url(PG_ADMIN_URL).set(database=pg_name).render_as_string(hide_password=False)
        vhost = f"conveyor_bench_sync_{uuid.uuid4().hex[:8]}"
        subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
        subprocess.run(
            ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True, capture_output=True
        )
        env["CONVEYOR_AMQP_URL"] = f"amqp://guest:guest@{AMQP_HOST}:5672/{vhost}"
        env["CONVEYOR_BUS_CONNECTION"] = "amqp"
    env["CONVEYOR_DATABASE_URL"] = db_url
    store = Store(setup, env, db_url)
    try:
        store.run("db", "upgrade")
        store.run("sync", "bulk", "price-groups", "--inline")
        store.run("sync", "bulk", "attributes", "--inline")
        yield store
    finally:
        dispose_engines()  # this process's connections, so that the database can be dropped
        if vhost:
            subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, check=False)
        if pg_name:
            _drop_pg(pg_name)


@contextmanager
def environment(store: Store) -> Iterator[None]:
    """This process reads ``store``'s environment (settings caches cleared before and after, source reopened)."""
    saved = dict(os.environ)

    def reset() -> None:
        get_settings.cache_clear()

    os.environ.clear()
    os.environ.update(store.env)
    reset()
    try:
        yield
    finally:
        reset()
        os.environ.clear()
        os.environ.update(saved)


# --- the runs -------------------------------------------------------------------------------------------------


def product_ids(sim: Simulator) -> list[str]:
    ids: list[str] = []
    cursor = None
    with HttpSource(sim.api_url) as source:
        while True:
            page = source.list_ids(EntityType.PRODUCT, cursor=cursor, limit=1000)
            ids.extend(page.ids)
            if page.next_cursor is None or not page.ids:
                return ids
            cursor = page.next_cursor


def run_bare(store: Store, sim: Simulator, ids: list[str]) -> float:
    """Fetch and apply each product in its own transaction: a SyncProduct command without the bus."""
    engine = get_engine(store.db_url)
    options = SyncOptions()
    with HttpSource(sim.api_url) as source:  # no before_request hook: no rate limiter
        started = time.perf_counter()
        for product_no in ids:
            product = source.fetch_product(product_no)
            with engine.begin() as conn:
                apply_products(conn, source, [product], options, events=NO_EVENTS)  # no queue bound: none
        return time.perf_counter() - started


def run_in_process(store: Store) -> float:
    """``conveyor bus consume products --stop-when-empty --pause-when-empty 0`` in this process."""
    store.run("sync", "bulk", "products")
    with environment(store), opened_bus(()) as command_bus:
        worker = command_worker(command_bus, ("products",), Limits(stop_when_empty=True), pause=0.0, signals=False)
        started = time.perf_counter()
        code = worker.run()
        elapsed = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"the in-process worker exited {code}")
    if worker.failed:
        log(f"in-process worker: {worker.failed} failed attempt(s) (retried; see conveyor sync log --failed)")
    return elapsed


def run_workers(store: Store, queues: tuple[str, ...], workers: int, *extra: str) -> float:
    """K ``conveyor bus consume QUEUES --stop-when-empty`` processes; seconds from start until the last exits."""
    command = [CONVEYOR, "bus", "consume", *queues, "--stop-when-empty", "--pause-when-empty", "0", *extra]
    started = time.perf_counter()
    with processes([command] * workers, store.env) as running:
        for p in running:
            code = p.wait(timeout=RUN_TIMEOUT)
            if code != 0:
                raise RuntimeError(f"a worker exited {code}: {stderr_tail(p)}")
        return time.perf_counter() - started


def check(store: Store, products: int | None = None) -> tuple[int, int]:
    """The store's product rows (simple and configurable) and failed command attempts in the sync log.

    A failed attempt that the queue retried with success is counted and its error logged, not fatal; ``products``
    (when given) must each have a successful ``sync.product`` run, or the run does not count.
    """
    failed = int(store.scalar("select count(*) from bus_sync_log where outcome = 'failed'"))
    if failed:
        error = store.scalar("select min(error) from bus_sync_log where outcome = 'failed'")
        log(f"[{store.setup}] {failed} failed command attempt(s), e.g. {error}")
    rows = int(store.scalar("select count(*) from catalog_product_entity"))
    if products is not None:
        query = "select count(distinct entity_id) from bus_sync_log where command = :c and outcome = 'success'"
        synced = int(store.scalar(query, c="sync.product"))
        if synced != products:
            raise RuntimeError(f"[{store.setup}] {synced} of {products} products synced")
    return rows, failed


def wait_registered(store: Store, pids: list[int]) -> None:
    """Until every worker process has registered in ``queue_worker`` (started, connected, consuming)."""
    deadline = time.monotonic() + START_TIMEOUT
    query = sa.select(sa.func.count()).select_from(worker_table).where(worker_table.c.pid.in_(pids))
    while time.monotonic() < deadline:
        with get_engine(store.db_url).connect() as conn:
            if conn.execute(query).scalar_one() >= len(pids):
                return
        time.sleep(0.1)
    raise RuntimeError("the EDS workers did not start")


def run_eds(store: Store, sim: Simulator, changes: int, change_sets: int, workers: int, pause: float) -> float:
    """Changes at the source → signed change sets → queued commands → acknowledged; seconds to the last ack."""
    api = [CONVEYOR, "api", "serve", "--port", str(sim.webhook_port)]
    worker = [CONVEYOR, "bus", "consume", "--pause-when-empty", str(pause)]
    with processes([api], store.env) as (server,), processes([worker] * workers, store.env) as running:
        wait_for(f"http://127.0.0.1:{sim.webhook_port}/openapi.json", server, "the API")
        wait_registered(store, [p.pid for p in running])
        sizes = [changes // change_sets + (1 if k < changes % change_sets else 0) for k in range(change_sets)]
        kinds = [EntityType.CUSTOMER.value, EntityType.PRODUCT.value]
        ids: list[str] = []
        with httpx.Client(base_url=sim.admin_url, timeout=60) as admin:
            started = time.time()
            for k, size in enumerate(sizes):
                body = {"entity_type": kinds[k % 2], "count": size, "wait": True}
                answer = admin.post("/change", json=body).raise_for_status().json()
                change_set = answer["change_set"]
                if not change_set["delivered"]:
                    raise RuntimeError(f"change set {change_set['id']} was not delivered: {change_set['last_error']}")
                ids.append(change_set["id"])
            log(f"[{store.setup}] eds: {len(ids)} change sets posted after {time.time() - started:.2f} s")
            c = change_set_table.c
            query = sa.select(c.status, c.acknowledged_at).where(c.change_set_id.in_(ids))
            deadline = time.monotonic() + RUN_TIMEOUT
            while True:
                with get_engine(store.db_url).connect() as conn:
                    rows = conn.execute(query).all()
                if any(status == FAILED for status, _ in rows):
                    raise RuntimeError(f"[{store.setup}] a change set failed: see conveyor sync change-sets")
                if len(rows) == len(ids) and all(status == ACKNOWLEDGED for status, _ in rows):
                    break
                if time.monotonic() > deadline or any(p.poll() is not None for p in running):
                    raise RuntimeError(f"[{store.setup}] change sets not acknowledged: {rows}")
                time.sleep(0.05)
            told = [cs for cs in admin.get("/change-sets").raise_for_status().json() if cs["id"] in ids]
            if len(told) != len(ids) or not all(cs["acknowledged"] for cs in told):
                raise RuntimeError(f"[{store.setup}] the simulator misses acknowledgements: {told}")
    return max(float(acknowledged_at) for _, acknowledged_at in rows) - started


def throughput(setup: str, args: argparse.Namespace, sim: Simulator, workdir: Path) -> dict[str, Any]:
    """Bare loop, Conveyor in process and with K worker processes, ``--repeat`` times (order alternating)."""
    ids = product_ids(sim)
    if len(ids) != args.products:
        raise RuntimeError(f"the simulator lists {len(ids)} products, not {args.products}")
    n = len(ids)
    samples: dict[str, list[float]] = {"bare_s": [], "conveyor_s": [], "conveyor_workers_s": [], "workers_idle_s": []}
    samples["failed_attempts"] = []  # of Conveyor's commands, retried by the queue (summed, not a median)
    rows: dict[str, int] = {}

    def bare(tag: str) -> None:
        with fresh_store(setup, tag, sim, workdir) as store:
            samples["bare_s"].append(run_bare(store, sim, ids))
            rows["bare"], _ = check(store)
        log(f"[{setup}] bare loop: {n / samples['bare_s'][-1]:,.1f} products/s ({rows['bare']} product rows)")

    def in_process(tag: str) -> None:
        with fresh_store(setup, tag, sim, workdir) as store:
            samples["conveyor_s"].append(run_in_process(store))
            rows["in process"], failed = check(store, n)
        samples["failed_attempts"].append(failed)
        log(f"[{setup}] Conveyor, worker in process: {n / samples['conveyor_s'][-1]:,.1f} products/s")

    def workers(tag: str) -> None:
        with fresh_store(setup, tag, sim, workdir) as store:
            idle = run_workers(store, ("products",), args.workers)  # start and stop with nothing queued
            store.run("sync", "bulk", "products")
            seconds = run_workers(store, ("products",), args.workers)
            rows["workers"], failed = check(store, n)
        samples["failed_attempts"].append(failed)
        samples["workers_idle_s"].append(idle)
        samples["conveyor_workers_s"].append(seconds)
        log(
            f"[{setup}] Conveyor, {args.workers} worker processes: {n / seconds:,.1f} products/s"
            f" ({idle:.2f} s of the {seconds:.2f} s is what they take to start and stop on an empty queue)"
        )

    for run in range(args.repeat):
        order = [bare, in_process, workers] if run % 2 == 0 else [in_process, bare, workers]
        for step in order:
            step(f"{step.__name__}{run}")
        if len(set(rows.values())) != 1:
            raise RuntimeError(f"[{setup}] product rows differ: {rows}")
    r: dict[str, Any] = {k: statistics.median(v) for k, v in samples.items() if k != "failed_attempts"}
    r["failed_attempts"] = sum(samples["failed_attempts"])
    if args.repeat > 1:
        r["samples"] = {k: [round(x, 3) for x in v] for k, v in samples.items()}
    r["bare_products_per_s"] = round(n / r["bare_s"], 1)
    r["conveyor_products_per_s"] = round(n / r["conveyor_s"], 1)
    r["conveyor_workers_products_per_s"] = round(n / r["conveyor_workers_s"], 1)
    r["ratio"] = round(r["conveyor_products_per_s"] / r["bare_products_per_s"], 3)
    r["workers_ratio"] = round(r["conveyor_workers_products_per_s"] / r["bare_products_per_s"], 3)
    median = " (medians)" if args.repeat > 1 else ""
    log(
        f"[{setup}] ratio Conveyor / bare{median}: {r['ratio']} in process,"
        f" {r['workers_ratio']} with {args.workers} workers"
    )
    return r


def bulk_and_eds(setup: str, args: argparse.Namespace, sim: Simulator, workdir: Path) -> dict[str, Any]:
    """Every entity through the queue with K workers, then the EDS round on that store."""
    r: dict[str, Any] = {}
    with fresh_store(setup, "bulk", sim, workdir) as store:
        started = time.perf_counter()
        store.run("sync", "bulk", "all")
        r["bulk_queue_s"] = time.perf_counter() - started
        r["bulk_consume_s"] = run_workers(store, SYNC_QUEUES, args.workers, "--priority")
        r["bulk_s"] = r["bulk_queue_s"] + r["bulk_consume_s"]
        _, r["bulk_failed_attempts"] = check(store, args.products)
        customers = int(store.scalar("select count(*) from customer_entity"))
        if customers != args.customers:
            raise RuntimeError(f"[{setup}] {customers} of {args.customers} customers synced")
        log(
            f"[{setup}] bulk sync of {args.customers} customers and {args.products} products: {r['bulk_s']:.1f} s"
            f" (queueing {r['bulk_queue_s']:.1f} s, {args.workers} workers {r['bulk_consume_s']:.1f} s)"
        )
        r["eds_s"] = run_eds(store, sim, args.changes, args.change_sets, args.workers, args.eds_pause)
        r |= {"changes": args.changes, "change_sets": args.change_sets, "eds_pause_s": args.eds_pause}
        log(
            f"[{setup}] EDS: {args.changes} changes in {args.change_sets} change sets"
            f" acknowledged in {r['eds_s']:.2f} s"
        )
    return r


def run_setup(setup: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    r: dict[str, Any] = {"products": args.products, "customers": args.customers, "workers": args.workers}
    with simulator(args.customers, args.products) as sim:
        r |= throughput(setup, args, sim, workdir)
        r |= bulk_and_eds(setup, args, sim, workdir)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setups", default=",".join(SETUPS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--full", action="store_true", help="the issue's size: 2,000 customers, 5,000 products")
    parser.add_argument("--products", type=int, help=f"default {DEFAULT['products']} ({FULL['products']} with --full)")
    parser.add_argument(
        "--customers", type=int, help=f"default {DEFAULT['customers']} ({FULL['customers']} with --full)"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--repeat", type=int, default=1, help="throughput runs, interleaved; medians (default 1)")
    parser.add_argument("--changes", type=int, default=200, help="entities the source changes (default 200)")
    parser.add_argument("--change-sets", type=int, default=4, help="change sets they come in (default 4)")
    parser.add_argument(
        "--eds-pause", type=float, default=0.1, help="--pause-when-empty of the EDS workers (default 0.1 s)"
    )
    args = parser.parse_args()
    sizes = FULL if args.full else DEFAULT
    args.products = args.products or sizes["products"]
    args.customers = args.customers or sizes["customers"]
    setups = args.setups.split(",")
    unknown = sorted(set(setups) - set(SETUPS))
    if unknown:
        parser.error(f"unknown setup(s) {', '.join(unknown)} (known: {', '.join(SETUPS)})")
    if min(args.products, args.customers, args.workers, args.repeat, args.change_sets) < 1:
        parser.error("--products, --customers, --workers, --repeat and --change-sets must be at least 1")
    if args.changes < args.change_sets or args.changes > args.customers + args.products:
        parser.error("--changes must be at least --change-sets and at most customers + products")
    figures: dict[str, Any] = {}
    for name in setups:
        with tempfile.TemporaryDirectory() as tmp:
            figures[name] = r = run_setup(name, args, Path(tmp))
        print(
            f"[{name}] {r['products']} products: bare {r['bare_products_per_s']:,.1f}/s;"
            f" Conveyor {r['conveyor_products_per_s']:,.1f}/s in process (ratio {r['ratio']}),"
            f" {r['conveyor_workers_products_per_s']:,.1f}/s with {r['workers']} workers (ratio {r['workers_ratio']});"
            f" bulk sync {r['customers']} customers + {r['products']} products {r['bulk_s']:.1f} s;"
            f" EDS {r['changes']} changes acknowledged in {r['eds_s']:.2f} s",
            flush=True,
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

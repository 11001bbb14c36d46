"""The admin UI and ``/metrics`` over a large PostgreSQL store (issue 16): every page's first answer in time.

The store is seeded fast with server-side SQL (``INSERT … SELECT generate_series``, not through the API): by
default 1,000,000 queue messages over every queue of the example topology and every status (dead letters among
them), 100,000 pipelines with three steps each (two stages), 100,000 bulk operations in 5,000 bulks, and a
history of imports, sync log entries, change sets and order exports. ``VACUUM ANALYZE`` follows, as autovacuum
would on a live store.

Then the whole API with the admin UI mounted is served by uvicorn (``conveyor.serving.BackgroundServer``, as
``conveyor api serve`` runs it) and asked over HTTP with httpx, signed in as an admin (the session cookie of an
admin token): the dashboard, each list's first page and ``/metrics``. Each page is asked ``--runs`` times; the
figure is the median. Beside it, the **bare SQL** of the same request: every statement the request ran, captured
from the engine and replayed on a connection of its own with the same parameters, so the ratio says what the
page costs above its queries (templates, HTTP, Python). Pages and their bare SQL are measured interleaved.

    .venv/bin/python bench/admin.py                                   # 1,000,000 messages (a few minutes)
    .venv/bin/python bench/admin.py --messages 20000 --pipelines 2000 --operations 2000 --runs 5   # quick
    .venv/bin/python bench/admin.py --keep        # keep the seeded database; --reuse to time it again

Targets: each page < 200 ms, ``/metrics`` < 100 ms. The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from pydantic import SecretStr

from conveyor.admin.session import COOKIE, Signer
from conveyor.api.auth import create_user, issue_admin_token
from conveyor.app import App
from conveyor.db import make_engine, upgrade
from conveyor.db.engine import dispose_engines
from conveyor.serving import BackgroundServer
from conveyor.settings import Settings

PG_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BENCH_DB = "conveyor_bench_admin"
TOPOLOGY = Path(__file__).parents[1] / "src" / "conveyor" / "examples" / "topology.yaml"
SECRET = "bench-admin-secret"
PAGE_TARGET, METRICS_TARGET = 0.200, 0.100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def database(keep: bool, reuse: bool) -> Iterator[tuple[str, bool]]:
    """The bench database (migrated) and whether it still needs seeding; dropped afterwards unless ``keep``."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=BENCH_DB).render_as_string(hide_password=False)
    with admin.connect() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %(n)s", {"n": BENCH_DB}).first()
        if not (reuse and exists):
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            conn.exec_driver_sql(f"CREATE DATABASE {BENCH_DB}")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url, not (reuse and exists)
    finally:
        dispose_engines()
        if not keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s", {"n": BENCH_DB}
                )
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.dispose()


# --- seeding: server-side SQL, one statement per table -------------------------------------------------------
# A message's status by its number modulo 100: mostly complete, a quarter waiting, some retrying, in progress,
# dead (3 %) and to be deleted.
MESSAGE_STATUS = """CASE WHEN g % 100 < 60 THEN 4 WHEN g % 100 < 85 THEN 2 WHEN g % 100 < 90 THEN 5
    WHEN g % 100 < 92 THEN 3 WHEN g % 100 < 95 THEN 6 ELSE 7 END"""


def seed(url: str, args: argparse.Namespace, queue_ids: list[int]) -> dict[str, float]:
    t0 = time.time() - 30 * 86400  # a month of history, the newest rows now
    spent: dict[str, float] = {}
    engine = sa.create_engine(url)
    statements = {
        "queue_message": (
            "INSERT INTO queue_message (topic_name, body, properties, created_at) "
            'SELECT \'catalog.product.saved\', convert_to(\'{"sku": "SKU-\' || g || \'", "name": "Product \' || g '
            "|| '\"}', 'UTF8'), '{\"correlation_id\": \"cid-' || (g % 5000) || '\", \"message_id\": \"m' || g "
            "|| '\"}', %(t0)s + g * %(step)s FROM generate_series(1, %(n)s) g",
            {"n": args.messages, "step": 30 * 86400 / args.messages},
        ),
        "queue_message_status": (
            "INSERT INTO queue_message_status (queue_id, message_id, status, number_of_trials, updated_at, "
            "available_at, reserved_by, error) "
            f"SELECT (%(queues)s::int[])[1 + (g * 7 % %(nq)s)], g, s, CASE WHEN s IN (5, 6) THEN 3 ELSE 1 END, "
            "%(t0)s + g * %(step)s, CASE WHEN s IN (2, 5) THEN %(t0)s + g * %(step)s END, "
            "CASE WHEN s = 3 THEN 'bench-worker' END, "
            "CASE WHEN s IN (5, 6) THEN 'ValueError: attribute set ''Top'' does not exist (row ' || g || ')' END "
            f"FROM (SELECT g, {MESSAGE_STATUS} AS s FROM generate_series(1, %(n)s) g) x",
            {"n": args.messages, "step": 30 * 86400 / args.messages, "queues": queue_ids, "nq": len(queue_ids)},
        ),
        "magento_bulk": (
            "INSERT INTO magento_bulk (uuid, user_id, user_type, description, operation_count, start_time, "
            "acknowledged, correlation_id) SELECT 'bench-' || lpad(g::text, 12, '0'), 1, 2, 'Update ' || %(per)s "
            "|| ' products (batch ' || g || ')', %(per)s, %(t0)s + g * %(bstep)s, g % 10 = 0, 'cid-' || (g % 5000) "
            "FROM generate_series(1, %(b)s) g",
            {"b": args.operations // args.per_bulk, "per": args.per_bulk, "bstep": 30 * 86400 / args.operations},
        ),
        "magento_operation": (
            "INSERT INTO magento_operation (bulk_uuid, operation_key, topic_name, serialized_data, status, "
            "error_code, result_message, started_at, finished_at) "
            "SELECT 'bench-' || lpad((1 + g / %(per)s)::text, 12, '0'), g % %(per)s, 'async.V1.products.POST', "
            '\'{"product": {"sku": "SKU-\' || g || \'"}}\', s, CASE WHEN s IN (2, 3) THEN 500 END, '
            "CASE WHEN s IN (2, 3) THEN 'Could not save product SKU-' || g END, %(t0)s, %(t0)s + 1 "
            "FROM (SELECT g, CASE WHEN (g / %(per)s) % 10 < 7 THEN 1 WHEN g % 13 = 0 THEN 2 WHEN g % 17 = 0 "
            "THEN 3 WHEN (g / %(per)s) % 10 = 9 THEN 4 ELSE 1 END AS s "
            "FROM generate_series(0, %(n)s - 1) g) x",
            {"n": args.operations, "per": args.per_bulk},
        ),
        "pipeline": (
            "INSERT INTO pipeline (name, status, key, arguments, created_at, started_at, finished_at) "
            "SELECT (ARRAY['catalog_import', 'clean_up', 'orders.export', 'stock_sync'])[1 + g % 4], "
            "(ARRAY['success', 'success', 'success', 'error', 'running', 'pending', 'cancelled', 'expired'])"
            "[1 + g * 7 % 8], 'k' || g, '{}', %(t0)s + g * %(pstep)s, %(t0)s + g * %(pstep)s + 1, "
            "%(t0)s + g * %(pstep)s + 5 FROM generate_series(1, %(p)s) g",
            {"p": args.pipelines, "pstep": 30 * 86400 / args.pipelines},
        ),
        "pipeline_step": (
            "INSERT INTO pipeline_step (pipeline_id, name, stage, position, executor, arguments, run_always, "
            "status, attempts, max_attempts, started_at, finished_at, log, error) "
            "SELECT p.id, s.name, s.stage, s.pos, 'noop', '{}', false, "
            "CASE WHEN p.status = 'error' AND s.pos = 2 THEN 'error' WHEN p.status IN ('pending') THEN 'pending' "
            "WHEN p.status = 'running' AND s.pos = 2 THEN 'running' ELSE 'success' END, 1, 3, "
            "p.started_at + s.pos, p.started_at + s.pos + 1, 'step ' || s.name || ' done', "
            "CASE WHEN p.status = 'error' AND s.pos = 2 THEN 'OperationalError: database is locked' END "
            "FROM pipeline p CROSS JOIN (VALUES ('read', 'extract', 0), ('convert', 'extract', 1), "
            "('write', 'load', 2)) AS s(name, stage, pos)",
            {},
        ),
        "pipeline_step_dependency": (
            "INSERT INTO pipeline_step_dependency (step_id, depends_on_id) "
            "SELECT b.id, a.id FROM pipeline_step a JOIN pipeline_step b ON b.pipeline_id = a.pipeline_id "
            "AND b.position = a.position + 1",
            {},
        ),
        "import_history": (
            "INSERT INTO import_history (run_key, entity, operation, origin, files, status, started_at, "
            "finished_at, row_count, created, updated, invalid, error_count) "
            "SELECT 'run-' || g, (ARRAY['products', 'customers', 'stock'])[1 + g % 3], 'append', 'watch', "
            "'[\"bunch-' || g || '.csv\"]', CASE WHEN g % 9 = 0 THEN 'failed' ELSE 'success' END, "
            "%(t0)s + g * %(istep)s, %(t0)s + g * %(istep)s + 3, 1000, 10, 985, 5, 5 "
            "FROM generate_series(1, %(i)s) g",
            {"i": args.history, "istep": 30 * 86400 / args.history},
        ),
        "bus_sync_log": (
            "INSERT INTO bus_sync_log (command, entity_type, entity_id, outcome, duration, error, correlation_id, "
            "created_at) SELECT (ARRAY['sync.product', 'sync.stock', 'sync.customer'])[1 + g % 3], "
            "(ARRAY['product', 'stock', 'customer'])[1 + g % 3], 'E' || (g % 20000), "
            "CASE WHEN g % 11 = 0 THEN 'failed' ELSE 'success' END, 0.05, "
            "CASE WHEN g % 11 = 0 THEN 'SourceUnavailableError: ERP is down' END, 'cid-' || (g % 5000), "
            "%(t0)s + g * %(lstep)s FROM generate_series(1, %(l)s) g",
            {"l": args.history * 10, "lstep": 30 * 86400 / (args.history * 10)},
        ),
        "eds_change_set": (
            "INSERT INTO eds_change_set (change_set_id, source, entity_type, status, item_count, done_count, "
            "received_at, processed_at, acknowledged_at) SELECT 'cs-' || g, 'erp', 'product', "
            "CASE WHEN g % 5 = 0 THEN 'received' ELSE 'acknowledged' END, 20, 20, %(t0)s + g * %(istep)s, "
            "%(t0)s + g * %(istep)s + 5, %(t0)s + g * %(istep)s + 6 FROM generate_series(1, %(i)s) g",
            {"i": args.history, "istep": 30 * 86400 / args.history},
        ),
        "order_export": (
            "INSERT INTO order_export (order_id, increment_id, website, target, status, attempts, error, "
            "created_at, updated_at, sent_at) SELECT g, lpad(g::text, 9, '0'), 'base', 'erp', "
            "(ARRAY['exported', 'exported', 'exported', 'error', 'scheduled', 'sent'])[1 + g % 6], 1, "
            "CASE WHEN g % 6 = 3 THEN 'HTTP 503 from the ERP' END, %(t0)s + g * %(ostep)s, "
            "%(t0)s + g * %(ostep)s + 60, %(t0)s + g * %(ostep)s + 30 FROM generate_series(1, %(o)s) g",
            {"o": args.history * 5, "ostep": 30 * 86400 / (args.history * 5)},
        ),
    }
    for table, (statement, parameters) in statements.items():
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql(statement.replace(" % ", " %% "), {"t0": t0, **parameters})  # modulo, not a mark
        spent[table] = time.perf_counter() - start
        log(f"  seeded {table} in {spent[table]:.1f} s")
    start = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    spent["vacuum_analyze"] = time.perf_counter() - start
    engine.dispose()
    return spent


# --- capturing the SQL of a request, replaying it bare --------------------------------------------------------
class Capture:
    """Every statement the app's engines run while ``on``: what the bare SQL figure replays."""

    def __init__(self) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.on and not many and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            with self._lock:
                self.statements.append((statement, parameters))


def bare_time(raw: Any, statements: list[tuple[str, Any]]) -> tuple[float, list[tuple[float, str]]]:
    """The statements run one after the other on a connection of their own (rows fetched): the seconds, and
    each statement's own time (the slowest tell where a page's time goes)."""
    each = []
    start = time.perf_counter()
    with raw.cursor() as cursor:
        for statement, parameters in statements:
            began = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            each.append((time.perf_counter() - began, " ".join(statement.split())[:160]))
    raw.rollback()
    return time.perf_counter() - start, sorted(each, reverse=True)[:3]


def pages(app: App, example_bulk: str, example_queue: str, correlation: str) -> dict[str, str]:
    return {
        "dashboard": "/admin/",
        "queues": "/admin/queues",
        "queue messages (waiting)": f"/admin/queues/{example_queue}?show=waiting",
        "dead letters": f"/admin/queues/{example_queue}?show=dead",
        "bulks": "/admin/bulks",
        "bulk operations": f"/admin/bulks/{example_bulk}",
        "pipelines grid": "/admin/pipelines",
        "pipelines, failed": "/admin/pipelines?status=error",
        "imports": "/admin/imports",
        "sync log": "/admin/sync",
        "sync log, by correlation id": f"/admin/sync?correlation_id={correlation}",
        "bulks, by correlation id": f"/admin/bulks?correlation_id={correlation}",
        "orders": "/admin/orders",
        "metrics": "/metrics",
    }


def measure(args: argparse.Namespace, url: str, needs_seed: bool, tmp: Path) -> dict[str, Any]:
    settings = Settings(
        database_url=url,
        topology_files=[TOPOLOGY],
        admin_session_secret=SecretStr(SECRET),
        pipeline_work_dir=tmp / "work",
    )
    app = App(settings, publishes_operations=True)
    app.mq.declare()
    queues = sorted(app.mq.topology.queues)
    with app.engine.connect() as conn:
        ids: dict[str, int] = {str(n): int(i) for n, i in conn.exec_driver_sql("SELECT name, id FROM queue")}
    seeded: dict[str, float] = {}
    if needs_seed:
        log(
            f"seeding {args.messages:,} messages over {len(queues)} queues ({', '.join(queues)}), "
            f"{args.pipelines:,} pipelines, {args.operations:,} operations …"
        )
        seeded = seed(url, args, [int(ids[q]) for q in queues])
    with app.engine.begin() as conn:
        user = conn.exec_driver_sql("SELECT user_id FROM admin_user WHERE username = 'bench'").scalar()
        if user is None:
            user = create_user(conn, "bench", "bench password 123")
        token = issue_admin_token(conn, int(user), "bench", 4.0)
        example_bulk = conn.exec_driver_sql("SELECT uuid FROM magento_bulk ORDER BY id DESC LIMIT 1").scalar_one()
        sizes = {
            t: int(conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one())
            for t in ("queue_message_status", "pipeline", "pipeline_step", "magento_operation", "magento_bulk")
        }
    log(f"store: {sizes}")
    capture = Capture()
    sa.event.listen(app.engine, "before_cursor_execute", capture)
    raw_engine = sa.create_engine(url)
    raw = raw_engine.raw_connection()
    cookie = Signer(SECRET).cookie(token)
    results: dict[str, Any] = {}
    with BackgroundServer(app.api(), name="bench-admin") as server:
        client = httpx.Client(base_url=server.url, cookies={COOKIE: cookie}, timeout=60)
        targets = pages(app, example_bulk, queues[0], "cid-42")
        for path in targets.values():  # warm up: each page once, and it must answer 200
            headers = {"Authorization": f"Bearer {token}"} if path == "/metrics" else {}
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}\n{response.text[:2000]}")
        for name, path in targets.items():
            headers = {"Authorization": f"Bearer {token}"} if path == "/metrics" else {}
            page_times, bare_times = [], []
            statements: list[tuple[str, Any]] = []
            for _ in range(args.runs):
                capture.statements, capture.on = [], True
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                page_times.append(time.perf_counter() - start)
                capture.on = False
                statements = capture.statements
                bare, slowest = bare_time(raw, statements)
                bare_times.append(bare)
            page, bare = statistics.median(page_times), statistics.median(bare_times)
            target = METRICS_TARGET if path == "/metrics" else PAGE_TARGET
            results[name] = {
                "path": path,
                "median_s": page,
                "bare_sql_s": bare,
                "ratio": page / bare if bare else None,
                "statements": len(statements),
                "target_s": target,
                "ok": page < target,
                "samples_s": page_times,
                "slowest_statements": [{"s": t, "sql": sql} for t, sql in slowest],
            }
            log(f"  {name}: {page * 1000:.1f} ms")
            if args.slowest:
                for t, sql in slowest:
                    log(f"      {t * 1000:6.1f} ms  {sql}")
        client.close()
    raw.close()
    raw_engine.dispose()
    app.close()
    return {"store": sizes, "seed_s": seeded, "pages": results}


def report(found: dict[str, Any], load: tuple[float, float, float]) -> None:
    print(f"\nload average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 shared cores: absolute times are high)")
    print(f"store: {', '.join(f'{k} {v:,}' for k, v in found['store'].items())}")
    print(f"\n{'page':32} {'median':>9} {'target':>8} {'bare SQL':>9} {'ratio':>6} {'stmts':>5}  ok")
    for name, r in found["pages"].items():
        ratio = f"{r['ratio']:.1f}" if r["ratio"] else "—"
        print(
            f"{name:32} {r['median_s'] * 1000:7.1f}ms {r['target_s'] * 1000:6.0f}ms {r['bare_sql_s'] * 1000:7.1f}ms "
            f"{ratio:>6} {r['statements']:>5}  {'yes' if r['ok'] else 'NO'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--pipelines", type=int, default=100_000)
    parser.add_argument("--operations", type=int, default=100_000)
    parser.add_argument("--per-bulk", type=int, default=20, help="operations per bulk (default 20)")
    parser.add_argument("--history", type=int, default=10_000, help="import runs and change sets (sync log: ten times)")
    parser.add_argument("--runs", type=int, default=7, help="requests per page; the median is reported")
    parser.add_argument("--slowest", action="store_true", help="print each page's three slowest statements")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time the database a --keep run left, unseeded")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, database(args.keep, args.reuse) as (url, needs_seed):
        found = measure(args, url, needs_seed, Path(tmp))
    found["load_average"] = load
    found["options"] = vars(args)
    report(found, load)
    failed = [name for name, r in found["pages"].items() if not r["ok"]]
    print(f"\n{'all within target' if not failed else 'over target: ' + ', '.join(failed)}")
    print(json.dumps(found))


if __name__ == "__main__":
    main()

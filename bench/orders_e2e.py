"""The order export end to end at scale: the acceptance scenario (``tests/acceptance/orders/scenario.py``) with
``--orders`` orders (default 1,000) — placed through REST on two websites, a heartbeat and ``--runners`` runner
processes, the four channels (local file, SFTP to a real OpenSSH server, the ERP simulator's HTTP and SOAP), the
response files, the SMTP server — and the same checks as the test (every count and content).

    .venv/bin/python bench/orders_e2e.py                               # SQLite, 1,000 orders
    .venv/bin/python bench/orders_e2e.py --backend pg+amqp --orders 1000

Prints seconds per phase (place through REST, export until every document is out, answer and notify) and
export pipelines per second; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.acceptance.orders.scenario import Plan, check, drive, opened

from conveyor.db import make_engine, upgrade
from conveyor.db.engine import dispose_engines

PG_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BENCH_DB = "conveyor_bench_orders_e2e"


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], capture_output=True, timeout=60, check=True)


def run(backend: str, orders: int, runners: int, limit: float) -> dict[str, float]:
    plan = Plan.of(orders)
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        admin, vhost = None, None
        if backend == "sqlite":
            db_url, amqp_url, connection = f"sqlite:///{root / 'conveyor.db'}", "amqp://unused", "db"
            engine = make_engine(db_url)
            upgrade(engine)
            engine.dispose()
        else:
            admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
                conn.exec_driver_sql(f"CREATE DATABASE {BENCH_DB}")
            db_url = sa.engine.make_url(PG_ADMIN_URL).set(database=BENCH_DB).render_as_string(hide_password=False)
            engine = make_engine(db_url)
            upgrade(engine)
            engine.dispose()
            vhost = f"conveyor_bench_{uuid.uuid4().hex[:8]}"
            rabbitmqctl("add_vhost", vhost)
            rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
            amqp_url, connection = f"amqp://guest:guest@127.0.0.1:5672/{vhost}", "amqp"
        try:
            work = root / "run"
            work.mkdir()
            with opened(db_url, amqp_url, connection, work) as world:
                timings = drive(world, plan, runners=runners, limit=limit)
                check(world, plan)
                pipelines = len(world.exports())
        finally:
            dispose_engines()
            if vhost is not None and shutil.which("rabbitmqctl"):
                rabbitmqctl("delete_vhost", vhost)
            if admin is not None:
                with admin.connect() as conn:
                    conn.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s", {"n": BENCH_DB}
                    )
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
                admin.dispose()
    return {
        "orders": orders,
        "export_pipelines": pipelines,
        **{f"{phase}_s": round(seconds, 1) for phase, seconds in timings.items()},
        "pipelines_per_s": round(pipelines / (timings["export"] + timings["answer"]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "pg+amqp"), default="sqlite")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--runners", type=int, default=2)
    parser.add_argument("--limit", type=float, default=1800.0, help="Seconds each phase may take.")
    args = parser.parse_args()
    start = time.perf_counter()
    figures = run(args.backend, args.orders, args.runners, args.limit)
    figures["total_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps({args.backend: figures}))


if __name__ == "__main__":
    main()

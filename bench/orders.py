"""Order export: the initializer pass over N waiting orders, and N orders through Transform + the file channel.

* **initializer**: the selection of an initializer pass (``select_exports``) with N matching orders and no export
  yet: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` of the export rows. Target on PostgreSQL: < 250 ms for
  10,000. ``pipelines_ms``: the pass's second part, the N pipelines (steps, dependencies) created 1,000 per
  transaction and linked to their rows (``create_export_pipelines``).
* **export**: N orders rendered and written to a local directory by ``Exporter.export_many`` (rows and orders read
  in bulk, one update per 1,000), orders/s. The bare limit is the same template rendered for the same orders and
  written to files in a plain loop (the orders read in bulk, as the bare minimum of any export must), and the
  ratio is export / bare. ``per_order_phases`` is the path of the pipeline steps (``transform`` then
  ``transport``, one export at a time, a transaction each) on the first ``--per-order`` exports, without the
  runner's own claim and finish.

    .venv/bin/python bench/orders.py                                  # sqlite and postgresql, 10,000 orders
    .venv/bin/python bench/orders.py --backends sqlite --orders 2000 --format opentrans

The last line of stdout is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conveyor.catalog import NO_EVENTS, ensure_catalog_defaults
from conveyor.catalog.sales import OrderInput, OrderRepository
from conveyor.db import make_engine, upgrade
from conveyor.db.engine import dispose_engines
from conveyor.orders import Exporter, create_export_pipelines, export_table, parse_rules, select_exports
from conveyor.orders.context import order_context
from conveyor.orders.formats import TEMPLATES, render_template

PG_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BENCH_DB = "conveyor_bench_orders"
BACKENDS = ("sqlite", "postgresql")
TEMPLATE = {"json": "order.json.j2", "csv": "order.csv.j2", "opentrans": "opentrans_order.xml.j2"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[sa.Engine]:
    """A fresh, migrated database with the default scopes; dropped afterwards."""
    admin = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench-orders.db'}"
    else:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            conn.exec_driver_sql(f"CREATE DATABASE {BENCH_DB}")
        url = sa.engine.make_url(PG_ADMIN_URL).set(database=BENCH_DB).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        ensure_catalog_defaults(conn)
    try:
        yield engine
    finally:
        engine.dispose()
        dispose_engines()
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s", {"n": BENCH_DB}
                )
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            admin.dispose()


def place_orders(engine: sa.Engine, count: int) -> None:
    address = {"firstname": "Jane", "lastname": "Doe", "street": ["1 Main St"], "city": "Berlin", "postcode": "10115"}
    repository = OrderRepository()
    for start in range(0, count, 1000):
        batch = [
            OrderInput.model_validate(
                {
                    "increment_id": f"B{n:08d}",
                    "customer_email": f"c{n}@example.com",
                    "grand_total": 24.99,
                    "order_currency_code": "EUR",
                    "items": [
                        {"sku": f"SKU-{n % 97}", "name": "Socks", "qty_ordered": 2, "price": 4.99, "row_total": 9.98},
                        {"sku": "SHIRT", "name": "Shirt", "qty_ordered": 1, "price": 10.01, "row_total": 10.01},
                    ],
                    "billing_address": {**address, "country_id": "DE"},
                    "payment": {"method": "checkmo"},
                    "extension_attributes": {
                        "shipping_assignments": [{"shipping": {"address": {**address, "country_id": "DE"}}}]
                    },
                }
            )
            for n in range(start, min(start + 1000, count))
        ]
        with engine.begin() as conn:
            repository.create_many(conn, batch, events=NO_EVENTS)


def bench(backend: str, orders: int, fmt: str, per_order: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as name, database(backend, Path(name)) as engine:
        tmp = Path(name)
        log(f"{backend}: placing {orders} orders")
        place_orders(engine, orders)
        raw = {
            "websites": {
                "base": {
                    "targets": [
                        {"name": "erp", "format": fmt, "channel": "file", "options": {"directory": str(tmp / "out")}}
                    ]
                }
            }
        }
        rules = parse_rules(raw, "<bench>")
        start = time.perf_counter()
        selected = select_exports(engine, rules, now=time.time())
        initializer = time.perf_counter() - start
        assert selected == {"erp": orders}, selected
        # the same backlog again for a second target, the export table now holding N rows (the steady state)
        again_rules = parse_rules(
            {"websites": {"base": {"targets": [{**raw["websites"]["base"]["targets"][0], "name": "erp-2"}]}}}, "<b>"
        )
        start = time.perf_counter()
        assert select_exports(engine, again_rules, now=time.time()) == {"erp-2": orders}
        initializer_again = time.perf_counter() - start
        with engine.begin() as conn:
            conn.execute(export_table.delete().where(export_table.c.target == "erp-2"))
        start = time.perf_counter()
        created = create_export_pipelines(engine, rules, now=time.time())
        pipelines = time.perf_counter() - start
        assert len(created["erp"]) == orders, len(created["erp"])
        log(
            f"{backend}: initializer pass {initializer * 1000:.0f} ms (a second target "
            f"{initializer_again * 1000:.0f} ms), pipelines {pipelines * 1000:.0f} ms"
        )

        with engine.connect() as conn:
            ids = list(conn.execute(sa.select(export_table.c.id).order_by(export_table.c.id)).scalars())
        exporter = Exporter(engine, rules)
        sample = ids[:per_order]
        start = time.perf_counter()
        for export_id in sample:
            exporter.transform(export_id)
            exporter.transport(export_id)
        single = time.perf_counter() - start
        start = time.perf_counter()
        for part in range(0, len(ids), 1000):
            exporter.export_many(ids[part : part + 1000])
        export = time.perf_counter() - start
        assert len(list((tmp / "out").iterdir())) == orders

        bare_dir = tmp / "bare"
        bare_dir.mkdir()
        repository = OrderRepository()
        template = TEMPLATES / TEMPLATE[fmt]
        now = datetime.now(UTC)
        start = time.perf_counter()
        with engine.connect() as conn:
            order_ids = list(conn.execute(sa.select(export_table.c.order_id).order_by(export_table.c.id)).scalars())
            for part in range(0, len(order_ids), 1000):
                for order in repository.get_many(conn, order_ids[part : part + 1000]):
                    context = order_context(order, target="erp", website="base", now=now)
                    text = render_template(template, context, order=order.increment_id, autoescape=fmt == "opentrans")
                    (bare_dir / f"{order.increment_id}.{fmt}").write_text(text, encoding="utf-8")
        bare = time.perf_counter() - start
        figures = {
            "orders": orders,
            "format": fmt,
            "initializer_ms": round(initializer * 1000, 1),
            "initializer_second_target_ms": round(initializer_again * 1000, 1),
            "pipelines_ms": round(pipelines * 1000, 1),
            "export_orders_per_s": round(orders / export, 1),
            "per_order_phases_orders_per_s": round(len(sample) / single, 1),
            "bare_orders_per_s": round(orders / bare, 1),
            "ratio": round(bare / export, 3),
        }
        log(f"{backend}: {figures}")
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--format", choices=sorted(TEMPLATE), default="json")
    parser.add_argument("--per-order", type=int, default=500, help="Exports run phase by phase (the steps' path).")
    args = parser.parse_args()
    figures = {backend: bench(backend, args.orders, args.format, args.per_order) for backend in args.backends}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

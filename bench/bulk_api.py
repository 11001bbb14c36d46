"""Bulk API: 10,000 products in one async bulk request, against the synchronous route and a bare SQL insert.

For each setup (SQLite with the DB queue; PostgreSQL with RabbitMQ) on a fresh database:

* bulk: ``POST /rest/async/bulk/V1/products`` with N products over HTTP to a running ``conveyor api serve``;
  the time to the 202 answer, then the time until every operation is complete, processed by K consumer
  processes (``conveyor queue consume async.operations.all``) already running before the request;
* sync: the same N products through ``POST /rest/V1/products``, one request at a time on a kept-alive
  connection (the way a Magento client without the bulk API feeds a shop);
* bare: the same N products written with the raw driver in one transaction, one multi-row insert per table
  (entity, name, price, status, visibility, website): the physical limit of the store.

The last line of stdout is one JSON object with every figure.

    .venv/bin/python bench/bulk_api.py                           # both setups, 10 000 products
    .venv/bin/python bench/bulk_api.py --setups sqlite --products 2000
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from processes import free_port, log, processes, wait_for

PG_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AMQP_HOST = os.environ.get("CONVEYOR_BENCH_AMQP_HOST", "127.0.0.1")
CONVEYOR = str(Path(sys.executable).with_name("conveyor"))
QUEUE = "async.operations.all"
COMPLETE = 1


def product(i: int, prefix: str) -> dict[str, Any]:
    return {
        "product": {
            "sku": f"{prefix}-{i:06d}",
            "name": f"Bench product {prefix} {i}",  # url keys (from names) are unique per store
            "attribute_set_id": 4,
            "price": 10 + i % 100,
            "status": 1,
            "visibility": 4,
            "type_id": "simple",
            "weight": 1,
        }
    }


@dataclass
class Setup:
    name: str
    env: dict[str, str]
    db_url: str


@contextmanager
def setup(name: str, workdir: Path) -> Iterator[Setup]:
    env = {**os.environ, "CONVEYOR_REQUIRE_SERVICES": "0"}
    vhost = None
    if name == "sqlite":
        db_url = f"sqlite:///{workdir / 'bench.db'}"
        env["CONVEYOR_BULK_CONNECTION"] = "db"
    else:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS conveyor_bench_bulk WITH (FORCE)")
            conn.exec_driver_sql("CREATE DATABASE conveyor_bench_bulk")
        admin.dispose()
        db_url = make_url(PG_ADMIN_URL).set(database="conveyor_bench_bulk").render_as_string(hide_password=False)
        vhost = f"conveyor_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
        subprocess.run(
            ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True, capture_output=True
        )
        env["CONVEYOR_AMQP_URL"] = f"amqp://guest:guest@{AMQP_HOST}:5672/{vhost}"
        env["CONVEYOR_BULK_CONNECTION"] = "amqp"
    env["CONVEYOR_DATABASE_URL"] = db_url
    subprocess.run([CONVEYOR, "db", "upgrade"], env=env, check=True, capture_output=True)
    try:
        yield Setup(name, env, db_url)
    finally:
        if vhost:
            subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, check=False)


def run_bulk(s: Setup, products: int, consumers: int) -> dict[str, float]:
    token = (
        subprocess.run(
            [CONVEYOR, "token", "create", f"bench-{uuid.uuid4().hex[:6]}"], env=s.env, check=True, capture_output=True
        )
        .stdout.decode()
        .strip()
        .splitlines()[-1]
    )
    headers = {"Authorization": f"Bearer {token}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_cmd = [CONVEYOR, "api", "serve", "--port", str(port)]
    consumer_cmd = [CONVEYOR, "queue", "consume", QUEUE, "--sleep", "0.2", "--batch-size", "100"]
    server_env = {**s.env, "CONVEYOR_API_BULK_MAX_ITEMS": str(max(products, 5000))}  # one bulk of N items
    with processes([server_cmd], server_env) as (server,), processes([consumer_cmd] * consumers, s.env):
        wait_for(base + "/openapi.json", server, "the API server")
        body = [product(i, "BULK") for i in range(products)]
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            started = time.perf_counter()
            answer = client.post("/rest/async/bulk/V1/products", json=body)
            accepted_s = time.perf_counter() - started
            if answer.status_code != 202:
                raise RuntimeError(f"bulk answered {answer.status_code}: {answer.text[:500]}")
            bulk_uuid = answer.json()["bulk_uuid"]
            log(f"[{s.name}] bulk: 202 after {accepted_s:.3f} s")
            while True:
                done = client.get(f"/rest/V1/bulk/{bulk_uuid}/operation-status/{COMPLETE}").json()
                if int(done) >= products:
                    break
                failed = sum(
                    int(client.get(f"/rest/V1/bulk/{bulk_uuid}/operation-status/{st}").json()) for st in (2, 3)
                )
                if failed:
                    raise RuntimeError(f"{failed} operations failed: see conveyor bulk show {bulk_uuid}")
                time.sleep(0.1)
            total_s = time.perf_counter() - started
        log(f"[{s.name}] bulk: all {products} complete after {total_s:.2f} s")
        sync_s = run_sync(base, headers, products)
    return {"accepted_s": accepted_s, "complete_s": total_s, "processing_s": total_s - accepted_s, "sync_s": sync_s}


def run_sync(base: str, headers: dict[str, str], products: int) -> float:
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        started = time.perf_counter()
        for i in range(products):
            answer = client.post("/rest/V1/products", json=product(i, "SYNC"))
            if answer.status_code != 200:
                raise RuntimeError(f"sync product {i} answered {answer.status_code}: {answer.text[:300]}")
        return time.perf_counter() - started


BARE_ATTRIBUTES = ("name", "price", "status", "visibility")


def run_bare(s: Setup, products: int) -> float:
    """One transaction, one multi-row INSERT per table, with the raw driver."""
    url = make_url(s.db_url)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    skus = [f"BARE-{i:06d}" for i in range(products)]
    if s.name == "sqlite":
        raw: Any = sqlite3.connect(url.database or "", isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        mark = "?"
    else:
        raw = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        mark = "%s"
    cur = raw.cursor()
    cur.execute(
        "SELECT a.attribute_code, a.attribute_id FROM eav_attribute a JOIN eav_entity_type t"
        " ON t.entity_type_id = a.entity_type_id WHERE t.entity_type_code = 'catalog_product'"
    )
    ids = {code: attribute_id for code, attribute_id in cur.fetchall() if code in BARE_ATTRIBUTES}

    def insert(table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        width = len(rows[0])
        for start in range(0, len(rows), 5000):  # below SQLite's 32,766 bound parameters
            part = rows[start : start + 5000]
            values = ",".join("(" + ",".join([mark] * width) + ")" for _ in part)
            cur.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", [v for row in part for v in row])

    started = time.perf_counter()
    if s.name == "sqlite":
        cur.execute("BEGIN IMMEDIATE")
    insert(
        "catalog_product_entity",
        "attribute_set_id, type_id, sku, created_at, updated_at",
        [(4, "simple", sku, stamp, stamp) for sku in skus],
    )
    cur.execute(f"SELECT entity_id, sku FROM catalog_product_entity WHERE sku LIKE {mark}", ("BARE-%",))
    entity = {sku: entity_id for entity_id, sku in cur.fetchall()}
    value = "entity_id, attribute_id, store_id, value"
    insert("catalog_product_entity_varchar", value, [(entity[k], ids["name"], 0, f"Bare {k}") for k in skus])
    insert("catalog_product_entity_decimal", value, [(entity[k], ids["price"], 0, 10) for k in skus])
    insert(
        "catalog_product_entity_int",
        value,
        [(entity[k], ids[c], 0, v) for k in skus for c, v in (("status", 1), ("visibility", 4))],
    )
    insert("catalog_product_website", "product_id, website_id", [(entity[k], 1) for k in skus])
    if s.name == "sqlite":
        cur.execute("COMMIT")
    else:
        raw.commit()
    seconds = time.perf_counter() - started
    raw.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setups", default="sqlite,postgresql")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--consumers", type=int, default=2)
    args = parser.parse_args()
    figures: dict[str, dict[str, float]] = {}
    for name in args.setups.split(","):
        with tempfile.TemporaryDirectory() as tmp, setup(name, Path(tmp)) as s:
            result = run_bulk(s, args.products, args.consumers)
            result["bare_s"] = run_bare(s, args.products)
            n = args.products
            result |= {
                "products": n,
                "consumers": args.consumers,
                "bulk_products_per_s": round(n / result["processing_s"], 1),
                "sync_products_per_s": round(n / result["sync_s"], 1),
                "bare_products_per_s": round(n / result["bare_s"], 1),
            }
            result["bulk_vs_sync"] = round(result["bulk_products_per_s"] / result["sync_products_per_s"], 2)
            result["bulk_vs_bare"] = round(result["bulk_products_per_s"] / result["bare_products_per_s"], 3)
            figures[name] = {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}
            r = figures[name]
            print(
                f"[{name}] 202 after {r['accepted_s']:.3f} s; bulk {r['bulk_products_per_s']:,.0f}/s;"
                f" sync {r['sync_products_per_s']:,.0f}/s (bulk/sync {r['bulk_vs_sync']});"
                f" bare {r['bare_products_per_s']:,.0f}/s (bulk/bare {r['bulk_vs_bare']})",
                flush=True,
            )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

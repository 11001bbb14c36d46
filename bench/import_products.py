"""Product import: N realistic rows made by scaling the shared Luma files, into an empty store, then again.

For each backend (SQLite, PostgreSQL; MariaDB on request), on a fresh database holding Luma's attribute sets and
attributes:

* first: ``run_import`` of N product rows (about 30 attribute values each: the Luma simple products' columns
  plus meta, special price and dates, and ten additional attributes; categories, websites, stock, images,
  two tier prices; 10% of the products with rows for 3 store views) as one bunch of 4 files;
* unchanged: the same bunch again, every row skipped by its content hash (median of three runs);
* changed: the bunch with 10% of the products changed (price and name), the rest unchanged;
* bare: the rows the first import left in every table it wrote, written into an empty database with one
  bare ``COPY`` (PostgreSQL) or ``executemany`` (SQLite, MariaDB) per table — the physical limit of the store;
* bare with foreign keys (the probe behind migration 0029): the same bare write into a store migrated to
  revision 0025 only, whose high-volume catalog tables still had their foreign keys. Both bare writes run
  ``--bare-runs`` times, interleaved; the medians are reported.

The load average is printed beside the figures (the machine is shared: compare ratios, not absolute rates).

Prints the figures, and as the last line one JSON object with all of them.

    .venv/bin/python bench/import_products.py                      # 100,000 products, both backends
    .venv/bin/python bench/import_products.py --products 20000 --backends sqlite
    .venv/bin/python bench/import_products.py --workers 1       # rows read in the importing process only
    .venv/bin/python bench/import_products.py --products 20000 --backends mariadb --first-runs 1 --bare-runs 1

``--workers`` processes read (parse, check, prepare) the rows of every timed import (default: the number of
CPUs, as ``run_import``); the writes stay in the importing process, in one transaction per bunch.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from conveyor.catalog.stores import store_table
from conveyor.db import make_engine, upgrade
from conveyor.db.bulk_insert import bulk_cache, insert_rows
from conveyor.db.integrity import find_orphans
from conveyor.importer import ImportReport, run_import
from conveyor.importer.parallel import default_workers
from conveyor.schema import metadata

PG_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIA_ADMIN_URL = os.environ.get("CONVEYOR_BENCH_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
DATA = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "magento-import"
LUMA = sorted((DATA / "products" / "add-update").glob("*.csv"))
SETS = DATA / "attributes-set" / "add-update" / "attribute-set-import_20190104-114000_01.csv"
ATTRIBUTES = DATA / "attributes" / "add-update" / "attribute-import_20170428-124902_01.csv"
STORE_VIEWS = ("de_de", "en_us", "fr_fr")
FILES = 4
UNCHANGED_RUNS = 3  # the unchanged re-import is timed this many times; the median is reported
# Extra additional attributes every generated product carries (labels Luma's attribute file defines).
EXTRA = {
    "activity": ["Gym|Yoga", "Hiking|Trail", "Urban|Travel", "Athletic|Sports"],
    "climate": ["Indoor|Warm", "Cool|Windy", "All-Weather", "Cold|Rainy"],
    "material": ["Cotton|Polyester", "Nylon", "Mesh|Spandex", "Canvas"],
    "pattern": ["Solid", "Striped", "Graphic Print", "Checked"],
    "eco_collection": ["Yes", "No"],
    "erin_recommends": ["Yes", "No"],
    "new": ["Yes", "No"],
    "performance_fabric": ["Yes", "No"],
    "sale": ["Yes", "No"],
}
TABLES = (
    "catalog_product_entity",
    "catalog_product_entity_varchar",
    "catalog_product_entity_int",
    "catalog_product_entity_decimal",
    "catalog_product_entity_text",
    "catalog_product_entity_datetime",
    "catalog_product_website",
    "catalog_category_product",
    "inventory_source_item",
    "catalog_product_entity_media_gallery",
    "catalog_product_entity_media_gallery_value",
    "catalog_product_entity_tier_price",
    "import_change",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the rows ---------------------------------------------------------------------------------------------------


def templates() -> tuple[list[str], list[dict[str, str]]]:
    """Luma's simple products (default rows), the header of the generated files."""
    rows: list[dict[str, str]] = []
    header: list[str] = []
    for path in LUMA:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = header or list(reader.fieldnames or [])
            rows.extend(r for r in reader if r["product_type"] == "simple" and not r["store_view_code"])
    keep = [c for c in header if c not in ("configurable_variations", "bundle_values")]
    return [*keep, "tier_prices"], rows


def product_rows(n: int, changed: bool) -> tuple[list[str], list[dict[str, str]]]:
    header, pool = templates()
    out: list[dict[str, str]] = []
    for i in range(n):
        t = pool[i % len(pool)]
        row = {c: t.get(c, "") for c in header}
        sku = f"B{i:07d}-{t['sku']}"
        bump = changed and i % 10 == 0
        price = float(t["price"] or 20) + i % 7 + (1 if bump else 0)
        given = {pair.split("=", 1)[0] for pair in t["additional_attributes"].split(",") if "=" in pair}
        extra = ",".join(f"{c}={values[i % len(values)]}" for c, values in EXTRA.items() if c not in given)
        row.update(
            sku=sku,
            name=f"{t['name']} {i}" + (" v2" if bump else ""),
            url_key=f"{t['url_key']}-{i}",
            price=f"{price:.2f}",
            special_price=f"{price * 0.9:.2f}",
            special_price_from_date="10/21/16, 2:10 AM",
            new_from_date="10/21/16, 2:10 AM",
            short_description=f"Short description of {t['name']}",
            meta_title=f"{t['name']} {i}",
            meta_keywords=f"{t['name']}, luma",
            meta_description=f"Buy {t['name']} at Luma",
            msrp_price=f"{price * 1.2:.2f}",
            gift_message_available="Yes" if i % 2 else "No",
            base_image_label=f"{t['name']} image",
            additional_attributes=",".join(a for a in (t["additional_attributes"], extra) if a),
            qty=str(100 + i % 50),
            related_skus="",
            crosssell_skus="",
            upsell_skus="",
            related_position="",
            crosssell_position="",
            upsell_position="",
            tier_prices=(
                f"qty=5,price={price * 0.95:.2f},value_type=fixed,website=All Websites,customer_group=ALL GROUPS"
                f"|qty=10,price={price * 0.9:.2f},value_type=fixed,website=All Websites,customer_group=General"
            ),
        )
        out.append(row)
        if i % 10 == 5:
            for code in STORE_VIEWS:
                out.append(
                    {
                        **dict.fromkeys(header, ""),
                        "sku": sku,
                        "store_view_code": code,
                        "name": f"{t['name']} {i} ({code})",
                        "description": f"{code}: {t['description'][:200]}",
                        "url_key": f"{t['url_key']}-{i}-{code}",
                        "meta_title": f"{t['name']} {i} {code}",
                    }
                )
    return header, out


def write_bunch(folder: Path, header: Sequence[str], rows: Sequence[dict[str, str]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(rows) // FILES)
    bounds = [0]
    for number in range(1, FILES):
        start = max(bounds[-1], number * size)
        while start < len(rows) and rows[start]["store_view_code"]:  # a product's store-view rows stay with it
            start += 1
        bounds.append(start)
    bounds.append(len(rows))
    paths = []
    for number in range(FILES):
        path = folder / f"product-import_20161021-161909_{number + 1:02d}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(header))
            writer.writeheader()
            writer.writerows(rows[bounds[number] : bounds[number + 1]])
        paths.append(path)
    return paths


# -- databases --------------------------------------------------------------------------------------------------


FK_REVISION = "0025"  # the last revision whose product value, link, price and stock tables had foreign keys


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def fresh_database(backend: str, name: str, folder: Path, revision: str = "head") -> str:
    if backend == "sqlite":
        path = folder / f"{name}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin_url = PG_ADMIN_URL if backend == "postgresql" else MARIA_ADMIN_URL
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine, revision)
    engine.dispose()
    return url


def prepare(engine: Engine) -> None:
    for entity, path in (("attribute-sets", SETS), ("attributes", ATTRIBUTES)):
        report = run_import(engine, entity, [path], errors="fail")
        assert report.committed, report.failure
    with engine.begin() as conn:
        for number, code in enumerate(STORE_VIEWS, start=2):
            conn.execute(store_table.insert().values(store_id=number, code=code, website_id=1, group_id=1, name=code))


CPU: dict[str, float] = {}  # CPU seconds of this process (and of SQLite, in it) per timed step


# Polls the CPU seconds of a process's descendants from /proc, in a process of its own: a polling thread in the
# importing process would take the GIL ten times a second, and SQLite's writer, which takes the GIL back after
# every row it steps, waited on it (the 100,000-product first import ran 7 s longer with it than without).
_POLLER = """
import contextlib, os, sys, time
from pathlib import Path
root, tick, seen = int(sys.argv[1]), os.sysconf("SC_CLK_TCK"), {}
def descendants(pid):
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in map(int, task.read_text().split()):
                found += [child, *descendants(child)]
    return found
mine = os.getpid()
while not Path(sys.argv[2]).exists():
    for pid in descendants(root):
        if pid != mine:
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                seen[pid] = (int(fields[11]) + int(fields[12])) / tick
    time.sleep(0.1)
print(sum(seen.values()))
"""


class DescendantsCpu:
    """CPU seconds of this process's descendants while it runs (the reading workers are the forkserver's children,
    so ``RUSAGE_CHILDREN`` never sees them): each one's last reading of ``/proc``, taken every 0.1 s by a poller
    process (``_POLLER``: not a thread of this one)."""

    def __init__(self) -> None:
        self._done = Path(tempfile.mkdtemp(prefix="conveyor-bench-poll-")) / "done"
        self._poller = subprocess.Popen(
            [sys.executable, "-c", _POLLER, str(os.getpid()), str(self._done)], stdout=subprocess.PIPE, text=True
        )

    def stop(self) -> float:
        self._done.touch()
        out, _ = self._poller.communicate(timeout=30)
        return float(out.strip() or 0)


class ServerCpu:
    """CPU seconds the local PostgreSQL server's processes used since this was made (every ``postgres`` process
    in ``/proc``: the backends of the import and its workers, the WAL writer, the checkpointer); 0 elsewhere."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.tick = os.sysconf("SC_CLK_TCK")
        self.start = self._total()

    def _total(self) -> float:
        if self.backend != "postgresql":
            return 0.0
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                text = stat.read_text()
                if text[text.index("(") + 1 : text.rindex(")")] == "postgres":
                    fields = text.rsplit(")", 1)[1].split()
                    total += int(fields[11]) + int(fields[12])
        return total / self.tick

    def used(self) -> float:
        return self._total() - self.start  # (a backend that exited meanwhile takes its seconds with it)


def timed(engine: Engine, files: Sequence[Path], workers: int | None, step: str = "") -> tuple[ImportReport, float]:
    readers = DescendantsCpu()
    started, cpu = time.perf_counter(), time.process_time()
    report = run_import(engine, "products", files, workers=workers)
    elapsed = time.perf_counter() - started
    CPU[step] = time.process_time() - cpu
    CPU[f"{step} readers"] = readers.stop()
    if report.failure or report.invalid:
        raise SystemExit(f"import failed: {report.failure} {report.errors[:5]}")
    return report, elapsed


def bare_limit(backend: str, source: Engine, folder: Path, revision: str = "head") -> tuple[float, int]:
    """Seconds to write every row the import left, one bare COPY / executemany per table, into an empty store
    migrated to ``revision``."""
    tables = [metadata.tables[name] for name in TABLES]
    # what the product rows refer to (categories the import created), copied untimed
    prerequisites = [t for t in metadata.sorted_tables if t.name.startswith("catalog_category_entity")]
    with source.connect() as conn:
        dumps = {t.name: [tuple(r) for r in conn.execute(sa.select(t))] for t in [*prerequisites, *tables]}
    url = fresh_database(backend, "conveyor_bench_bare", folder, revision)
    target = make_engine(url)
    prepare(target)
    with target.begin() as conn:
        conn.exec_driver_sql("DELETE FROM inventory_source_item")
        conn.exec_driver_sql("DELETE FROM import_change")
        for table in reversed(prerequisites):
            conn.execute(table.delete())
        for table in prerequisites:
            insert_rows(conn, table, [c.name for c in table.columns], dumps.pop(table.name))
    server = ServerCpu(backend)
    started, cpu = time.perf_counter(), time.process_time()
    with target.begin() as conn, bulk_cache(conn):  # the page cache the import's connection writes with
        for table in tables:
            insert_rows(conn, table, [c.name for c in table.columns], dumps[table.name])
    elapsed = time.perf_counter() - started
    CPU[f"bare {revision}"] = time.process_time() - cpu
    CPU[f"bare {revision} server"] = server.used()
    target.dispose()
    return elapsed, sum(len(rows) for rows in dumps.values())


def run_backend(
    backend: str, n: int, folder: Path, workers: int | None, bare_runs: int, first_runs: int
) -> dict[str, Any]:
    header, generated = product_rows(n, changed=False)
    files = write_bunch(folder / "first", header, generated)
    rows = range(len(generated))  # only the count is kept: the timed imports run beside no heap of test data,
    _, generated = product_rows(n, changed=True)  # as a `conveyor import` process does
    changed = write_bunch(folder / "changed", header, generated)
    del generated
    firsts: list[tuple[float, float, float, float]] = []  # wall, writer CPU, readers' CPU, server CPU
    for run in range(first_runs):  # each into a fresh store; the last one's store is used from here on
        url = fresh_database(backend, "conveyor_bench_import", folder)
        engine = make_engine(url)
        prepare(engine)
        log(f"{backend}: importing {len(rows)} rows ({n} products), run {run + 1}; {load()}")
        server = ServerCpu(backend)
        first, first_s = timed(engine, files, workers, "first")
        firsts.append((first_s, CPU["first"], CPU["first readers"], server.used()))
        log(
            f"{backend}: first {len(rows) / first_s:,.0f} rows/s ({first_s:.1f}s, {CPU['first']:.1f}s CPU here,"
            f" {CPU['first readers']:.1f}s in the reading workers"
            + (f", {firsts[-1][3]:.1f}s in the PostgreSQL server)" if backend == "postgresql" else ")")
        )
        if run < first_runs - 1:
            engine.dispose()
    # the median run by the wall clock, with its own CPU figures
    first_s, CPU["first"], CPU["first readers"], server_cpu_s = sorted(firsts)[len(firsts) // 2]
    samples, cpu_samples = [], []
    for _ in range(UNCHANGED_RUNS):  # cheap and noisy (the first run after a big import is often the slowest)
        unchanged, seconds = timed(engine, files, workers, "unchanged")
        samples.append(seconds)
        cpu_samples.append(CPU["unchanged"])
        log(f"{backend}: unchanged {len(rows) / seconds:,.0f} rows/s ({seconds:.1f}s), skipped {unchanged.skipped}")
    unchanged_s = statistics.median(samples)
    second, second_s = timed(engine, changed, workers)
    log(f"{backend}: 10% changed {len(rows) / second_s:,.0f} rows/s ({second_s:.1f}s), updated {second.updated}")
    with engine.connect() as conn:  # what `conveyor db check` reports: integrity held by construction
        orphans = {o.reference.name: o.count for o in find_orphans(conn, metadata)}
    log(f"{backend}: orphan rows after the imports: {sum(orphans.values())} {orphans or ''}")
    bare: dict[str, list[tuple[float, float]]] = {"head": [], FK_REVISION: []}
    table_rows = 0
    for _ in range(bare_runs):  # interleaved: the schema of today, then the one with the foreign keys
        for revision, runs in bare.items():
            seconds, table_rows = bare_limit(backend, engine, folder, revision)
            runs.append((seconds, CPU[f"bare {revision}"]))
            log(
                f"{backend}: bare writes ({revision}) {len(rows) / seconds:,.0f} rows/s ({seconds:.1f}s,"
                f" {CPU[f'bare {revision}']:.1f}s CPU"
                + (f", {CPU[f'bare {revision} server']:.1f}s in the server" if backend == "postgresql" else "")
                + f", {table_rows} table rows); {load()}"
            )
    engine.dispose()
    bare_s = statistics.median(s for s, _ in bare["head"])
    fk_s = statistics.median(s for s, _ in bare[FK_REVISION])
    CPU["bare head"] = statistics.median(c for _, c in bare["head"])
    CPU["bare fk"] = statistics.median(c for _, c in bare[FK_REVISION])
    # the least wall time the import's own CPU allows on this machine's cores (SQLite: the database's work is in
    # the writer's; PostgreSQL's server adds its own on top), as a share of the bare write's time
    cores = os.cpu_count() or 1
    cpu_floor_s = max(CPU["first"], (CPU["first"] + CPU["first readers"] + server_cpu_s) / cores)
    server_text = f" + {server_cpu_s:.1f}s in the server" if backend == "postgresql" else ""
    log(
        f"{backend}: the import's CPU ({CPU['first']:.1f}s writing + {CPU['first readers']:.1f}s reading{server_text})"
        f" allows at best {cpu_floor_s:.1f}s on {cores} cores: first / bare could reach {bare_s / cpu_floor_s:.2f}"
        " at most"
    )
    return {
        "backend": backend,
        "products": n,
        "workers": workers if workers is not None else default_workers(),
        "rows": len(rows),
        "table_rows": table_rows,
        "first_rows_per_s": round(len(rows) / first_s),
        "first_seconds": round(first_s, 2),
        "first_samples_s": [round(f[0], 2) for f in firsts],
        "first_server_cpu_s": round(server_cpu_s, 2),
        "created": first.created,
        "unchanged_rows_per_s": round(len(rows) / unchanged_s),
        "unchanged_rows_per_s_samples": [round(len(rows) / t) for t in samples],
        "unchanged_rows_per_cpu_s": round(len(rows) / statistics.median(cpu_samples)),
        "unchanged_skipped": unchanged.skipped,
        "changed_rows_per_s": round(len(rows) / second_s),
        "changed_updated": second.updated,
        "changed_skipped": second.skipped,
        "bare_rows_per_s": round(len(rows) / bare_s),
        "first_vs_bare": round(bare_s / first_s, 3),
        "orphans": orphans,
        "bare_with_fks_rows_per_s": round(len(rows) / fk_s),
        "bare_samples_rows_per_s": {r: [round(len(rows) / s) for s, _ in v] for r, v in bare.items()},
        "bare_cpu_samples_s": {r: [round(c, 2) for _, c in v] for r, v in bare.items()},
        "bare_with_fks_cpu_s": round(CPU["bare fk"], 2),
        # CPU seconds of the importing process (with SQLite: the database's work too; not the reading workers'
        # nor the PostgreSQL server's): on a shared machine the wall clock measures the scheduler as well
        "first_cpu_s": round(CPU["first"], 2),
        "bare_cpu_s": round(CPU["bare head"], 2),
        "first_vs_bare_cpu": round(CPU["bare head"] / CPU["first"], 3),
        "first_readers_cpu_s": round(CPU["first readers"], 2),
        "first_cpu_floor_s": round(cpu_floor_s, 2),
        "first_vs_bare_at_best": round(bare_s / cpu_floor_s, 3),
        "bare_table_rows_per_s": round(table_rows / bare_s),
        "bare_with_fks_table_rows_per_s": round(table_rows / fk_s),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=None, help="reading processes (default: the CPUs)")
    parser.add_argument("--bare-runs", type=int, default=3, help="bare writes per schema, interleaved (medians)")
    parser.add_argument("--first-runs", type=int, default=1, help="first imports, each into a fresh store (median)")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="conveyor-bench-") as tmp:
        for backend in args.backends.split(","):
            results.append(
                run_backend(backend, args.products, Path(tmp) / backend, args.workers, args.bare_runs, args.first_runs)
            )
    for r in results:
        print(
            f"{r['backend']:>10}: first {r['first_rows_per_s']:>7,} rows/s, "
            f"unchanged {r['unchanged_rows_per_s']:>7,} rows/s, "
            f"10% changed {r['changed_rows_per_s']:>7,} rows/s, bare writes {r['bare_rows_per_s']:>7,} rows/s "
            f"(first import at {r['first_vs_bare']:.0%} of the bare limit); bare with the foreign keys "
            f"{r['bare_with_fks_rows_per_s']:>7,} rows/s; load average {r['load_average']}"
        )
    print(json.dumps({"benchmark": "import_products", "results": results}))


if __name__ == "__main__":
    main()

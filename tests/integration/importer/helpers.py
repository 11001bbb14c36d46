"""Helpers for the import tests: the shared Luma files, a store prepared for them, CSV writing, an import
SIGKILLed in the middle of its bunch, and a checksum of every catalog table to prove that a failed or killed import
left the store exactly as it was."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog.stores import store_group_table, store_table
from conveyor.importer import ImportReport, run_import
from conveyor.importer.runner import PAUSE_ENV
from conveyor.schema import metadata
from tests.support.testdata import TESTDATA

DATA = TESTDATA / "magento-import"
LUMA_BUNCH = sorted((DATA / "products" / "add-update").glob("*.csv"))
LUMA_REPLACE = sorted((DATA / "products" / "replace").glob("*.csv"))
ATTRIBUTE_SETS = DATA / "attributes-set" / "add-update" / "attribute-set-import_20190104-114000_01.csv"
ATTRIBUTES = DATA / "attributes" / "add-update" / "attribute-import_20170428-124902_01.csv"
# The columns a product file's rows start with in the import tests (each test adds the ones it speaks for)
PRODUCT_COLUMNS = ["sku", "store_view_code", "attribute_set_code", "product_type", "product_websites", "name", "price"]
# Every table an import may touch: the catalog's, and the change hashes.
STORE_PREFIXES = ("catalog_", "eav_", "inventory_", "import_change", "store", "customer")


def add_store_view(engine: Engine, store_id: int, code: str, website_id: int = 1) -> None:
    with engine.begin() as conn:
        group_id = conn.execute(
            sa.select(store_group_table.c.group_id).where(store_group_table.c.website_id == website_id)
        ).scalar_one()
        conn.execute(
            store_table.insert().values(
                store_id=store_id, code=code, website_id=website_id, group_id=group_id, name=code
            )
        )


def prepare_luma_store(engine: Engine) -> None:
    """Luma's attribute sets and attributes (imported from the shared files), and two more store views."""
    for entity, path in (("attribute-sets", ATTRIBUTE_SETS), ("attributes", ATTRIBUTES)):
        report = run_import(engine, entity, [path], errors="fail")
        assert report.committed, report.failure
        assert report.invalid == 0, report.errors
    add_store_view(engine, 2, "de_de")
    add_store_view(engine, 3, "en_us")


def read_rows(paths: Sequence[Path]) -> list[dict[str, str]]:
    """The data rows of CSV files, each with its file name and line (header = line 1)."""
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            line = 1
            for fields in reader:
                start = line + 1
                line = reader.line_num
                row = dict(zip(header, fields, strict=True))
                row["__file"], row["__line"] = path.name, str(start)
                rows.append(row)
    return rows


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Mapping[str, object] | Sequence[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            if isinstance(row, Mapping):
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in header])
            else:
                writer.writerow(row)
    return path


def kill_import_mid_bunch(
    url: str, files: Sequence[Path], folder: Path, batch_size: int, pause: float, *options: str
) -> None:
    """Imports the products ``files`` with ``conveyor importer`` in its own process, which pauses ``pause`` seconds
    after each batch of ``batch_size`` rows (PAUSE_ENV writes a line per batch to a marker file), and SIGKILLs it
    once three batches of the bunch's one transaction are written: a kill no ``finally`` or rollback sees."""
    profile = folder / "small-batches.yaml"
    profile.write_text(f"entity: products\nbatch_size: {batch_size}\n", encoding="utf-8")
    marker = folder / "batches.log"
    command = [
        sys.executable,
        "-c",
        "from conveyor.cli.importer import importer; importer()",
        "products",
        *map(str, files),
        *options,
        "--profile",
        str(profile),
        "--database-url",
        url,
    ]
    env = {**os.environ, PAUSE_ENV: f"{pause}:{marker}"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (marker.exists() and len(marker.read_text().splitlines()) >= 3):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the import never wrote three batches"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL


def store_tables() -> list[sa.Table]:
    return [t for t in metadata.sorted_tables if t.name.startswith(STORE_PREFIXES)]


def store_checksum(engine: Engine) -> dict[str, tuple[int, str]]:
    """table → (row count, hash of every row in key order): equal before and after means nothing changed."""
    found: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for table in store_tables():
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(sa.select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                count += 1
            found[table.name] = (count, digest.hexdigest())
    return found


def count(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def assert_counts_add_up(report: ImportReport) -> None:
    """Every row is accounted for once: created, updated, deleted, skipped, invalid or rolled back."""
    written = report.created + report.updated + report.deleted
    assert report.rows == written + report.skipped + report.invalid + report.rolled_back, report


__all__ = [
    "ATTRIBUTES",
    "ATTRIBUTE_SETS",
    "DATA",
    "LUMA_BUNCH",
    "LUMA_REPLACE",
    "PRODUCT_COLUMNS",
    "add_store_view",
    "assert_counts_add_up",
    "count",
    "kill_import_mid_bunch",
    "prepare_luma_store",
    "read_rows",
    "store_checksum",
    "write_csv",
]

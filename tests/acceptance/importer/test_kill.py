"""SIGKILL in the middle of a bunch: the import process is killed after it has written some batches of its one
transaction; the store is exactly as before, and the same files import completely afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from conveyor.catalog import ProductRepository
from conveyor.importer import run_import
from conveyor.importer.runner import PAUSE_ENV
from tests.integration.importer.helpers import store_checksum, write_csv

HEADER = ["sku", "attribute_set_code", "product_type", "product_websites", "name", "price", "qty", "categories"]
ROWS_PER_FILE, FILES = 300, 4


def _bunch(folder: Path) -> list[Path]:
    files = []
    for number in range(1, FILES + 1):
        rows = [
            [
                f"K{number}-{i:04d}",
                "Default",
                "simple",
                "base",
                f"Killed {number}-{i}",
                f"{i}.99",
                "5",
                "Default Category/Kill",
            ]
            for i in range(ROWS_PER_FILE)
        ]
        files.append(write_csv(folder / f"product-import_20240101-000000_{number:02d}.csv", HEADER, rows))
    return files


def test_sigkill_in_the_middle_of_a_bunch_leaves_the_store_as_before(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    files = _bunch(tmp_path)
    profile = tmp_path / "small-batches.yaml"
    profile.write_text("entity: products\nbatch_size: 100\n", encoding="utf-8")
    marker = tmp_path / "batches.log"
    before = store_checksum(engine)
    command = [
        sys.executable,
        "-c",
        "from conveyor.cli.importer import importer; importer()",
        "products",
        *map(str, files),
        "--profile",
        str(profile),
        "--database-url",
        db_url,
    ]
    env = {**os.environ, PAUSE_ENV: f"0.3:{marker}"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if marker.exists() and len(marker.read_text().splitlines()) >= 3:
                break
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        else:
            raise AssertionError("the import never wrote three batches")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert store_checksum(engine) == before  # three batches were written, none committed
    report = run_import(engine, "products", files)
    assert report.committed and report.created == ROWS_PER_FILE * FILES
    with engine.connect() as conn:
        assert ProductRepository().get(conn, "K4-0299").name == "Killed 4-299"

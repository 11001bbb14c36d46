"""SIGKILL in the middle of a bunch: the import process is killed after it has written some batches of its one
transaction; the store is exactly as before, and the same files import completely afterwards."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from conveyor.catalog import ProductRepository
from conveyor.importer import run_import
from tests.integration.importer.helpers import kill_import_mid_bunch, store_checksum, write_csv

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
    before = store_checksum(engine)
    kill_import_mid_bunch(db_url, files, tmp_path, 100, 0.3)
    assert store_checksum(engine) == before  # three batches were written, none committed
    report = run_import(engine, "products", files)
    assert report.committed and report.created == ROWS_PER_FILE * FILES
    with engine.connect() as conn:
        assert ProductRepository().get(conn, "K4-0299").name == "Killed 4-299"

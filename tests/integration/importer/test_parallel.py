"""Reading in worker processes changes nothing but the speed: the Luma bunch (with broken rows added in its
2nd and 4th files) imported serially and with two workers leaves the same store and the same report, errors
in the same file/line/column order; so does a re-import, which skips the unchanged rows."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog.products.repository import product_table, product_values
from conveyor.db import bulk_insert, make_engine
from conveyor.importer import ImportReport, Profile, run_import, runner
from conveyor.importer.batches import Batch, BatchTask
from conveyor.importer.parallel import MIN_ROWS_ENV, WORKERS_ENV, WorkerPool, default_workers, opened
from conveyor.importer.watch import ImportOptions, default_runner
from tests.conftest import _truncate
from tests.integration.importer.helpers import (
    LUMA_BUNCH,
    prepare_luma_store,
    read_rows,
    store_checksum,
    store_tables,
    write_csv,
)

# small partitions: every file is read as several tasks, spread over the workers
PROFILE = Profile(entity="products", batch_size=150)
CLOCK = {"created_at", "updated_at", "imported_at"}
Reader = Callable[[BatchTask], Batch]
Handing = Callable[[BatchTask], None]


@pytest.fixture(scope="module")
def broken_bunch(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The Luma bunch with a bad price in file 2, a row of the wrong width and a bad date in file 4."""
    folder = tmp_path_factory.mktemp("bunch")
    paths: list[Path] = []
    for number, path in enumerate(LUMA_BUNCH, start=1):
        rows = read_rows([path])
        header = [c for c in rows[0] if not c.startswith("__")]
        data = [{c: row[c] for c in header} for row in rows]
        if number == 2:
            data[40]["price"] = "12,34.5x"
            data[300]["price"] = "-3"
        if number == 4:
            data[500]["special_price_from_date"] = "the 32nd of May"
        cells: list[dict[str, str] | list[str]] = list(data)
        if number == 4:
            cells[10] = ["only", "three", "cells"]
        paths.append(write_csv(folder / path.name, header, cells))
    return paths


def _store(template: Path, folder: Path) -> Engine:
    folder.mkdir()
    path = folder / "conveyor.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    prepare_luma_store(engine)
    return engine


def _content(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every store table's rows in key order, without the clock's columns (created_at, imported_at …)."""
    found: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in store_tables():
            columns = [c for c in table.columns if c.name not in CLOCK]
            order = list(table.primary_key.columns) or columns
            found[table.name] = [tuple(row) for row in conn.execute(sa.select(*columns).order_by(*order))]
    return found


def _same(report: ImportReport) -> ImportReport:
    return replace(report, seconds=0.0)


def test_workers_read_the_bunch_as_a_serial_run_does(
    _sqlite_template: Path, tmp_path: Path, broken_bunch: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MIN_ROWS_ENV, "0")
    serial_engine = _store(_sqlite_template, tmp_path / "serial")
    parallel_engine = _store(_sqlite_template, tmp_path / "parallel")
    monkeypatch.chdir(tmp_path)  # workers get an absolute database path, whatever their working directory

    pools: list[WorkerPool] = []

    read_here: list[int] = []  # tasks read in the importing process while the workers started
    read_in_all: list[int] = []

    class CountedPool(WorkerPool):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            pools.append(self)

        def read(
            self, tasks: Iterable[BatchTask], local: Reader | None = None, handing: Handing | None = None
        ) -> Iterator[Batch | bytes]:
            assert local is not None

            def counted(task: BatchTask) -> Batch:
                read_here.append(len(task.records))
                return local(task)

            for batch in super().read(tasks, counted, handing):
                read_in_all.append(opened(batch).records)
                yield batch

    monkeypatch.setattr(runner, "WorkerPool", CountedPool)
    serial = run_import(serial_engine, "products", broken_bunch, profile=PROFILE, workers=1)
    assert pools == []
    parallel = run_import(parallel_engine, "products", broken_bunch, profile=PROFILE, workers=2)
    assert [pool.workers for pool in pools] == [2]  # the rows were read in two worker processes
    # the first partitions here while the workers started, the rest by the workers
    assert 1 <= len(read_here) < len(read_in_all), (read_here, read_in_all)

    assert serial.committed and parallel.committed
    # the four broken rows, and three configurables naming a broken child
    assert serial.invalid == 7, [str(e) for e in serial.errors]
    assert {(e.file[-6:], e.column) for e in serial.errors} >= {
        ("02.csv", "price"),
        ("04.csv", "product_type"),  # the first column of the short row without a value
        ("04.csv", "special_price_from_date"),
    }
    assert _same(parallel) == _same(serial)
    assert _content(parallel_engine) == _content(serial_engine)

    # again: the rows imported are skipped as unchanged (the configurables whose child was broken are retried)
    again_serial = run_import(serial_engine, "products", broken_bunch, profile=PROFILE, workers=1)
    again = run_import(parallel_engine, "products", broken_bunch, profile=PROFILE, workers=2)
    assert again.skipped >= 2000 and again.created == 0
    assert _same(again) == _same(again_serial)
    assert _content(parallel_engine) == _content(serial_engine)
    serial_engine.dispose()
    parallel_engine.dispose()


def test_errors_fail_rolls_back_a_parallel_bunch(
    _sqlite_template: Path, tmp_path: Path, broken_bunch: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MIN_ROWS_ENV, "0")
    engine = _store(_sqlite_template, tmp_path / "store")
    before = store_checksum(engine)
    report = run_import(engine, "products", broken_bunch, profile=PROFILE, errors="fail", workers=2)
    assert not report.committed and report.failure is not None
    # the four broken rows and the configurable of file _04 naming the row cut short
    assert report.invalid == 5, [str(e) for e in report.errors]
    assert store_checksum(engine) == before
    engine.dispose()


def test_the_number_of_workers_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert default_workers() == 3
    monkeypatch.setenv(WORKERS_ENV, "0")
    assert default_workers() == 1
    monkeypatch.setenv(WORKERS_ENV, "many")
    with pytest.raises(ValueError, match=WORKERS_ENV):
        default_workers()


def test_the_runner_of_the_watcher_and_the_queue_reads_with_the_worker_count_it_is_given(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ImportOptions.workers`` reaches the import: the environment's count, unusable here, is read only when
    the options give none."""
    monkeypatch.setenv(WORKERS_ENV, "many")
    engine = make_engine(sqlite_url)
    header = ["sku", "attribute_set_code", "product_type", "name", "price"]
    path = write_csv(tmp_path / "product-import_w_01.csv", header, [["W-1", "Default", "simple", "One", "1"]])
    unset = default_runner(engine, "products", ImportOptions())([path])
    assert unset.failure is not None and WORKERS_ENV in unset.failure and not unset.committed
    given = default_runner(engine, "products", ImportOptions(workers=1))([path])
    assert given.committed and given.created == 1
    engine.dispose()


def _values_by_sku(engine: Engine) -> dict[str, object]:
    """The products (type, set) and their values by sku (ids differ between two stores), and every table's count."""
    found: dict[str, object] = {}
    with engine.connect() as conn:
        found["products"] = sorted(
            conn.execute(sa.select(product_table.c.sku, product_table.c.type_id, product_table.c.attribute_set_id))
        )
        for backend, table in product_values.items():
            rows = conn.execute(
                sa.select(product_table.c.sku, table.c.attribute_id, table.c.store_id, table.c.value).join(
                    product_table, product_table.c.entity_id == table.c.entity_id
                )
            )
            found[backend] = sorted(tuple(row) for row in rows)
        for table in store_tables():
            found[f"count:{table.name}"] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return found


def test_on_postgresql_workers_make_new_products_value_rows_and_nothing_else_changes(
    _pg_database: str, broken_bunch: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing behind, a worker gets the ids reserved for its rows' new products, completes them (defaults,
    url_key, required values) and formats their value rows for COPY itself. The store and the report are what a
    run reading every row in the importing process leaves, and the worker's rows are what was copied."""
    monkeypatch.setenv(MIN_ROWS_ENV, "0")
    copied: list[int] = []
    real = bulk_insert.insert_copied

    def counted(conn: sa.Connection, table: sa.Table, columns: Sequence[str], data: bytes) -> None:
        copied.append(data.count(b"\n"))
        real(conn, table, columns, data)

    monkeypatch.setattr("conveyor.importer.product_writer.insert_copied", counted)

    def imported(workers: int) -> tuple[ImportReport, dict[str, object]]:
        _truncate(_pg_database)
        engine = make_engine(_pg_database)
        prepare_luma_store(engine)
        report = run_import(engine, "products", broken_bunch, profile=PROFILE, workers=workers)
        found = _values_by_sku(engine)
        engine.dispose()
        return report, found

    serial, serial_store = imported(1)
    assert copied == []  # read here: no ids travel, the rows are made by the writer
    parallel, parallel_store = imported(2)
    assert sum(copied) > 10_000, copied  # most new products' values came formatted from the workers
    assert serial.committed and serial.invalid == 7
    assert _same(parallel) == _same(serial)
    assert parallel_store == serial_store

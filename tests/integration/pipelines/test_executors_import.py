"""The ``import`` executor on a real SQLite store with the shared Magento files: bunches claimed into a pipeline's
working directory import through the import framework, once, with their history and report."""

from __future__ import annotations

import csv
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog import ProductRepository
from conveyor.catalog.categories import category_table
from conveyor.catalog.products import product_table
from conveyor.db import make_engine
from conveyor.importer import history, run_import
from conveyor.importer.files import REPORT
from conveyor.importer.history import RunStatus
from conveyor.importer.parallel import WORKERS_ENV
from conveyor.pipelines.executors.arguments import ArgumentError
from conveyor.pipelines.executors.files import FilesExecutor, claimed_bunches
from conveyor.pipelines.executors.import_bunch import ImportExecutor, ImportFailedError
from tests.integration.importer.helpers import DATA, count, prepare_luma_store
from tests.support.executors import step_run

CATEGORIES = DATA / "categories" / "add-update" / "category-import_20161024-194026_01.csv"
MINIMAL = DATA / "products" / "minimal" / "product-import_20161021-161909_01.csv"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def claim(engine: Engine, drop: Path, work: Path, *files: Path, pipeline_id: int = 1) -> None:
    """Drop ``files`` with one empty OK-file per bunch prefix and claim them into ``work``."""
    drop.mkdir(exist_ok=True)
    for path in files:
        shutil.copy(path, drop / path.name)
        (drop / f"{path.name.rsplit('_', 1)[0]}.ok").touch()
    run, _ = step_run(engine, {"action": "claim", "directory": str(drop)}, work, pipeline_id=pipeline_id)
    FilesExecutor().process(run)


def test_a_bunch_imports_once_with_its_history_and_report(engine: Engine, tmp_path: Path) -> None:
    work = tmp_path / "work"
    claim(engine, tmp_path / "drop", work, CATEGORIES, pipeline_id=4)
    run, log = step_run(engine, {"entity": "categories"}, work, pipeline_id=4, name="categories")
    outcome = ImportExecutor().process(run)
    (bunch,) = claimed_bunches(work)
    assert outcome.status == "success"
    assert outcome.output.startswith(f"{bunch.manifest.prefix}: imported, 39 rows: ")
    assert log.lines == [outcome.output]
    categories = count(engine, category_table)
    assert categories > 39  # the root categories plus the file's
    report = orjson.loads((bunch.path / REPORT).read_bytes())
    assert report["ok"] and report["committed"] and report["rows"] == 39
    with engine.connect() as conn:
        entry = history.find(conn, f"pipeline:4:{bunch.token}")
    assert entry is not None
    assert (entry.status, entry.origin, entry.entity, entry.attempts) == (
        RunStatus.SUCCESS,
        "pipeline",
        "categories",
        1,
    )

    # the runner died after the import, before the step was marked: the next attempt does not import again
    (bunch.path / REPORT).unlink()
    again = ImportExecutor().process(step_run(engine, {"entity": "categories"}, work, pipeline_id=4)[0])
    assert again.output == outcome.output
    with engine.connect() as conn:
        assert history.find(conn, f"pipeline:4:{bunch.token}").attempts == 1  # type: ignore[union-attr]
    assert count(engine, category_table) == categories
    assert (bunch.path / REPORT).is_file()


def test_a_failing_bunch_fails_the_attempt_writes_nothing_and_a_retry_imports_it(
    engine: Engine, tmp_path: Path
) -> None:
    broken = tmp_path / "src" / CATEGORIES.name
    broken.parent.mkdir()
    with CATEGORIES.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    rows[5]["is_active"] = "perhaps"
    with broken.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)
    work = tmp_path / "work"
    claim(engine, tmp_path / "drop", work, broken)
    before = count(engine, category_table)
    run, log = step_run(engine, {"entity": "categories", "errors": "fail"}, work)
    with pytest.raises(
        ImportFailedError,
        match=r"failed \(1 invalid rows and errors=fail: nothing written\).*_01.csv:7 column is_active",
    ):
        ImportExecutor().process(run)
    assert count(engine, category_table) == before
    (bunch,) = claimed_bunches(work)
    assert not (bunch.path / REPORT).exists()
    assert "failed" in log.lines[0]

    rows[5]["is_active"] = "1"  # someone fixes the file in the working directory, then retries the step
    with (bunch.path / broken.name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)
    ImportExecutor().process(step_run(engine, {"entity": "categories", "errors": "fail"}, work)[0])
    assert count(engine, category_table) == before + 39
    with engine.connect() as conn:
        entry = history.find(conn, f"pipeline:1:{bunch.token}")
    assert entry is not None and (entry.status, entry.attempts) == (RunStatus.SUCCESS, 2)


def test_no_bunch_of_the_entity_is_skipped(engine: Engine, tmp_path: Path) -> None:
    work = tmp_path / "work"
    claim(engine, tmp_path / "drop", work, CATEGORIES)
    outcome = ImportExecutor().process(step_run(engine, {"entity": "products"}, work)[0])
    assert outcome.status == "skipped" and outcome.output == f"no products bunch in {work}"


def test_the_step_reads_the_rows_with_the_workers_it_is_given(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``workers`` reaches the import: the environment's count, unusable here, is read only when the step gives
    none."""
    monkeypatch.setenv(WORKERS_ENV, "many")
    work = tmp_path / "work"
    claim(engine, tmp_path / "drop", work, CATEGORIES)
    with pytest.raises(ImportFailedError, match=f"{WORKERS_ENV} must be a whole number"):
        ImportExecutor().process(step_run(engine, {"entity": "categories"}, work)[0])
    outcome = ImportExecutor().process(step_run(engine, {"entity": "categories", "workers": 1}, work)[0])
    assert outcome.status == "success" and ": imported, 39 rows: 39 created" in outcome.output


def gallery_of(engine: Engine, *skus: str) -> list[str]:
    from conveyor.catalog.products import gallery_table

    query = (
        sa.select(gallery_table.c.value)
        .join(product_table, product_table.c.entity_id == gallery_table.c.entity_id)
        .where(product_table.c.sku.in_(skus))
    )
    with engine.connect() as conn:
        return sorted(set(conn.execute(query).scalars()))


def test_a_products_import_lists_the_images_of_the_products_it_changed(engine: Engine, tmp_path: Path) -> None:
    prepare_luma_store(engine)
    first = tmp_path / "first"
    claim(engine, tmp_path / "drop", first, MINIMAL, pipeline_id=1)
    arguments = {"entity": "products", "images": "media/changed-images.txt"}
    outcome = ImportExecutor().process(step_run(engine, arguments, first, pipeline_id=1)[0])
    listed = (first / "media" / "changed-images.txt").read_text().splitlines()
    assert listed == gallery_of(engine, "24-MB01", "24-WG082-gray")
    assert "/m/b/mb01-blue-0.jpg" in listed and "/l/u/luma-stability-ball-gray.jpg" in listed
    assert outcome.output.endswith(f"{len(listed)} changed images listed in {first / 'media' / 'changed-images.txt'}")

    time.sleep(1.1)  # updated_at has whole seconds: the second import must start in a later one
    changed = tmp_path / "changed" / MINIMAL.name
    changed.parent.mkdir()
    text = MINIMAL.read_text(encoding="utf-8-sig")
    assert text.count("Joust Duffle Bag") >= 1
    changed.write_text(text.replace("Joust Duffle Bag", "Joust Duffle Sack"), encoding="utf-8")
    second = tmp_path / "second"
    claim(engine, tmp_path / "drop", second, changed, pipeline_id=2)
    ImportExecutor().process(step_run(engine, arguments, second, pipeline_id=2)[0])
    assert (second / "media" / "changed-images.txt").read_text().splitlines() == gallery_of(engine, "24-MB01")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "argument 'entity' is required"),
        ({"entity": "products", "operation": "merge"}, "argument 'operation' operation 'merge' is not one of"),
        ({"entity": "products", "errors": "ignore"}, "argument 'errors' errors 'ignore' is not one of"),
        ({"entity": "products", "workers": 0}, "argument 'workers' workers 0 is not a whole number of at least 1"),
        ({"entity": "products", "workers": "2"}, "argument 'workers' workers '2' is not a whole number"),
        ({"entity": "categories", "images": "x.txt"}, "argument 'images' is only written by a products import"),
    ],
)
def test_bad_arguments_are_named(engine: Engine, tmp_path: Path, arguments: dict[str, object], message: str) -> None:
    run, _ = step_run(engine, arguments, tmp_path, name="load")
    with pytest.raises(ArgumentError, match=f"step 'load' \\(import\\): {message}"):
        ImportExecutor().process(run)


def test_with_a_source_the_step_is_one_watcher_pass(engine: Engine, tmp_path: Path) -> None:
    prepare_luma_store(engine)
    assert run_import(engine, "products", [MINIMAL]).committed
    source = tmp_path / "stock"
    source.mkdir()
    (source / "product-import-inventory_20250601-1200_01.csv").write_text("sku,qty\n24-MB01,6\n")
    (source / "product-import-inventory_20250601-1200.ok").touch()
    (source / "product-import-inventory_20250601-1205_01.csv").write_text("sku,qty\n24-MB01,7\n")  # no OK-file yet
    arguments = {"entity": "products", "profile": "products-stock-only", "source": str(source)}
    run, log = step_run(engine, arguments, name="stock")
    outcome = ImportExecutor().process(run)
    assert log.lines == outcome.output.splitlines()
    assert outcome.output.startswith("product-import-inventory_20250601-1200: imported, 1 rows: 0 created, 1 updated")
    assert " → " + str(source / "archive") in outcome.output
    with engine.connect() as conn:
        bag = ProductRepository().get(conn, "24-MB01")
        entry = history.list_runs(conn, limit=1)[0]
    assert bag.stock is not None and bag.stock.qty == 6.0
    assert entry.origin == "pipeline" and entry.profile == "products-stock-only"
    assert sorted(p.name for p in source.iterdir() if p.is_file()) == ["product-import-inventory_20250601-1205_01.csv"]

    (source / "product-import-inventory_20250601-1205.ok").touch()
    (source / "product-import-inventory_20250601-1205_01.csv").write_text("sku,qty\n24-MB01,lots\n")
    failing = {**arguments, "errors": "fail"}
    with pytest.raises(ImportFailedError, match=r"product-import-inventory_20250601-1205: failed .*→ .*failed"):
        ImportExecutor().process(step_run(engine, failing)[0])
    assert len(list((source / "failed").rglob("product-import-inventory_20250601-1205_01.csv"))) == 1
    nothing = ImportExecutor().process(step_run(engine, arguments)[0])
    assert (nothing.status, nothing.output) == ("skipped", f"no products bunch ready in {source}")
    with pytest.raises(ArgumentError, match=r"argument 'source' the source directory .* does not exist"):
        ImportExecutor().process(step_run(engine, {**arguments, "source": str(tmp_path / "none")})[0])

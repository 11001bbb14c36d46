"""The ``files`` executor: claim bunches into a pipeline's working directory, archive them, keep them for a retry.

Real folders and a real SQLite database (the per-bunch locks live there).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy.engine import Engine

from conveyor.db import make_engine
from conveyor.db.locks import LeaseLock
from conveyor.importer.files import MANIFEST, REPORT, Bunch, WorkingDir, discover
from conveyor.importer.report import ImportReport
from conveyor.importer.watch import lock_name
from conveyor.pipelines.executors.arguments import ArgumentError
from conveyor.pipelines.executors.files import FilesExecutor, claimed_bunches, select_bunches
from tests.support.executors import step_run

PRODUCTS = "product-import_20161021-161909"
CATEGORIES = "category-import_20161024-194026"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    path = tmp_path / "drop"
    path.mkdir()
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path / "pipelines" / "7"


def write(directory: Path, prefix: str, count: int, ok: str | None = "") -> list[str]:
    names = []
    for number in range(1, count + 1):
        name = f"{prefix}_{number:02d}.csv"
        (directory / name).write_text(f"sku,name\n{prefix}-{number},n\n", encoding="utf-8")
        names.append(name)
    if ok is not None:
        (directory / f"{prefix}.ok").write_text(ok, encoding="utf-8")
    return names


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.is_file())


def test_claim_moves_ready_bunches_and_leaves_a_file_without_ok_file_alone(
    engine: Engine, drop: Path, work: Path
) -> None:
    products = write(drop, PRODUCTS, 2)
    categories = write(drop, CATEGORIES, 1)
    loose = write(drop, "attribute-import_20170428-124902", 1, ok=None)
    before = (drop / loose[0]).read_bytes()
    run, log = step_run(engine, {"action": "claim", "directory": str(drop)}, work, pipeline_id=7)
    outcome = FilesExecutor().process(run)
    assert outcome.status == "success"
    assert outcome.output.splitlines() == [
        f"claimed {CATEGORIES} (categories, 1 file)",
        f"claimed {PRODUCTS} (products, 2 files)",
    ]
    assert names(drop) == loose and (drop / loose[0]).read_bytes() == before
    claimed = claimed_bunches(work)
    assert [(b.manifest.entity, names(b.path)) for b in claimed] == [
        ("categories", sorted([*categories, f"{CATEGORIES}.ok", MANIFEST])),
        ("products", sorted([*products, f"{PRODUCTS}.ok", MANIFEST])),
    ]
    assert all(b.manifest.source == str(drop.resolve()) for b in claimed)
    assert len(log.lines) == 2
    assert LeaseLock(engine, lock_name(drop, PRODUCTS), "x").holder() is None  # the per-bunch lock was released


def test_claim_takes_only_the_bunches_the_condition_found(engine: Engine, drop: Path, work: Path) -> None:
    write(drop, PRODUCTS, 1)
    write(drop, CATEGORIES, 1)
    arguments = {"action": "claim", "directory": str(drop), "ok_files": [f"{CATEGORIES}.ok"]}
    run, _ = step_run(engine, arguments, work)
    FilesExecutor().process(run)
    assert [b.manifest.prefix for b in claimed_bunches(work)] == [CATEGORIES]
    assert names(drop) == [f"{PRODUCTS}.ok", f"{PRODUCTS}_01.csv"]


def test_claim_leaves_a_bunch_whose_lock_another_holds(engine: Engine, drop: Path, work: Path) -> None:
    write(drop, PRODUCTS, 1)
    watcher = LeaseLock(engine, lock_name(drop, PRODUCTS), "a watcher", ttl=60)
    assert watcher.acquire()
    run, log = step_run(engine, {"action": "claim", "directory": str(drop)}, work)
    outcome = FilesExecutor().process(run)
    assert outcome.status == "skipped" and outcome.output == f"no ready bunch in {drop}"
    assert names(drop) == [f"{PRODUCTS}.ok", f"{PRODUCTS}_01.csv"]
    assert log.lines == [f"{PRODUCTS}.ok is being claimed by a watcher; left to it"]


def test_a_claim_that_died_half_way_is_finished_by_the_next_attempt(engine: Engine, drop: Path, work: Path) -> None:
    files = write(drop, PRODUCTS, 3)
    (bunch,) = discover(drop)
    half = WorkingDir.create(work, bunch, drop, lock_name(drop, PRODUCTS))  # the manifest, no file moved yet
    (drop / files[0]).rename(half.path / files[0])
    run, _ = step_run(engine, {"action": "claim", "directory": str(drop)}, work)
    outcome = FilesExecutor().process(run)
    assert outcome.output == f"claimed {PRODUCTS} (products, 3 files)"
    assert names(drop) == []
    (again,) = claimed_bunches(work)
    assert again.path == half.path and again.missing() == []


def test_claim_narrows_by_pattern_and_entity_and_skips_problem_bunches(engine: Engine, drop: Path, work: Path) -> None:
    write(drop, PRODUCTS, 1)
    write(drop, CATEGORIES, 1)
    write(drop, "customer-import_20181213-132802", 1, ok="customer-import_20181213-132802_09.csv\n")  # not there
    found = discover(drop)
    assert [b.prefix for b in select_bunches(found, entities=["categories", "customers"])] == [CATEGORIES]
    assert [b.prefix for b in select_bunches(found, pattern="product-*")] == [PRODUCTS]
    assert select_bunches(found, ok_files=["nothing.ok"]) == []
    arguments = {"action": "claim", "directory": str(drop), "entities": "products"}
    run, _ = step_run(engine, arguments, work)
    FilesExecutor().process(run)
    assert [b.manifest.prefix for b in claimed_bunches(work)] == [PRODUCTS]


def imported(bunch: WorkingDir) -> ImportReport:
    report = ImportReport(entity=bunch.manifest.entity, operation="add-update", files=bunch.manifest.files, rows=1)
    report.created, report.committed = 1, True
    bunch.write_report(report)
    return report


def test_archive_zips_each_bunch_with_its_report_beside_the_watched_directory(
    engine: Engine, drop: Path, work: Path
) -> None:
    files = write(drop, PRODUCTS, 2)
    contents = {n: (drop / n).read_bytes() for n in files}
    FilesExecutor().process(step_run(engine, {"action": "claim", "directory": str(drop)}, work)[0])
    (bunch,) = claimed_bunches(work)
    report = imported(bunch)
    outcome = FilesExecutor().process(step_run(engine, {"action": "archive"}, work)[0])
    target = drop / "archive" / f"{bunch.token}.zip"
    assert outcome.output == f"archived {PRODUCTS} (products, 2 files): {target}"
    assert claimed_bunches(work) == [] and list(work.iterdir()) == []
    with zipfile.ZipFile(target) as zipped:
        assert sorted(zipped.namelist()) == sorted([*files, f"{PRODUCTS}.ok", REPORT])
        assert {n: zipped.read(n) for n in files} == contents
        assert orjson.loads(zipped.read(REPORT))["created"] == report.created
    assert orjson.loads((drop / "archive" / f"{bunch.token}.json").read_bytes())["ok"] is True


def test_archive_to_a_given_folder_and_nothing_to_archive(
    engine: Engine, drop: Path, work: Path, tmp_path: Path
) -> None:
    write(drop, PRODUCTS, 1)
    FilesExecutor().process(step_run(engine, {"action": "claim", "directory": str(drop)}, work)[0])
    outcome = FilesExecutor().process(step_run(engine, {"action": "archive", "archive": str(tmp_path / "a")}, work)[0])
    assert outcome.status == "success"
    assert [p.suffix for p in (tmp_path / "a").iterdir()] == [".zip"]  # no report: the bunch was not imported
    again = FilesExecutor().process(step_run(engine, {"action": "archive"}, work)[0])
    assert (again.status, again.output) == ("skipped", "nothing to archive")


def test_keep_reports_what_stays_for_a_retry(engine: Engine, drop: Path, work: Path) -> None:
    write(drop, PRODUCTS, 1)
    write(drop, CATEGORIES, 1)
    FilesExecutor().process(step_run(engine, {"action": "claim", "directory": str(drop)}, work)[0])
    categories, products = claimed_bunches(work)
    imported(categories)
    run, log = step_run(engine, {"action": "keep"}, work)
    outcome = FilesExecutor().process(run)
    assert len(log.lines) == 2 and all("for a retry" in line for line in log.lines)
    assert outcome.status == "success"
    assert outcome.output.splitlines() == [
        f"kept {CATEGORIES} (categories, 1 file), imported: {categories.path}",
        f"kept {PRODUCTS} (products, 1 file), not imported: {products.path}",
    ]
    assert [b.path for b in claimed_bunches(work)] == [categories.path, products.path]  # nothing moved
    assert names(products.path) == sorted([f"{PRODUCTS}.ok", f"{PRODUCTS}_01.csv", MANIFEST])
    FilesExecutor().process(step_run(engine, {"action": "archive"}, work)[0])
    nothing = FilesExecutor().process(step_run(engine, {"action": "keep"}, work)[0])
    assert nothing.status == "skipped"


@pytest.mark.parametrize(
    ("arguments", "working", "message"),
    [
        ({}, True, "argument 'action' is required"),
        ({"action": "shred"}, True, "argument 'action' must be one of claim, archive, keep"),
        ({"action": "claim"}, True, "argument 'directory' is required"),
        ({"action": "claim", "directory": "/no/such/dir"}, True, "argument 'directory' /no/such/dir is not a dir"),
        ({"action": "archive"}, False, "the pipeline has no working directory"),
    ],
)
def test_bad_arguments_are_named(
    engine: Engine, work: Path, arguments: dict[str, object], working: bool, message: str
) -> None:
    run, _ = step_run(engine, arguments, work if working else None, name="move")
    with pytest.raises(ArgumentError, match=f"step 'move' \\(files\\): {message}"):
        FilesExecutor().process(run)


def test_select_keeps_bunches_with_every_file_matching(tmp_path: Path) -> None:
    bunch = Bunch(PRODUCTS, "products", f"{PRODUCTS}.ok", (f"{PRODUCTS}_01.csv", "other.csv"))
    assert select_bunches([bunch], pattern="product-import_*") == []
    assert select_bunches([bunch], pattern="*.csv") == [bunch]

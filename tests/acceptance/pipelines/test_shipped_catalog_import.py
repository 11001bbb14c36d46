"""The shipped catalog import pipeline end to end: the shared Magento files (attribute sets, attributes, categories
and the Luma product bunch, each with its OK-file) dropped into a watched directory, heartbeats, runners.

On SQLite the runner works inline (DB queue); on PostgreSQL + RabbitMQ two runner processes
(``conveyor queue consume pipeline_process_steps``) share the steps. Either way the pipeline succeeds, the store
holds the catalogue, every bunch is archived with its report, and a file without OK-file is left alone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from conveyor.catalog import ProductRepository
from conveyor.catalog.categories import category_table
from conveyor.catalog.eav import attribute_set_table
from conveyor.catalog.products import gallery_table, product_table
from conveyor.mq.queue import MessageQueue
from conveyor.pipelines import store
from conveyor.pipelines.definitions import ConditionSpec, PipelineDefinition, load_definitions
from conveyor.pipelines.heartbeat import Heartbeat
from conveyor.pipelines.schema import pipeline_table
from conveyor.pipelines.topology import CONSUMER
from conveyor.settings import SHIPPED_PIPELINES, Settings
from tests.integration.importer.helpers import (
    ATTRIBUTE_SETS,
    ATTRIBUTES,
    DATA,
    LUMA_BUNCH,
    add_store_view,
    count,
    read_rows,
)
from tests.support.pipelines import drain, make_mq, step_statuses

ROOT = Path(__file__).resolve().parents[3]
CATEGORIES = DATA / "categories" / "add-update" / "category-import_20161024-194026_01.csv"
LOOSE = "product-import_20170101-000000_01.csv"  # dropped without an OK-file
BUNCHES = {
    "attribute-set-import_20190104-114000": [ATTRIBUTE_SETS],
    "attribute-import_20170428-124902": [ATTRIBUTES],
    "category-import_20161024-194026": [CATEGORIES],
    "product-import_20161021-161909": LUMA_BUNCH,
}
EXPECTED_STEPS = {
    "claim_files": ("success", 1),
    "attribute_sets": ("success", 1),
    "attributes": ("success", 1),
    "categories": ("success", 1),
    "products": ("success", 1),
    "archive_files": ("success", 1),
    "keep_for_retry": ("skipped", 1),
}


def catalog_import(drop: Path) -> PipelineDefinition:
    """The shipped definition, watching ``drop`` instead of var/import/catalog."""
    shipped = load_definitions([SHIPPED_PIPELINES], plugins_too=False)["catalog_import"]
    conditions = tuple(
        ConditionSpec(c.name, {**c.arguments, "directory": str(drop)}) if c.name == "files" else c
        for c in shipped.conditions
    )
    return replace(shipped, conditions=conditions)


def drop_files(drop: Path) -> bytes:
    """Every bunch with its empty OK-file, and one file without; returns the loose file's bytes."""
    drop.mkdir()
    for prefix, paths in BUNCHES.items():
        for path in paths:
            shutil.copy(path, drop / path.name)
        (drop / f"{prefix}.ok").touch()
    shutil.copy(LUMA_BUNCH[0], drop / LOOSE)
    return (drop / LOOSE).read_bytes()


def prepare_store(mq: MessageQueue) -> None:
    """The two store views the Luma files name (store views are configuration, not imported)."""
    add_store_view(mq.engine, 2, "de_de")
    add_store_view(mq.engine, 3, "en_us")


def run_until_finished(mq: MessageQueue, heartbeat: Heartbeat, work: Callable[[], object], limit: float) -> int:
    """Heartbeats (each followed by ``work``) until the one pipeline spawned has finished; its id."""
    deadline = time.monotonic() + limit
    pipeline_id: int | None = None
    while time.monotonic() < deadline:
        pulse = heartbeat.run()
        assert pulse is not None
        if pulse.spawned:
            assert pipeline_id is None, "a second pipeline was spawned for the same files"
            (pipeline_id,) = pulse.spawned
        work()
        if pipeline_id is not None:
            with mq.engine.connect() as conn:
                row = store.pipeline(conn, pipeline_id)
            if row is not None and row.status not in ("pending", "running"):
                return pipeline_id
    raise AssertionError(f"the pipeline did not finish within {limit}s: {pipeline_id}")


def check_outcome(mq: MessageQueue, pipeline_id: int, drop: Path, loose: bytes) -> None:
    with mq.engine.connect() as conn:
        row = store.pipeline(conn, pipeline_id)
        steps = {s.name: s for s in store.steps_of(conn, pipeline_id)}
        skus = set(conn.execute(sa.select(product_table.c.sku)).scalars())
        bag = ProductRepository().get(conn, "24-MB01")
        gallery = sorted(set(conn.execute(sa.select(gallery_table.c.value)).scalars()))
    assert row is not None and row.status == "success", {n: (s.status, s.error) for n, s in steps.items()}
    assert step_statuses(mq, pipeline_id) == EXPECTED_STEPS
    # the store holds the catalogue: every product of the bunch, the two gift cards too
    assert skus == {r["sku"] for r in read_rows(LUMA_BUNCH) if r["sku"]}
    assert bag.name == "Joust Duffle Bag(s)" and bag.type_id == "simple"
    assert count(mq.engine, category_table) > 39 and count(mq.engine, attribute_set_table) >= 9
    assert steps["products"].output.startswith("product-import_20161021-161909: imported, 2048 rows: ")
    # the images of the products the import wrote, for the media cache
    working = Path(str(row.working_dir))
    images = (working / "media" / "changed-images.txt").read_text().splitlines()
    assert images == gallery and len(gallery) > 700  # every product is new here, so every image changed
    # every bunch archived with its report; nothing left in the working directory but the images list
    archive = drop / "archive"
    zips = sorted(archive.glob("*.zip"))
    assert [z.name.split(".", 1)[0] for z in zips] == sorted(BUNCHES)
    for prefix, paths in BUNCHES.items():
        (found,) = [z for z in zips if z.name.startswith(f"{prefix}.")]
        with zipfile.ZipFile(found) as zipped:
            assert sorted(zipped.namelist()) == sorted([*(p.name for p in paths), f"{prefix}.ok", "report.json"])
            assert orjson.loads(zipped.read("report.json"))["ok"] is True
    assert sorted(p.name for p in working.iterdir()) == ["media"]
    # the file without OK-file was left alone
    assert sorted(p.name for p in drop.iterdir() if p.is_file()) == [LOOSE]
    assert (drop / LOOSE).read_bytes() == loose


def test_the_catalog_import_on_sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    mq, settings = make_mq(request, "sqlite")
    try:
        prepare_store(mq)
        drop = tmp_path / "drop"
        loose = drop_files(drop)
        heartbeat = Heartbeat(mq, {"catalog_import": catalog_import(drop)}, settings)
        pipeline_id = run_until_finished(mq, heartbeat, lambda: drain(mq, settings), limit=240)
        check_outcome(mq, pipeline_id, drop, loose)
        pulse = heartbeat.run()  # the loose file has no OK-file: nothing more to spawn
        assert pulse is not None and pulse.spawned == []
        assert "no ready bunch" in pulse.not_spawned["catalog_import"]
    finally:
        mq.close()


@pytest.fixture
def pg_amqp(request: pytest.FixtureRequest) -> Iterator[tuple[MessageQueue, Settings]]:
    mq, settings = make_mq(request, "pg+amqp")
    yield mq, settings
    mq.close()


def start_runner(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """A runner process: the generic consumer of the steps' queue, configured by the environment only."""
    env = {
        **os.environ,
        "CONVEYOR_DATABASE_URL": settings.database_url,
        "CONVEYOR_AMQP_URL": settings.amqp_url,
        "CONVEYOR_PIPELINE_CONNECTION": "amqp",
        "CONVEYOR_PIPELINE_WORK_DIR": str(settings.pipeline_work_dir),
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "conveyor", "queue", "consume", CONSUMER, "--sleep", "0.1", "-v"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_the_catalog_import_on_postgresql_and_rabbitmq_with_two_runner_processes(
    pg_amqp: tuple[MessageQueue, Settings], tmp_path: Path
) -> None:
    mq, settings = pg_amqp
    prepare_store(mq)
    drop = tmp_path / "drop"
    loose = drop_files(drop)
    logs = [tmp_path / "runner-1.log", tmp_path / "runner-2.log"]
    runners = [start_runner(settings, log) for log in logs]
    try:
        heartbeat = Heartbeat(mq, {"catalog_import": catalog_import(drop)}, settings)

        def wait() -> None:
            time.sleep(0.5)
            assert all(r.poll() is None for r in runners), [log.read_text()[-3000:] for log in logs]

        pipeline_id = run_until_finished(mq, heartbeat, wait, limit=400)
        check_outcome(mq, pipeline_id, drop, loose)
        with mq.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(pipeline_table)).scalar_one() == 1
    finally:
        for runner in runners:
            runner.send_signal(signal.SIGTERM)
        for runner in runners:
            try:
                runner.wait(timeout=30)
            except subprocess.TimeoutExpired:
                runner.kill()
                runner.wait()
    # both processes ran steps (the mini heartbeat publishes each next step; either runner may take it)
    handled = [log.read_text() for log in logs]
    assert all("catalog_import" in text for text in handled), [text[-2000:] for text in handled]


def test_a_failed_import_abandons_the_rest_keeps_the_files_and_a_retry_completes_it(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    mq, settings = make_mq(request, "sqlite")
    try:
        prepare_store(mq)
        drop = tmp_path / "drop"
        drop.mkdir()
        for prefix, paths in BUNCHES.items():
            for path in paths:
                shutil.copy(path, drop / path.name)
            (drop / f"{prefix}.ok").touch()
        broken = drop / CATEGORIES.name
        broken.write_text("")  # no header: the categories cannot be imported
        heartbeat = Heartbeat(mq, {"catalog_import": catalog_import(drop)}, settings)
        pipeline_id = run_until_finished(mq, heartbeat, lambda: drain(mq, settings), limit=240)
        assert step_statuses(mq, pipeline_id) == {
            **EXPECTED_STEPS,
            "categories": ("error", 2),
            "products": ("abandoned", 0),
            "archive_files": ("abandoned", 0),
            "keep_for_retry": ("success", 1),
        }
        with mq.engine.connect() as conn:
            row = store.pipeline(conn, pipeline_id)
            steps = {s.name: s for s in store.steps_of(conn, pipeline_id)}
        assert row is not None and row.status == "error"
        assert "empty" in str(steps["categories"].error), steps["categories"].error
        assert count(mq.engine, product_table) == 0
        kept = steps["keep_for_retry"].output.splitlines()
        assert [line.split(" (")[0] for line in kept] == [f"kept {prefix}" for prefix in sorted(BUNCHES)]
        assert "attribute-import_20170428-124902 (attributes, 1 file), imported" in kept[0]
        assert "category-import_20161024-194026 (categories, 1 file), not imported" in kept[2]
        assert not (drop / "archive").exists() or not list((drop / "archive").iterdir())

        # the cause is fixed where the files wait, then `pipeline retry` finishes the import
        (working,) = Path(str(row.working_dir)).glob("category-import_*/")
        shutil.copy(CATEGORIES, working / CATEGORIES.name)
        with mq.engine.begin() as conn:
            assert store.retry_steps(conn, pipeline_id, time.time()) == 3
        heartbeat.run()
        drain(mq, settings)
        with mq.engine.connect() as conn:
            row = store.pipeline(conn, pipeline_id)
        assert row is not None and row.status == "success"
        assert count(mq.engine, product_table) > 2000
        assert len(list((drop / "archive").glob("*.zip"))) == 4
    finally:
        mq.close()

"""The ``compress`` executor on real directories: old working directories become zips, fresh ones stay."""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.pipelines.executors.arguments import ArgumentError
from conveyor.pipelines.executors.compress import CompressExecutor, compress_directory
from tests.support.executors import step_run

DAY = 86400.0


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = sa.create_engine("sqlite://")
    yield engine
    engine.dispose()


def make_tree(root: Path, age: float) -> dict[str, bytes]:
    """A working directory with nested files, every entry ``age`` seconds old; returns its files' contents."""
    files = {
        "manifest.json": b'{"token": "x"}',
        "bunch/product-import_01.csv": b"sku,name\n1,a\n" * 100,
        "bunch/report.json": b"{}",
        "media/changed-images.txt": b"/m/b/mb01.jpg\n",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    moment = time.time() - age
    for path in [root, *root.rglob("*")]:
        os.utime(path, (moment, moment))
    return files


def test_old_directories_are_zipped_and_removed_fresh_ones_stay(engine: Engine, tmp_path: Path) -> None:
    old = make_tree(tmp_path / "101", 10 * DAY)
    make_tree(tmp_path / "102", 10 * DAY)
    make_tree(tmp_path / "103", 10 * DAY)
    (tmp_path / "103" / "bunch" / "late.csv").write_text("a file written an hour ago keeps the directory\n")
    make_tree(tmp_path / "104", 1 * DAY)
    own = tmp_path / "105"
    make_tree(own, 30 * DAY)  # the clean-up pipeline's own directory is never taken
    run, log = step_run(engine, {"older_than": "7d"}, own)
    outcome = CompressExecutor().process(run)
    assert outcome.status == "success"
    assert [line.split(" ")[0] for line in outcome.output.splitlines()] == ["101", "102"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["101.zip", "102.zip", "103", "104", "105"]
    with zipfile.ZipFile(tmp_path / "101.zip") as zipped:
        assert {name: zipped.read(name) for name in zipped.namelist()} == old
    assert len(log.lines) == 2


def test_an_explicit_directory_and_nothing_old_enough(engine: Engine, tmp_path: Path) -> None:
    root = tmp_path / "pipelines"
    make_tree(root / "1", 2 * 3600)
    run, _ = step_run(engine, {"directory": str(root), "older_than": "3h"})
    outcome = CompressExecutor().process(run)
    assert outcome.status == "skipped" and outcome.output == f"no directory in {root} is older than 10800s"
    run, _ = step_run(engine, {"directory": str(root), "older_than": 3600})
    assert CompressExecutor().process(run).status == "success"
    assert [p.name for p in root.iterdir()] == ["1.zip"]
    missing, _ = step_run(engine, {"directory": str(tmp_path / "none")})
    assert CompressExecutor().process(missing).status == "skipped"


def test_a_crash_after_the_zip_leaves_a_remnant_the_next_run_removes(engine: Engine, tmp_path: Path) -> None:
    make_tree(tmp_path / "7", 10 * DAY)
    compress_directory(tmp_path / "7")
    remnant = tmp_path / ".8.compressed"  # what a crash during the deletion leaves
    make_tree(remnant, 10 * DAY)
    CompressExecutor().process(step_run(engine, {"directory": str(tmp_path)})[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["7.zip"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"directory": "/tmp", "older_than": "soon"}, "argument 'older_than' 'soon' is not a duration"),
        ({"directory": "/tmp", "older_than": -1}, "argument 'older_than' -1 is not a positive duration"),
        ({}, "argument 'directory' is required when the pipeline has no working directory"),
    ],
)
def test_bad_arguments_are_named(engine: Engine, arguments: dict[str, object], message: str) -> None:
    run, _ = step_run(engine, arguments, name="tidy")
    with pytest.raises(ArgumentError, match=f"step 'tidy' \\(compress\\): {message}"):
        CompressExecutor().process(run)

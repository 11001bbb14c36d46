"""SIGKILL in the middle of a bunch: the store is as before, the files wait in the source or working folder, and
the next watcher pass imports them once.

The watcher runs as ``conveyor import watch --once`` in a subprocess with this module's runner, which sleeps inside
its open transaction after writing the first file (``CONVEYOR_TEST_IMPORT_SLEEP``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.db import make_engine
from conveyor.importer.files import MANIFEST, REPORT, working_dirs
from conveyor.importer.history import RunStatus
from conveyor.importer.report import ImportReport
from conveyor.importer.watch import Directories, ImportOptions, Runner, Watcher
from tests.integration.importer.test_watch import (
    P1,
    SLEEP_ENV,
    dirs,
    rows_table,
    runs,
    store,
    stored,
    table_runner,
    write_bunch,
)

__all__ = ["dirs", "store"]  # fixtures used here

ROOT = Path(__file__).resolve().parents[3]
sleepy = table_runner()  # the runner factory the subprocess loads with --runner


def real_sleepy(engine: Engine, entity: str, options: ImportOptions) -> Runner:
    """The real ``run_import``, sleeping in its progress callback (after a written batch, inside its transaction)."""
    from conveyor.importer import run_import

    def progress(done: int) -> None:
        sleep = os.environ.get(SLEEP_ENV)
        if sleep and done > 0:
            marker, seconds = sleep.rsplit(":", 1)
            Path(marker).touch()
            time.sleep(float(seconds))

    def run(files: Sequence[Path]) -> ImportReport:
        return run_import(
            engine,
            entity,
            list(files),
            operation=options.operation,
            profile=options.profile,
            errors=options.errors,
            max_errors=options.max_errors,
            progress=progress,
        )

    return run


def watch_once_and_kill(db_url: str, source: Path, runner: str, tmp_path: Path) -> None:
    """``conveyor import watch SOURCE --once`` in a subprocess, SIGKILLed once its runner sleeps."""
    marker = tmp_path / "sleeping"
    env = {**os.environ, "CONVEYOR_DATABASE_URL": db_url, SLEEP_ENV: f"{marker}:120", "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-c",
        "from conveyor.cli.import_files import import_files; import_files()",
        "watch",
        str(source),
        "--once",
        "--lease",
        "1",
        "--runner",
        runner,
    ]
    with open(tmp_path / "watch.log", "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: marker.exists() or process.poll() is not None, 120, "the runner to sleep")
            assert process.poll() is None, (tmp_path / "watch.log").read_text()
            # a plain engine: the project's SQLite engines begin IMMEDIATE, which waits for the sleeping writer
            reader = sa.create_engine(db_url)
            (entry,) = runs(reader)
            reader.dispose()
            assert entry.status == RunStatus.RUNNING
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == -signal.SIGKILL


def files_in(*folders: Path) -> dict[str, bytes]:
    """Every file of the folders by name (the manifest aside); a name found twice is a half-done move."""
    found: dict[str, bytes] = {}
    for folder in folders:
        for path in folder.iterdir():
            if path.is_file() and path.name != MANIFEST:
                assert path.name not in found, f"{path.name} is in two places"
                found[path.name] = path.read_bytes()
    return found


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_watcher_killed_mid_import_leaves_the_store_unchanged_and_the_files_recoverable(
    db_url: str, store: Engine, dirs: Directories, tmp_path: Path
) -> None:
    with store.begin() as conn:
        conn.execute(rows_table.insert(), [{"sku": "OLD", "name": "old", "file": "earlier.csv"}])
    before = stored(store)
    files = write_bunch(dirs.source, P1, [[(f"S{f}{r}", f"n{f}{r}") for r in range(50)] for f in range(4)])
    originals = {p.name: p.read_bytes() for p in [*files, dirs.source / f"{P1}.ok"]}
    watch_once_and_kill(db_url, dirs.source, "tests.acceptance.importer.test_watch_kill:sleepy", tmp_path)
    assert stored(store) == before  # the first file's rows died with the transaction

    # every file whole, in the source or in the one working directory: nothing lost, nothing half-moved
    (working,) = working_dirs(dirs.working)
    assert files_in(dirs.source, working) == originals

    time.sleep(1.1)  # the dead watcher's lease runs out
    (result,) = Watcher(store, dirs, runner=table_runner(), lease=1.0).run_once()
    assert result.status == RunStatus.SUCCESS and result.resumed
    assert len(stored(store)) == 1 + 200
    with zipfile.ZipFile(result.location) as zipped:
        assert sorted(zipped.namelist()) == sorted([*originals, REPORT])
        assert all(zipped.read(name) == data for name, data in originals.items())
    assert list(dirs.working.iterdir()) == [] and [p for p in dirs.source.iterdir() if p.is_file()] == []
    (entry,) = runs(store)
    assert entry.status == RunStatus.SUCCESS and entry.attempts == 2 and entry.rows == 200


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_luma_bunch_killed_mid_import_leaves_the_store_exactly_as_before_and_imports_on_the_next_pass(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from tests.integration.importer.helpers import LUMA_BUNCH, prepare_luma_store, store_checksum

    db_url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    engine = make_engine(db_url)
    prepare_luma_store(engine)
    before = store_checksum(engine)
    dirs = Directories.of(tmp_path / "drop")
    dirs.source.mkdir()
    for path in LUMA_BUNCH:
        shutil.copy(path, dirs.source)
    (dirs.source / "product-import_20161021-161909.ok").write_text("")
    originals = files_in(dirs.source)
    watch_once_and_kill(db_url, dirs.source, "tests.acceptance.importer.test_watch_kill:real_sleepy", tmp_path)
    assert store_checksum(engine) == before
    (working,) = working_dirs(dirs.working)
    assert files_in(dirs.source, working) == originals

    time.sleep(1.1)
    (result,) = Watcher(engine, dirs, lease=1.0).run_once()  # the real runner, resolved at call time
    assert result.status == RunStatus.SUCCESS and result.resumed
    assert result.report is not None and result.report.rows == 2048 and result.report.committed
    assert store_checksum(engine) != before
    with zipfile.ZipFile(result.location) as zipped:
        assert sorted(zipped.namelist()) == sorted([*originals, REPORT])
    (entry,) = runs(engine)
    assert entry.status == RunStatus.SUCCESS and entry.attempts == 2 and entry.rows == 2048
    engine.dispose()

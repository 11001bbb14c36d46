"""``conveyor import watch|ok-file create|history`` against a real SQLite database and real folders."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from conveyor.cli.import_files import FILE_COMMANDS, import_files
from conveyor.db import make_engine
from conveyor.importer.watch import ImportOptions
from conveyor.settings import get_settings
from tests.integration.importer.test_watch import FAIL_MARK, P1, Call, rows_metadata, stored, table_runner, write_bunch

runner = table_runner()  # loaded by --runner tests.integration.importer.test_watch_cli:runner
RUNNER = ["--runner", "tests.integration.importer.test_watch_cli:runner"]
calls: list[Call] = []
recording = table_runner(calls)  # loaded by --runner tests.integration.importer.test_watch_cli:recording
ENV = {"COLUMNS": "250"}


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    engine = make_engine(sqlite_url)
    rows_metadata.create_all(engine)
    yield engine
    engine.dispose()
    get_settings.cache_clear()


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(import_files, list(args), env=ENV, catch_exceptions=False)
    return result.exit_code, result.output


def test_the_commands_the_import_group_attaches() -> None:
    assert [c.name for c in FILE_COMMANDS] == ["watch", "ok-file", "history"]


def test_ok_file_create_then_watch_once_imports_and_history_shows_it(database: Engine, tmp_path: Path) -> None:
    source = tmp_path / "drop"
    source.mkdir()
    write_bunch(source, P1, [[("A", "a")], [("B", "b")]], ok=None)
    write_bunch(source, "stock-import_1", [[("S", FAIL_MARK)]], ok=None)
    code, output = invoke("watch", str(source), "--once", *RUNNER)
    assert code == 0 and stored(database) == {}  # no OK-file, nothing happens

    code, output = invoke("ok-file", "create", str(source))
    assert code == 0 and f"{P1}.ok" in output and "stock-import_1.ok" in output
    code, output = invoke("ok-file", "create", str(source))
    assert code == 0 and "no bunch without an OK-file" in output

    code, output = invoke("watch", str(source), "--once", "--operation", "replace", *RUNNER)
    assert code == 1, output  # a bunch failed
    assert f"{P1} (products): success" in output and "stock-import_1 (stock): failed" in output
    assert stored(database) == {"A": ("a", f"{P1}_01.csv"), "B": ("b", f"{P1}_02.csv")}
    (archived,) = (source / "archive").glob("*.zip")
    with zipfile.ZipFile(archived) as zipped:
        assert f"{P1}_02.csv" in zipped.namelist()
    (failed,) = (source / "failed").iterdir()
    assert (failed / "stock-import_1_01.csv").exists()

    code, output = invoke("history")
    assert code == 0 and "products" in output and "replace" in output and "success" in output and "failed" in output
    code, output = invoke("history", "--failed", "--json")
    (line,) = output.splitlines()
    entry = orjson.loads(line)
    assert entry["entity"] == "stock" and entry["status"] == "failed" and entry["report"] is None
    code, output = invoke("history", "show", str(entry["id"]))
    assert code == 0 and "the row is marked to fail" in output and str(failed) in output
    assert "invalid row: stock-import_1_01.csv:2 column name" in output
    code, output = invoke("history", "show", str(entry["id"]), "--json")
    assert orjson.loads(output)["report"]["errors"][0]["line"] == 2
    code, output = invoke("history", "--status", "success", "--limit", "1", "--json")
    assert [orjson.loads(line)["entity"] for line in output.splitlines()] == ["products"]
    code, output = invoke("history", "show", "424242")
    assert code == 2 and 'The import run with id "424242" does not exist.' in output


def test_watch_refuses_bad_options(database: Engine, tmp_path: Path) -> None:
    code, output = invoke("watch", str(tmp_path / "missing"), "--once", *RUNNER)
    assert code == 2 and "does not exist" in output
    code, output = invoke("watch", str(tmp_path), "--once", "--map", "no-equals", *RUNNER)
    assert code == 2 and "KIND=ENTITY" in output
    runner = "tests.integration.importer.test_watch_cli:nothing"
    code, output = invoke("watch", str(tmp_path), "--once", "--runner", runner)
    assert code == 2 and "--runner" in output


def test_watch_maps_kinds_and_takes_other_suffixes(database: Engine, tmp_path: Path) -> None:
    (tmp_path / "erp-items_1_01.txt").write_text("sku,name\nE,e\n")
    (tmp_path / "erp-items_1.ok").write_text("")
    code, output = invoke("watch", str(tmp_path), "--once", "--map", "erp-items=products", "--suffix", ".txt", *RUNNER)
    assert code == 0 and "erp-items_1 (products): success" in output
    assert stored(database) == {"E": ("e", "erp-items_1_01.txt")}


def test_watch_takes_the_options_of_an_import_and_the_worker_count(database: Engine, tmp_path: Path) -> None:
    calls.clear()
    write_bunch(tmp_path, P1, [[("W", "w")]])
    code, output = invoke(
        "watch",
        str(tmp_path),
        "--once",
        "--operation",
        "replace",
        "--errors",
        "fail",
        "--max-errors",
        "3",
        "--workers",
        "2",
        "--runner",
        "tests.integration.importer.test_watch_cli:recording",
    )
    assert code == 0, output
    assert calls == [("products", [f"{P1}_01.csv"], ImportOptions("replace", None, "fail", 3, workers=2))]
    code, output = invoke("watch", str(tmp_path), "--once", "--workers", "0", *RUNNER)
    assert code == 2 and "--workers" in output


def test_watch_and_history_take_a_database_url(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")  # not this one
    get_settings.cache_clear()
    engine = make_engine(sqlite_url)
    rows_metadata.create_all(engine)
    source = tmp_path / "drop"
    source.mkdir()
    write_bunch(source, P1, [[("U", "u")]])
    code, output = invoke("watch", str(source), "--once", "--database-url", sqlite_url, *RUNNER)
    assert code == 0 and f"{P1} (products): success" in output, output
    assert stored(engine) == {"U": ("u", f"{P1}_01.csv")}
    code, output = invoke("history", "--database-url", sqlite_url, "--json")
    (entry,) = [orjson.loads(line) for line in output.splitlines()]
    assert entry["entity"] == "products" and entry["status"] == "success"
    for arguments in (
        ["history", "--database-url", sqlite_url, "show"],
        ["history", "show", "--database-url", sqlite_url],
    ):
        code, output = invoke(*arguments, str(entry["id"]))
        assert code == 0 and f"import run {entry['id']}: products add-update (watch) — success" in output, output
    engine.dispose()
    get_settings.cache_clear()

"""``conveyor import ENTITY FILE…``: counts at the end, the JSON report, and the exit codes (0 imported,
1 the bunch failed and nothing was written, 2 a usage error)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from conveyor.catalog import ProductRepository
from conveyor.cli.importer import importer, skipped_detail
from conveyor.db import make_engine
from conveyor.importer import ImportReport, history
from conveyor.importer.parallel import MIN_ROWS_ENV
from conveyor.importer.runner import PAUSE_ENV
from tests.integration.importer.helpers import store_checksum, write_csv

HEADER = ["sku", "attribute_set_code", "product_type", "name", "price"]


def _file(tmp_path: Path, *rows: list[str]) -> Path:
    return write_csv(tmp_path / "product-import_cli_01.csv", HEADER, rows)


def test_import_prints_the_counts_and_exits_0(sqlite_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path, ["CLI-1", "Default", "simple", "One", "1"], ["CLI-2", "Default", "simple", "Two", "x"])
    result = CliRunner().invoke(importer, ["products", str(path), "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "2 rows: 1 created, 0 updated, 0 deleted, 0 skipped, 1 invalid" in result.output
    assert 'product-import_cli_01.csv:3 column price: price: "x" is not a number.' in result.output
    assert "committed" in result.output
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert ProductRepository().get(conn, "CLI-1").name == "One"
    engine.dispose()


def test_a_failed_bunch_exits_1_and_writes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path, ["CLI-3", "Default", "simple", "Three", "3"], ["CLI-4", "Default", "simple", "Four", "x"])
    engine: Engine = make_engine(sqlite_url)
    before = store_checksum(engine)
    result = CliRunner().invoke(importer, ["products", str(path), "--errors", "fail", "--database-url", sqlite_url])
    assert result.exit_code == 1, result.output
    # the valid row was rolled back: not "1 created"
    assert "2 rows: 0 created, 0 updated, 0 deleted, 0 skipped, 1 invalid, 1 rolled back" in result.output
    assert "failed: 1 invalid rows and errors=fail: nothing written" in result.output
    assert store_checksum(engine) == before
    with engine.connect() as conn:  # recorded as a failed run, counting nothing as written
        (entry,) = history.list_runs(conn)
    assert (entry.origin, entry.status, entry.created, entry.invalid) == ("cli", "failed", 0, 1)
    assert entry.message == "1 invalid rows and errors=fail: nothing written"
    engine.dispose()


def test_every_plain_run_is_in_the_history_but_not_a_dry_run(sqlite_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path, ["CLI-H1", "Default", "simple", "History", "1"])
    runner = CliRunner()
    assert runner.invoke(importer, ["products", str(path), "--database-url", sqlite_url]).exit_code == 0
    assert runner.invoke(importer, ["products", str(path), "--dry-run", "--database-url", sqlite_url]).exit_code == 0
    listed = runner.invoke(importer, ["history", "--json", "--database-url", sqlite_url])
    assert listed.exit_code == 0, listed.output
    runs = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["origin"], r["status"], r["entity"], r["created"], r["files"]) for r in runs] == [
        ("cli", "success", "products", 1, [str(path)])
    ]


def test_links_to_missing_skus_are_warnings_shown_up_to_a_limit(sqlite_url: str, tmp_path: Path) -> None:
    header = [*HEADER, "related_skus"]
    missing = ",".join(f"GONE-{n}" for n in range(25))
    path = write_csv(
        tmp_path / "product-import_links_01.csv", header, [["CLI-R1", "Default", "simple", "R", "1", missing]]
    )
    result = CliRunner().invoke(importer, ["products", str(path), "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "1 rows: 1 created" in result.output
    assert "warning product-import_links_01.csv, line 2, column 'related_skus': the product \"GONE-0\"" in result.output
    assert "… and 5 more warnings (--json prints them all)" in result.output


def test_an_encoding_option_reads_latin1_files(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "product-import_latin_01.csv"
    path.write_bytes(b"sku,attribute_set_code,product_type,name,price\nCLI-L1,Default,simple,Gr\xfcn,1\n")
    runner = CliRunner()
    refused = runner.invoke(importer, ["products", str(path), "--json", "--database-url", sqlite_url])
    assert "use --encoding latin-1" in json.loads(refused.output)["errors"][0]["message"]
    arguments = ["products", str(path), "--encoding", "latin-1", "--database-url", sqlite_url]
    assert runner.invoke(importer, arguments).exit_code == 0
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert ProductRepository().get(conn, "CLI-L1").name == "Grün"
    engine.dispose()
    assert runner.invoke(importer, [*arguments[:2], "--encoding", "klingon"]).exit_code == 2


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_a_killed_run_shows_as_failed_not_running(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """SIGKILL mid-import: the run's row says running while the process lives, failed once it is gone."""
    url = str(request.getfixturevalue(backend))
    marker = tmp_path / "batches"
    profile = tmp_path / "one-row-batches.yaml"
    profile.write_text("entity: products\nbatch_size: 1\n")
    path = _file(tmp_path, *[[f"CLI-K{i}", "Default", "simple", f"Killed {i}", "1"] for i in range(3)])
    env = {**os.environ, PAUSE_ENV: f"60:{marker}", "CONVEYOR_DATABASE_URL": url}
    command = [sys.executable, "-m", "conveyor", "import", "products", str(path), "--profile", str(profile)]
    process = subprocess.Popen([*command, "--workers", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():  # the first batch is written, its transaction open
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the import never wrote a batch"
            time.sleep(0.05)
        if backend == "pg_url":  # SQLite: every transaction, a read too, waits for the import's write lock
            alive = CliRunner().invoke(importer, ["history", "--json", "--database-url", url])
            (running,) = [json.loads(line) for line in alive.output.splitlines()]
            assert running["status"] == "running" and running["message"] == history.runner_message(process.pid)
    finally:
        process.kill()
        process.wait()
        if process.stderr is not None:
            process.stderr.close()
    runner = CliRunner()
    listed = runner.invoke(importer, ["history", "--json", "--database-url", url])
    assert listed.exit_code == 0, listed.output
    (entry,) = [json.loads(line) for line in listed.output.splitlines()]
    shown = runner.invoke(importer, ["history", "--database-url", url, "show", str(entry["id"]), "--json"])
    assert json.loads(shown.output) == entry
    assert entry["status"] == "failed" and entry["finished_at"] is not None
    assert f"pid {process.pid}" in entry["message"] and "nothing of it was written" in entry["message"]
    engine = make_engine(url)
    with engine.connect() as conn:
        assert ProductRepository().ids_by_sku(conn, ["CLI-K0", "CLI-K1", "CLI-K2"]) == {}
    engine.dispose()


def test_json_report_and_dry_run(sqlite_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path, ["CLI-5", "Default", "simple", "Five", "5"])
    result = CliRunner().invoke(importer, ["products", str(path), "--dry-run", "--json", "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["rows"], report["created"], report["committed"], report["ok"]) == (1, 1, False, True)


def test_usage_errors_exit_2(sqlite_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path, ["CLI-6", "Default", "simple", "Six", "6"])
    runner = CliRunner()
    assert runner.invoke(importer, ["products", str(path), "--operation", "merge"]).exit_code == 2
    assert runner.invoke(importer, ["products", str(tmp_path / "missing.csv")]).exit_code == 2
    assert runner.invoke(importer, ["no-such-entity", str(path)]).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("entity: products\nsteps: {teleport: true}\n", encoding="utf-8")
    result = runner.invoke(importer, ["products", str(path), "--profile", str(bad), "--database-url", sqlite_url])
    assert result.exit_code == 2 and "steps.teleport" in result.output
    other = tmp_path / "other.yaml"
    other.write_text("entity: customers\n", encoding="utf-8")
    result = runner.invoke(importer, ["products", str(path), "--profile", str(other), "--database-url", sqlite_url])
    assert result.exit_code == 2 and "for customers" in result.output


def test_every_entity_importer_is_a_subcommand() -> None:
    result = CliRunner().invoke(importer, ["--help"])
    assert result.exit_code == 0
    for entity in ("products", "categories", "customers", "customer-addresses", "attributes", "attribute-sets"):
        assert entity in result.output
    assert "tier-prices" in result.output and "stock" in result.output


def test_workers_read_the_rows_in_other_processes(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MIN_ROWS_ENV, "0")
    profile = tmp_path / "small-batches.yaml"
    profile.write_text("entity: products\nbatch_size: 2\n")
    rows = [[f"CLI-W{i}", "Default", "simple", f"Worker {i}", str(i)] for i in range(7)]
    path = _file(tmp_path, *rows, ["CLI-WX", "Default", "simple", "Bad", "x"])
    arguments = ["products", str(path), "--workers", "2", "--profile", str(profile), "--json"]
    result = CliRunner().invoke(importer, [*arguments, "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["rows"], report["created"], report["invalid"]) == (8, 7, 1)
    assert report["errors"][0]["line"] == 9 and report["errors"][0]["column"] == "price"
    assert CliRunner().invoke(importer, [*arguments[:2], "--workers", "0"]).exit_code == 2


def test_the_progress_bar_counts_the_rows_and_their_rate(sqlite_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path, *[[f"CLI-P{i}", "Default", "simple", f"Progress {i}", "1"] for i in range(5)])
    result = CliRunner().invoke(importer, ["products", str(path), "--database-url", sqlite_url], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert re.search(r"products .* 5/5 [\d,]+ rows/s", result.stderr), result.stderr  # its last state


def test_the_counts_say_which_detection_skipped_rows() -> None:
    report = ImportReport("products", "add-update", rows=5, updated=1, skipped=4, skipped_not_newer=1)
    assert skipped_detail(report) == " (3 unchanged, 1 not newer)"
    assert skipped_detail(ImportReport("products", "add-update", skipped=4)) == ""

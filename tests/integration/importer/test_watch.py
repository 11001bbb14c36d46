"""The OK-file watcher and the ``import.run`` trigger: real folders, real databases, a small real runner.

The runner below stands in for ``conveyor.importer.run_import``: it reads ``sku,name`` CSV files and INSERTs their
rows into a real table of the test database, all files of a bunch in one transaction, failing on a row named
``FAIL``. A plain INSERT on a primary key means a bunch imported twice fails loudly instead of passing unnoticed.
"""

from __future__ import annotations

import csv
import os
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.app import App
from conveyor.db import make_engine
from conveyor.db.locks import LeaseLock
from conveyor.importer import history
from conveyor.importer.files import MANIFEST, REPORT, WorkingDir, discover, working_dirs
from conveyor.importer.history import HistoryEntry, Origin, RunStatus
from conveyor.importer.report import ImportReport, RowError
from conveyor.importer.watch import (
    CONSUMER,
    HANDLER,
    QUEUE,
    TOPIC,
    Directories,
    ImportOptions,
    ImportRequest,
    ImportRunConsumer,
    Runner,
    RunnerFactory,
    Watcher,
    import_topology,
    lock_name,
    run_files,
)
from conveyor.mq import TopologyError, assign, load_topology
from conveyor.mq.consumer import ConsumerOptions, PermanentError, Worker
from conveyor.mq.envelope import Envelope
from conveyor.mq.middleware import StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from conveyor.settings import Settings

FAIL_MARK = "FAIL"
SLEEP_ENV = "CONVEYOR_TEST_IMPORT_SLEEP"  # "<marker file>:<seconds>": sleep inside the transaction (kill test)
P1 = "product-import_20161021-161909"

rows_metadata = sa.MetaData()
rows_table = sa.Table(
    "test_import_rows",
    rows_metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("file", sa.String(255), nullable=False),
)


class RejectedRowError(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


Call = tuple[str, list[str], ImportOptions]


def table_runner(calls: list[Call] | None = None, delay: float = 0.0) -> RunnerFactory:
    """A runner factory importing into ``test_import_rows``; records its calls; ``delay`` widens race windows."""

    def factory(engine: Engine, entity: str, options: ImportOptions) -> Runner:
        def run(files: Sequence[Path]) -> ImportReport:
            if calls is not None:
                calls.append((entity, [f.name for f in files], options))
            report = ImportReport(entity, options.operation, files=[f.name for f in files])
            sleep = os.environ.get(SLEEP_ENV)
            try:
                with engine.begin() as conn:
                    for path in files:
                        rows = []
                        with path.open(newline="", encoding="utf-8") as handle:
                            for line, record in enumerate(csv.DictReader(handle), start=2):
                                if record["name"] == FAIL_MARK:
                                    raise RejectedRowError(
                                        RowError(path.name, line, "name", "the row is marked to fail")
                                    )
                                rows.append({"sku": record["sku"], "name": record["name"], "file": path.name})
                        if rows:
                            conn.execute(rows_table.insert(), rows)
                        report.rows += len(rows)
                        report.created += len(rows)
                        if sleep:  # the first file is written, the transaction open: a good moment to die
                            marker, seconds = sleep.rsplit(":", 1)
                            Path(marker).touch()
                            time.sleep(float(seconds))
                    time.sleep(delay)
            except RejectedRowError as exc:
                report.errors.append(exc.error)
                report.invalid += 1
                report.failure = f"invalid row: {exc.error}"
                return report
            report.committed = True
            return report

        return run

    return factory


@pytest.fixture
def store(db_url: str) -> Iterator[Engine]:
    """The test database's engine, with the runner's table created for the test."""
    engine = make_engine(db_url)
    rows_metadata.drop_all(engine)
    rows_metadata.create_all(engine)
    yield engine
    rows_metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def dirs(tmp_path: Path) -> Directories:
    source = tmp_path / "drop"
    source.mkdir()
    return Directories.of(source)


def write_bunch(
    source: Path, prefix: str, files: Sequence[Sequence[tuple[str, str]]], ok: str | None = ""
) -> list[Path]:
    """Data files ``<prefix>_01.csv …`` with (sku, name) rows, and the OK-file (None: none; "": empty)."""
    paths = []
    for number, rows in enumerate(files, start=1):
        path = source / f"{prefix}_{number:02d}.csv"
        path.write_text("sku,name\n" + "".join(f"{sku},{name}\n" for sku, name in rows), encoding="utf-8")
        paths.append(path)
    if ok is not None:
        (source / f"{prefix}.ok").write_text(ok, encoding="utf-8")
    return paths


def stored(engine: Engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        return {r.sku: (r.name, r.file) for r in conn.execute(sa.select(rows_table))}


def runs(engine: Engine) -> list[HistoryEntry]:
    with engine.connect() as conn:
        return list(reversed(history.list_runs(conn, limit=1000, with_reports=True)))


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}


# --- what is taken, and where it goes ----------------------------------------------------------------------------
def test_files_without_their_ok_file_are_never_touched_and_a_listing_takes_exactly_its_files(
    store: Engine, dirs: Directories
) -> None:
    write_bunch(dirs.source, "category-import_2016", [[("C1", "c1")]], ok=None)  # no OK-file
    write_bunch(dirs.source, "customer-import_2018", [[("U1", "u1")], [("U2", "u2")], [("U3", "u3")]], ok=None)
    (dirs.source / "customer-import_2018.ok").write_text("customer-import_2018_01.csv\ncustomer-import_2018_03.csv\n")
    before = snapshot(dirs.source)
    mtimes = {p.name: p.stat().st_mtime_ns for p in dirs.source.iterdir() if p.is_file()}
    calls: list[Call] = []
    (result,) = Watcher(store, dirs, runner=table_runner(calls)).run_once()
    assert result.status == RunStatus.SUCCESS and result.entity == "customers"
    assert [c[1] for c in calls] == [["customer-import_2018_01.csv", "customer-import_2018_03.csv"]]
    assert stored(store) == {"U1": ("u1", "customer-import_2018_01.csv"), "U3": ("u3", "customer-import_2018_03.csv")}
    left = snapshot(dirs.source)
    assert sorted(left) == ["category-import_2016_01.csv", "customer-import_2018_02.csv"]
    assert all(left[n] == before[n] for n in left)
    assert all(p.stat().st_mtime_ns == mtimes[p.name] for p in dirs.source.iterdir() if p.is_file())
    with zipfile.ZipFile(result.location) as zipped:
        assert sorted(zipped.namelist()) == [
            "customer-import_2018.ok",
            "customer-import_2018_01.csv",
            "customer-import_2018_03.csv",
            REPORT,
        ]
    assert Watcher(store, dirs, runner=table_runner(calls)).run_once() == []  # nothing else is ready
    assert snapshot(dirs.source) == left
    (entry,) = runs(store)
    assert entry.files == ["customer-import_2018_01.csv", "customer-import_2018_03.csv"]
    assert entry.status == RunStatus.SUCCESS and entry.origin == "watch"


def test_a_successful_bunch_is_archived_as_one_zip_with_its_report(store: Engine, dirs: Directories) -> None:
    files = write_bunch(dirs.source, P1, [[(f"S{f}{r}", f"n{f}{r}") for r in range(3)] for f in range(4)])
    contents = {p.name: p.read_bytes() for p in files}
    options = ImportOptions(operation="replace", profile="luma.yaml", errors="fail", max_errors=5)
    calls: list[Call] = []
    (result,) = Watcher(store, dirs, runner=table_runner(calls), options=options).run_once()
    assert calls == [("products", [p.name for p in files], options)]
    assert result.status == RunStatus.SUCCESS and result.location == dirs.archive / f"{result.token}.zip"
    with zipfile.ZipFile(result.location) as zipped:
        assert sorted(zipped.namelist()) == sorted([*contents, f"{P1}.ok", REPORT])
        assert all(zipped.read(name) == data for name, data in contents.items())
        report = ImportReport.from_dict(orjson.loads(zipped.read(REPORT)))
    assert report.ok and report.rows == 12 and report.created == 12 and report.committed
    beside = ImportReport.from_dict(orjson.loads((dirs.archive / f"{result.token}.json").read_bytes()))
    assert beside == report == result.report
    assert len(stored(store)) == 12
    assert snapshot(dirs.source) == {} and list(dirs.working.iterdir()) == [] and list(dirs.failed.iterdir()) == []
    (entry,) = runs(store)
    assert (entry.status, entry.entity, entry.operation, entry.profile) == (
        RunStatus.SUCCESS,
        "products",
        "replace",
        "luma.yaml",
    )
    assert (entry.rows, entry.created, entry.attempts, entry.run_key) == (12, 12, 1, result.token)
    assert entry.location == str(result.location) and entry.report == report
    assert entry.source == str(dirs.source.resolve()) and entry.files == [p.name for p in files]


def test_a_failed_bunch_goes_to_failed_with_its_report_and_the_store_is_unchanged(
    store: Engine, dirs: Directories
) -> None:
    write_bunch(dirs.source, "product-import_2015", [[("OLD", "old")]])
    Watcher(store, dirs, runner=table_runner()).run_once()
    before = stored(store)
    files = write_bunch(dirs.source, P1, [[("A", "a")], [("B", "b")], [("C", "c")], [("D", "d"), ("E", FAIL_MARK)]])
    (result,) = Watcher(store, dirs, runner=table_runner()).run_once()
    assert result.status == RunStatus.FAILED and result.location == dirs.failed / result.token
    assert stored(store) == before  # the first three files' rows were rolled back with the fourth
    assert sorted(p.name for p in result.location.iterdir()) == sorted([*(p.name for p in files), f"{P1}.ok", REPORT])
    report = ImportReport.from_dict(orjson.loads((result.location / REPORT).read_bytes()))
    assert report.errors == [RowError(f"{P1}_04.csv", 3, "name", "the row is marked to fail")]
    assert not report.ok and not report.committed
    assert snapshot(dirs.source) == {} and list(dirs.working.iterdir()) == []
    assert [p.name for p in dirs.archive.iterdir() if p.suffix == ".zip"] != [] and len(
        list(dirs.archive.iterdir())
    ) == 2
    old, failed = runs(store)
    assert old.status == RunStatus.SUCCESS
    assert failed.status == RunStatus.FAILED and failed.location == str(result.location)
    assert failed.message == f"invalid row: {RowError(f'{P1}_04.csv', 3, 'name', 'the row is marked to fail')}"
    assert failed.invalid == 1 and failed.error_count == 1 and failed.report == report


def test_a_bunch_that_cannot_run_is_failed_without_running(store: Engine, dirs: Directories) -> None:
    write_bunch(dirs.source, "stock-import_1", [[("A", "a")]], ok="stock-import_1_01.csv\nstock-import_1_02.csv\n")
    calls: list[Call] = []
    (result,) = Watcher(store, dirs, runner=table_runner(calls)).run_once()
    assert calls == [] and result.status == RunStatus.FAILED
    assert sorted(p.name for p in result.location.iterdir()) == sorted(
        ["stock-import_1.ok", "stock-import_1_01.csv", REPORT]
    )
    assert result.report is not None
    assert result.report.failure == "stock-import_1.ok lists files that are not available: stock-import_1_02.csv"
    (entry,) = runs(store)
    assert entry.status == RunStatus.FAILED and entry.message == result.report.failure


def test_unknown_kinds_and_other_entities_are_left_alone(store: Engine, dirs: Directories) -> None:
    write_bunch(dirs.source, "erp-items_1", [[("E", "e")]])
    write_bunch(dirs.source, "category-import_1", [[("C", "c")]])
    write_bunch(dirs.source, "customer-import_1", [[("U", "u")]])
    before = snapshot(dirs.source)
    (result,) = Watcher(store, dirs, runner=table_runner(), only={"customers"}).run_once()
    assert result.entity == "customers"
    assert snapshot(dirs.source) == {k: v for k, v in before.items() if not k.startswith("customer-import")}
    mapped = Watcher(store, dirs, runner=table_runner(), entities={"erp-items": "products"}).run_once()
    assert [r.entity for r in mapped] == ["products"] and sorted(snapshot(dirs.source)) == [
        "category-import_1.ok",
        "category-import_1_01.csv",
    ]


def test_a_runner_that_raises_fails_the_bunch_and_a_lost_database_leaves_it_to_resume(
    store: Engine, dirs: Directories
) -> None:
    write_bunch(dirs.source, P1, [[("A", "a")]])

    def broken(engine: Engine, entity: str, options: ImportOptions) -> Runner:
        def run(files: Sequence[Path]) -> ImportReport:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

        return run

    (result,) = Watcher(store, dirs, runner=broken).run_once()
    assert result.status == RunStatus.RUNNING and result.location.parent == dirs.working
    assert sorted(p.name for p in result.location.iterdir()) == sorted([f"{P1}_01.csv", f"{P1}.ok", MANIFEST])
    (entry,) = runs(store)
    assert entry.status == RunStatus.RUNNING
    (done,) = Watcher(store, dirs, runner=table_runner()).run_once()  # the next pass resumes it
    assert done.status == RunStatus.SUCCESS and done.token == result.token and done.resumed
    (entry,) = runs(store)
    assert entry.status == RunStatus.SUCCESS and entry.attempts == 2 and stored(store) == {"A": ("a", f"{P1}_01.csv")}

    write_bunch(dirs.source, "stock-import_1", [[("S", "s")]])

    def buggy(engine: Engine, entity: str, options: ImportOptions) -> Runner:
        def run(files: Sequence[Path]) -> ImportReport:
            raise KeyError("qty")

        return run

    (failed,) = Watcher(store, dirs, runner=buggy).run_once()
    assert (
        failed.status == RunStatus.FAILED and failed.report is not None and failed.report.failure == "KeyError: 'qty'"
    )
    assert (failed.location / "stock-import_1_01.csv").exists()
    assert runs(store)[-1].message == "KeyError: 'qty'"


# --- concurrency and crashes ---------------------------------------------------------------------------------
def test_two_watchers_at_once_import_each_bunch_exactly_once(store: Engine, dirs: Directories) -> None:
    prefixes = [f"product-import_2016{n:02d}" for n in range(6)]
    for n, prefix in enumerate(prefixes):
        write_bunch(dirs.source, prefix, [[(f"P{n}-{f}", "x")] for f in range(2)])
    calls: list[Call] = []
    barrier = threading.Barrier(2)
    results: list[Any] = []
    failures: list[BaseException] = []

    def watcher() -> None:
        try:
            one = Watcher(store, dirs, runner=table_runner(calls, delay=0.05), lease=30)
            barrier.wait()
            results.extend(one.run_once())
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=watcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    imported = sorted(files[0].rsplit("_", 1)[0] for _, files, _ in calls)
    assert imported == prefixes  # each bunch once, none twice
    assert sorted(r.prefix for r in results) == prefixes and all(r.status == RunStatus.SUCCESS for r in results)
    assert len(stored(store)) == 12
    assert len([p for p in dirs.archive.iterdir() if p.suffix == ".zip"]) == 6
    assert snapshot(dirs.source) == {} and list(dirs.working.iterdir()) == []
    assert sorted((e.status, e.attempts) for e in runs(store)) == [(RunStatus.SUCCESS, 1)] * 6


def test_a_claim_that_died_half_way_is_finished_and_imported_once(store: Engine, dirs: Directories) -> None:
    write_bunch(dirs.source, P1, [[("A", "a")], [("B", "b")], [("C", "c")]])
    (bunch,) = discover(dirs.source)
    dirs.prepare()
    claimed = WorkingDir.create(dirs.working, bunch, dirs.source, lock_name(dirs.source, P1))
    (dirs.source / f"{P1}_02.csv").rename(claimed.path / f"{P1}_02.csv")  # then the process died
    # the OK-file is still in the source: a new pass must not claim the remaining files as a second bunch
    calls: list[Call] = []
    (result,) = Watcher(store, dirs, runner=table_runner(calls)).run_once()
    assert result.token == claimed.token and result.resumed and result.status == RunStatus.SUCCESS
    assert [c[1] for c in calls] == [[f"{P1}_01.csv", f"{P1}_02.csv", f"{P1}_03.csv"]]
    assert sorted(stored(store)) == ["A", "B", "C"]
    assert snapshot(dirs.source) == {} and working_dirs(dirs.working) == []
    assert Watcher(store, dirs, runner=table_runner(calls)).run_once() == [] and len(calls) == 1


def test_a_working_directory_is_resumed_only_once_its_lease_is_free(store: Engine, dirs: Directories) -> None:
    write_bunch(dirs.source, P1, [[("A", "a")]])
    (bunch,) = discover(dirs.source)
    dirs.prepare()
    name = lock_name(dirs.source, P1)
    claimed = WorkingDir.create(dirs.working, bunch, dirs.source, name)
    claimed.gather()
    with store.begin() as conn:  # the run had started when its watcher died
        history.start(
            conn, run_key=claimed.token, entity="products", operation="add-update", files=[], origin=Origin.WATCH
        )
    claimed.bump_attempts()
    alive = LeaseLock(store, name, "someone-else", ttl=1.0)
    assert alive.acquire()
    calls: list[Call] = []
    watcher = Watcher(store, dirs, runner=table_runner(calls), lease=1.0)
    assert watcher.run_once() == [] and calls == []  # its holder is alive (the lease is fresh)
    assert sorted(p.name for p in claimed.path.iterdir()) == sorted([MANIFEST, f"{P1}_01.csv", f"{P1}.ok"])
    time.sleep(1.2)  # the holder stopped renewing
    (result,) = watcher.run_once()
    assert result.status == RunStatus.SUCCESS and result.token == claimed.token and len(calls) == 1
    (entry,) = runs(store)
    assert entry.status == RunStatus.SUCCESS and entry.attempts == 2
    assert alive.holder() is None  # released after the import


def test_a_finished_import_is_archived_on_resume_without_importing_again(store: Engine, dirs: Directories) -> None:
    write_bunch(dirs.source, P1, [[("A", "a")]])
    (bunch,) = discover(dirs.source)
    dirs.prepare()
    claimed = WorkingDir.create(dirs.working, bunch, dirs.source, lock_name(dirs.source, P1))
    claimed.gather()
    report = ImportReport("products", "add-update", files=[f"{P1}_01.csv"], rows=1, created=1, committed=True)
    claimed.write_report(report)  # the import committed, the report was written, then the process died
    calls: list[Call] = []
    (result,) = Watcher(store, dirs, runner=table_runner(calls)).run_once()
    assert calls == [] and result.status == RunStatus.SUCCESS and result.report == report
    with zipfile.ZipFile(result.location) as zipped:
        assert ImportReport.from_dict(orjson.loads(zipped.read(REPORT))) == report
    (entry,) = runs(store)
    assert entry.status == RunStatus.SUCCESS and entry.report == report and entry.location == str(result.location)


def test_a_bunch_that_keeps_killing_its_watcher_is_given_up(store: Engine, dirs: Directories) -> None:
    write_bunch(dirs.source, P1, [[("A", "a")]])
    (bunch,) = discover(dirs.source)
    dirs.prepare()
    claimed = WorkingDir.create(dirs.working, bunch, dirs.source, lock_name(dirs.source, P1))
    for _ in range(3):
        claimed.bump_attempts()  # three watchers died during this import
    calls: list[Call] = []
    (result,) = Watcher(store, dirs, runner=table_runner(calls), max_attempts=3).run_once()
    assert calls == [] and result.status == RunStatus.FAILED and result.location.parent == dirs.failed
    assert result.report is not None and (result.report.failure or "").startswith("gave up after 3 attempts")


# --- the queue trigger ---------------------------------------------------------------------------------------
def test_the_builtin_topology_declares_the_import_run_consumer(sqlite_url: str) -> None:
    topology = load_topology([], builtins=True, settings=Settings())
    assert topology.route(TOPIC) == ("db", "magento")
    assert topology.queues_for("db", "magento", TOPIC) == (QUEUE,)
    handler = topology.consumers[CONSUMER].handler
    assert handler is not None and handler.spec == HANDLER
    assert "async.operations.all" in topology.queues  # the bulk API's is kept
    with pytest.raises(TopologyError, match="built by the application"):
        assign(topology, [CONSUMER])  # a handler factory needs the App it is built from
    app = App(Settings(database_url=sqlite_url))
    (assignment,) = app.assign([CONSUMER])
    assert isinstance(assignment.handler, ImportRunConsumer) and assignment.handler.engine is app.engine


def test_import_requests_are_checked() -> None:
    request = ImportRequest.from_payload(
        {"entity": "products", "files": ["a.csv"], "operation": "delete", "workers": 2}
    )
    assert request.files == (Path("a.csv"),) and request.options == ImportOptions("delete", workers=2)
    assert ImportRequest.from_payload(request.to_payload()) == request
    for bad, reason in [
        ([], "not a JSON object"),
        ({"entity": "products"}, "either 'files' or 'directory'"),
        ({"entity": "products", "files": ["a"], "directory": "/x"}, "either 'files' or 'directory'"),
        ({"files": ["a.csv"]}, "needs an 'entity'"),
        ({"entity": "products", "files": []}, "non-empty list"),
        ({"entity": "products", "files": ["a"], "operation": "merge"}, "operation 'merge'"),
        ({"entity": "products", "files": ["a"], "errors": "ignore"}, "errors 'ignore'"),
        ({"entity": "products", "files": ["a"], "max_errors": "5"}, "max_errors"),
        ({"entity": "products", "files": ["a"], "workers": 0}, "workers 0"),
        ({"entity": "products", "files": ["a"], "workers": True}, "workers True"),
        ({"directory": 5}, "'directory' is not a path"),
    ]:
        with pytest.raises(ValueError, match=reason):
            ImportRequest.from_payload(bad)


def test_import_run_messages_are_consumed_end_to_end_on_the_db_queue(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    rows_metadata.create_all(engine)
    source = tmp_path / "drop"
    source.mkdir()
    write_bunch(source, P1, [[("A", "a")], [("B", "b")]])
    write_bunch(source, "category-import_1", [[("C", "c")]])  # a directory request for products leaves it
    loose = write_bunch(tmp_path, "stock-import_1", [[("S", "s")]], ok=None)
    mq = MessageQueue(import_topology("db"), Settings(database_url=sqlite_url), database_url=sqlite_url)
    calls: list[Call] = []
    with mq.transaction() as transaction:  # as a pipeline step or the API would, atomically with its own writes
        transaction.publish(TOPIC, ImportRequest(entity="products", directory=source).to_payload())
        transaction.publish(TOPIC, {"entity": "stock", "files": [str(p) for p in loose], "operation": "replace"})
        transaction.publish(TOPIC, {"entity": "stock"})  # can never run: dead-lettered
    consumer = ImportRunConsumer(engine, table_runner(calls))
    options = ConsumerOptions(batch_size=10, sleep=0.05, max_attempts=3, retry_delay=0.0)
    Worker(mq, {QUEUE: consumer}, options, [StopWhenEmpty()]).run()
    counts = mq.transport_for_queue(QUEUE).counts(QUEUE)
    assert (counts.complete, counts.dead, counts.waiting) == (2, 1, 0)
    assert [(c[0], c[2].operation) for c in calls] == [("products", "add-update"), ("stock", "replace")]
    assert stored(engine) == {
        "A": ("a", f"{P1}_01.csv"),
        "B": ("b", f"{P1}_02.csv"),
        "S": ("s", "stock-import_1_01.csv"),
    }
    assert len(list((source / "archive").glob("*.zip"))) == 1
    assert sorted(snapshot(source)) == ["category-import_1.ok", "category-import_1_01.csv"]
    assert loose[0].exists()  # given files are imported where they are
    product_run, stock_run = runs(engine)
    assert (product_run.origin, product_run.status, product_run.entity) == ("queue", RunStatus.SUCCESS, "products")
    assert (stock_run.origin, stock_run.status, stock_run.operation) == ("queue", RunStatus.SUCCESS, "replace")
    assert stock_run.run_key.startswith("queue:") and stock_run.files == [str(loose[0])]
    mq.close()
    engine.dispose()


def test_a_message_delivered_twice_imports_once_and_a_failed_import_is_acked(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    rows_metadata.create_all(engine)
    good = write_bunch(tmp_path, "stock-import_1", [[("S", "s")]], ok=None)
    bad = write_bunch(tmp_path, "stock-import_2", [[("T", FAIL_MARK)]], ok=None)
    calls: list[Call] = []
    consumer = ImportRunConsumer(engine, table_runner(calls))
    envelope = Envelope.of(TOPIC, {"entity": "stock", "files": [str(p) for p in good]})
    consumer(envelope)
    consumer(envelope)  # redelivered (the worker died before its ack)
    assert len(calls) == 1 and len(runs(engine)) == 1
    consumer(Envelope.of(TOPIC, {"entity": "stock", "files": [str(p) for p in bad]}))  # no exception: acked
    failed = runs(engine)[-1]
    assert failed.status == RunStatus.FAILED and failed.invalid == 1 and stored(engine) == {"S": ("s", good[0].name)}
    with pytest.raises(PermanentError, match="not an import request"):
        consumer(Envelope(topic=TOPIC, body=b"{not json"))
    with pytest.raises(PermanentError, match="does not exist"):
        consumer(Envelope.of(TOPIC, {"directory": str(tmp_path / "nowhere")}))
    engine.dispose()


def test_run_files_records_a_runner_exception_and_raises_it(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)

    def broken(engine: Engine, entity: str, options: ImportOptions) -> Runner:
        def run(files: Sequence[Path]) -> ImportReport:
            raise RuntimeError("the reader crashed")

        return run

    with pytest.raises(RuntimeError, match="the reader crashed"):
        run_files(engine, "products", [tmp_path / "a.csv"], runner=broken, run_key="cli:1")
    (entry,) = runs(engine)
    assert entry.status == RunStatus.FAILED and entry.message == "RuntimeError: the reader crashed"
    assert entry.origin == "cli" and entry.run_key == "cli:1"
    engine.dispose()

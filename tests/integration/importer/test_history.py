"""The import history on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog import NotFoundError
from conveyor.importer import history
from conveyor.importer.history import Origin, RunStatus
from conveyor.importer.history_tables import import_history_table
from conveyor.importer.report import ImportReport, RowError

MAGENTO_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def test_a_run_is_recorded_from_start_to_report(engine: Engine) -> None:
    with engine.begin() as conn:
        run_id = history.start(
            conn,
            run_key="bunch-1",
            entity="products",
            operation="add-update",
            files=["a_01.csv", "a_02.csv"],
            origin=Origin.WATCH,
            source="/srv/drop",
            profile="luma.yaml",
        )
    with engine.connect() as conn:
        running = history.get(conn, run_id)
    assert running.status == RunStatus.RUNNING and running.finished_at is None and running.report is None
    assert running.files == ["a_01.csv", "a_02.csv"] and running.attempts == 1 and running.source == "/srv/drop"
    errors = [RowError("a_02.csv", 7, "price", "Value for 'price' attribute contains incorrect value")]
    report = ImportReport(
        "products", "replace", files=["a_01.csv"], rows=10, created=4, updated=3, deleted=1, skipped=1, invalid=1
    )
    report.errors, report.committed, report.seconds = errors, True, 0.25
    with engine.begin() as conn:
        history.finish(conn, run_id, report, location="/srv/drop/archive/bunch-1.zip")
    with engine.connect() as conn:
        done = history.get(conn, run_id)
    assert done.status == RunStatus.SUCCESS and done.report == report
    assert (done.rows, done.created, done.updated, done.deleted, done.skipped, done.invalid, done.error_count) == (
        10,
        4,
        3,
        1,
        1,
        1,
        1,
    )
    assert done.operation == "replace"  # the report's (a profile may decide it)
    assert done.location == "/srv/drop/archive/bunch-1.zip" and done.message is None
    assert done.finished_at is not None and done.finished_at >= done.started_at
    data = done.to_dict()
    assert MAGENTO_TIME.match(data["started_at"]) and MAGENTO_TIME.match(data["finished_at"])
    assert data["status"] == "success" and data["report"]["errors"][0]["line"] == 7 and data["report"]["ok"] is True


def test_a_resumed_run_reuses_its_row_and_counts_attempts(engine: Engine) -> None:
    with engine.begin() as conn:
        first = history.start(
            conn, run_key="k", entity="stock", operation="add-update", files=["s.csv"], origin=Origin.QUEUE
        )
    with engine.begin() as conn:
        again = history.start(
            conn, run_key="k", entity="stock", operation="add-update", files=["s.csv"], origin=Origin.WATCH
        )
        failed = ImportReport("stock", "add-update", failure="x" * 70_000)
        history.finish(conn, again, failed)
    with engine.connect() as conn:
        entry = history.get(conn, first)
        count = conn.execute(sa.select(sa.func.count()).select_from(import_history_table)).scalar_one()
    assert again == first and count == 1
    assert entry.attempts == 2 and entry.status == RunStatus.FAILED
    assert entry.origin == "queue"  # what started the run, not what resumed it
    assert entry.message is not None and len(entry.message) == history.MESSAGE_LIMIT
    assert entry.report is not None and entry.report.failure == "x" * 70_000  # the whole failure stays in the report


def test_lists_newest_first_filtered_by_status_and_entity(engine: Engine) -> None:
    ids = {}
    with engine.begin() as conn:
        for n, (entity, outcome) in enumerate(
            [("products", "ok"), ("products", "bad"), ("customers", "ok"), ("products", None), ("customers", "bad")]
        ):
            run_id = history.start(
                conn, run_key=f"r{n}", entity=entity, operation="add-update", files=[f"{n}.csv"], origin=Origin.CLI
            )
            if outcome:
                report = ImportReport(entity, "add-update", rows=n, failure=None if outcome == "ok" else "broken")
                history.finish(conn, run_id, report)
            ids[n] = run_id
    with engine.connect() as conn:
        assert [e.id for e in history.list_runs(conn)] == [ids[4], ids[3], ids[2], ids[1], ids[0]]
        assert [e.id for e in history.list_runs(conn, limit=2)] == [ids[4], ids[3]]
        assert [e.id for e in history.list_runs(conn, status=RunStatus.FAILED)] == [ids[4], ids[1]]
        assert [e.id for e in history.list_runs(conn, status=RunStatus.RUNNING)] == [ids[3]]
        assert [e.id for e in history.list_runs(conn, status=[RunStatus.SUCCESS, RunStatus.RUNNING])] == [
            ids[3],
            ids[2],
            ids[0],
        ]
        assert [e.id for e in history.list_runs(conn, entity="customers")] == [ids[4], ids[2]]
        listed = history.list_runs(conn, status=RunStatus.FAILED, entity="products")
        assert [(e.id, e.message, e.report) for e in listed] == [(ids[1], "broken", None)]  # report left unread
        (with_report,) = history.list_runs(conn, status=RunStatus.FAILED, entity="products", with_reports=True)
        assert with_report.report is not None and with_report.report.failure == "broken"
        assert history.find(conn, "r2") is not None and history.find(conn, "nope") is None
        with pytest.raises(NotFoundError, match=r'The import run with id "999999" does not exist\.'):
            history.get(conn, 999_999)


def test_only_runs_whose_process_is_gone_are_failed_when_read(engine: Engine) -> None:
    """A live run stays running; a run of a finished process, or of a pid another process took over since, is
    failed; a run of another host is left alone (it cannot be checked from here)."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    gone = int(ended.stdout)
    here = history.runner_message()
    host = socket.gethostname()
    messages = {
        "alive": here,
        "gone": f"running as pid {gone} on {host} (process started at 1.00)",
        "reused": here.rsplit("(", 1)[0] + "(process started at 1.00)",  # this pid, another process's start
        "elsewhere": f"running as pid {gone} on not-{host} (process started at 1.00)",
    }
    ids = {}
    with engine.begin() as conn:
        for key, message in messages.items():
            ids[key] = history.start(
                conn, run_key=f"dead-{key}", entity="stock", operation="add-update", files=[], origin=Origin.CLI
            )
            conn.execute(
                import_history_table.update().where(import_history_table.c.id == ids[key]).values(message=message)
            )
    assert here.startswith(f"running as pid {os.getpid()} on {host} (process started at ")
    with engine.begin() as conn:
        assert history.fail_dead_runs(conn) == 2
        assert history.fail_dead_runs(conn) == 0  # once
        status = {key: history.get(conn, run_id).status for key, run_id in ids.items()}
        failed = history.get(conn, ids["gone"])
    assert status == {"alive": "running", "gone": "failed", "reused": "failed", "elsewhere": "running"}
    assert failed.finished_at is not None and f"pid {gone} on {host}" in (failed.message or "")

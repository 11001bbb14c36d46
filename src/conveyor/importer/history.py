"""The import history: start, finish and query the record of every import run.

Each write is its own short transaction on purpose: the history must say ``running`` while the import's own
(possibly long) transaction is open, and must say ``failed`` after that transaction rolled back.

A run killed outright (SIGKILL, a lost machine) never finishes its row. So a ``running`` row's message says which
process runs it ("running as pid 123 on web-1 (process started at …)"; no schema change needed), and
``fail_dead_runs`` — called whenever the history is read — marks the runs of this host whose process is gone (or
is another process that took over the pid since) as failed: the database rolled their transaction back, nothing
of them was written. Runs of other hosts cannot be checked from here: they stay ``running`` until the history is
read on their own host, or until they are resumed.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
import psutil
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.db.engine import now
from conveyor.db.keyset import NEWEST_FIRST, KeysetPage
from conveyor.importer.history_tables import import_history_table
from conveyor.importer.report import ImportReport

H = import_history_table
MESSAGE_LIMIT = 60_000  # a failure text, clipped so a traceback never outgrows the row
_RUNNER = re.compile(r"running as pid (\d+) on (.+) \(process started at ([0-9.]+)\)")
START_SLACK = 1.0  # seconds two readings of one process's start time may differ by (clock ticks, rounding)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


class Origin(StrEnum):
    """What started the run."""

    WATCH = "watch"
    QUEUE = "queue"
    CLI = "cli"
    PIPELINE = "pipeline"


def magento_time(epoch: float | None) -> str | None:
    """Magento's timestamp text (UTC), as every API payload shows it."""
    return None if epoch is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


@dataclass(frozen=True)
class HistoryEntry:
    """One run as stored."""

    id: int
    run_key: str
    entity: str
    operation: str
    profile: str | None
    origin: str
    source: str | None
    files: list[str]
    status: RunStatus
    attempts: int
    started_at: float
    finished_at: float | None
    rows: int
    created: int
    updated: int
    deleted: int
    skipped: int
    invalid: int
    error_count: int
    message: str | None
    location: str | None
    report: ImportReport | None

    @classmethod
    def from_row(cls, row: sa.Row[*tuple[Any, ...]]) -> HistoryEntry:
        return cls(
            id=int(row.id),
            run_key=row.run_key,
            entity=row.entity,
            operation=row.operation,
            profile=row.profile,
            origin=row.origin,
            source=row.source,
            files=list(orjson.loads(row.files)),
            status=RunStatus(row.status),
            attempts=int(row.attempts),
            started_at=float(row.started_at),
            finished_at=None if row.finished_at is None else float(row.finished_at),
            rows=int(row.row_count),
            created=int(row.created),
            updated=int(row.updated),
            deleted=int(row.deleted),
            skipped=int(row.skipped),
            invalid=int(row.invalid),
            error_count=int(row.error_count),
            message=row.message,
            location=row.location,
            report=ImportReport.from_dict(orjson.loads(row.report)) if row.report else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, timestamps as Magento text."""
        return {
            "id": self.id,
            "run_key": self.run_key,
            "entity": self.entity,
            "operation": self.operation,
            "profile": self.profile,
            "origin": self.origin,
            "source": self.source,
            "files": self.files,
            "status": str(self.status),
            "attempts": self.attempts,
            "started_at": magento_time(self.started_at),
            "finished_at": magento_time(self.finished_at),
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "skipped": self.skipped,
            "invalid": self.invalid,
            "error_count": self.error_count,
            "message": self.message,
            "location": self.location,
            "report": self.report.to_dict() if self.report else None,
        }


def start(
    conn: Connection,
    *,
    run_key: str,
    entity: str,
    operation: str,
    files: Sequence[str],
    origin: Origin,
    source: str | None = None,
    profile: str | None = None,
) -> int:
    """Record a run as ``running``; the same ``run_key`` again (a resumed run) reuses its row, one attempt more."""
    values: dict[str, Any] = {
        "entity": entity[:64],
        "operation": operation[:32],
        "profile": None if profile is None else profile[:255],
        "files": orjson.dumps(list(files)).decode(),
        "status": str(RunStatus.RUNNING),
        "finished_at": None,
        "message": runner_message(),
    }
    found = conn.execute(sa.select(H.c.id).where(H.c.run_key == run_key)).scalar_one_or_none()
    if found is not None:  # origin and source stay those of the first attempt: what started the run
        conn.execute(H.update().where(H.c.id == found).values(attempts=H.c.attempts + 1, **values))
        return int(found)
    result = conn.execute(
        H.insert().values(
            run_key=run_key,
            started_at=now(),
            attempts=1,
            origin=str(origin),
            source=None if source is None else source[:1024],
            **values,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish(conn: Connection, history_id: int, report: ImportReport, *, location: str | None = None) -> None:
    """Store the report: ``success`` if it is ok, else ``failed`` with its failure as the message."""
    conn.execute(
        H.update()
        .where(H.c.id == history_id)
        .values(
            status=str(RunStatus.SUCCESS if report.ok else RunStatus.FAILED),
            finished_at=now(),
            operation=report.operation[:32] or H.c.operation,  # a profile may have decided the operation
            row_count=report.rows,
            created=report.created,
            updated=report.updated,
            deleted=report.deleted,
            skipped=report.skipped,
            invalid=report.invalid,
            error_count=len(report.errors),
            message=None if report.failure is None else report.failure[:MESSAGE_LIMIT],
            location=location,
            report=orjson.dumps(report.to_dict()).decode(),
        )
    )


def runner_message(pid: int | None = None) -> str:
    """What a running row says about the process that runs it (read back by ``fail_dead_runs``): its pid, host
    and start time, which tells it from a later process given the same pid."""
    process = psutil.Process(os.getpid() if pid is None else pid)
    return f"running as pid {process.pid} on {socket.gethostname()} (process started at {process.create_time():.2f})"


def _process_gone(pid: int, created: float) -> bool:
    """Whether the process ``pid`` of this host, started at ``created``, is no longer there: it does not exist,
    is a zombie, or is another process that was given the pid since."""
    try:
        process = psutil.Process(pid)
        return process.status() == psutil.STATUS_ZOMBIE or abs(process.create_time() - created) > START_SLACK
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # no right to look at it: it exists
        return False


def fail_dead_runs(conn: Connection) -> int:
    """Mark the ``running`` runs of this host whose process is gone as ``failed``; returns how many.

    Only a row still saying the same (status and message) is changed, so a run that finishes meanwhile keeps
    its own outcome."""
    host = socket.gethostname()
    rows = conn.execute(sa.select(H.c.id, H.c.message).where(H.c.status == str(RunStatus.RUNNING))).all()
    failed = 0
    for row in rows:
        found = _RUNNER.fullmatch(row.message or "")
        if found is None or found.group(2) != host or not _process_gone(int(found.group(1)), float(found.group(3))):
            continue
        message = (
            f"the importing process (pid {found.group(1)} on {host}) ended without finishing the run "
            "(killed or crashed): its transaction was rolled back, nothing of it was written"
        )
        result = conn.execute(
            H.update()
            .where(H.c.id == row.id, H.c.status == str(RunStatus.RUNNING), H.c.message == row.message)
            .values(status=str(RunStatus.FAILED), finished_at=now(), message=message)
        )
        failed += result.rowcount
    return failed


def set_location(conn: Connection, history_id: int, location: str) -> None:
    """Where the files ended up (archive zip or failed directory), known only after the report is stored."""
    conn.execute(H.update().where(H.c.id == history_id).values(location=location))


def get(conn: Connection, history_id: int) -> HistoryEntry:
    """One run; ``NotFoundError`` (the catalog's, with Magento's message style) when there is none."""
    row = conn.execute(sa.select(H).where(H.c.id == history_id)).first()
    if row is None:
        from conveyor.catalog import NotFoundError  # here: the catalog is heavy to import for one error

        raise NotFoundError('The import run with id "%1" does not exist.', [str(history_id)])
    return HistoryEntry.from_row(row)


def find(conn: Connection, run_key: str) -> HistoryEntry | None:
    row = conn.execute(sa.select(H).where(H.c.run_key == run_key)).first()
    return None if row is None else HistoryEntry.from_row(row)


def started_since(conn: Connection, since: float) -> dict[str, int]:
    """Runs started since ``since`` by status (the dashboard's imports today)."""
    query = sa.select(H.c.status, sa.func.count()).where(H.c.started_at >= since).group_by(H.c.status)
    return {str(status): int(count) for status, count in conn.execute(query)}


SORTS = {"entity": H.c.entity, "status": H.c.status}  # each with an index on (column, id)


def list_runs(
    conn: Connection,
    *,
    status: RunStatus | Sequence[RunStatus] | None = None,
    entity: str | None = None,
    limit: int = 20,
    with_reports: bool = False,
    order: KeysetPage = NEWEST_FIRST,
) -> list[HistoryEntry]:
    """The newest runs first (``order``: oldest first, after a run (the admin UI's pages), or by a key of
    ``SORTS``); ``with_reports=False`` leaves the (possibly large) report JSON unread. Call ``fail_dead_runs``
    first (in a transaction) so that killed runs do not show as running."""
    report = H.c.report if with_reports else sa.null().label("report")
    query = order.of(sa.select(*[c for c in H.c if c.name != "report"], report).limit(limit), H.c.id, SORTS)
    if status is not None:
        statuses = [status] if isinstance(status, RunStatus) else list(status)
        query = query.where(H.c.status.in_([str(s) for s in statuses]))
    if entity is not None:
        query = query.where(H.c.entity == entity)
    return [HistoryEntry.from_row(row) for row in conn.execute(query)]


ROW_OUTCOMES = ("created", "updated", "deleted", "skipped", "invalid")


def row_totals(conn: Connection) -> dict[str, int]:
    """Import rows of every recorded run by outcome (created, updated, deleted, skipped, invalid): one query."""
    row = conn.execute(sa.select(*(sa.func.coalesce(sa.func.sum(H.c[name]), 0) for name in ROW_OUTCOMES))).one()
    return {name: int(value) for name, value in zip(ROW_OUTCOMES, row, strict=True)}

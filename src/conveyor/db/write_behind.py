"""Write-behind on PostgreSQL: statements a thread runs on the connection, in order, while the caller goes on.

Why: an import's writer and its PostgreSQL backend otherwise take turns, the backend idle while the writer
prepares rows and the writer idle while the backend ingests them. Inside ``writing_behind(conn)``, the plain
inserts and upserts that nobody reads back or catches a failure of (``insert_rows_behind``,
``upsert(behind=True)``) are handed to a thread that runs them on the driver connection, and the writer
prepares the next batch meanwhile.

Order and visibility hold because every other use of the connection first waits until everything handed over
has run (``drain``): each SQLAlchemy statement (savepoints included) through ``before_cursor_execute``, the
commit and the rollback through their events, ``insert_rows`` explicitly. The two threads never use the
connection at once. A failure behind is raised in the caller's thread at its next use of the connection, and
at every use after it: the transaction is lost.

Ids for rows inserted behind come from their sequence (``reserve_ids``), on a second connection, so that
reserving them waits for nothing.

SQLite works in the importing process and PyMySQL's protocol is Python: there a thread would only contend for
the GIL, and nothing changes.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection

_KEY = "conveyor.write_behind"
QUEUED = 64  # statements handed over and not yet run, at most (each holds its rows)
# The GIL's switch interval while any connection writes behind (CPython's default is 5 ms). The thread feeding the
# server waits for the GIL whenever the writer holds it, and the server waits with it. Measured, 100,000 products
# on PostgreSQL, interleaved: 24.2 / 24.9 s at 0.5 ms against 25.9 / 26.6 s at 5 ms.
SWITCH_INTERVAL = 0.0005
RESERVED_AHEAD = 10_000  # sequence values taken at a time while writing behind (reserve_ids)
_switching = threading.Lock()
_writing = 0  # blocks writing behind in this process (the interval is the process's)
_interval_before = 0.0

Job = Callable[[Any], None]  # given the driver (psycopg) connection


class _WriteBehind:
    """The thread, its queue of jobs and the first failure."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.work: queue.Queue[tuple[str, Job] | None] = queue.Queue(QUEUED)
        self.failure: Exception | None = None
        self.cancelled = False
        self.side: Connection | None = None  # for sequences: never waits for the queue
        self.spare: dict[str, list[int]] = {}  # reserved values not handed out yet, by table.column
        self.thread = threading.Thread(target=self._run, name="write-behind", daemon=True)
        self.thread.start()

    def submit(self, statement: str, job: Job) -> None:
        self._raise()
        self.work.put((statement, job))

    def drain(self) -> None:
        self.work.join()
        self._raise()

    def close(self) -> None:
        """Skip what has not started, wait for what has, end the thread."""
        self.cancelled = True
        self.work.put(None)
        self.thread.join()
        if self.side is not None:
            self.side.close()

    def _raise(self) -> None:
        if self.failure is not None:
            raise self.failure

    def _run(self) -> None:
        raw = self.conn.connection.driver_connection
        while True:
            item = self.work.get()
            try:
                if item is None:
                    return
                if self.failure is None and not self.cancelled:
                    statement, job = item
                    with driver_errors(self.conn, statement):
                        job(raw)
            except Exception as error:  # raised in the caller's thread, at its next use of the connection
                self.failure = error
            finally:
                self.work.task_done()


@contextmanager
def driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """The driver's errors raised as SQLAlchemy raises them (a conflict is an ``IntegrityError``)."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as error:
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi_error, dialect=conn.dialect) from error


@contextmanager
def writing_behind(conn: Connection, enabled: bool = True) -> Iterator[None]:
    """Within the block, on PostgreSQL, what is handed over runs behind; it has all run when the block ends."""
    if not enabled or conn.dialect.name != "postgresql" or _KEY in conn.info:
        yield
        return
    behind = _WriteBehind(conn)

    def before_statement(*_: Any) -> None:
        behind.drain()

    def before_rollback(_: Connection) -> None:
        behind.cancelled = True
        behind.work.join()

    listeners = (
        ("before_cursor_execute", before_statement),
        ("commit", before_statement),
        ("rollback", before_rollback),
    )
    for name, listener in listeners:
        event.listen(conn, name, listener)
    conn.info[_KEY] = behind
    try:
        with _shorter_switches():
            yield
            behind.drain()
    finally:
        del conn.info[_KEY]
        for name, listener in listeners:
            event.remove(conn, name, listener)
        behind.close()


@contextmanager
def _shorter_switches() -> Iterator[None]:
    """``SWITCH_INTERVAL`` while at least one block writes behind; the process's own interval after the last."""
    global _writing, _interval_before
    with _switching:
        if _writing == 0:
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_INTERVAL, _interval_before))
        _writing += 1
    try:
        yield
    finally:
        with _switching:
            _writing -= 1
            if _writing == 0:
                sys.setswitchinterval(_interval_before)


def _behind(conn: Connection) -> _WriteBehind | None:
    found: _WriteBehind | None = conn.info.get(_KEY)
    return found


def is_writing_behind(conn: Connection) -> bool:
    return _KEY in conn.info


def drain(conn: Connection) -> None:
    """Wait until what went behind has run (for a use of the driver connection that bypasses the events)."""
    behind = _behind(conn)
    if behind is not None:
        behind.drain()


def run_behind(conn: Connection, statement: str, job: Job) -> None:
    """Hand ``job`` to ``conn``'s thread (the caller has checked ``is_writing_behind``); ``statement`` names it in
    a failure."""
    behind = _behind(conn)
    if behind is None:
        raise RuntimeError("run_behind on a connection that is not writing behind")
    behind.submit(statement, job)


def execute_behind(conn: Connection, statement: sa.Executable, parameters: Mapping[str, Any]) -> None:
    """``conn.execute(statement, parameters)``, behind when ``conn`` is writing behind (compiled here, with the
    bind parameters' own conversions)."""
    if not is_writing_behind(conn):
        conn.execute(statement, parameters)
        return
    compiled = statement.compile(dialect=conn.dialect)  # type: ignore[attr-defined]
    values = compiled.construct_params(dict(parameters))
    processors = getattr(compiled, "_bind_processors", {})  # (SQLAlchemy runs these itself on execute)
    values = {name: processors[name](value) if name in processors else value for name, value in values.items()}
    sql = str(compiled)
    run_behind(conn, sql, lambda raw: raw.execute(sql, values))


def reserve_ids(conn: Connection, column: sa.Column[Any], count: int) -> list[int]:
    """``count`` new values of ``column``'s sequence, for rows inserted behind with their ids (PostgreSQL).

    While ``conn`` writes behind, on a second connection (a sequence is outside the transaction: it need not wait
    for what is queued), and at least ``RESERVED_AHEAD`` at a time: a batch's few gallery rows then cost no round
    trip. Values left over when the block ends are gaps in the sequence, as a rolled-back insert leaves."""
    if count <= 0:
        return []
    behind = _behind(conn)
    if behind is None:
        return _next_values(conn, column, count)
    if behind.side is None:
        behind.side = conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    key = f"{column.table.name}.{column.name}"
    spare = behind.spare.setdefault(key, [])
    if len(spare) < count:
        spare.extend(_next_values(behind.side, column, max(count - len(spare), RESERVED_AHEAD)))
    taken, behind.spare[key] = spare[:count], spare[count:]
    return taken


def _next_values(conn: Connection, column: sa.Column[Any], count: int) -> list[int]:
    sequence = conn.exec_driver_sql(
        "SELECT pg_get_serial_sequence(%s, %s)", (column.table.name, column.name)
    ).scalar_one()  # once, not per row: a catalog lookup
    # one text of the values, not a row each: 60,000 rows took ~0.5 s of the importing thread to fetch
    listed = conn.exec_driver_sql(
        "SELECT string_agg(v::text, ',' ORDER BY v) FROM (SELECT nextval(%s::regclass) AS v"
        " FROM generate_series(1, %s)) AS taken",
        (sequence, count),
    ).scalar_one()
    return list(map(int, listed.split(",")))


__all__ = [
    "drain",
    "driver_errors",
    "execute_behind",
    "is_writing_behind",
    "reserve_ids",
    "run_behind",
    "writing_behind",
]

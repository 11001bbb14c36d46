"""The DB queue's hot path: a consumer's claims and settles, on one DBAPI connection it keeps.

A settle (ack, retry, dead letter) is a single UPDATE, atomic on its own, so it runs in autocommit: one round
trip per message, as a hand-written driver loop does. A claim is a short explicit transaction on the same
connection. Both run statements compiled once (``PreparedStatement``), so no per-call SQLAlchemy work is
left: the pooled path cost a pool ping, BEGIN, UPDATE and COMMIT plus statement building per message, and
re-expanded the ``IN`` list of every batch.

On PostgreSQL the connection commits with ``synchronous_commit = off``, as SQLite's consumer side uses
``synchronous = NORMAL``: a claim or settle lost in a server crash only delivers the message again, never
loses it.

On PostgreSQL an ack is also not waited for (``send``): it goes out in pipeline mode followed by its own Sync, so
the server commits each ack on its own, exactly as in autocommit, while the worker handles the next message; the
answers are read before the connection's next claim or settle, or at ``flush`` (the worker's end of a batch).
The round trip per message was most of a consumer's time (profile: 44 of 46 s for 20,000 messages waiting on the
socket). A SIGKILL loses at most the acks still on their way, as it could lose the one ack in flight before:
the messages come back, nothing is lost.

An ack whose answer a broken connection took with it (pipelined or not) is sent again on the next connection,
before anything else runs there: every settle is guarded by ``reserved_by`` and ``in_progress``, so one that did
commit matches no row the second time, and one that did not commits now. Without the replay, the worker would
have to give its whole batch back and handle the already handled messages again (a database restart cut up to a
batch's acks at once).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from enum import IntEnum
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.sql.compiler import SQLCompiler

_BEGIN = {"sqlite": "BEGIN IMMEDIATE", "postgresql": "BEGIN", "mysql": "START TRANSACTION"}
log = logging.getLogger(__name__)


def pipelines_supported() -> bool:
    """Whether psycopg can send a statement with its own Sync without waiting for the answer.

    ``Pipeline.sync()`` waits for every answer, so a Sync alone is queued through the pipeline's own
    ``_enqueue_sync`` and sent with ``_communicate_gen`` (psycopg 3.1-3.3). Should a later psycopg drop them,
    settles fall back to one round trip each, and this module's test says so.
    """
    from psycopg import Pipeline

    return Pipeline.is_supported() and all(hasattr(Pipeline, name) for name in ("_enqueue_sync", "_communicate_gen"))


class _SettlePipeline:
    """Settles in flight on one psycopg connection: each sent with its own Sync, answers read at ``drain``."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self._stack = contextlib.ExitStack()
        self._pipeline = self._stack.enter_context(driver.pipeline())
        self.sent = 0
        self.unanswered: list[tuple[str, Any]] = []  # (sql, parameters) sent since the pipeline opened

    def send(self, cursor: Any, sql: str, parameters: Any) -> None:
        cursor.execute(sql, parameters)  # queued and written (psycopg sends what the socket takes)
        self._pipeline._enqueue_sync()
        self._driver.wait(self._pipeline._communicate_gen())
        self.sent += 1

    def drain(self) -> None:
        """Read every answer and leave pipeline mode; raises the first error a settle met."""
        self._stack.close()

    def abandon(self) -> None:
        """The connection broke: forget the pipeline (its connection is being discarded)."""
        with contextlib.suppress(Exception):
            self._stack.close()


class PreparedStatement:
    """A Core statement compiled once for a dialect, bound to plain DBAPI parameters per call.

    Expanding parameters (``IN`` lists) are expanded once per list length and the result kept, so a claim
    of the usual batch size costs a dictionary lookup, not a compilation.
    """

    def __init__(self, statement: sa.ClauseElement, engine: Engine) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        assert isinstance(compiled, SQLCompiler)
        self._compiled = compiled
        self._expanding = tuple(name for bind, name in compiled.bind_names.items() if bind.expanding)
        # plain ints for enums: drivers that look adapters up by exact type would quote them as text
        self.defaults: dict[str, Any] = {k: _plain(v) for k, v in compiled.params.items() if k not in self._expanding}
        self._variants: dict[tuple[int, ...], tuple[str, Any]] = {}
        if not self._expanding:
            self._variants[()] = (compiled.string, _getter(compiled.positiontup))
        # no constant to merge and no list to expand: ``bind`` passes the caller's values through as they are
        # (every parameter must then be given: a missing one fails in the driver, it is never bound as NULL)
        direct = not self._expanding and all(v is None for v in self.defaults.values())
        self._direct = self._variants[()] if direct else None

    def bind(self, values: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL text and the driver's parameters (a tuple or a dict, by paramstyle) for ``values``.

        ``values`` must be plain driver types (``int(status)``, not the enum): this runs once per message.
        """
        if self._direct is not None:  # nothing to merge or expand: the usual case for a settle
            sql, getter = self._direct
            return sql, (getter(values) if getter is not None else values)
        merged = self.defaults.copy()
        merged.update(values)
        key: tuple[int, ...] = ()
        if self._expanding:
            key = tuple(len(merged[name]) for name in self._expanding)
            for name in self._expanding:
                merged.update({f"{name}_{i}": v for i, v in enumerate(merged.pop(name), 1)})
        variant = self._variants.get(key) or self._expand(key, values)
        sql, getter = variant
        return sql, (getter(merged) if getter is not None else merged)

    def _expand(self, key: tuple[int, ...], values: Mapping[str, Any]) -> tuple[str, Any]:
        state = self._compiled.construct_expanded_state({**self.defaults, **values})
        expected = {f"{name}_{i}" for name, n in zip(self._expanding, key, strict=True) for i in range(1, n + 1)}
        if not expected <= set(state.parameters):  # SQLAlchemy names the expanded values name_1 … name_n
            raise RuntimeError(f"unexpected expanded parameter names {sorted(state.parameters)}")
        variant = (state.statement, _getter(state.positiontup))
        self._variants[key] = variant
        return variant


def _getter(positions: Sequence[str] | None) -> Any:
    """A callable picking positional parameters from a dict in order; None for named paramstyles."""
    if not positions:
        return None
    if len(positions) == 1:
        name = positions[0]
        return lambda merged: (merged[name],)
    return itemgetter(*positions)


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, IntEnum) else value


class _ThreadConnection(threading.local):
    """One thread's connection, cursor, pipeline and settles to send again; every attribute exists from the start
    (a ``getattr`` default on a missing attribute of a ``threading.local`` costs an exception, once per message)."""

    def __init__(self) -> None:
        self.raw: Any = None
        self.cursor: Any = None
        self.pipeline: _SettlePipeline | None = None
        self.replay: list[tuple[str, Any]] = []


class ConsumerConnection:
    """One autocommit DBAPI connection per thread for claims and settles; replaced when it breaks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._local = _ThreadConnection()
        self._pipelines: bool | None = None if self.dialect == "postgresql" else False
        self._opened: list[tuple[Any, Any]] = []
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        """Open this thread's connection and return its cursor. Callers write ``self._local.cursor or
        self._connect()``: the open connection's cursor is an attribute read, with no call, once per message."""
        raw = self.engine.raw_connection()
        driver = raw.driver_connection
        if self.dialect == "postgresql":
            driver.autocommit = True  # type: ignore[union-attr]
            driver.execute("SET synchronous_commit = off")  # type: ignore[union-attr]
        elif self.dialect in ("mysql", "mariadb"):
            driver.autocommit(True)  # type: ignore[union-attr]
        # SQLite: the engine already runs the driver in autocommit (isolation_level None)
        cursor = raw.cursor()
        self._local.raw, self._local.cursor = raw, cursor
        with self._lock:
            self._opened.append((raw, cursor))
        return cursor

    def send(self, prepared: PreparedStatement, **values: Any) -> None:
        """Run ``prepared`` in autocommit without waiting for its answer where the driver allows (PostgreSQL's
        pipeline mode); elsewhere ``execute``. Its errors surface at the next statement or ``flush``."""
        local = self._local
        if local.replay:
            self.flush()
        sql, parameters = prepared.bind(values)
        if self._pipelines is False:
            self._settle_now(sql, parameters)
            return
        try:
            cursor = local.cursor or self._connect()
            if self._pipelines is None:
                self._pipelines = pipelines_supported()
                if not self._pipelines:
                    log.warning("this psycopg cannot pipeline settles: one round trip per ack")
                    self._settle_now(sql, parameters)
                    return
            pipeline = local.pipeline
            if pipeline is None:
                pipeline = local.pipeline = _SettlePipeline(local.raw.driver_connection)
            pipeline.unanswered.append((sql, parameters))
            pipeline.send(cursor, sql, parameters)
        except self.engine.dialect.loaded_dbapi.Error as exc:
            self._drop()
            raise sa.exc.OperationalError(sql, parameters, exc) from exc

    def _settle_now(self, sql: str, parameters: Any) -> None:
        """One settle in one round trip; kept for the replay if the connection breaks under it."""
        try:
            (self._local.cursor or self._connect()).execute(sql, parameters)
        except self.engine.dialect.loaded_dbapi.Error as exc:
            self._drop()
            self._local.replay.append((sql, parameters))
            raise sa.exc.OperationalError(sql, parameters, exc) from exc

    def flush(self) -> None:
        """Wait for the answers of the settles ``send`` did not wait for; raises the first error among them."""
        if self._local.replay:
            self._replay()
        pipeline = self._local.pipeline
        if pipeline is None:
            return
        try:
            pipeline.drain()
        except self.engine.dialect.loaded_dbapi.Error as exc:
            self._drop()
            raise sa.exc.OperationalError("(settles sent in a pipeline)", (), exc) from exc
        self._local.pipeline = None

    def _replay(self) -> None:
        """Send again, one by one, the settles a broken connection left unanswered (see the module's docstring)."""
        replay: list[tuple[str, Any]] = self._local.replay
        self._local.replay = []
        for done, (sql, parameters) in enumerate(replay):
            try:
                (self._local.cursor or self._connect()).execute(sql, parameters)
            except self.engine.dialect.loaded_dbapi.Error as exc:
                self._drop()
                self._local.replay = replay[done:] + self._local.replay
                raise sa.exc.OperationalError(sql, parameters, exc) from exc
        log.info("%d settles sent again after a lost connection", len(replay))

    def execute(self, prepared: PreparedStatement, **values: Any) -> int:
        """Run ``prepared`` (in autocommit outside ``transaction``); returns the row count."""
        self.flush()
        sql, parameters = prepared.bind(values)
        try:
            cursor = self._local.cursor or self._connect()
            cursor.execute(sql, parameters)
            return int(cursor.rowcount)
        except self.engine.dialect.loaded_dbapi.Error as exc:
            self._drop()
            raise sa.exc.OperationalError(sql, parameters, exc) from exc

    def fetch(self, prepared: PreparedStatement, **values: Any) -> Sequence[tuple[Any, ...]]:
        """Run ``prepared`` and return its rows (each driver's rows are tuples already: a claim's batch is not
        copied again)."""
        self.flush()
        sql, parameters = prepared.bind(values)
        try:
            cursor = self._local.cursor or self._connect()
            cursor.execute(sql, parameters)
            rows: Sequence[tuple[Any, ...]] = cursor.fetchall()
            return rows
        except self.engine.dialect.loaded_dbapi.Error as exc:
            self._drop()
            raise sa.exc.OperationalError(sql, parameters, exc) from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator[ConsumerConnection]:
        """BEGIN (IMMEDIATE on SQLite, so the read that precedes the write never deadlocks) … COMMIT.

        Any failure rolls back; a driver error drops the connection (a new one is opened next time).
        """
        self.flush()
        begin = _BEGIN.get(self.dialect, "BEGIN")
        cursor: Any = None
        try:
            cursor = self._local.cursor or self._connect()
            cursor.execute(begin)
        except self.engine.dialect.loaded_dbapi.Error as exc:
            self._drop()
            raise sa.exc.OperationalError(begin, (), exc) from exc
        try:
            yield self
        except BaseException:
            held = self._local.cursor
            if held is not None and held is cursor:  # not already dropped by a driver error
                try:
                    held.execute("ROLLBACK")
                except Exception:
                    self._drop()
            raise
        try:
            cursor.execute("COMMIT")
        except self.engine.dialect.loaded_dbapi.Error as exc:
            self._drop()
            raise sa.exc.OperationalError("COMMIT", (), exc) from exc

    def _drop(self) -> None:
        """Forget this thread's connection after a driver error; the pool discards it."""
        local = self._local
        raw, cursor, pipeline = local.raw, local.cursor, local.pipeline
        local.raw = local.cursor = local.pipeline = None
        if pipeline is not None:
            pipeline.abandon()
            local.replay = local.replay + pipeline.unanswered
        if raw is not None:
            with self._lock:
                self._opened = [pair for pair in self._opened if pair[0] is not raw]
            _close(raw, cursor, invalidate=True)

    def close(self) -> None:
        """Close every thread's connection (each returns to the engine's pool), after this thread's settles."""
        with contextlib.suppress(sa.exc.OperationalError):  # a broken connection is closed all the same
            self.flush()
        with self._lock:
            opened, self._opened = self._opened, []
        self._local = _ThreadConnection()
        for raw, cursor in opened:
            _close(raw, cursor, invalidate=False)


def _close(raw: Any, cursor: Any, *, invalidate: bool) -> None:
    with contextlib.suppress(Exception):
        if cursor is not None:
            cursor.close()
    if invalidate:
        raw.invalidate()
    else:
        raw.close()

"""Engines tuned per dialect: SQLite in WAL with immediate transactions, MariaDB in READ COMMITTED."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

_engines: dict[str, Engine] = {}


def now() -> float:
    """Current Unix time; every stored timestamp uses it."""
    return time.time()


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", **kwargs: Any) -> Engine:
    """A new engine for ``url``; SQLite files get their folder, WAL and IMMEDIATE transactions.

    ``sqlite_synchronous`` is FULL by default so a committed publish survives power loss; the consumer side
    uses NORMAL, where a lost commit can only redeliver a message, never lose one.

    SQLite transactions begin IMMEDIATE so that a transaction that reads before it writes never hits the
    lock-upgrade deadlock (SQLITE_BUSY without waiting) when several processes share the file.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 60})
        engine = sa.create_engine(url, **kwargs)
        _configure_sqlite(engine, sqlite_synchronous)
        return engine
    if backend in ("mysql", "mariadb"):
        kwargs.setdefault("isolation_level", "READ COMMITTED")
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"sqlite synchronous mode {synchronous!r} is not OFF, NORMAL, FULL or EXTRA")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: settings); the embedded SQLite default migrates itself."""
    from conveyor.db.migrate import ensure_migrated
    from conveyor.settings import get_settings

    url = url or get_settings().database_url
    engine = _engines.get(url)
    if engine is None:
        engine = make_engine(url)
        if engine.dialect.name == "sqlite":
            ensure_migrated(engine)
        _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every cached engine (after a fork, or at the end of tests)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()

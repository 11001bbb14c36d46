"""Fixtures for real backends: a fresh SQLite file, an isolated PostgreSQL / MariaDB database, a RabbitMQ vhost,
Redis.

A service that is not reachable skips its tests on a user's machine; with CONVEYOR_REQUIRE_SERVICES=1
(CI) it fails them instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.catalog import ensure_catalog_defaults
from conveyor.db import make_engine, upgrade
from conveyor.db.engine import dispose_engines
from conveyor.mq.queue import MessageQueue
from conveyor.plugins import EntryPointLike, PluginGroup, default_plugins
from conveyor.schema import metadata  # every table, so every table is cleaned
from conveyor.settings import Settings, get_settings
from tests.support.topologies import fanout_topology

PG_ADMIN_URL = os.environ.get("CONVEYOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIA_ADMIN_URL = os.environ.get("CONVEYOR_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
AMQP_HOST = os.environ.get("CONVEYOR_TEST_AMQP_HOST", "127.0.0.1")
REDIS_URL = os.environ.get("CONVEYOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE = os.environ.get("CONVEYOR_REQUIRE_SERVICES", "") not in ("", "0", "false")
RUN_ID = uuid.uuid4().hex[:8]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def need(service: str, host: str, port: int) -> None:
    """Skip (or, in CI, fail) when ``service`` is not listening."""
    if not _reachable(host, port):
        message = f"{service} is not reachable at {host}:{port}"
        if REQUIRE:
            pytest.fail(message + " (CONVEYOR_REQUIRE_SERVICES=1)")
        pytest.skip(message)


def need_restarts() -> None:
    """Tests that restart the shared servers run in CI or on request, never by surprise on a user's machine."""
    if not (REQUIRE or os.environ.get("CONVEYOR_TEST_RESTARTS") == "1"):
        pytest.skip("restarts servers: set CONVEYOR_TEST_RESTARTS=1 (CI sets CONVEYOR_REQUIRE_SERVICES=1)")


def _server_database(admin_url: str, name: str) -> Iterator[str]:
    url = sa.engine.make_url(admin_url)
    # pre-ping: the fault tests restart the servers while this engine's connection sits in the pool
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    test_url = url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(test_url)
    upgrade(engine)
    engine.dispose()
    try:
        yield test_url
    finally:
        dispose_engines()
        with admin.connect() as conn:
            if url.get_backend_name() == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(n)s",
                    {"n": name},
                )
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    need("PostgreSQL", "127.0.0.1", 5432)
    yield from _server_database(PG_ADMIN_URL, f"conveyor_test_{RUN_ID}")


@pytest.fixture(scope="session")
def _maria_database() -> Iterator[str]:
    need("MariaDB", "127.0.0.1", 3306)
    yield from _server_database(MARIA_ADMIN_URL, f"conveyor_test_{RUN_ID}")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "conveyor.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _truncate(url: str) -> None:
    """Empty every table that holds rows and reset every id counter that moved, then re-seed the defaults.

    DELETE on the few used tables rather than TRUNCATE on all: a TRUNCATE recreates the table's files (tens of
    milliseconds each on both servers), which made the cleanup the larger part of a test.
    """
    engine = make_engine(url)
    tables = [t.name for t in metadata.sorted_tables]
    probe = " UNION ALL ".join(
        f"SELECT '{t}' FROM (SELECT 1 AS one) AS o WHERE EXISTS (SELECT 1 FROM {t})" for t in tables
    )
    with engine.begin() as conn:
        used = {row[0] for row in conn.exec_driver_sql(probe)}
        if engine.dialect.name != "postgresql":
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        for table in reversed(tables):  # children first
            if table in used:
                conn.exec_driver_sql(f"DELETE FROM {table}")
        if engine.dialect.name == "postgresql":
            for (sequence,) in conn.exec_driver_sql(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            ).all():
                conn.exec_driver_sql(f"ALTER SEQUENCE {sequence} RESTART")
        else:
            for (table,) in conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = DATABASE() AND auto_increment > 1"
            ).all():
                conn.exec_driver_sql(f"ALTER TABLE {table} AUTO_INCREMENT = 1")
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
        ensure_catalog_defaults(conn)
    engine.dispose()


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "conveyor.db"
    shutil.copy(_sqlite_template, path)
    yield f"sqlite:///{path}"
    dispose_engines()


@pytest.fixture
def pg_url(_pg_database: str) -> Iterator[str]:
    _truncate(_pg_database)
    yield _pg_database
    dispose_engines()


@pytest.fixture
def maria_url(_maria_database: str) -> Iterator[str]:
    _truncate(_maria_database)
    yield _maria_database
    dispose_engines()


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A clean, migrated database on each of the three backends."""
    fixture = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mariadb": "maria_url"}[request.param]
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url``'s clean database (each of the three backends; a module narrows them by its own
    ``db_url``), disposed of after the test."""
    found = make_engine(db_url)
    yield found
    found.dispose()


def _rabbitmqctl(*args: str) -> bool:
    if shutil.which("rabbitmqctl") is None:
        return False
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, timeout=60, check=False).returncode == 0


@pytest.fixture
def amqp_url() -> Iterator[str]:
    """A fresh RabbitMQ vhost for this test (deleted after); the default vhost when rabbitmqctl is absent."""
    need("RabbitMQ", AMQP_HOST, 5672)
    vhost = f"conveyor_test_{uuid.uuid4().hex[:10]}"
    if _rabbitmqctl("add_vhost", vhost) and _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"):
        yield f"amqp://guest:guest@{AMQP_HOST}:5672/{vhost}"
        _rabbitmqctl("delete_vhost", vhost)
    else:
        yield f"amqp://guest:guest@{AMQP_HOST}:5672/%2F"


@pytest.fixture
def redis_url() -> str:
    """Redis (the rate limiter's backend for many machines). Shared, never flushed: tests keep apart by key names
    of their own (``uid``), as other suites may be using the same server."""
    parsed = urlsplit(REDIS_URL)
    need("Redis", parsed.hostname or "127.0.0.1", parsed.port or 6379)
    return REDIS_URL


@pytest.fixture
def uid() -> str:
    """A short unique suffix for names that live outside the test's own database or vhost."""
    return uuid.uuid4().hex[:8]


RegisterPlugin = Callable[[str, EntryPointLike], None]


@pytest.fixture
def register_plugin() -> Iterator[RegisterPlugin]:
    """``register_plugin(group_attribute, entry_point)``: an entry point on the process's plug-ins (as an installed
    package would add it) for the length of one test."""
    done: list[tuple[PluginGroup[object], str]] = []

    def register(attribute: str, entry: EntryPointLike) -> None:
        group: PluginGroup[object] = getattr(default_plugins(), attribute)
        group.register_entry_point(entry)
        done.append((group, entry.name))

    yield register
    for group, name in done:
        group.unregister(name)


@pytest.fixture
def memory_mq() -> Iterator[MessageQueue]:
    """The fan-out topology on the memory transport alone: no database, no server (its ``engine`` is unusable)."""
    settings = Settings(database_url="memory://unit", amqp_url="amqp://unused")
    queue = MessageQueue(fanout_topology("db"), settings, database_url="memory://unit")
    yield queue
    queue.close()


@pytest.fixture(autouse=True)
def _fresh_process_settings() -> Iterator[None]:
    """``get_settings()`` is cached per process: a test that sets a ``CONVEYOR_*`` variable (monkeypatch) must not
    leave its settings to the next test of the same xdist worker (orders created later got the update tests' line
    numbers, P697, instead of 0010)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()

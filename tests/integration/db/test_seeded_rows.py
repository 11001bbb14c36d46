"""A fresh upgrade seeds exactly the rows ``conveyor.catalog.defaults`` writes, on every backend, and no migration
imports package code.

The migrations seed frozen literal rows (they never import the live table code); the tests' cleanup and a
re-seeded store use ``ensure_catalog_defaults``. Both must agree, down to the ids and to the next id each
auto-increment column hands out (on PostgreSQL the migration moves the sequences past its explicit ids).
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from conveyor.catalog import ensure_catalog_defaults
from conveyor.db import make_engine, upgrade
from conveyor.schema import metadata
from tests.conftest import MARIA_ADMIN_URL, PG_ADMIN_URL, need

# Seeded when the row is written, so never equal between two databases.
WRITE_TIMES = {"created_at", "updated_at"}

EmptyDatabase = Callable[[], Engine]


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmptyDatabase]:
    """Makes engines on empty databases of one backend (dropped afterwards): the shared test database is no use
    here, as the fixtures re-seed it with ``ensure_catalog_defaults`` after emptying it."""
    backend: str = request.param
    engines: list[Engine] = []
    names: list[str] = []
    admin: Engine | None = None
    if backend != "sqlite":
        admin_url, port = (PG_ADMIN_URL, 5432) if backend == "postgresql" else (MARIA_ADMIN_URL, 3306)
        need(backend, "127.0.0.1", port)
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def create() -> Engine:
        name = f"conveyor_seed_{uuid.uuid4().hex[:10]}"
        if admin is None:
            url = f"sqlite:///{tmp_path / name}.db"
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
            names.append(name)
            url = admin.url.set(database=name).render_as_string(hide_password=False)
        engines.append(make_engine(url))
        return engines[-1]

    yield create
    for engine in engines:
        engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def seeded_rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every non-empty table's rows in primary-key order, without the write times."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table in metadata.sorted_tables:
        columns = [column for column in table.columns if column.name not in WRITE_TIMES]
        found = conn.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
        if found:
            rows[table.name] = [tuple(row) for row in found]
    return rows


def next_ids(conn: Connection) -> dict[str, int]:
    """The id each auto-increment column of the seeded tables hands out next (probed, then rolled back)."""

    def insert(table: str, **values: Any) -> int:
        key = conn.execute(metadata.tables[table].insert().values(**values)).inserted_primary_key
        assert key is not None
        ids[table] = int(key[0])
        return ids[table]

    ids: dict[str, int] = {}
    with conn.begin_nested() as probe:
        attribute_set = insert("eav_attribute_set", entity_type_id=4, attribute_set_name="probe")
        attribute = insert("eav_attribute", entity_type_id=4, attribute_code="probe")
        group = insert(
            "eav_attribute_group", attribute_set_id=attribute_set, attribute_group_name="p", attribute_group_code="p"
        )
        insert("eav_entity_attribute", attribute_set_id=attribute_set, attribute_group_id=group, attribute_id=attribute)
        written = datetime(2026, 1, 1)
        insert("catalog_category_entity", path="probe", created_at=written, updated_at=written)
        probe.rollback()
    return ids


def state(engine: Engine) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, int]]:
    with engine.connect() as conn:
        return seeded_rows(conn), next_ids(conn)


def test_a_fresh_upgrade_seeds_what_the_catalog_defaults_write(empty_database: EmptyDatabase) -> None:
    migrated = empty_database()
    upgrade(migrated)
    declared = empty_database()
    metadata.create_all(declared)
    with declared.begin() as conn:
        ensure_catalog_defaults(conn)

    migrated_rows, migrated_next = state(migrated)
    declared_rows, declared_next = state(declared)

    assert migrated_rows.keys() == declared_rows.keys()
    for table, rows in declared_rows.items():
        assert migrated_rows[table] == rows, table
    assert migrated_next == declared_next
    # what Magento installs, so that a wrong comparison cannot pass on two empty stores
    assert len(migrated_rows["eav_attribute"]) == 75
    assert len(migrated_rows["store"]) == 2
    assert migrated_next["eav_attribute"] == 76


MIGRATIONS = Path(__file__).resolve().parents[3] / "src" / "conveyor" / "db" / "migrations"


def conveyor_imports(path: Path) -> set[str]:
    return {
        name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        for name in imported_modules(node)
        if name.split(".")[0] == "conveyor"
    }


def test_no_migration_imports_package_code() -> None:
    """A migration that imported today's table code would break a fresh upgrade once a column is added."""
    offenders = {
        path.name: found for path in (MIGRATIONS / "versions").glob("*.py") if (found := conveyor_imports(path))
    }
    assert offenders == {}


def test_the_alembic_environment_imports_only_db_and_settings() -> None:
    """env.py lives outside the package graph lint-imports checks (migrations/ is no package), so it is checked
    here: db knows no feature package."""
    assert {
        name
        for name in conveyor_imports(MIGRATIONS / "env.py")
        if not name.startswith(("conveyor.db.", "conveyor.settings"))
    } == set()


def imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []

"""Fixtures for the import tests: a database per test module (so a module imports the Luma bunch once per
backend), the shared Luma files, a store prepared with Luma's attribute sets and attributes, and a fresh store with a
second store view."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from conveyor.db import make_engine
from conveyor.db.engine import dispose_engines
from tests.conftest import _truncate
from tests.integration.importer.helpers import add_store_view, prepare_luma_store


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A clean, migrated database on each backend, shared by the tests of one module."""
    if request.param == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path_factory.mktemp("module") / "conveyor.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
    else:
        url = str(request.getfixturevalue("_pg_database" if request.param == "postgresql" else "_maria_database"))
        _truncate(url)
        yield url
    dispose_engines()


@pytest.fixture(scope="module")
def luma_engine(module_db_url: str) -> Iterator[Engine]:
    """An engine on a store holding Luma's attribute sets and attributes (no products yet)."""
    engine = make_engine(module_db_url)
    prepare_luma_store(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def de_de_engine(engine: Engine) -> Engine:
    """The fresh store with a second store view, de_de (id 2), for the rows that speak for a store view."""
    add_store_view(engine, 2, "de_de")
    return engine


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path

"""Fixtures of the order update tests: the shop on SQLite and PostgreSQL, or SQLite alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.api.harness import harness
from tests.integration.orders.support import pipelines_mq, world_settings
from tests.integration.orders.update.support import LINE_NUMBERS, Shop


@contextmanager
def opened(db_url: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    monkeypatch.setenv("CONVEYOR_LINE_NUMBERS", json.dumps(LINE_NUMBERS))
    settings = world_settings(db_url, root / "orders.yaml", root / "work")
    with harness(db_url) as api:
        mq = pipelines_mq(settings, db_url)
        try:
            yield Shop(api, mq, settings, root)
        finally:
            mq.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def shop(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    db_url = str(request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[request.param]))
    with opened(db_url, tmp_path, monkeypatch) as running:
        yield running


@pytest.fixture
def sqlite_shop(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    """Refusals and file handling are not about the database: SQLite is enough."""
    with opened(sqlite_url, tmp_path, monkeypatch) as running:
        yield running

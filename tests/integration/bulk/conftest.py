"""The API on each database backend (fixtures shared with tests/bulk), and the app with its bulk queue on each
queue backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conveyor.api.operations import Registry
from conveyor.bulk.topology import QUEUE
from tests.integration.api.harness import Harness, api, harness, sqlite_api

__all__ = ["api", "bulk_api", "bulk_registry", "sqlite_api"]


@pytest.fixture
def bulk_registry() -> Registry | None:
    """The operations ``bulk_api`` serves (None: all of them); a module that needs fewer narrows it."""
    return None


@pytest.fixture(params=["sqlite", "postgresql", "mariadb", "amqp"])
def bulk_api(request: pytest.FixtureRequest, bulk_registry: Registry | None) -> Iterator[Harness]:
    """The app with its bulk queue on the DB queue of each database, and on RabbitMQ (bulk rows in SQLite)."""
    amqp_url: str | None = None
    if request.param == "amqp":
        db_url = str(request.getfixturevalue("sqlite_url"))
        amqp_url = str(request.getfixturevalue("amqp_url"))
    else:
        fixture = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mariadb": "maria_url"}[request.param]
        db_url = str(request.getfixturevalue(fixture))
    with harness(db_url, amqp_url=amqp_url, registry=bulk_registry) as running:
        assert running.mq.topology.queues[QUEUE].connection == ("amqp" if amqp_url else "db")
        yield running

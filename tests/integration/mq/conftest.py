"""Queue fixtures: a MessageQueue on each backend that keeps messages outside the process (DB queues, RabbitMQ)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conveyor.mq.queue import MessageQueue
from conveyor.settings import Settings
from tests.support.topologies import fanout_topology

BACKENDS = ["sqlite", "postgresql", "mariadb", "amqp"]  # shared by processes (the fault tests spawn consumers)


def make_mq(request: pytest.FixtureRequest, backend: str, handler: str | None = None) -> MessageQueue:
    """A MessageQueue whose ``fanout_topology`` lives on ``backend`` (AMQP keeps its outbox in SQLite)."""
    if backend == "amqp":
        db = str(request.getfixturevalue("sqlite_url"))
        amqp = str(request.getfixturevalue("amqp_url"))
        topology = fanout_topology("amqp", handler)
    else:
        db = str(
            request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url", "mariadb": "maria_url"}[backend])
        )
        amqp = "amqp://unused"
        topology = fanout_topology("db", handler)
    # prefetch above the largest batch a contract test holds unacknowledged at once
    settings = Settings(database_url=db, amqp_url=amqp, amqp_prefetch=500)
    return MessageQueue(topology, settings, database_url=db, amqp_url=amqp)


@pytest.fixture(params=BACKENDS)
def mq(request: pytest.FixtureRequest) -> Iterator[MessageQueue]:
    """The fan-out topology on each backend."""
    queue = make_mq(request, request.param)
    yield queue
    queue.close()


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_mq(request: pytest.FixtureRequest) -> Iterator[MessageQueue]:
    """The fan-out topology on each DB backend only."""
    queue = make_mq(request, request.param)
    yield queue
    queue.close()

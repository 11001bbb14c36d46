"""Queue fixtures: a MessageQueue on each backend, DB transports, RabbitMQ and the memory transport alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conveyor.db.engine import dispose_engines
from conveyor.mq.queue import MessageQueue
from conveyor.settings import Settings
from tests.mq.topologies import fanout_topology

BACKENDS = ["sqlite", "postgresql", "mariadb", "amqp"]  # shared by processes (the fault tests spawn consumers)
CONTRACT_BACKENDS = [*BACKENDS, "memory"]


def make_mq(request: pytest.FixtureRequest, backend: str, handler: str | None = None) -> MessageQueue:
    """A MessageQueue whose ``fanout_topology`` lives on ``backend`` (AMQP keeps its outbox in SQLite).

    ``memory`` needs no server and no outbox; its database is a SQLite file created (and migrated) only when a
    test opens a transaction (``mq.transaction()`` runs in the database), and never written by the transport.
    """
    if backend == "memory":
        db = f"sqlite:///{request.getfixturevalue('tmp_path')}/transactions-only.db"
        amqp = "memory://contract"
        topology = fanout_topology("amqp", handler)  # the connection name is a label: memory serves either
        request.addfinalizer(dispose_engines)
    elif backend == "amqp":
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


@pytest.fixture(params=CONTRACT_BACKENDS)
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


@pytest.fixture
def memory_mq() -> Iterator[MessageQueue]:
    """The fan-out topology on the memory transport alone: no database, no server (its ``engine`` is unusable)."""
    settings = Settings(database_url="memory://unit", amqp_url="amqp://unused")
    queue = MessageQueue(fanout_topology("db"), settings, database_url="memory://unit")
    yield queue
    queue.close()

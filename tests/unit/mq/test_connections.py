"""Open connection names: CONVEYOR_CONNECTIONS maps a name to a URL, the URL's scheme picks the transport plug-in,
and topologies and settings accept exactly the configured names."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from conveyor.db import make_engine
from conveyor.mq import outbox
from conveyor.mq.config.loader import load_topology
from conveyor.mq.consumer import ConsumerOptions, Worker
from conveyor.mq.envelope import Envelope
from conveyor.mq.middleware import StopWhenEmpty
from conveyor.mq.queue import MessageQueue
from conveyor.mq.schema import message_table
from conveyor.mq.topology import TopologyError
from conveyor.mq.transports.sql import SqlTransport
from conveyor.settings import Settings
from tests.support.topologies import fanout_topology

ARCHIVE_YAML = """\
exchanges:
  - name: conveyor
    connection: archive
    bindings: [{id: orders, topic: "orders.*", destination: orders}]
queues:
  - {name: orders, connection: archive}
publishers:
  - topic: orders.created
    connections: [{name: archive, exchange: conveyor}]
"""


@pytest.fixture
def archive_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A second migrated SQLite database, for a DB queue of its own."""
    path = tmp_path / "archive.db"
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def archive_mq(sqlite_url: str, archive_url: str) -> Iterator[MessageQueue]:
    """The fan-out topology on connection ``archive`` (its own SQLite database), beside the usual ``db``."""
    settings = Settings(database_url=sqlite_url, connections={"archive": archive_url})
    mq = MessageQueue(fanout_topology("archive", connections=settings.connections), settings)
    yield mq
    mq.close()


def messages(url: str) -> int:
    with make_engine(url).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(message_table)).scalar_one()


def test_db_and_amqp_follow_their_urls_and_connections_override_and_add(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", "sqlite:///main.db")
    monkeypatch.setenv("CONVEYOR_AMQP_URL", "amqp://rabbit/")
    assert Settings().connections == {"db": "sqlite:///main.db", "amqp": "amqp://rabbit/"}
    monkeypatch.setenv("CONVEYOR_CONNECTIONS", '{"archive": "sqlite:///archive.db", "amqp": "amqps://cloud/"}')
    assert Settings().connections == {
        "db": "sqlite:///main.db",
        "amqp": "amqps://cloud/",
        "archive": "sqlite:///archive.db",
    }
    assert Settings(bus_connection="archive").bus_connection == "archive"


def test_the_connection_settings_accept_only_configured_names() -> None:
    with pytest.raises(ValidationError, match=r"CONVEYOR_BUS_CONNECTION: unknown connection 'erp' \(known: amqp, db;"):
        Settings(bus_connection="erp")
    with pytest.raises(ValidationError, match="CONVEYOR_PIPELINE_CONNECTION: unknown connection 'erp'"):
        Settings(pipeline_connection="erp")
    settings = Settings(pipeline_connection="erp", connections={"erp": "sqlite:///erp.db"})
    assert settings.pipeline_connection == "erp"


def test_an_unknown_connection_in_a_topology_names_file_element_attribute_and_the_known_names(
    tmp_path: Path,
) -> None:
    path = tmp_path / "archive.yaml"
    path.write_text(ARCHIVE_YAML, encoding="utf-8")
    with pytest.raises(TopologyError) as unknown:
        load_topology([path], settings=Settings())
    assert unknown.value.origin is not None and unknown.value.origin.file == str(path)
    assert unknown.value.attribute == "connection"
    assert str(unknown.value.problems[0]) == (
        f"{path}: exchange 'conveyor', attribute 'connection': unknown connection 'archive' (known: amqp, db)"
    )
    assert all("unknown connection 'archive'" in str(problem) for problem in unknown.value.problems)
    topology = load_topology([path], settings=Settings(connections={"archive": "sqlite:///archive.db"}))
    assert topology.route("orders.created") == ("archive", "conveyor")


def test_a_custom_connection_on_its_own_sqlite_database_publishes_and_consumes(
    archive_mq: MessageQueue, sqlite_url: str, archive_url: str
) -> None:
    transport = archive_mq.transport("archive")
    assert isinstance(transport, SqlTransport) and transport.connection == "archive"
    archive_mq.publish("orders.created", {"n": 1})
    with archive_mq.transaction() as tx:  # another database than the caller's: through the outbox, after commit
        tx.publish("orders.paid", {"n": 2})
        assert tx.outboxed
    assert outbox.pending(archive_mq.engine) == 0
    assert (messages(sqlite_url), messages(archive_url)) == (0, 2)

    handled: list[Envelope] = []
    worker = Worker(archive_mq, {"orders": handled.append}, ConsumerOptions(sleep=0), [StopWhenEmpty()])
    assert worker.run() == 0
    assert [(e.topic, e.json()) for e in handled] == [("orders.created", {"n": 1}), ("orders.paid", {"n": 2})]
    assert transport.counts("orders").complete == 2 and transport.counts("audit").waiting == 2


def test_the_db_connection_still_shares_the_callers_transaction(sqlite_url: str) -> None:
    mq = MessageQueue(fanout_topology("db"), Settings(database_url=sqlite_url))
    try:
        with pytest.raises(RuntimeError, match="roll back"), mq.transaction() as tx:
            tx.publish("orders.created", {"n": 1})
            assert not tx.outboxed  # written in the transaction itself
            raise RuntimeError("roll back")
        assert messages(sqlite_url) == 0
        with mq.transaction() as tx:
            tx.publish("orders.created", {"n": 1})
        assert messages(sqlite_url) == 1 and not tx.outboxed
    finally:
        mq.close()

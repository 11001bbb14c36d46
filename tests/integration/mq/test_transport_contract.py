"""The transport contract on the transports that keep messages outside the process: SQLite, PostgreSQL, MariaDB
and RabbitMQ (the ``mq`` fixture of this folder; the memory transport's run is a unit test)."""

from __future__ import annotations

from tests.support.transport_contract import TransportContract


class TestTransportContract(TransportContract):
    """Every contract test, on each backend of ``mq``."""

"""The transport contract on the memory transport: no server, and a SQLite file only for the two tests that open a
transaction (``mq.transaction()`` runs in the database, which the memory transport never writes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conveyor.db.engine import dispose_engines
from conveyor.mq.queue import MessageQueue
from conveyor.settings import Settings
from tests.support.reservation_contract import ReservationContract
from tests.support.topologies import fanout_topology
from tests.support.transport_contract import TransportContract


class TestMemoryTransportContract(TransportContract, ReservationContract):
    """Every contract test, on ``memory://``."""

    @pytest.fixture
    def mq(self, tmp_path: Path) -> Iterator[MessageQueue]:
        db = f"sqlite:///{tmp_path}/transactions-only.db"
        settings = Settings(database_url=db, amqp_url="memory://contract")
        queue = MessageQueue(fanout_topology("amqp"), settings, database_url=db, amqp_url="memory://contract")
        yield queue
        queue.close()
        dispose_engines()

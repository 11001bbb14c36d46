"""The transport contract on the transports that keep messages outside the process: SQLite, PostgreSQL, MariaDB
and RabbitMQ (the ``mq`` fixture of this folder; the memory transport's run is a unit test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conveyor.mq.queue import MessageQueue
from tests.integration.mq.conftest import make_mq
from tests.support.reservation_contract import ReservationContract
from tests.support.transport_contract import TransportContract


class TestTransportContract(TransportContract):
    """Every contract test, on each backend of ``mq``."""


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def sql_mq(request: pytest.FixtureRequest) -> Iterator[MessageQueue]:
    queue = make_mq(request, request.param)
    yield queue
    queue.close()


class TestSqlReservations(ReservationContract):
    """The DB queue's reservations on each database."""

    @pytest.fixture
    def mq(self, sql_mq: MessageQueue) -> MessageQueue:
        return sql_mq

"""Partitioned hosts: consumers on two network-namespace hosts, one host's link cut mid-stream.

The cut host's claimed messages are handled by the other host within the detection time, without any manual
refresh, nothing is lost, and duplicates are counted (the cut host may have committed a handler's work whose
ack never arrived). PostgreSQL and MariaDB carry the DB queue; RabbitMQ is tried with PostgreSQL beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.mq.queue import MessageQueue
from conveyor.settings import Settings
from tests.integration.mq.conftest import make_mq
from tests.support import netns
from tests.support.fault_scenarios import DEAD_AFTER, partitioned_host
from tests.support.faults import FaultRun
from tests.support.topologies import fanout_topology


@pytest.fixture(scope="module", autouse=True)
def _namespaces() -> None:
    """Skip, saying why, where network namespaces cannot be made (not root, a container without the right)."""
    reason = netns.unavailable()
    if reason is not None:
        pytest.skip(reason)


def _queue(request: pytest.FixtureRequest, backend: str) -> MessageQueue:
    if backend != "amqp":
        return make_mq(request, backend)
    db, amqp = str(request.getfixturevalue("pg_url")), str(request.getfixturevalue("amqp_url"))
    settings = Settings(database_url=db, amqp_url=amqp)
    return MessageQueue(fanout_topology("amqp"), settings, database_url=db, amqp_url=amqp)


@pytest.mark.parametrize("backend", ["postgresql", "mariadb", "amqp"])
def test_a_cut_hosts_messages_are_handled_by_the_other_host(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    run = FaultRun.prepare(_queue(request, backend), tmp_path, backend)
    request.addfinalizer(run.close)
    report = partitioned_host(run, backend, total=300)
    print(report)
    assert report.lost == 0, report
    assert report.dead_lettered == 0, report
    # the registry reaps after DEAD_AFTER (plus a beat); the broker after two missed 2 s heartbeats
    assert report.recovery is not None and report.recovery < 10, report
    if backend != "amqp":
        assert report.recovery >= DEAD_AFTER - 1, report  # not before the worker could be called dead

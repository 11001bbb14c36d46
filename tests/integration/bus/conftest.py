"""A command bus on each backend, and the environment the CLI's workers read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest

from conveyor.bus import CommandBus, create_bus
from conveyor.settings import Settings, get_settings
from tests.integration.bus import commands

__all__ = ["commands"]


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    commands.attempts.clear()
    commands.seen_correlation_ids.clear()


def make_bus(
    database_url: str, amqp_url: str = "amqp://unused", connection: Literal["db", "amqp"] = "db"
) -> CommandBus:
    """A bus over the packaged topology on ``database_url`` (its command queues on ``connection``)."""
    settings = Settings(database_url=database_url, amqp_url=amqp_url, bus_connection=connection, queue_retry_delay=0.0)
    return create_bus(settings, topology_files=[])


@pytest.fixture
def bus(db_url: str) -> Iterator[CommandBus]:
    """A bus on each database backend, its queues on the DB queue."""
    command_bus = make_bus(db_url)
    yield command_bus
    command_bus.mq.close()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings caches cleared before and after a test that points the CLI at its own databases."""
    get_settings.cache_clear()
    get_settings.cache_clear()
    monkeypatch.setenv("CONVEYOR_QUEUE_RETRY_DELAY", "0")
    yield monkeypatch
    get_settings.cache_clear()
    get_settings.cache_clear()

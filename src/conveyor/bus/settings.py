"""Settings of the command bus, on top of the process-wide ``Settings`` (same ``CONVEYOR_`` environment).

A subclass, as the API's settings are, so that the bus stays self-contained.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator

from conveyor.settings import Settings


class BusSettings(Settings):
    """``Settings`` plus where queued commands travel and how inline commands retry."""

    bus_connection: str = Field(
        default="db",
        description="Connection of the command queues (commands.<queue>), a name of CONVEYOR_CONNECTIONS (db, amqp…).",
    )
    bus_inline_attempts: int = Field(
        default=3, ge=1, description="Attempts of an inline command whose failures are transient."
    )

    @model_validator(mode="after")
    def _known_bus_connection(self) -> BusSettings:
        self.check_connection(self.bus_connection, "CONVEYOR_BUS_CONNECTION")
        return self


def bus_settings(settings: Settings | None = None) -> BusSettings:
    """``settings`` widened to ``BusSettings`` (the bus fields then come from the environment)."""
    if settings is None:
        return get_bus_settings()
    if isinstance(settings, BusSettings):
        return settings
    return BusSettings(**settings.model_dump())


@lru_cache(maxsize=1)
def get_bus_settings() -> BusSettings:
    """The process-wide bus settings, read once."""
    return BusSettings()

"""Settings of the REST API and the bulk API, on top of the process-wide ``Settings`` (same ``CONVEYOR_`` env).

A subclass rather than new fields in ``conveyor.settings`` keeps this package self-contained; any ``Settings``
instance can be widened with ``api_settings(settings)``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field

from conveyor.settings import Settings


class ApiSettings(Settings):
    """``Settings`` plus what the API, its tokens and the bulk consumer read."""

    admin_token_lifetime_hours: float = Field(
        default=4.0, gt=0, description="Hours an admin token stays valid (Magento's default: 4)."
    )
    bulk_connection: Literal["db", "amqp"] = Field(
        default="db", description="Connection of the built-in async.operations.all queue: db or amqp."
    )
    bulk_retention_days: float = Field(
        default=60.0, ge=0, description="Acknowledged bulks older than this are removed by `conveyor bulk cleanup`."
    )


def api_settings(settings: Settings | None = None) -> ApiSettings:
    """``settings`` widened to ``ApiSettings`` (the API fields then come from the environment)."""
    if settings is None:
        return get_api_settings()
    if isinstance(settings, ApiSettings):
        return settings
    return ApiSettings(**settings.model_dump())


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    """The process-wide API settings, read once."""
    return ApiSettings()

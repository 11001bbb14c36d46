"""Settings of the REST API and the bulk API, on top of the process-wide ``Settings`` (same ``CONVEYOR_`` env).

A subclass rather than new fields in ``conveyor.settings`` keeps this package self-contained; any ``Settings``
instance can be widened with ``api_settings(settings)``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator

from conveyor.settings import Settings


class ApiSettings(Settings):
    """``Settings`` plus what the API, its tokens and the bulk consumer read."""

    admin_token_lifetime_hours: float = Field(
        default=4.0, gt=0, description="Hours an admin token stays valid (Magento's default: 4)."
    )
    bulk_connection: str = Field(
        default="db",
        description="Connection of the built-in async.operations.all queue, a name of CONVEYOR_CONNECTIONS.",
    )
    bulk_retention_days: float = Field(
        default=60.0, ge=0, description="Acknowledged bulks older than this are removed by `conveyor bulk cleanup`."
    )

    @model_validator(mode="after")
    def _known_bulk_connection(self) -> ApiSettings:
        self.check_connection(self.bulk_connection, "CONVEYOR_BULK_CONNECTION")
        return self


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

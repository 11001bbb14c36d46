"""Settings of sources and sync handlers, on top of the process-wide ``Settings`` (same ``CONVEYOR_`` env).

A subclass rather than new fields in ``conveyor.settings`` keeps this package self-contained (as the API's
settings do); secrets such as the source's API key come from the environment only.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr

from conveyor.settings import Settings


class SyncSettings(Settings):
    """``Settings`` plus the source connection and how source entities land in the store."""

    source: str = Field(default="http", description="Entry point name in the conveyor.sources group.")
    source_url: str = Field(default="http://127.0.0.1:8900/api/v1", description="Base URL of the source's API.")
    source_api_key: SecretStr | None = Field(default=None, description="API key sent with every source request.")
    source_api_key_header: str = Field(default="X-Api-Key", description="Header that carries the API key.")
    source_timeout: float = Field(default=10.0, gt=0, description="Seconds to wait for a source answer.")
    source_retries: int = Field(default=3, ge=0, description="Retries of a request after a 5xx or a timeout.")
    source_backoff: float = Field(default=0.5, ge=0, description="First retry delay in seconds (doubles).")
    source_page_size: int = Field(default=100, ge=1, le=1000, description="Ids per page when listing.")
    sync_website_id: int = Field(default=1, ge=1, description="Website customers and products are synced into.")
    sync_price_outlet: str | None = Field(
        default=None, description="Outlet whose price becomes the product price (default: the variant's price)."
    )
    sync_attribute_map: dict[str, str] = Field(
        default_factory=dict, description='Source attribute code → store attribute code, e.g. {"colour": "color"}.'
    )


def sync_settings(settings: Settings | None = None) -> SyncSettings:
    """``settings`` widened to ``SyncSettings`` (the sync fields then come from the environment)."""
    if settings is None:
        return get_sync_settings()
    if isinstance(settings, SyncSettings):
        return settings
    return SyncSettings(**settings.model_dump())


@lru_cache(maxsize=1)
def get_sync_settings() -> SyncSettings:
    """The process-wide sync settings, read once."""
    return SyncSettings()

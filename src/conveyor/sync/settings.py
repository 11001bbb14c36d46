"""Settings of sources and sync handlers, on top of the process-wide ``Settings`` (same ``CONVEYOR_`` env).

A subclass rather than new fields in ``conveyor.settings`` keeps this package self-contained (as the API's
settings do); secrets such as the source's API key come from the environment only. It extends the limiter's
settings: a source built from these settings is rate-limited by them (``CONVEYOR_RATE_LIMIT_*``).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr

from conveyor.settings import Settings
from conveyor.sync.limiter_settings import LimiterSettings


class SyncSettings(LimiterSettings):
    """``Settings`` and the limiter's, plus the source connection and how source entities land in the store."""

    source: str = Field(default="http", description="Entry point name in the conveyor.sources group.")
    source_name: str | None = Field(
        default=None,
        description="Name the source's calls are rate-limited under (a key of CONVEYOR_RATE_LIMITS); default: source.",
    )
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
    eds_secret: SecretStr | None = Field(
        default=None, description="Shared secret of EDS change-set posts (HMAC-SHA256); unset refuses every post."
    )
    eds_tolerance: float = Field(
        default=300.0, gt=0, description="Seconds a change-set post's signature timestamp may differ from now."
    )

    @property
    def rate_limit_name(self) -> str:
        """The name every worker counts this source's calls under: one quota per source API, not per process."""
        return self.source_name or self.source


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

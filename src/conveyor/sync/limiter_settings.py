"""Settings of the rate limiter, on top of the process-wide ``Settings`` (same ``CONVEYOR_`` environment).

A subclass, as the API's settings are, so that the limiter stays self-contained::

    CONVEYOR_RATE_LIMIT_URL=redis://cache:6379/0           # default: the database (CONVEYOR_DATABASE_URL)
    CONVEYOR_RATE_LIMITS='{"erp": "5/s,60/min"}'           # per source name; others use the default
    CONVEYOR_RATE_LIMIT_DEFAULT="25/s,1200/min,30000/h,150000/day"
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator

from conveyor.settings import Settings
from conveyor.sync.limiter import format_windows, parse_windows


class LimiterSettings(Settings):
    """``Settings`` plus where grants are counted and each source's windows."""

    rate_limit_url: str | None = Field(
        default=None, description="redis://… for Redis, or a database URL; default: the database URL."
    )
    rate_limits: dict[str, str] = Field(
        default_factory=dict, description='Windows per source name, e.g. {"erp": "5/s,60/min"}.'
    )
    rate_limit_default: str = Field(
        default="25/s,1200/min,30000/h,150000/day", description="Windows of a source without its own."
    )
    rate_limit_max_wait: float = Field(
        default=300.0, gt=0, description="Seconds acquire may wait for a slot before it raises RateLimitTimeoutError."
    )
    rate_limit_guard: float = Field(
        default=0.05, ge=0, description="Seconds added to every window for the time a granted call takes to arrive."
    )

    @field_validator("rate_limit_default")
    @classmethod
    def _readable_default(cls, value: str) -> str:
        return format_windows(parse_windows(value))

    @field_validator("rate_limits")
    @classmethod
    def _readable_limits(cls, value: dict[str, str]) -> dict[str, str]:
        return {name: format_windows(parse_windows(text)) for name, text in value.items()}


def limiter_settings(settings: Settings | None = None) -> LimiterSettings:
    """``settings`` widened to ``LimiterSettings`` (the limiter fields then come from the environment)."""
    if settings is None:
        return get_limiter_settings()
    if isinstance(settings, LimiterSettings):
        return settings
    return LimiterSettings(**settings.model_dump())


@lru_cache(maxsize=1)
def get_limiter_settings() -> LimiterSettings:
    """The process-wide limiter settings, read once."""
    return LimiterSettings()

"""Settings of the rate limiter, on top of the process-wide ``Settings`` (same ``CONVEYOR_`` environment).

A subclass, as the API's settings are, so that the limiter stays self-contained::

    CONVEYOR_RATE_LIMIT_URL=redis://cache:6379/0           # default: the database (CONVEYOR_DATABASE_URL)
    CONVEYOR_RATE_LIMITS='{"erp": "5/s,60/min"}'           # per source name; others use the default
    CONVEYOR_RATE_LIMIT_DEFAULT="25/s,1200/min,30000/h,150000/day"
    CONVEYOR_RATE_LIMIT_ENABLED=false                      # sources built from the settings skip the limiter

``SyncSettings`` extends these, so the settings a source is built from also say how its calls are limited.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from sqlalchemy.engine import make_url

from conveyor.settings import Settings
from conveyor.sync.quota import DEFAULT_QUOTA, format_windows, parse_windows


class LimiterSettings(Settings):
    """``Settings`` plus where grants are counted and each source's windows."""

    rate_limit_enabled: bool = Field(
        default=True,
        description="Sources built from the settings wait for the shared limiter before every call (off: unit tests).",
    )
    rate_limit_url: str | None = Field(
        default=None,
        description="redis://… for Redis, or a database URL; default: the database (a SQLite one: a file beside it).",
    )
    rate_limits: dict[str, str] = Field(
        default_factory=dict, description='Windows per source name, e.g. {"erp": "5/s,60/min"}.'
    )
    rate_limit_default: str = Field(default=DEFAULT_QUOTA, description="Windows of a source without its own.")
    rate_limit_max_wait: float = Field(
        default=300.0,
        gt=0,
        description="Seconds a call may wait for a slot (or a 429 storm may last) before the wait becomes an error.",
    )
    rate_limit_guard: float = Field(
        default=0.05, ge=0, description="Seconds added to every window for the time a granted call takes to arrive."
    )

    @property
    def limiter_url(self) -> str:
        """Where grants are counted: ``rate_limit_url``, else the database, but a SQLite database's file of its own.

        ``conveyor.db`` → ``conveyor.ratelimit.db``: SQLite has one writer at a time per file, and a source call made
        inside a write transaction on the store (a handler fetching what it misses) would wait for its own lock.
        """
        if self.rate_limit_url:
            return self.rate_limit_url
        url = make_url(self.database_url)
        database = url.database or ""
        if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
            return self.database_url
        path = Path(database)
        beside = path.with_name(f"{path.stem}.ratelimit{path.suffix or '.db'}")
        return url.set(database=str(beside)).render_as_string(hide_password=False)

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

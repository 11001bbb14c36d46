"""One Settings object, read once from the environment (prefix ``CONVEYOR_``) and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything Conveyor reads from its environment; secrets live here, never in code."""

    model_config = SettingsConfigDict(env_prefix="CONVEYOR_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/conveyor.db",
        description="sqlite:///path, postgresql+psycopg://…, or mysql+pymysql://… (MariaDB).",
    )
    amqp_url: str = Field(default="amqp://guest:guest@127.0.0.1:5672/%2F", description="RabbitMQ URL.")
    topology_files: list[Path] = Field(
        default_factory=list,
        description="YAML topology files or Magento module folders holding queue XML files.",
    )
    queue_max_attempts: int = Field(default=3, ge=1, description="Attempts before a message is dead-lettered.")
    queue_retry_delay: float = Field(default=1.0, ge=0, description="Seconds before a failed message is retried.")
    queue_retention_seconds: int = Field(default=7 * 24 * 3600, description="Keep complete messages this long.")
    amqp_prefetch: int = Field(default=100, ge=1, description="Unacknowledged deliveries per AMQP consumer.")
    require_services: bool = Field(default=False, description="Tests fail instead of skip without services.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()

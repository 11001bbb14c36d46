"""One Settings object, read once from the environment (prefix ``CONVEYOR_``) and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything Conveyor reads from its environment; secrets live here, never in code."""

    model_config = SettingsConfigDict(env_prefix="CONVEYOR_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/conveyor.db",
        description="sqlite:///path, postgresql+psycopg://…, or mysql+pymysql://… (MariaDB).",
    )
    amqp_url: str = Field(default="amqp://guest:guest@127.0.0.1:5672/%2F", description="RabbitMQ URL.")
    connections: dict[str, str] = Field(
        default_factory=dict,
        description="Connection names of the topology → URLs, a JSON object; the URL's scheme picks the transport"
        " plug-in. Always holds db (CONVEYOR_DATABASE_URL) and amqp (CONVEYOR_AMQP_URL) unless given here.",
    )
    topology_files: list[Path] = Field(
        default_factory=list,
        description="YAML topology files or Magento module folders holding queue XML files.",
    )
    queue_max_attempts: int = Field(default=3, ge=1, description="Attempts before a message is dead-lettered.")
    queue_retry_delay: float = Field(default=1.0, ge=0, description="Seconds before a failed message is retried.")
    queue_retention_seconds: int = Field(default=7 * 24 * 3600, description="Keep complete messages this long.")
    amqp_prefetch: int = Field(default=100, ge=1, description="Unacknowledged deliveries per AMQP consumer.")
    require_services: bool = Field(default=False, description="Tests fail instead of skip without services.")

    @model_validator(mode="after")
    def _default_connections(self) -> Settings:
        """db and amqp name the database and broker URLs; explicit ``connections`` entries override and add."""
        self.connections = {"db": self.database_url, "amqp": self.amqp_url, **self.connections}
        return self

    def check_connection(self, name: str, setting: str) -> str:
        """``name`` if it is a configured connection, else ValueError naming ``setting`` and the known names."""
        if name not in self.connections:
            known = ", ".join(sorted(self.connections))
            raise ValueError(
                f"{setting}: unknown connection {name!r} (known: {known}; add one to CONVEYOR_CONNECTIONS)"
            )
        return name


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()

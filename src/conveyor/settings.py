"""One Settings object, read once from the environment (prefix ``CONVEYOR_``) and ``.env``.

The fields are grouped in **sections**, one class per part of the system (``QueueSection``, ``ApiSection``,
``StoreSection``, ``BusSection``, ``PipelineSection``, ``LimiterSection``, ``SyncSection``); ``Settings`` is all of
them. A section names what a part reads: a function that only needs the bus's fields may say
``settings: BusSection``. The environment variables are flat and unchanged (``CONVEYOR_BUS_CONNECTION``,
``CONVEYOR_EDS_SECRET`` …), so a section is documentation and typing, not a prefix. ``get_settings()`` reads them
once per process; the App, the CLI and the API are handed that one object.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from conveyor.quota import DEFAULT_QUOTA, format_windows, parse_windows

SHIPPED_PIPELINES = Path(__file__).resolve().parent / "examples" / "pipelines"
LOCAL_PIPELINES = Path("pipelines")


class QueueSection(BaseModel):
    """Where data and messages live, and how the message queue retries and keeps them."""

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
    queue_heartbeat_seconds: float = Field(
        default=1.0, gt=0, description="Seconds between a worker's liveness beats in the worker registry."
    )
    queue_worker_dead_after_seconds: float = Field(
        default=6.0,
        gt=0,
        description="Seconds without a beat before a worker counts as dead and live workers return what it held.",
    )
    amqp_prefetch: int = Field(default=100, ge=1, description="Unacknowledged deliveries per AMQP consumer.")
    require_services: bool = Field(default=False, description="Tests fail instead of skip without services.")


class ApiSection(BaseModel):
    """The REST API, its tokens and the bulk API."""

    admin_token_lifetime_hours: float = Field(
        default=4.0, gt=0, description="Hours an admin token stays valid (Magento's default: 4)."
    )
    admin_session_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Signs the admin UI's session cookie and CSRF tokens; unset: a random one per process (sessions end "
            "when it restarts, and several API worker processes need it set)."
        ),
    )
    bulk_connection: str = Field(default="db", description="Connection of the built-in async.operations.all queue.")
    bulk_retention_days: float = Field(
        default=60.0, ge=0, description="Acknowledged bulks older than this are removed by `conveyor bulk cleanup`."
    )
    developer_mode: bool = Field(
        default=False,
        description="Error answers carry a `trace`, as Magento's in developer mode (never in production).",
    )

    api_max_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted (bytes); a larger one is answered 413 before it is read whole.",
    )
    api_bulk_max_items: int = Field(
        default=5000,
        ge=1,
        description="Items one async bulk request may carry (Magento's default for asynchronous input arrays).",
    )
    api_search_max_value_length: int = Field(
        default=8192,
        ge=16,
        le=12000,  # 4-byte characters: 48,000 bytes, under SQLite's 50,000-byte LIKE pattern limit
        description="Characters a searchCriteria filter value may have (larger: 400 naming the filter).",
    )
    admin_lockout_failures: int = Field(
        default=6,
        ge=1,
        description="Failed admin logins in a row that lock the username (Magento's admin/security/lockout_failures).",
    )
    admin_lockout_seconds: float = Field(
        default=1800.0,
        gt=0,
        description="Seconds a locked username stays locked after its last failure (Magento: 30 minutes);"
        " `conveyor user unlock NAME` ends it at once.",
    )
    admin_login_rate: str = Field(
        default="10/min,100/h",
        description="Admin login attempts one client address may make per sliding window (more: 429).",
    )
    admin_login_hash_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Password hashes computed at once per process; further logins wait without holding a worker.",
    )

    media_dir: Path = Field(
        default=Path("var/media/catalog/product"),
        description="Where product images posted to the REST API are stored (Magento's pub/media/catalog/product).",
    )

    @field_validator("admin_login_rate")
    @classmethod
    def _readable_login_rate(cls, value: str) -> str:
        return format_windows(parse_windows(value))


class StoreSection(BaseModel):
    """What Magento keeps in its store configuration and a client reads from ``/V1/store/storeConfigs``."""

    store_locale: str = Field(default="en_US", description="general/locale/code of every store view.")
    store_timezone: str = Field(default="UTC", description="general/locale/timezone.")
    store_base_currency: str = Field(default="USD", description="currency/options/base (ISO 4217).")
    store_display_currency: str | None = Field(
        default=None, description="currency/options/default (default: the base currency)."
    )
    store_allowed_currencies: list[str] = Field(
        default_factory=list, description="currency/options/allow (default: the display and base currencies)."
    )
    store_weight_unit: str = Field(default="lbs", description="general/locale/weight_unit: lbs or kgs.")
    store_base_url: str = Field(default="http://localhost/", description="web/unsecure/base_url, ending in /.")
    store_secure_base_url: str | None = Field(default=None, description="web/secure/base_url (default: the base URL).")

    @property
    def display_currency(self) -> str:
        return self.store_display_currency or self.store_base_currency

    @property
    def allowed_currencies(self) -> list[str]:
        return self.store_allowed_currencies or sorted({self.display_currency, self.store_base_currency})


class BusSection(BaseModel):
    """Where queued commands travel and how inline commands retry."""

    bus_connection: str = Field(default="db", description="Connection of the command queues (commands.<queue>).")
    bus_inline_attempts: int = Field(
        default=3, ge=1, description="Attempts of an inline command whose failures are transient."
    )


class PipelineSection(BaseModel):
    """Where pipeline definitions live, where steps travel and how the heartbeat behaves."""

    pipeline_paths: list[Path] = Field(
        default_factory=list,
        description="YAML files or folders of pipeline definitions (default: the shipped ones and ./pipelines).",
    )
    pipeline_connection: str = Field(default="db", description="Connection of the pipeline_process_steps queue.")
    pipeline_work_dir: Path = Field(
        default=Path("var/pipelines"), description="Where pipelines asking for a working directory get one."
    )
    pipeline_mini_heartbeat: bool = Field(
        default=True, description="After a step, enqueue that pipeline's next ready steps at once."
    )
    pipeline_heartbeat_ttl: float = Field(
        default=300.0, gt=0, description="Seconds a heartbeat's lock outlives a heartbeat that died holding it."
    )

    def definition_paths(self) -> tuple[list[Path], list[Path]]:
        """(required, optional) definition paths: the configured ones, else the shipped folder and ./pipelines."""
        if self.pipeline_paths:
            return list(self.pipeline_paths), []
        return [], [SHIPPED_PIPELINES, LOCAL_PIPELINES]


class LimiterSection(BaseModel):
    """Where the shared rate limiter counts grants, and each source's windows (read by ``conveyor.quota``)."""

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

    @field_validator("rate_limit_default")
    @classmethod
    def _readable_default(cls, value: str) -> str:
        return format_windows(parse_windows(value))

    @field_validator("rate_limits")
    @classmethod
    def _readable_limits(cls, value: dict[str, str]) -> dict[str, str]:
        return {name: format_windows(parse_windows(text)) for name, text in value.items()}


class SyncSection(BaseModel):
    """The source connection, how source entities land in the store, and event-driven sync."""

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


class LineNumberRule(BaseModel):
    """How the items of an order are numbered when it is placed (0010, 0020, 0030… by default)."""

    start: int = Field(default=10, ge=0, description="Number of the first item.")
    step: int = Field(default=10, ge=1, description="Difference between consecutive numbers.")
    width: int = Field(default=4, ge=1, le=20, description="Zero-padded to at least this many digits.")
    prefix: str = Field(default="", max_length=12, description="Text before the digits.")
    number_children: bool = Field(
        default=False, description="Also number the children of configurable and bundle items."
    )


class SalesSection(BaseModel):
    """Order line numbering, per website."""

    line_numbers: dict[str, LineNumberRule] = Field(
        default_factory=dict,
        description='Line-number rules by website code; "default" for websites without one, '
        'e.g. {"base": {"start": 1, "step": 1, "width": 3}}.',
    )

    def line_number_rule(self, website_code: str | None) -> LineNumberRule:
        """The rule of a website: its own, else the "default" entry, else the built-in one."""
        found = self.line_numbers.get(website_code or "") or self.line_numbers.get("default")
        return found if found is not None else LineNumberRule()


class OrdersSection(BaseModel):
    """The order export (``conveyor.orders``)."""

    orders_rules: Path = Field(
        default=Path("orders.yaml"), description="The export rules file (websites, conditions, targets)."
    )


class RunSection(BaseModel):
    """How the processes run: what ``conveyor up`` starts beside the consumers, and how they log."""

    import_watch_dir: Path | None = Field(
        default=None, description="A directory of OK-file bunches that `conveyor up` watches and imports (unset: none)."
    )
    log_format: str = Field(
        default="text", pattern="^(text|json)$", description="text, or json: one JSON object per log line."
    )


class Settings(
    BaseSettings,
    QueueSection,
    ApiSection,
    StoreSection,
    BusSection,
    PipelineSection,
    LimiterSection,
    SyncSection,
    SalesSection,
    OrdersSection,
    RunSection,
):
    """Everything Conveyor reads from its environment; secrets live here, never in code."""

    model_config = SettingsConfigDict(env_prefix="CONVEYOR_", env_file=".env", extra="ignore")

    @model_validator(mode="after")
    def _known_connections(self) -> Settings:
        """``db`` and ``amqp`` name the database and broker URLs (explicit ``connections`` entries override and
        add); the connections the bus, pipelines and bulk API use must be among them."""
        self.connections = {"db": self.database_url, "amqp": self.amqp_url, **self.connections}
        self.check_connection(self.bus_connection, "CONVEYOR_BUS_CONNECTION")
        self.check_connection(self.pipeline_connection, "CONVEYOR_PIPELINE_CONNECTION")
        self.check_connection(self.bulk_connection, "CONVEYOR_BULK_CONNECTION")
        return self

    def check_connection(self, name: str, setting: str) -> str:
        """``name`` if it is a configured connection, else ValueError naming ``setting`` and the known names."""
        if name not in self.connections:
            known = ", ".join(sorted(self.connections))
            raise ValueError(
                f"{setting}: unknown connection {name!r} (known: {known}; add one to CONVEYOR_CONNECTIONS)"
            )
        return name

    @property
    def rate_limit_name(self) -> str:
        """The name every worker counts the source's calls under: one quota per source API, not per process."""
        return self.source_name or self.source

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def settings_or_default(settings: Settings | None) -> Settings:
    """``settings``, or the process-wide ones when none are given."""
    return settings if settings is not None else get_settings()

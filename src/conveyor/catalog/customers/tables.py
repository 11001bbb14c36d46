"""Customer tables (Magento's customer_entity and customer_address_entity) and the column types sales shares.

Three column types make values behave the same on SQLite, PostgreSQL and MariaDB:

- ``ExactDecimal`` (money and quantities): NUMERIC on the servers; on SQLite, which has no exact decimal
  storage (NUMERIC affinity becomes a REAL), a scaled 64-bit integer, still comparable and summable in SQL.
- ``Timestamp``: a naive UTC DATETIME to the second, as Magento stores them; it also binds Magento's
  'YYYY-MM-DD HH:MM:SS' text, so a search filter can compare a column with the string from a request.
- ``Email``: stored lower-cased, and every bound value lower-cased, so uniqueness and equality / LIKE
  filters are case-insensitive everywhere, as on Magento's MySQL ``_ci`` collation.

Every table with a generated id sets ``sqlite_autoincrement``: SQLite would otherwise hand the highest
deleted id out again, which Magento's clients (holding customer, address and order ids) never expect.

Custom attributes are one code → text row per value (``customer_custom_attribute``) rather than Magento's
EAV tables per backend type: no customer attribute metadata exists here to choose a type, text is what
Magento's REST API carries anyway, and one table keeps a batch write to one upsert plus one delete.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from conveyor.db.metadata import BigId, metadata

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_timestamp(value: str | datetime | date) -> datetime:
    """A naive UTC datetime (to the second) from Magento's text, ISO 8601 (aware values are converted) or a date."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    elif not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def format_timestamp(value: datetime) -> str:
    """Magento's API text for a stored timestamp."""
    return value.strftime(TIMESTAMP_FORMAT)


def utc_now() -> datetime:
    """The current time as stored: naive UTC, whole seconds."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class Timestamp(sa.types.TypeDecorator[datetime]):
    """DATETIME that also binds Magento's text timestamps (see the module docstring)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else parse_timestamp(value)


class ExactDecimal(sa.types.TypeDecorator[Decimal]):
    """NUMERIC(precision, scale) that round-trips ``Decimal`` exactly on every dialect (see the module docstring)."""

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale, asdecimal=True)
        self.digits, self.places = precision, scale
        self.quantum = Decimal(1).scaleb(-scale)
        # the largest value every dialect stores (SQLite's scaled integer: below 10^14); a value past it is refused
        # before rounding, so that the bound a document declares is the one checked
        self.largest = min(Decimal(10) ** (precision - scale), Decimal(10) ** 14) - self.quantum

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(self.digits, self.places, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        number = to_decimal(value, self.places)
        return int(number.scaleb(self.places)) if dialect.name == "sqlite" else number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.places)
        return Decimal(value).quantize(self.quantum)


def to_decimal(value: Any, places: int = 4) -> Decimal:
    """``value`` (Decimal, int, float or numeric text) rounded half-up to ``places``; floats go through ``str``."""
    number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class Email(sa.types.TypeDecorator[str]):
    """VARCHAR whose stored and bound values are lower-cased (case-insensitive on every dialect)."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(value).lower()


# Magento's decimal(20,4) for money and decimal(12,4) for quantities and weights.
Money = ExactDecimal(20, 4)
Quantity = ExactDecimal(12, 4)

customer_table = sa.Table(
    "customer_entity",
    metadata,
    sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("website_id", sa.SmallInteger, sa.ForeignKey("store_website.website_id"), nullable=False, index=True),
    # 191 characters: the longest indexed utf8mb4 VARCHAR that fits every MariaDB row format.
    sa.Column("email", Email(191), nullable=False),
    sa.Column(
        "group_id",
        sa.Integer,
        sa.ForeignKey("customer_group.customer_group_id"),
        nullable=False,
        server_default="1",
        index=True,
    ),
    sa.Column("store_id", sa.SmallInteger, sa.ForeignKey("store.store_id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False, index=True),
    sa.Column("updated_at", Timestamp, nullable=False, index=True),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("disable_auto_group_change", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_in", sa.String(255), nullable=True),
    sa.Column("prefix", sa.String(40), nullable=True),
    sa.Column("firstname", sa.String(191), nullable=False, index=True),
    sa.Column("middlename", sa.String(255), nullable=True),
    sa.Column("lastname", sa.String(191), nullable=False, index=True),
    sa.Column("suffix", sa.String(40), nullable=True),
    sa.Column("dob", sa.Date, nullable=True),
    sa.Column("gender", sa.SmallInteger, nullable=True),
    sa.Column("taxvat", sa.String(50), nullable=True),
    sa.Column("password_hash", sa.String(128), nullable=True),
    # Magento's account confirmation key (set while the account awaits confirmation) and password reset token.
    sa.Column("confirmation", sa.String(64), nullable=True),
    sa.Column("rp_token", sa.String(128), nullable=True),
    sa.Column("rp_token_created_at", Timestamp, nullable=True),
    # Magento's newsletter subscription (extension_attributes.is_subscribed), kept as a flag on the account.
    sa.Column("is_subscribed", sa.Boolean, nullable=False, server_default=sa.false()),
    # Address ids as in Magento, without a foreign key (it would make the two tables a cycle); the
    # repository keeps them pointing at the customer's own addresses.
    sa.Column("default_billing", sa.BigInteger, nullable=True),
    sa.Column("default_shipping", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("email", "website_id"),
    sqlite_autoincrement=True,
)

address_table = sa.Table(
    "customer_address_entity",
    metadata,
    sa.Column("entity_id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "parent_id",
        sa.BigInteger,
        sa.ForeignKey("customer_entity.entity_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The address's place in the customer's list: keeps the payload's order and lets a batch insert
    # find its new ids again by (parent_id, position) without relying on RETURNING order.
    sa.Column("position", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("firstname", sa.String(255), nullable=False),
    sa.Column("middlename", sa.String(255), nullable=True),
    sa.Column("lastname", sa.String(255), nullable=False),
    sa.Column("prefix", sa.String(40), nullable=True),
    sa.Column("suffix", sa.String(40), nullable=True),
    sa.Column("company", sa.String(255), nullable=True),
    sa.Column("street", sa.Text, nullable=False),
    sa.Column("city", sa.String(255), nullable=False),
    sa.Column("region", sa.String(255), nullable=True),
    sa.Column("region_code", sa.String(32), nullable=True),
    sa.Column("region_id", sa.Integer, nullable=True),
    sa.Column("postcode", sa.String(255), nullable=True),
    sa.Column("country_id", sa.String(2), nullable=False),
    sa.Column("telephone", sa.String(255), nullable=False),
    sa.Column("fax", sa.String(255), nullable=True),
    sa.Column("vat_id", sa.String(255), nullable=True),
    sqlite_autoincrement=True,
)

custom_attribute_table = sa.Table(
    "customer_custom_attribute",
    metadata,
    sa.Column(
        "entity_id",
        sa.BigInteger,
        sa.ForeignKey("customer_entity.entity_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("attribute_code", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Customer configuration Magento keeps in core_config_data (today: customer/create_account/default_group).
setting_table = sa.Table(
    "customer_setting",
    metadata,
    sa.Column("path", sa.String(255), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
)

# The address columns a payload sets (everything but keys, position, flags and timestamps).
ADDRESS_FIELDS = (
    "firstname",
    "middlename",
    "lastname",
    "prefix",
    "suffix",
    "company",
    "street",
    "city",
    "region",
    "region_code",
    "region_id",
    "postcode",
    "country_id",
    "telephone",
    "fax",
    "vat_id",
)

"""Typed attribute values (Magento's EAV value tables), shared by products and categories.

An entity's attribute values live in one table per backend type (varchar, int, decimal, text, datetime),
keyed by (entity_id, attribute_id, store_id); store 0 holds the default and a store view's row overrides it.
This module builds those tables, converts payload values to and from their column types, and reads and
writes them set-based: one statement per table per batch, whatever the number of entities or attributes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.stores.scopes import store_table, website_table
from conveyor.db.metadata import LongText, metadata
from conveyor.db.upsert import upsert

if TYPE_CHECKING:
    from conveyor.catalog.eav.attributes import AttributeMeta

BACKEND_TYPES = ("varchar", "int", "decimal", "text", "datetime")
# Magento's scopes (eav is_global): where a value may differ.
SCOPE_STORE, SCOPE_GLOBAL, SCOPE_WEBSITE = 0, 1, 2
SCOPE_NAMES = {SCOPE_STORE: "store", SCOPE_GLOBAL: "global", SCOPE_WEBSITE: "website"}
INVALID_VALUE = 'The "%1" attribute value is not valid: %2'
# Magento's boundary for identifiers: PostgreSQL cuts names at 63 characters, MariaDB refuses more than 64.
_MAX_NAME = 60
# Rows per IN list: far below SQLite's 32766 bound parameters, big enough that a batch needs one statement.
IN_CHUNK = 5000
VALUE_KEY = ("entity_id", "attribute_id", "store_id")

T = TypeVar("T")


def constraint_name(prefix: str, table: str, *columns: str) -> str:
    """The naming convention's name, shortened with a stable hash when it would pass the identifier limit."""
    name = "_".join((prefix, table, *columns))
    if len(name) <= _MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: _MAX_NAME - 9]}_{digest}"


def foreign_key(table: str, column: str, target: str, *, ondelete: str | None = "CASCADE") -> sa.ForeignKey:
    """A foreign key whose conventional name fits every dialect's identifier limit."""
    name = constraint_name("fk", table, column, target.split(".", maxsplit=1)[0])
    if len(f"fk_{table}_{column}") <= _MAX_NAME and len(name) > len(f"fk_{table}_{column}_x"):
        name = f"fk_{table}_{column}"  # readable when the referred table would not fit
    return sa.ForeignKey(target, ondelete=ondelete, name=name)


def chunked(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size`` (IN lists stay under every dialect's parameter limit)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def in_list(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """``column IN (…)`` over a list given at execution as the parameter ``name``, for statements built once.

    An expanding IN on every dialect. (PostgreSQL's ``column = ANY(:array)`` halved a read on small tables but
    was measured about eight times slower, 16 ms against 2 ms a read, once 10,000 products had been written in
    the same run; the cause was not pinned down, so it is not used.)
    """
    return column.in_(sa.bindparam(name, expanding=True))


def referring_column(
    table: str, name: str, type_: Any, target: str, *, enforced: bool = True, **kw: Any
) -> sa.Column[Any]:
    """A column referring to ``target`` ("table.column"): a cascading foreign key when ``enforced``, else a
    declared reference (``info["references"]``) without a database constraint, which ``conveyor db check``
    checks and the one writer of the table keeps whole (its deletes cascade explicitly)."""
    if enforced:
        return sa.Column(name, type_, foreign_key(table, name, target), **kw)
    return sa.Column(name, type_, info={"references": target}, **kw)


def value_tables(entity: sa.Table, key_type: Any = sa.Integer, *, enforced: bool = True) -> dict[str, sa.Table]:
    """The five typed value tables of ``entity`` (``<entity>_varchar`` …), declared on the shared metadata.

    The composite primary key is the upsert key. The (attribute_id, store_id, value) indexes serve lookups by
    value: url_key per store, searchCriteria filters, import matching by an identifying attribute. Without
    ``enforced`` the references to the entity, attribute and store are declared but not constrained (the
    product tables, for write speed: ``bench/README.md``).
    """
    value_types: dict[str, Any] = {
        "varchar": sa.String(255),
        "int": sa.Integer(),
        "decimal": sa.Numeric(20, 6),
        "text": LongText,
        "datetime": sa.DateTime(),
    }
    tables: dict[str, sa.Table] = {}
    entity_key = f"{entity.name}.{next(iter(entity.primary_key.columns)).name}"
    for backend, value_type in value_types.items():
        name = f"{entity.name}_{backend}"
        indexes: list[sa.Index] = [sa.Index(constraint_name("ix", name, "store_id"), "store_id")]
        if backend == "text":
            indexes.append(sa.Index(constraint_name("ix", name, "attribute_id"), "attribute_id"))
        else:
            columns = ("attribute_id", "store_id", "value")
            index_name = f"ix_{name}_value"
            if backend == "varchar":  # MariaDB's key-length bound: index a 191-character prefix of the value
                indexes.append(sa.Index(index_name, *columns, mysql_length={"value": 191}))
            else:
                indexes.append(sa.Index(index_name, *columns))
        tables[backend] = sa.Table(
            name,
            metadata,
            referring_column(name, "entity_id", key_type, entity_key, enforced=enforced, primary_key=True),
            referring_column(
                name, "attribute_id", sa.Integer, "eav_attribute.attribute_id", enforced=enforced, primary_key=True
            ),
            referring_column(name, "store_id", sa.SmallInteger, "store.store_id", enforced=enforced, primary_key=True),
            sa.Column("value", value_type, nullable=True),
            *indexes,
        )
    return tables


# ---------------------------------------------------------------------------------------------------------
# Parsing and presenting values


def parse_datetime(value: object, field: str = "datetime") -> datetime:
    """A Magento date or timestamp ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS', ISO 8601 with 'T', offset or 'Z').

    Aware values are converted to UTC; the result is naive UTC at second precision, as stored.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidValueError(INVALID_VALUE, [field, value]) from None
    else:
        raise InvalidValueError(INVALID_VALUE, [field, str(value)])
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def format_datetime(value: datetime | None) -> str | None:
    """Magento's text form of a stored timestamp."""
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def utc_now() -> datetime:
    """Now as stored: naive UTC, whole seconds."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def parse_int(value: object, field: str) -> int:
    """An integer from a payload (int, integral float, numeric string, bool)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d{1,18}", text):
            return int(text)
    raise InvalidValueError(INVALID_VALUE, [field, str(value)])


def parse_bool(value: object, field: str) -> bool:
    """A flag from a payload: true/false, 1/0 and their strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("1", "0", "true", "false", "yes", "no"):
        return value.strip().lower() in ("1", "true", "yes")
    raise InvalidValueError(INVALID_VALUE, [field, str(value)])


def parse_decimal(value: object, field: str) -> Decimal:
    """A finite decimal from a payload, within the value column's 20 digits and 6 decimals."""
    if isinstance(value, bool):
        raise InvalidValueError(INVALID_VALUE, [field, str(value)])
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidValueError(INVALID_VALUE, [field, str(value)]) from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 14:
        raise InvalidValueError(INVALID_VALUE, [field, str(value)])
    return number.quantize(Decimal("0.000001"))


def parse_id_list(value: object, field: str) -> list[int]:
    """Multiselect option ids: a list, or Magento's comma-separated string ('12,13')."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items: Iterable[object] = value.split(",")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    else:
        raise InvalidValueError(INVALID_VALUE, [field, str(value)])
    ids: list[int] = []
    for item in items:
        number = parse_int(item, field)
        if number not in ids:
            ids.append(number)
    return ids


def format_url_key(text: str) -> str:
    """Magento's URL key from a name: accents dropped, lower case, runs of other characters become '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def present(backend: str, value: Any) -> Any:
    """A stored value in payload form: decimals as numbers, timestamps in Magento's text form."""
    if value is None:
        return None
    if backend == "decimal":
        return float(value)
    if backend == "datetime":
        return format_datetime(value)
    return value


# Values of Magento's built-in source models (select attributes whose options are not eav options).
SOURCE_VALUES: dict[str, frozenset[int]] = {
    "Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Status": frozenset({1, 2}),
    "Magento\\Catalog\\Model\\Product\\Visibility": frozenset({1, 2, 3, 4}),
    "Magento\\Eav\\Model\\Entity\\Attribute\\Source\\Boolean": frozenset({0, 1}),
}


def coerce_value(meta: AttributeMeta, value: object, option_ids: set[int] | None = None) -> Any:
    """``value`` as the attribute's column stores it, or InvalidValueError naming the attribute.

    ``option_ids`` are the attribute's eav options (for select / multiselect attributes that use them).
    """
    code = meta.code
    if value is None:
        return None
    if isinstance(value, (dict, list, tuple, set)) and meta.frontend_input != "multiselect":
        raise InvalidValueError(INVALID_VALUE, [code, str(value)])
    backend = meta.backend_type
    if backend == "int":
        number = int(parse_bool(value, code)) if meta.frontend_input == "boolean" else parse_int(value, code)
        allowed = SOURCE_VALUES.get(meta.source_model or "")
        if meta.uses_options:
            allowed = frozenset(option_ids or ())
        if allowed is not None and number not in allowed:
            raise InvalidValueError(INVALID_VALUE, [code, str(value)])
        return number
    if backend == "decimal":
        decimal = parse_decimal(value, code)
        if meta.frontend_input in ("price", "weight") and decimal < 0:
            raise InvalidValueError(INVALID_VALUE, [code, str(value)])
        return decimal
    if backend == "datetime":
        return parse_datetime(value, code)
    if meta.frontend_input == "multiselect" and not meta.uses_options:  # a source model's codes
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple, set)):
            raise InvalidValueError(INVALID_VALUE, [code, str(value)])
        codes = [str(item).strip() for item in items if str(item).strip()]
        return ",".join(dict.fromkeys(codes)) or None
    if meta.frontend_input == "multiselect":  # eav option ids, stored as Magento does: "12,13"
        ids = parse_id_list(value, code)
        unknown = [i for i in ids if i not in (option_ids or set())]
        if unknown:
            raise InvalidValueError(INVALID_VALUE, [code, str(unknown[0])])
        return ",".join(map(str, ids)) if ids else None
    if meta.frontend_input == "boolean" or isinstance(value, bool):
        text = "1" if parse_bool(value, code) else "0"
    elif isinstance(value, (str, int, float, Decimal)):
        text = str(value)
    else:
        raise InvalidValueError(INVALID_VALUE, [code, str(value)])
    if backend == "varchar" and len(text) > 255:
        raise InvalidValueError(INVALID_VALUE, [code, text[:40] + "…"])
    if backend not in ("varchar", "text"):
        raise InvalidValueError(INVALID_VALUE, [code, text])
    return text


@dataclass(frozen=True, slots=True)
class Scopes:
    """The store views and websites that exist, loaded once per batch."""

    store_websites: dict[int, int]
    website_ids: frozenset[int]
    default_website_id: int | None

    @classmethod
    def load(cls, conn: Connection) -> Scopes:
        """Two statements: the store views and the websites."""
        stores = dict(conn.execute(sa.select(store_table.c.store_id, store_table.c.website_id)).all())
        websites = conn.execute(sa.select(website_table.c.website_id, website_table.c.is_default)).all()
        default = next((w.website_id for w in websites if w.is_default), None)
        return cls(
            store_websites=stores, website_ids=frozenset(w.website_id for w in websites), default_website_id=default
        )

    def check_store(self, store_id: int) -> None:
        if store_id not in self.store_websites:
            raise NotFoundError("The store that was requested wasn't found. Verify the store and try again.")

    def stores_for(self, meta: AttributeMeta, store_id: int) -> list[int]:
        """Where a value saved at ``store_id`` lands: store 0 for global attributes, every store view of the
        website for website-scoped ones (as Magento copies them), the store view itself otherwise."""
        if store_id == 0 or meta.scope == SCOPE_GLOBAL:
            return [0]
        if meta.scope == SCOPE_WEBSITE:
            website = self.store_websites[store_id]
            return sorted(s for s, w in self.store_websites.items() if w == website and s != 0)
        return [store_id]


# ---------------------------------------------------------------------------------------------------------
# Reading and writing


class ValueWrite(NamedTuple):
    """One value to store (``value`` None deletes the row: the store view falls back to the default).

    A named tuple: a batch makes one per value, and a tuple is built several times faster than a frozen dataclass.
    """

    backend: str
    entity_id: int
    attribute_id: int
    store_id: int
    value: Any


def write_values(conn: Connection, tables: Mapping[str, sa.Table], writes: Iterable[ValueWrite]) -> None:
    """Upsert and delete values: per backend table one upsert (chunked) and at most one delete."""
    upserts: dict[str, dict[tuple[int, int, int], Any]] = defaultdict(dict)
    deletes: dict[str, set[tuple[int, int, int]]] = defaultdict(set)
    for write in writes:
        key = (write.entity_id, write.attribute_id, write.store_id)
        if write.value is None:
            deletes[write.backend].add(key)
            upserts[write.backend].pop(key, None)
        else:
            upserts[write.backend][key] = write.value
            deletes[write.backend].discard(key)
    for backend, keys in deletes.items():
        table = tables[backend]
        ordered = sorted(keys)
        for part in chunked(ordered, IN_CHUNK // 3):
            conn.execute(
                table.delete().where(sa.tuple_(table.c.entity_id, table.c.attribute_id, table.c.store_id).in_(part))
            )
    for backend, values in upserts.items():
        rows = [
            {"entity_id": e, "attribute_id": a, "store_id": s, "value": v} for (e, a, s), v in sorted(values.items())
        ]
        # keys are unique here (collected in a dict): PostgreSQL takes the rows as arrays in one statement
        upsert(conn, tables[backend], rows, key=VALUE_KEY, distinct=True)


def read_values(
    conn: Connection,
    tables: Mapping[str, sa.Table],
    entity_ids: Sequence[int],
    store_id: int = 0,
    attribute_ids: Sequence[int] | None = None,
) -> dict[int, dict[int, tuple[str, Any]]]:
    """entity_id → attribute_id → (backend, value): the store view's values overlaid on the defaults."""
    found: dict[int, dict[int, tuple[str, Any]]] = defaultdict(dict)
    stores = sorted({0, store_id})
    for backend, table in tables.items():
        query = _values_query(table, attribute_ids is not None)
        for part in chunked(list(entity_ids)):
            parameters: dict[str, Any] = {"ids": list(part), "stores": stores}
            if attribute_ids is not None:
                parameters["attributes"] = list(attribute_ids)
            for entity_id, attribute_id, value in conn.execute(query, parameters):
                if value is not None:
                    found[entity_id][attribute_id] = (backend, value)
    return found


@lru_cache(maxsize=64)
def _values_query(table: sa.Table, by_attribute: bool) -> sa.Select[Any]:
    """Built once per table: statement construction costs more than a small batch's execution."""
    query = (
        sa.select(table.c.entity_id, table.c.attribute_id, table.c.value)
        .where(in_list(table.c.entity_id, "ids"), in_list(table.c.store_id, "stores"))
        .order_by(table.c.store_id)
    )
    if by_attribute:
        query = query.where(in_list(table.c.attribute_id, "attributes"))
    return query


def scoped_value(
    table: sa.Table, entity_key: sa.ColumnElement[Any], attribute_id: int, store_id: int
) -> sa.ColumnElement[Any]:
    """A correlated subquery: the attribute's value for the outer entity, the store view's over the default."""

    def at(store: int) -> sa.ScalarSelect[Any]:
        return (
            sa.select(table.c.value)
            .where(table.c.entity_id == entity_key, table.c.attribute_id == attribute_id, table.c.store_id == store)
            .scalar_subquery()
        )

    if store_id == 0:
        return at(0)
    return sa.func.coalesce(at(store_id), at(0))

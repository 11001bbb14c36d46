"""Sources as MSI's SourceRepository keeps them: validated on save (code, name, country, postcode, the default
source stays enabled), read by code, searched by any column. Sources are never deleted (MSI has no route)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.inventory.errors import (
    EMPTY,
    InventoryNotFoundError,
    InventoryValidationError,
    Named,
    check_code,
    check_text,
)
from conveyor.catalog.inventory.source_items import DEFAULT_SOURCE, source_table
from conveyor.db.upsert import upsert

SRC = source_table
NOT_FOUND = 'Source with code "%value" does not exist.'
DEFAULT_DISABLED = "Default source can not be disabled."
COLUMNS = (
    "source_code",
    "name",
    "email",
    "contact_name",
    "enabled",
    "description",
    "latitude",
    "longitude",
    "country_id",
    "region_id",
    "region",
    "city",
    "street",
    "postcode",
    "phone",
    "fax",
    "use_default_carrier_config",
)
SOURCE_FIELDS: dict[str, ColumnElement[Any]] = {name: SRC.c[name] for name in COLUMNS}
LIMITS = {"source_code": 191, "country_id": 2}


def source_as_dict(row: Row[Any]) -> dict[str, Any]:
    """A source row in Magento's keys; numbers as numbers, flags as booleans, carrier links empty."""
    values = dict(row._mapping)
    for name in ("latitude", "longitude"):
        if values.get(name) is not None:
            values[name] = float(values[name])
    values["enabled"] = bool(values["enabled"])
    values["use_default_carrier_config"] = bool(values["use_default_carrier_config"])
    values["carrier_links"] = []
    return {name: values[name] for name in (*COLUMNS, "carrier_links")}


def source_query() -> sa.Select[Any]:
    return sa.select(*(SRC.c[name] for name in COLUMNS))


def get_source(conn: Connection, code: str) -> dict[str, Any]:
    row = conn.execute(source_query().where(SRC.c.source_code == code)).first()
    if row is None:
        raise InventoryNotFoundError(NOT_FOUND, {"value": code})
    return source_as_dict(row)


def existing_codes(conn: Connection, codes: list[str]) -> set[str]:
    return set(conn.execute(sa.select(SRC.c.source_code).where(SRC.c.source_code.in_(codes))).scalars())


def validate(data: Mapping[str, Any]) -> None:
    """MSI's source validators, every failure reported at once."""
    errors: list[tuple[str, Named]] = []
    check_code("source_code", data.get("source_code"), errors)
    check_text("name", data.get("name"), errors)
    for field in ("country_id", "postcode"):
        if not str(data.get(field) or "").strip():
            errors.append((EMPTY, {"field": field}))
    if data.get("source_code") == DEFAULT_SOURCE and data.get("enabled") is False:
        errors.append((DEFAULT_DISABLED, {}))
    for field, limit in LIMITS.items():
        if len(str(data.get(field) or "")) > limit:
            errors.append(('"%field" is too long.', {"field": field}))
    if errors:
        raise InventoryValidationError(errors)


def save_source(conn: Connection, data: Mapping[str, Any]) -> None:
    """Create the source or replace the stored one with the same code (all of its columns, as MSI's save)."""
    validate(data)
    row = {name: data.get(name) for name in COLUMNS}
    row["enabled"] = bool(data.get("enabled", True)) if data.get("enabled") is not None else True
    row["use_default_carrier_config"] = (
        True if data.get("use_default_carrier_config") is None else bool(data["use_default_carrier_config"])
    )
    for name in ("latitude", "longitude"):
        if row[name] is not None:
            row[name] = Decimal(str(row[name])).quantize(Decimal("0.000001"))
    upsert(conn, SRC, [row], key=["source_code"])

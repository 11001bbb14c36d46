"""A converter, a row observer and an entity importer as a user would register them through entry points (used
by the tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.stores import website_table
from conveyor.importer import EntityImporter, Outcome, SourceRow
from conveyor.importer.converters import Converter
from conveyor.importer.observers import Observer
from conveyor.importer.values import ParseError


def shout(options: Mapping[str, Any]) -> Converter:
    """``{type: shout, suffix: "!"}``: upper case and a suffix."""
    suffix = str(options.get("suffix", "!"))
    return lambda text: text.upper() + suffix


def brand_in_name(options: Mapping[str, Any]) -> Observer:
    """``{type: brand, column: maker}``: the name starts with the row's brand, a row without one is refused —
    one value made of two cells, which no column converter can do."""
    column = str(options.get("column", "brand"))

    def observe(values: dict[str, str]) -> None:
        brand = values.pop(column, "")
        if not brand:
            raise ParseError(f"The row names no {column}.", column)
        values["name"] = f"{brand} {values.get('name', '')}".strip()

    return observe


class WebsiteNameImporter(EntityImporter):
    """``code,name``: renames websites — a whole custom entity in a dozen lines."""

    entity = "website-names"
    key_column = "code"

    def process(self, conn: Connection, rows: Sequence[SourceRow]) -> Outcome:
        outcome = Outcome()
        codes = set(conn.execute(sa.select(website_table.c.code)).scalars())
        known = [row for row in rows if row.values["code"] in codes]
        outcome.errors.extend(
            row.error("code", f'The website "{row.values["code"]}" does not exist.') for row in rows if row not in known
        )
        if known and self.context.write:
            conn.execute(
                website_table.update()
                .where(website_table.c.code == sa.bindparam("b_code"))
                .values(name=sa.bindparam("b_name")),
                [{"b_code": row.values["code"], "b_name": row.values.get("name", "")} for row in known],
            )
        outcome.updated += len(known)
        outcome.done.extend(known)
        return outcome


class ExplodingImporter(WebsiteNameImporter):
    """Fails while preparing its second batch (in the import's reading thread)."""

    entity = "exploding"
    batches = 0

    def prepare(self, rows: Sequence[SourceRow]) -> Any:
        type(self).batches += 1
        if type(self).batches == 2:
            raise RuntimeError("the reader broke")
        return rows

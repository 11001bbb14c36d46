"""Attribute sets and their groups (``attribute_set_name, based_on, entity_type_code, sort_order,
attribute_group_name, …``): a row without a group creates or updates the set (copied from ``based_on``, as
Magento builds a set from a skeleton); a row with a group adds that group to the set.

Sets are few and each one is a handful of statements through the AttributeRepository, so this importer
works row by row; its files are tens of rows, not thousands.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog import CatalogError
from conveyor.catalog.eav import (
    ENTITY_TYPES,
    PRODUCT_ENTITY_TYPE_ID,
    AttributeRepository,
    attribute_group_table,
    attribute_set_table,
)
from conveyor.importer.base import EntityImporter, Outcome, SourceRow
from conveyor.importer.changes import fold
from conveyor.importer.lookups import attribute_sets
from conveyor.importer.values import ParseError

S, GRP = attribute_set_table, attribute_group_table


class AttributeSetImporter(EntityImporter):
    entity = "attribute-sets"

    def required_columns(self, operation: str) -> tuple[str, ...]:
        return ("attribute_set_name",)

    def start(self, conn: Connection) -> None:
        self.repository = AttributeRepository()
        self.sets = {type_id: attribute_sets(conn, type_id) for type_id in ENTITY_TYPES.values()}

    def process(self, conn: Connection, rows: Sequence[SourceRow]) -> Outcome:
        outcome = Outcome()
        for row in rows:
            try:
                with conn.begin_nested():
                    self._row(conn, row, outcome)
            except (CatalogError, ParseError) as error:
                outcome.errors.append(row.error("attribute_set_name", str(error)))
        return outcome

    def _row(self, conn: Connection, row: SourceRow, outcome: Outcome) -> None:
        values = row.values
        name = values.get("attribute_set_name", "").strip()
        if not name:
            raise ParseError("The attribute set name is empty.")
        type_code = values.get("entity_type_code", "catalog_product")
        type_id = ENTITY_TYPES.get(type_code)
        if type_id is None:
            outcome.errors.append(row.error("entity_type_code", f'"{type_code}" is not an entity type.'))
            return
        sets = self.sets[type_id]
        set_id = sets.get(fold(name))
        operation = self.context.operation
        if operation == "delete":
            if set_id is None:
                outcome.errors.append(row.error("attribute_set_name", f'The attribute set "{name}" does not exist.'))
            elif self.context.write:
                conn.execute(S.delete().where(S.c.attribute_set_id == set_id))
                sets.pop(fold(name))
                outcome.deleted += 1
            return
        sort_order = self.profile.parsers.integer(values["sort_order"]) if values.get("sort_order") else None
        group = values.get("attribute_group_name", "").strip()
        if set_id is None:
            based_on = values.get("based_on", "Default")
            skeleton = sets.get(fold(based_on))
            if skeleton is None:
                outcome.errors.append(row.error("based_on", f'The attribute set "{based_on}" does not exist.'))
                return
            if not self.context.write:
                return
            set_id = self.repository.create_set(conn, name, skeleton, sort_order or 0)
            sets[fold(name)] = set_id
            outcome.created += 1
        elif self.context.write and sort_order is not None and not group:
            conn.execute(S.update().where(S.c.attribute_set_id == set_id).values(sort_order=sort_order))
            outcome.updated += 1
        if group and self.context.write:
            self._group(conn, set_id, group, row)
        outcome.done.append(row)

    def _group(self, conn: Connection, set_id: int, name: str, row: SourceRow) -> None:
        values = row.values
        order = (
            self.profile.parsers.integer(values["attribute_group_sort_order"])
            if values.get("attribute_group_sort_order")
            else None
        )
        existing = conn.execute(
            sa.select(GRP.c.attribute_group_id).where(
                GRP.c.attribute_set_id == set_id, GRP.c.attribute_group_name == name
            )
        ).scalar()
        if existing is None:
            existing = self.repository.add_group(conn, set_id, name, order)
        changes: dict[str, object] = {}
        if values.get("attribute_group_code"):
            changes["attribute_group_code"] = values["attribute_group_code"]
        if values.get("attribute_group_tab_group_code"):
            changes["tab_group_code"] = values["attribute_group_tab_group_code"]
        if order is not None:
            changes["sort_order"] = order
        if values.get("default_id"):
            changes["default_id"] = self.profile.parsers.boolean(values["default_id"])
        if changes:
            conn.execute(GRP.update().where(GRP.c.attribute_group_id == existing).values(**changes))


__all__ = ["PRODUCT_ENTITY_TYPE_ID", "AttributeSetImporter"]

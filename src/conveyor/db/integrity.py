"""Orphan rows: child rows whose parent is gone, for every reference the declared tables make.

A foreign key the database enforces can't leave an orphan, but the references this checks are the declared ones
(``ForeignKeyConstraint`` in the metadata) *and* those a column names in ``info={"references": "table.column"}``:
the high-volume tables may carry their references without a database constraint, for write speed, and keep
integrity by construction (one writer that cascades its deletes). ``conveyor db check`` runs this after imports and
fault runs to prove it; each reference is one anti-join, so a check costs a scan per reference and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Reference:
    """Child columns that must match a parent row's columns (all of them non-null), or be null."""

    child: sa.Table
    child_columns: tuple[sa.Column[object], ...]
    parent: sa.Table
    parent_columns: tuple[sa.Column[object], ...]
    enforced: bool  # by a database constraint

    @property
    def name(self) -> str:
        children = ", ".join(c.name for c in self.child_columns)
        parents = ", ".join(c.name for c in self.parent_columns)
        return f"{self.child.name}({children}) → {self.parent.name}({parents})"


@dataclass(frozen=True)
class Orphans:
    reference: Reference
    count: int


def references(metadata: sa.MetaData) -> Iterator[Reference]:
    """Every reference the tables declare: their foreign keys, then the ``info["references"]`` columns."""
    for table in metadata.sorted_tables:
        for constraint in table.foreign_key_constraints:
            parent_columns = tuple(element.column for element in constraint.elements)
            yield Reference(table, tuple(constraint.columns), parent_columns[0].table, parent_columns, True)
        for column in table.columns:
            target = column.info.get("references")
            if target is None:
                continue
            parent_name, _, parent_column = str(target).partition(".")
            parent = metadata.tables[parent_name]
            yield Reference(table, (column,), parent, (parent.c[parent_column],), False)


def count_orphans(conn: Connection, reference: Reference) -> int:
    """Child rows with every reference column set and no parent row holding those values."""
    parent = reference.parent.alias("parent")  # an alias, so that a table referring to itself correlates
    parent_row = sa.select(sa.literal(1)).where(
        *(parent.c[p.name] == c for c, p in zip(reference.child_columns, reference.parent_columns, strict=True))
    )
    query = (
        sa.select(sa.func.count())
        .select_from(reference.child)
        .where(*(c.is_not(None) for c in reference.child_columns), ~parent_row.exists())
    )
    return int(conn.execute(query).scalar_one())


def find_orphans(conn: Connection, metadata: sa.MetaData) -> list[Orphans]:
    """The references that have orphans, with how many (an empty list: the store is whole)."""
    found = (Orphans(reference, count_orphans(conn, reference)) for reference in references(metadata))
    return [orphans for orphans in found if orphans.count]

"""Lookups an import caches for its whole run: attributes, option labels, attribute sets, stores, websites,
customer groups, sources and the category tree — each loaded with one statement at the start and kept up to
date as the import creates options and categories, so that no row costs a query."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.categories import category_table, category_values
from conveyor.catalog.eav import (
    CATEGORY_ENTITY_TYPE_ID,
    PRODUCT_ENTITY_TYPE_ID,
    AttributeMeta,
    Scopes,
    attribute_set_table,
    entity_attribute_table,
    load_attributes,
    option_table,
    option_value_table,
)
from conveyor.catalog.inventory import source_table
from conveyor.catalog.stores import customer_group_table, store_table, website_table
from conveyor.importer.changes import fold

_OPT, _OPTV = option_table, option_value_table


def label_key(label: str) -> str:
    """Option labels compare case-insensitively and with HTML entities decoded (``&reg;`` equals ``®``)."""
    return html.unescape(label).strip().casefold()


@dataclass
class Options:
    """attribute_id → label → option id (admin labels; store-view labels as a fallback)."""

    by_attribute: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    _found: dict[tuple[int, str], int] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, attribute_ids: Sequence[int]) -> Options:
        options = cls()
        if not attribute_ids:
            return options
        for attribute_id, option_id, _store, value in conn.execute(
            sa.select(_OPT.c.attribute_id, _OPT.c.option_id, _OPTV.c.store_id, _OPTV.c.value)
            .select_from(_OPT.join(_OPTV, _OPTV.c.option_id == _OPT.c.option_id))
            .where(_OPT.c.attribute_id.in_(list(attribute_ids)))
            .order_by(_OPTV.c.store_id, _OPT.c.sort_order, _OPT.c.option_id)
        ):
            options.by_attribute[attribute_id].setdefault(label_key(value), option_id)
        return options

    def find(self, attribute_id: int, label: str) -> int | None:
        key = (attribute_id, label)
        found = self._found.get(key)
        if found is None:
            found = self.by_attribute.get(attribute_id, {}).get(label_key(label))
            if found is not None:
                self._found[key] = found
        return found

    def add(self, attribute_id: int, label: str, option_id: int) -> None:
        self.by_attribute[attribute_id].setdefault(label_key(label), option_id)


@dataclass
class Stores:
    """Store views, websites and the scopes values are written to."""

    scopes: Scopes
    store_ids: dict[str, int]  # code (folded) → store_id
    website_ids: dict[str, int]  # code (folded) → website_id
    store_website: dict[int, int]

    @classmethod
    def load(cls, conn: Connection) -> Stores:
        scopes = Scopes.load(conn)
        stores = conn.execute(sa.select(store_table.c.code, store_table.c.store_id, store_table.c.website_id)).all()
        websites = conn.execute(sa.select(website_table.c.code, website_table.c.website_id)).all()
        return cls(
            scopes=scopes,
            store_ids={fold(code): store_id for code, store_id, _ in stores},
            website_ids={fold(code): website_id for code, website_id in websites},
            store_website={store_id: website_id for _, store_id, website_id in stores},
        )

    def store_id(self, code: str) -> int | None:
        if not code or fold(code) == "admin":
            return 0
        return self.store_ids.get(fold(code))

    def website_id(self, code: str) -> int | None:
        return self.website_ids.get(fold(code))


def attribute_sets(conn: Connection, entity_type_id: int = PRODUCT_ENTITY_TYPE_ID) -> dict[str, int]:
    """Attribute set name (folded) → id for an entity type."""
    sets = attribute_set_table
    return {
        fold(name): set_id
        for name, set_id in conn.execute(
            sa.select(sets.c.attribute_set_name, sets.c.attribute_set_id).where(sets.c.entity_type_id == entity_type_id)
        )
    }


def set_members(conn: Connection, set_ids: Iterable[int]) -> dict[int, set[int]]:
    """attribute_set_id → attribute ids in it."""
    members = entity_attribute_table
    found: dict[int, set[int]] = defaultdict(set)
    ids = sorted(set(set_ids))
    if ids:
        for set_id, attribute_id in conn.execute(
            sa.select(members.c.attribute_set_id, members.c.attribute_id).where(members.c.attribute_set_id.in_(ids))
        ):
            found[set_id].add(attribute_id)
    return found


def customer_groups(conn: Connection) -> dict[str, int]:
    groups = customer_group_table
    return {
        fold(code): group_id
        for code, group_id in conn.execute(sa.select(groups.c.customer_group_code, groups.c.customer_group_id))
    }


def source_codes(conn: Connection) -> set[str]:
    return set(conn.execute(sa.select(source_table.c.source_code)).scalars())


class CategoryTree:
    """Category name paths → ids: ("default category", "gear", "bags") → 5 (names folded, store 0)."""

    def __init__(self, conn: Connection) -> None:
        name_id = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)["name"].attribute_id
        c, cv = category_table, category_values["varchar"]
        rows = conn.execute(
            sa.select(c.c.entity_id, c.c.parent_id, c.c.level, cv.c.value)
            .select_from(
                c.outerjoin(
                    cv, sa.and_(cv.c.entity_id == c.c.entity_id, cv.c.attribute_id == name_id, cv.c.store_id == 0)
                )
            )
            .order_by(c.c.level, c.c.position, c.c.entity_id)
        ).all()
        self.paths: dict[tuple[str, ...], int] = {}
        self._found: dict[tuple[str, ...], int] = {}
        by_id: dict[int, tuple[str, ...]] = {}
        for entity_id, parent_id, level, name in rows:
            if level == 0:
                by_id[entity_id] = ()
                continue
            parent = by_id.get(parent_id)
            if parent is None or name is None:
                continue
            path = (*parent, fold(name.strip()))
            by_id[entity_id] = path
            self.paths.setdefault(path, entity_id)

    def find(self, segments: tuple[str, ...]) -> int | None:
        found = self._found.get(segments)
        if found is None:
            found = self.paths.get(tuple(fold(s) for s in segments))
            if found is not None:
                self._found[segments] = found
        return found

    def clear(self) -> None:
        """Forget the remembered lookups (after categories were created or deleted)."""
        self._found.clear()

    def root_exists(self, segments: tuple[str, ...]) -> bool:
        return bool(segments) and (fold(segments[0]),) in self.paths

    def add(self, segments: tuple[str, ...], entity_id: int) -> None:
        self.paths[tuple(fold(s) for s in segments)] = entity_id


def product_attributes(conn: Connection) -> dict[str, AttributeMeta]:
    return load_attributes(conn, PRODUCT_ENTITY_TYPE_ID)


__all__ = [
    "CategoryTree",
    "Options",
    "Stores",
    "attribute_sets",
    "customer_groups",
    "label_key",
    "product_attributes",
    "set_members",
    "source_codes",
]

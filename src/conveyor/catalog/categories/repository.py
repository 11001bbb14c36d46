"""Categories: a tree kept as materialised paths ("1/2/5"), typed values per store view, product positions.

As in Magento, ``children_count`` counts every descendant, ``level`` is the depth (Root Catalog 0, the
store roots such as Default Category 1), and a category's ``url_path`` is its ancestors' url keys below
the store root joined with '/'. Tree operations are set-based: a move or delete is a few statements
whatever the size of the subtree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.attributes import (
    CATEGORY_ENTITY_TYPE_ID,
    DEFAULT_CATEGORY_SET_ID,
    AttributeMeta,
    load_attributes,
    load_option_ids,
)
from conveyor.catalog.eav.values import (
    INVALID_VALUE,
    Scopes,
    ValueWrite,
    chunked,
    coerce_value,
    constraint_name,
    foreign_key,
    format_datetime,
    format_url_key,
    present,
    read_values,
    referring_column,
    utc_now,
    value_tables,
    write_values,
)
from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.stores import store_group_table, store_table
from conveyor.db.metadata import metadata

ROOT_CATEGORY_ID = 1
DEFAULT_CATEGORY_ID = 2
EMPTY_VALUE = 'The "%1" attribute value is empty. Set the attribute and try again.'

category_table = sa.Table(
    "catalog_category_entity",
    metadata,
    sa.Column("entity_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "attribute_set_id",
        sa.Integer,
        foreign_key("catalog_category_entity", "attribute_set_id", "eav_attribute_set.attribute_set_id", ondelete=None),
        nullable=False,
        server_default=str(DEFAULT_CATEGORY_SET_ID),
    ),
    sa.Column("parent_id", sa.Integer, nullable=False, server_default="0", index=True),
    sa.Column("path", sa.String(255), nullable=False),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("level", sa.Integer, nullable=False, server_default="0"),
    sa.Column("children_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    # Descendants are found by path prefix: a pattern-ops index on PostgreSQL (whatever the collation), a
    # prefix index on MariaDB (its key-length bound).
    sa.Index(
        "ix_catalog_category_entity_path",
        "path",
        postgresql_ops={"path": "varchar_pattern_ops"},
        mysql_length={"path": 191},
    ),
)
category_values = value_tables(category_table)

category_product_table = sa.Table(
    "catalog_category_product",
    metadata,
    # declared references, no constraints (write speed): a category's delete takes its links explicitly,
    # a product's goes through ``catalog/products/writer.py:delete_products``
    referring_column(
        "catalog_category_product",
        "category_id",
        sa.Integer,
        "catalog_category_entity.entity_id",
        enforced=False,
        primary_key=True,
    ),
    referring_column(
        "catalog_category_product",
        "product_id",
        sa.Integer,
        "catalog_product_entity.entity_id",
        enforced=False,
        primary_key=True,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
)

C = category_table
CP, CV = category_product_table, category_values["varchar"]
_STATIC = ("path", "position", "level", "children_count", "parent_id", "created_at", "updated_at")


@dataclass(slots=True, kw_only=True)
class CategoryInput:
    """A category to create (under ``parent_id``) or update: fields left None are left alone."""

    name: str | None = None
    parent_id: int | None = None
    is_active: bool | None = None
    include_in_menu: bool | None = None
    is_anchor: bool | None = None
    url_key: str | None = None
    position: int | None = None
    custom_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class CategoryRecord:
    """A category as a store view sees it (Magento's category payload)."""

    id: int
    parent_id: int
    name: str | None
    is_active: bool
    position: int
    level: int
    children_count: int
    path: str
    created_at: str
    updated_at: str
    include_in_menu: bool
    is_anchor: bool
    url_key: str | None
    url_path: str | None
    children: list[int]
    product_count: int
    store_id: int = 0
    custom_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class CategoryTreeNode:
    """Magento's category tree node (GET /V1/categories)."""

    id: int
    parent_id: int
    name: str | None
    is_active: bool
    position: int
    level: int
    product_count: int
    children_data: list[CategoryTreeNode] = field(default_factory=list)


def split_names_path(names_path: str, separator: str = "/") -> list[str]:
    """The segments of "Default Category/Gear/Bags" (trimmed); an empty segment is an error."""
    segments = [segment.strip() for segment in names_path.split(separator)]
    if not names_path.strip() or any(not segment for segment in segments):
        raise InvalidValueError(INVALID_VALUE, ["category path", names_path])
    return segments


def _not_found(category_id: int) -> NotFoundError:
    return NotFoundError("No such entity with %1 = %2", ["id", str(category_id)])


class CategoryRepository:
    """The category tree; every method runs in the caller's transaction."""

    # -- reading --------------------------------------------------------------------------------------------

    def get(self, conn: Connection, category_id: int, store_id: int = 0) -> CategoryRecord:
        records = self.get_many(conn, [category_id], store_id)
        if not records:
            raise _not_found(category_id)
        return records[0]

    def get_many(self, conn: Connection, category_ids: Sequence[int], store_id: int = 0) -> list[CategoryRecord]:
        """Categories in the order asked (unknown ids are skipped); a fixed number of statements."""
        Scopes.load(conn).check_store(store_id)
        attributes = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)
        by_id = {a.attribute_id: a for a in attributes.values()}
        rows: dict[int, sa.Row[Any]] = {}
        for part in chunked(list(category_ids)):
            rows.update((row.entity_id, row) for row in conn.execute(sa.select(C).where(C.c.entity_id.in_(part))))
        ids = [i for i in category_ids if i in rows]
        values = read_values(conn, category_values, ids, store_id)
        children: dict[int, list[int]] = defaultdict(list)
        counts: dict[int, int] = {}
        if ids:
            for parent_id, entity_id in conn.execute(
                sa.select(C.c.parent_id, C.c.entity_id)
                .where(C.c.parent_id.in_(ids))
                .order_by(C.c.position, C.c.entity_id)
            ):
                children[parent_id].append(entity_id)
            counts = self._product_counts(conn, ids)
        records = []
        for entity_id in ids:
            row = rows[entity_id]
            attrs = {by_id[a].code: present(backend, v) for a, (backend, v) in values.get(entity_id, {}).items()}
            records.append(
                CategoryRecord(
                    id=entity_id,
                    parent_id=row.parent_id,
                    name=attrs.pop("name", None),
                    is_active=bool(attrs.pop("is_active", 0)),
                    position=row.position,
                    level=row.level,
                    children_count=row.children_count,
                    path=row.path,
                    created_at=format_datetime(row.created_at) or "",
                    updated_at=format_datetime(row.updated_at) or "",
                    include_in_menu=bool(attrs.pop("include_in_menu", 0)),
                    is_anchor=bool(attrs.pop("is_anchor", 0)),
                    url_key=attrs.pop("url_key", None),
                    url_path=attrs.pop("url_path", None),
                    children=children.get(entity_id, []),
                    product_count=counts.get(entity_id, 0),
                    store_id=store_id,
                    custom_attributes=attrs,
                )
            )
        return records

    def _product_counts(self, conn: Connection, ids: Sequence[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for part in chunked(list(ids)):
            found.update(
                conn.execute(
                    sa.select(CP.c.category_id, sa.func.count())
                    .where(CP.c.category_id.in_(part))
                    .group_by(CP.c.category_id)
                ).all()
            )
        return found

    @staticmethod
    def _anchor_counts(conn: Connection, ids: Sequence[int]) -> dict[int, int]:
        """Products of anchor categories as Magento's tree counts them: distinct products of the category and
        every category under it (one statement per 5,000 anchors)."""
        found: dict[int, int] = {}
        anchor, below = C.alias("anchor"), C.alias("below")
        within = sa.or_(below.c.entity_id == anchor.c.entity_id, below.c.path.like(anchor.c.path + "/%"))
        for part in chunked(list(ids)):
            found.update(
                conn.execute(
                    sa.select(anchor.c.entity_id, sa.func.count(sa.distinct(CP.c.product_id)))
                    .select_from(anchor.join(below, within).join(CP, CP.c.category_id == below.c.entity_id))
                    .where(anchor.c.entity_id.in_(part))
                    .group_by(anchor.c.entity_id)
                ).all()
            )
        return found

    def product_ids(self, conn: Connection, category_id: int) -> list[tuple[int, int]]:
        """(product_id, position) of the products directly in the category, by position."""
        return [
            (product_id, position)
            for product_id, position in conn.execute(
                sa.select(CP.c.product_id, CP.c.position)
                .where(CP.c.category_id == category_id)
                .order_by(CP.c.position, CP.c.product_id)
            )
        ]

    def tree(
        self, conn: Connection, root_id: int = DEFAULT_CATEGORY_ID, depth: int | None = None, store_id: int = 0
    ) -> CategoryTreeNode:
        """The subtree under ``root_id``, ``depth`` levels deep (None: all), children by position."""
        root = self._row(conn, root_id)
        query = sa.select(C.c.entity_id, C.c.parent_id, C.c.position, C.c.level).where(
            sa.or_(C.c.entity_id == root_id, C.c.path.like(_escape_like(root.path) + "/%", escape="\\"))
        )
        if depth is not None:
            query = query.where(C.c.level <= root.level + depth)
        rows = conn.execute(query.order_by(C.c.level, C.c.position, C.c.entity_id)).all()
        attributes = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)
        codes = ("name", "is_active", "is_anchor")
        wanted = {attributes[code].attribute_id: code for code in codes if code in attributes}
        ids = [row.entity_id for row in rows]
        values = read_values(
            conn, {b: category_values[b] for b in ("varchar", "int")}, ids, store_id, attribute_ids=list(wanted)
        )
        node_attrs = {i: {wanted[a]: v for a, (_, v) in found.items()} for i, found in values.items()}
        counts = self._product_counts(conn, ids)
        counts.update(self._anchor_counts(conn, [i for i in ids if node_attrs.get(i, {}).get("is_anchor")]))
        nodes: dict[int, CategoryTreeNode] = {}
        for row in rows:
            attrs = node_attrs.get(row.entity_id, {})
            node = CategoryTreeNode(
                id=row.entity_id,
                parent_id=row.parent_id,
                name=attrs.get("name"),
                is_active=bool(attrs.get("is_active", 0)),
                position=row.position,
                level=row.level,
                product_count=counts.get(row.entity_id, 0),
            )
            nodes[row.entity_id] = node
            if row.entity_id != root_id and row.parent_id in nodes:
                nodes[row.parent_id].children_data.append(node)
        return nodes[root_id]

    def id_by_path(self, conn: Connection, names_path: str, store_id: int = 0, separator: str = "/") -> int | None:
        """The id of "Default Category/Gear/Bags" (names at ``store_id``, the first a child of Root Catalog).

        Names match exactly, else case-insensitively (as MySQL-based Magento compares them).
        """
        parent = ROOT_CATEGORY_ID
        name_attribute = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)["name"].attribute_id
        for segment in split_names_path(names_path, separator):
            children = self._child_names(conn, [parent], name_attribute, store_id).get(parent, {})
            found = _match(children, segment)
            if found is None:
                return None
            parent = found
        return parent

    def _child_names(
        self, conn: Connection, parent_ids: Sequence[int] | None, name_attribute: int, store_id: int
    ) -> dict[int, dict[str, int]]:
        """parent_id → {name: id} of the children of ``parent_ids`` (None: of every category)."""
        query = (
            sa.select(C.c.parent_id, C.c.entity_id, CV.c.store_id, CV.c.value)
            .select_from(
                C.join(
                    CV,
                    sa.and_(
                        CV.c.entity_id == C.c.entity_id,
                        CV.c.attribute_id == name_attribute,
                        CV.c.store_id.in_(sorted({0, store_id})),
                    ),
                )
            )
            .order_by(C.c.position, C.c.entity_id, CV.c.store_id)
        )
        if parent_ids is not None:
            query = query.where(C.c.parent_id.in_(list(parent_ids)))
        names: dict[int, tuple[int, str]] = {}
        for parent_id, entity_id, _store, value in conn.execute(query):
            if value is not None:
                names[entity_id] = (parent_id, value)
        found: dict[int, dict[str, int]] = defaultdict(dict)
        for entity_id, (parent_id, name) in names.items():
            found[parent_id].setdefault(name, entity_id)
        return found

    # -- writing --------------------------------------------------------------------------------------------

    def create(self, conn: Connection, category: CategoryInput, store_id: int = 0) -> int:
        """A new category under ``category.parent_id`` (default: Default Category), last among its siblings."""
        parent_id = DEFAULT_CATEGORY_ID if category.parent_id is None else category.parent_id
        return self._create_many(conn, [(parent_id, category)], store_id)[0]

    def _create_many(self, conn: Connection, items: Sequence[tuple[int, CategoryInput]], store_id: int) -> list[int]:
        """Create categories under existing parents: a fixed number of statements for any number of them."""
        scopes = Scopes.load(conn)
        scopes.check_store(store_id)
        attributes = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)
        parent_ids = sorted({parent for parent, _ in items})
        parents = {row.entity_id: row for row in conn.execute(sa.select(C).where(C.c.entity_id.in_(parent_ids)))}
        for parent_id in parent_ids:
            if parent_id not in parents:
                raise _not_found(parent_id)
        for _, category in items:
            if not (category.name or "").strip():
                raise InvalidValueError(EMPTY_VALUE, ["name"])
        parent_urls = self._url_paths(conn, attributes, parent_ids, 0)
        next_position = dict(
            conn.execute(
                sa.select(C.c.parent_id, sa.func.max(C.c.position))
                .where(C.c.parent_id.in_(parent_ids))
                .group_by(C.c.parent_id)
            ).all()
        )
        now = utc_now()
        rows = []
        for parent_id, category in items:
            if category.position is None:
                position = next_position.get(parent_id, 0) + 1
                next_position[parent_id] = position
            else:
                position = category.position
            rows.append(
                {
                    "attribute_set_id": DEFAULT_CATEGORY_SET_ID,
                    "parent_id": parent_id,
                    "path": "",
                    "position": position,
                    "level": parents[parent_id].level + 1,
                    "children_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        ids = [
            int(i)
            for i in conn.execute(C.insert().returning(C.c.entity_id, sort_by_parameter_order=True), rows).scalars()
        ]
        conn.execute(
            C.update().where(C.c.entity_id == sa.bindparam("b_id")).values(path=sa.bindparam("b_path")),
            [
                {"b_id": entity_id, "b_path": f"{parents[parent_id].path}/{entity_id}"}
                for entity_id, (parent_id, _) in zip(ids, items, strict=True)
            ],
        )
        writes: list[ValueWrite] = []
        options = self._options(conn, attributes, [category for _, category in items])
        for entity_id, (parent_id, category) in zip(ids, items, strict=True):
            given = self._given(category)
            given.setdefault("is_active", True)
            given.setdefault("include_in_menu", True)
            given.setdefault("is_anchor", True)
            given.setdefault("url_key", format_url_key(category.name or "") or str(entity_id))
            url_key = str(given["url_key"])
            parent_url = parent_urls.get(parent_id)
            given["url_path"] = f"{parent_url}/{url_key}" if parent_url and parents[parent_id].level >= 2 else url_key
            writes.extend(self._writes(attributes, options, scopes, entity_id, given, 0))
        write_values(conn, category_values, writes)
        self._add_to_counts(conn, {parents[p].path: sum(1 for q, _ in items if q == p) for p in parent_ids})
        return ids

    def update(self, conn: Connection, category_id: int, category: CategoryInput, store_id: int = 0) -> None:
        """Merge the given fields into the category at ``store_id``; a new ``parent_id`` moves it."""
        scopes = Scopes.load(conn)
        scopes.check_store(store_id)
        row = self._row(conn, category_id)
        if category.parent_id is not None and category.parent_id != row.parent_id:
            self.move(conn, category_id, category.parent_id)
        attributes = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)
        given = self._given(category)
        if "name" in given and not (given["name"] or "").strip() and store_id == 0:
            raise InvalidValueError(EMPTY_VALUE, ["name"])
        options = self._options(conn, attributes, [category])
        write_values(conn, category_values, self._writes(attributes, options, scopes, category_id, given, store_id))
        changes: dict[str, Any] = {"updated_at": utc_now()}
        if category.position is not None:
            changes["position"] = category.position
        conn.execute(C.update().where(C.c.entity_id == category_id).values(**changes))
        if "url_key" in given:
            self._refresh_url_paths(conn, category_id, store_id)

    def move(self, conn: Connection, category_id: int, parent_id: int, after_id: int | None = None) -> None:
        """Move a category (with its subtree) under ``parent_id``, after sibling ``after_id``.

        ``after_id`` None puts it last (Magento's default); 0 puts it first.
        """
        node = self._row(conn, category_id)
        parent = self._row(conn, parent_id)
        if node.level == 0:
            raise InvalidValueError("Cannot move category with id %1", [str(category_id)])
        if parent.entity_id == category_id or parent.path.startswith(node.path + "/"):
            raise InvalidValueError("Operation do not allow to move a parent category to any of children category")
        old_prefix, new_prefix = node.path, f"{parent.path}/{category_id}"
        size = 1 + node.children_count
        if node.parent_id != parent_id:
            deltas: dict[int, int] = defaultdict(int)
            for ancestor in _path_ids(old_prefix)[:-1]:
                deltas[ancestor] -= size
            for ancestor in _path_ids(parent.path):
                deltas[ancestor] += size
            self._change_counts(conn, deltas)
            subtree = sa.or_(C.c.entity_id == category_id, C.c.path.like(_escape_like(old_prefix) + "/%", escape="\\"))
            conn.execute(
                C.update()
                .where(subtree)
                .values(
                    path=sa.literal(new_prefix, sa.String)
                    + sa.func.substr(C.c.path, len(old_prefix) + 1, type_=sa.String),
                    level=C.c.level + (parent.level + 1 - node.level),
                )
            )
        siblings = list(
            conn.execute(
                sa.select(C.c.entity_id)
                .where(C.c.parent_id == parent_id, C.c.entity_id != category_id)
                .order_by(C.c.position, C.c.entity_id)
            ).scalars()
        )
        if after_id is None:
            siblings.append(category_id)
        elif after_id == 0:
            siblings.insert(0, category_id)
        elif after_id in siblings:
            siblings.insert(siblings.index(after_id) + 1, category_id)
        else:
            raise InvalidValueError(INVALID_VALUE, ["afterId", str(after_id)])
        conn.execute(
            C.update()
            .where(C.c.entity_id == sa.bindparam("b_id"))
            .values(position=sa.bindparam("b_position"), parent_id=sa.bindparam("b_parent")),
            [{"b_id": i, "b_position": n, "b_parent": parent_id} for n, i in enumerate(siblings, start=1)],
        )
        conn.execute(C.update().where(C.c.entity_id == category_id).values(updated_at=utc_now()))
        if node.parent_id != parent_id:
            self._refresh_url_paths(conn, category_id, 0)

    def delete(self, conn: Connection, category_id: int) -> list[int]:
        """Delete the category and its subtree (values and product links go with them); returns the ids."""
        node = self._row(conn, category_id)
        if node.level == 0 or self._is_store_root(conn, category_id):  # Magento's isForbiddenToDelete
            raise InvalidValueError("Cannot delete category with id %1", [str(category_id)])
        subtree = sa.or_(C.c.entity_id == category_id, C.c.path.like(_escape_like(node.path) + "/%", escape="\\"))
        ids = [int(i) for i in conn.execute(sa.select(C.c.entity_id).where(subtree)).scalars()]
        self._change_counts(conn, {ancestor: -len(ids) for ancestor in _path_ids(node.path)[:-1]})
        for part in chunked(sorted(ids)):  # the product links refer to categories without a constraint
            conn.execute(CP.delete().where(CP.c.category_id.in_(part)))
        conn.execute(C.delete().where(subtree))
        return ids

    def ensure_paths(
        self, conn: Connection, names_paths: Sequence[str], store_id: int = 0, separator: str = "/"
    ) -> dict[str, int]:
        """names path → id, creating the missing categories (imports); a few statements per tree level."""
        attributes = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)
        names = self._child_names(conn, None, attributes["name"].attribute_id, store_id)
        split = {path: split_names_path(path, separator) for path in names_paths}
        depth = max((len(s) for s in split.values()), default=0)
        resolved: dict[tuple[str, ...], int] = {(): ROOT_CATEGORY_ID}
        for level in range(1, depth + 1):
            missing: list[tuple[str, ...]] = []
            for segments in split.values():
                if len(segments) < level:
                    continue
                key = tuple(segments[:level])
                if key in resolved or key in missing:
                    continue
                found = _match(names.get(resolved[key[:-1]], {}), key[-1])
                if found is None:
                    missing.append(key)
                else:
                    resolved[key] = found
            if missing:
                created = self._create_many(
                    conn, [(resolved[key[:-1]], CategoryInput(name=key[-1])) for key in missing], store_id
                )
                for key, entity_id in zip(missing, created, strict=True):
                    resolved[key] = entity_id
                    names[resolved[key[:-1]]][key[-1]] = entity_id
        return {path: resolved[tuple(segments)] for path, segments in split.items()}

    # -- helpers --------------------------------------------------------------------------------------------

    @staticmethod
    def _is_store_root(conn: Connection, category_id: int) -> bool:
        """Whether a store group shows this category as its root (such a category cannot be deleted)."""
        return (
            conn.execute(
                sa.select(store_group_table.c.group_id).where(store_group_table.c.root_category_id == category_id)
            ).first()
            is not None
        )

    def _row(self, conn: Connection, category_id: int) -> sa.Row[Any]:
        row = conn.execute(sa.select(C).where(C.c.entity_id == category_id)).first()
        if row is None:
            raise _not_found(category_id)
        return row

    @staticmethod
    def _given(category: CategoryInput) -> dict[str, Any]:
        given = dict(category.custom_attributes)
        for code in ("name", "is_active", "include_in_menu", "is_anchor", "url_key"):
            value = getattr(category, code)
            if value is not None:
                given[code] = value
        return given

    @staticmethod
    def _options(
        conn: Connection, attributes: Mapping[str, AttributeMeta], categories: Iterable[CategoryInput]
    ) -> dict[int, set[int]]:
        codes = {code for category in categories for code in category.custom_attributes}
        return load_option_ids(
            conn, [attributes[c].attribute_id for c in codes if c in attributes and attributes[c].uses_options]
        )

    @staticmethod
    def _writes(
        attributes: Mapping[str, AttributeMeta],
        options: Mapping[int, set[int]],
        scopes: Scopes,
        entity_id: int,
        given: Mapping[str, Any],
        store_id: int,
    ) -> list[ValueWrite]:
        writes: list[ValueWrite] = []
        for code, raw in given.items():
            meta = attributes.get(code)
            if meta is None:
                raise InvalidValueError(
                    'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.',
                    [code],
                )
            if meta.backend_type == "static" or code in _STATIC:
                continue
            value = coerce_value(meta, raw, options.get(meta.attribute_id))
            writes.extend(
                ValueWrite(meta.backend_type, entity_id, meta.attribute_id, store, value)
                for store in scopes.stores_for(meta, store_id)
            )
        return writes

    def _url_paths(
        self, conn: Connection, attributes: Mapping[str, AttributeMeta], ids: Sequence[int], store_id: int
    ) -> dict[int, str]:
        url_path = attributes["url_path"].attribute_id
        values = read_values(conn, {"varchar": category_values["varchar"]}, ids, store_id, attribute_ids=[url_path])
        return {entity_id: attrs[url_path][1] for entity_id, attrs in values.items() if url_path in attrs}

    def _refresh_url_paths(self, conn: Connection, category_id: int, store_id: int) -> None:
        """Recompute url_path for the category and its descendants at ``store_id`` (after a move or new key)."""
        node = self._row(conn, category_id)
        attributes = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)
        url_key, url_path = attributes["url_key"], attributes["url_path"]
        rows = conn.execute(
            sa.select(C.c.entity_id, C.c.parent_id, C.c.level)
            .where(sa.or_(C.c.entity_id == category_id, C.c.path.like(_escape_like(node.path) + "/%", escape="\\")))
            .order_by(C.c.level)
        ).all()
        ids = [row.entity_id for row in rows]
        keys = read_values(
            conn, {"varchar": category_values["varchar"]}, ids, store_id, attribute_ids=[url_key.attribute_id]
        )
        paths = self._url_paths(conn, attributes, [node.parent_id], store_id)
        writes = []
        for row in rows:
            key = keys.get(row.entity_id, {}).get(url_key.attribute_id, (None, None))[1]
            if key is None:
                continue
            parent_path = paths.get(row.parent_id)
            paths[row.entity_id] = f"{parent_path}/{key}" if parent_path and row.level > 2 else key
            writes.append(ValueWrite("varchar", row.entity_id, url_path.attribute_id, store_id, paths[row.entity_id]))
        write_values(conn, category_values, writes)

    def _add_to_counts(self, conn: Connection, added_under: Mapping[str, int]) -> None:
        deltas: dict[int, int] = defaultdict(int)
        for path, count in added_under.items():
            for ancestor in _path_ids(path):
                deltas[ancestor] += count
        self._change_counts(conn, deltas)

    @staticmethod
    def _change_counts(conn: Connection, deltas: Mapping[int, int]) -> None:
        """children_count += delta for each category (one statement)."""
        rows = [{"b_id": i, "b_delta": d} for i, d in sorted(deltas.items()) if d]
        if rows:
            conn.execute(
                C.update()
                .where(C.c.entity_id == sa.bindparam("b_id"))
                .values(children_count=C.c.children_count + sa.bindparam("b_delta")),
                rows,
            )


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.split("/") if part]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _match(children: Mapping[str, int], name: str) -> int | None:
    if name in children:
        return children[name]
    lowered = name.lower()
    return next((entity_id for child, entity_id in children.items() if child.lower() == lowered), None)


def store_root_category_id(conn: Connection, store_id: int) -> int:
    """The root category of the store view's store group (Magento's tree default), Root Catalog if none."""
    root = conn.execute(
        sa.select(store_group_table.c.root_category_id)
        .select_from(store_table.join(store_group_table, store_group_table.c.group_id == store_table.c.group_id))
        .where(store_table.c.store_id == store_id)
    ).scalar()
    return int(root) if root else ROOT_CATEGORY_ID


def category_ids_existing(conn: Connection, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` are categories (one statement per 5,000 ids)."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    for part in chunked(wanted):
        found.update(conn.execute(sa.select(C.c.entity_id).where(C.c.entity_id.in_(part))).scalars())
    return found


def seed_root_categories(conn: Connection) -> list[int]:
    """Magento's installation categories, 1 Root Catalog ("1") and 2 Default Category ("1/2"), where missing;
    returns the ids inserted (whose values the caller seeds)."""
    present_ids = set(conn.execute(sa.select(C.c.entity_id).where(C.c.entity_id.in_([1, 2]))).scalars())
    now = utc_now()
    rows: list[dict[str, Any]] = [
        {"entity_id": 1, "parent_id": 0, "path": "1", "position": 0, "level": 0, "children_count": 1},
        {"entity_id": 2, "parent_id": 1, "path": "1/2", "position": 1, "level": 1, "children_count": 0},
    ]
    missing = [
        {**row, "attribute_set_id": DEFAULT_CATEGORY_SET_ID, "created_at": now, "updated_at": now}
        for row in rows
        if row["entity_id"] not in present_ids
    ]
    if missing:
        conn.execute(C.insert(), missing)
    return [int(row["entity_id"]) for row in missing]


__all__ = [
    "DEFAULT_CATEGORY_ID",
    "ROOT_CATEGORY_ID",
    "CategoryInput",
    "CategoryRecord",
    "CategoryRepository",
    "CategoryTreeNode",
    "category_product_table",
    "category_table",
    "category_values",
    "constraint_name",
]

"""Attributes, their options and labels, attribute sets and groups (Magento's eav_* tables) and their repository.

Product and category values refer to attributes by id; the repositories look attributes up by code once per
batch (``load_attributes``) so that a batch of any size costs the same handful of statements.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import (
    BACKEND_TYPES,
    INVALID_VALUE,
    SCOPE_GLOBAL,
    SCOPE_NAMES,
    SCOPE_STORE,
    Scopes,
    constraint_name,
    foreign_key,
    format_url_key,
)
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.db.metadata import LongText, metadata
from conveyor.db.upsert import upsert

CATEGORY_ENTITY_TYPE_ID = 3
PRODUCT_ENTITY_TYPE_ID = 4
ENTITY_TYPES = {"catalog_category": CATEGORY_ENTITY_TYPE_ID, "catalog_product": PRODUCT_ENTITY_TYPE_ID}
DEFAULT_CATEGORY_SET_ID = 3
DEFAULT_PRODUCT_SET_ID = 4

# The backend table a frontend input stores into when a new attribute does not say.
BACKEND_FOR_INPUT = {
    "text": "varchar",
    "textarea": "text",
    "texteditor": "text",
    "pagebuilder": "text",
    "select": "int",
    "multiselect": "varchar",
    "boolean": "int",
    "price": "decimal",
    "weight": "decimal",
    "date": "datetime",
    "datetime": "datetime",
    "media_image": "varchar",
    "swatch_visual": "int",
    "swatch_text": "int",
    "gallery": "static",
    "image": "varchar",
}
BACKEND_TYPE_NAMES = ("static", "varchar", "int", "decimal", "text", "datetime")
SYSTEM_ATTRIBUTE = "The system attribute can't be deleted."
CODE_TAKEN = "An attribute with the same code (%1) already exists."
_CODE = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,59}")

entity_type_table = sa.Table(
    "eav_entity_type",
    metadata,
    sa.Column("entity_type_id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("entity_type_code", sa.String(50), nullable=False, unique=True),
    sa.Column("default_attribute_set_id", sa.Integer, nullable=False, server_default="0"),
)


def _flag(name: str, default: bool = False) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean, nullable=False, server_default=sa.true() if default else sa.false())


attribute_table = sa.Table(
    "eav_attribute",
    metadata,
    sa.Column("attribute_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "entity_type_id",
        sa.SmallInteger,
        foreign_key("eav_attribute", "entity_type_id", "eav_entity_type.entity_type_id"),
        nullable=False,
    ),
    sa.Column("attribute_code", sa.String(191), nullable=False),
    sa.Column("backend_type", sa.String(8), nullable=False, server_default="static"),
    sa.Column("frontend_input", sa.String(50), nullable=True),
    sa.Column("frontend_label", sa.String(255), nullable=True),
    sa.Column("frontend_class", sa.String(255), nullable=True),
    sa.Column("source_model", sa.String(255), nullable=True),
    sa.Column("is_global", sa.SmallInteger, nullable=False, server_default=str(SCOPE_GLOBAL)),
    _flag("is_required"),
    _flag("is_user_defined"),
    _flag("is_unique"),
    sa.Column("default_value", LongText, nullable=True),
    sa.Column("note", sa.String(255), nullable=True),
    sa.Column("apply_to", sa.String(255), nullable=True),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    _flag("is_visible", True),
    _flag("is_searchable"),
    sa.Column("is_filterable", sa.SmallInteger, nullable=False, server_default="0"),
    _flag("is_comparable"),
    _flag("is_visible_on_front"),
    _flag("is_html_allowed_on_front"),
    _flag("is_wysiwyg_enabled"),
    _flag("used_in_product_listing"),
    _flag("used_for_sort_by"),
    _flag("is_used_for_promo_rules"),
    _flag("is_filterable_in_search"),
    _flag("is_visible_in_advanced_search"),
    _flag("is_used_in_grid"),
    _flag("is_visible_in_grid"),
    _flag("is_filterable_in_grid"),
    sa.UniqueConstraint(
        "entity_type_id",
        "attribute_code",
        name=constraint_name("uq", "eav_attribute", "entity_type_id", "attribute_code"),
    ),
)

option_table = sa.Table(
    "eav_attribute_option",
    metadata,
    sa.Column("option_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "attribute_id",
        sa.Integer,
        foreign_key("eav_attribute_option", "attribute_id", "eav_attribute.attribute_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
)

option_value_table = sa.Table(
    "eav_attribute_option_value",
    metadata,
    sa.Column(
        "option_id",
        sa.Integer,
        foreign_key("eav_attribute_option_value", "option_id", "eav_attribute_option.option_id"),
        primary_key=True,
    ),
    sa.Column(
        "store_id",
        sa.SmallInteger,
        foreign_key("eav_attribute_option_value", "store_id", "store.store_id"),
        primary_key=True,
        index=True,
    ),
    sa.Column("value", sa.String(255), nullable=False),
)

attribute_label_table = sa.Table(
    "eav_attribute_label",
    metadata,
    sa.Column(
        "attribute_id",
        sa.Integer,
        foreign_key("eav_attribute_label", "attribute_id", "eav_attribute.attribute_id"),
        primary_key=True,
    ),
    sa.Column(
        "store_id",
        sa.SmallInteger,
        foreign_key("eav_attribute_label", "store_id", "store.store_id"),
        primary_key=True,
        index=True,
    ),
    sa.Column("value", sa.String(255), nullable=False),
)

attribute_set_table = sa.Table(
    "eav_attribute_set",
    metadata,
    sa.Column("attribute_set_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "entity_type_id",
        sa.SmallInteger,
        foreign_key("eav_attribute_set", "entity_type_id", "eav_entity_type.entity_type_id"),
        nullable=False,
    ),
    sa.Column("attribute_set_name", sa.String(191), nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint(
        "entity_type_id",
        "attribute_set_name",
        name=constraint_name("uq", "eav_attribute_set", "entity_type_id", "attribute_set_name"),
    ),
)

attribute_group_table = sa.Table(
    "eav_attribute_group",
    metadata,
    sa.Column("attribute_group_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "attribute_set_id",
        sa.Integer,
        foreign_key("eav_attribute_group", "attribute_set_id", "eav_attribute_set.attribute_set_id"),
        nullable=False,
    ),
    sa.Column("attribute_group_name", sa.String(191), nullable=False),
    sa.Column("attribute_group_code", sa.String(191), nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
    _flag("default_id"),
    sa.Column("tab_group_code", sa.String(191), nullable=True),
    sa.UniqueConstraint(
        "attribute_set_id",
        "attribute_group_name",
        name=constraint_name("uq", "eav_attribute_group", "attribute_set_id", "attribute_group_name"),
    ),
)

entity_attribute_table = sa.Table(
    "eav_entity_attribute",
    metadata,
    sa.Column("entity_attribute_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "attribute_set_id",
        sa.Integer,
        foreign_key("eav_entity_attribute", "attribute_set_id", "eav_attribute_set.attribute_set_id"),
        nullable=False,
    ),
    sa.Column(
        "attribute_group_id",
        sa.Integer,
        foreign_key("eav_entity_attribute", "attribute_group_id", "eav_attribute_group.attribute_group_id"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "attribute_id",
        sa.Integer,
        foreign_key("eav_entity_attribute", "attribute_id", "eav_attribute.attribute_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint(
        "attribute_set_id",
        "attribute_id",
        name=constraint_name("uq", "eav_entity_attribute", "attribute_set_id", "attribute_id"),
    ),
)

A = attribute_table
OPT, OPTV, LBL = option_table, option_value_table, attribute_label_table
SETS, GRP, EA = attribute_set_table, attribute_group_table, entity_attribute_table
# Columns an AttributeInput may set besides code, type, labels and options (None: leave / column default).
# The text and integer ones are named below; the rest are flags. The attribute importer reads a file's columns
# by this list, so a property added here is importable too.
ATTRIBUTE_PROPERTIES = (
    "frontend_class",
    "source_model",
    "note",
    "position",
    "is_visible",
    "is_searchable",
    "is_filterable",
    "is_comparable",
    "is_visible_on_front",
    "is_html_allowed_on_front",
    "is_wysiwyg_enabled",
    "used_in_product_listing",
    "used_for_sort_by",
    "is_used_for_promo_rules",
    "is_filterable_in_search",
    "is_visible_in_advanced_search",
    "is_used_in_grid",
    "is_visible_in_grid",
    "is_filterable_in_grid",
)
TEXT_PROPERTIES = ("frontend_class", "source_model", "note")
INTEGER_PROPERTIES = ("position", "is_filterable")


# ---------------------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True, slots=True)
class AttributeMeta:
    """What writers need to know about an attribute: where its values go and how to check them."""

    attribute_id: int
    code: str
    backend_type: str
    frontend_input: str | None
    scope: int
    is_required: bool
    is_unique: bool
    is_user_defined: bool
    default_value: str | None
    source_model: str | None
    apply_to: tuple[str, ...]
    label: str | None

    @property
    def uses_options(self) -> bool:
        """Values are option ids of eav_attribute_option (Magento's Table source model)."""
        return self.frontend_input in ("select", "multiselect", "swatch_visual", "swatch_text") and (
            self.source_model is None
        )

    def applies_to(self, type_id: str) -> bool:
        return not self.apply_to or type_id in self.apply_to


@dataclass(slots=True, kw_only=True)
class AttributeOption:
    """An option: its admin label, per store-view labels, order; ``value`` is the option id (None: new)."""

    label: str
    value: int | None = None
    sort_order: int = 0
    is_default: bool = False
    store_labels: dict[int, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class AttributeInput:
    """An attribute to create or update, close to Magento's eav attribute payload.

    As Magento's repository does, an update merges: fields left None keep their stored value (on create
    they take the defaults: text input, store scope, not required). ``options`` None leaves the options
    alone; a list replaces them, matched by id, then by admin label, so option ids in use survive.
    ``properties`` sets storefront flags (is_searchable, position …). Attributes created here are
    user-defined; whether an attribute is a system one never changes.
    """

    attribute_code: str
    entity_type: str = "catalog_product"
    frontend_input: str | None = None
    backend_type: str | None = None
    default_frontend_label: str | None = None
    frontend_labels: dict[int, str] | None = None
    scope: str | None = None
    is_required: bool | None = None
    is_unique: bool | None = None
    default_value: str | None = None
    apply_to: list[str] | None = None
    options: list[AttributeOption] | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class AttributeRecord:
    """A stored attribute in Magento's payload terms (scope as 'store' / 'website' / 'global')."""

    attribute_id: int
    attribute_code: str
    entity_type_id: int
    backend_type: str
    frontend_input: str | None
    default_frontend_label: str | None
    frontend_labels: dict[int, str]
    scope: str
    is_required: bool
    is_unique: bool
    is_user_defined: bool
    default_value: str | None
    apply_to: list[str]
    options: list[AttributeOption]
    properties: dict[str, Any]


@dataclass(slots=True, kw_only=True)
class AttributeGroupRecord:
    attribute_group_id: int
    attribute_group_name: str
    attribute_group_code: str
    sort_order: int
    attribute_codes: list[str]


@dataclass(slots=True, kw_only=True)
class AttributeSetRecord:
    attribute_set_id: int
    attribute_set_name: str
    sort_order: int
    entity_type_id: int
    groups: list[AttributeGroupRecord]


# ---------------------------------------------------------------------------------------------------------
# Lookups used by the product and category repositories


def entity_type_id(entity_type: str | int) -> int:
    """The entity type id for 'catalog_product' / 'catalog_category' (or an id, checked)."""
    if isinstance(entity_type, int) and entity_type in ENTITY_TYPES.values():
        return entity_type
    if isinstance(entity_type, str) and entity_type in ENTITY_TYPES:
        return ENTITY_TYPES[entity_type]
    raise InvalidValueError(INVALID_VALUE, ["entity_type", str(entity_type)])


def _meta(row: sa.Row[Any]) -> AttributeMeta:
    return AttributeMeta(
        attribute_id=row.attribute_id,
        code=row.attribute_code,
        backend_type=row.backend_type,
        frontend_input=row.frontend_input,
        scope=row.is_global,
        is_required=bool(row.is_required),
        is_unique=bool(row.is_unique),
        is_user_defined=bool(row.is_user_defined),
        default_value=row.default_value,
        source_model=row.source_model,
        apply_to=tuple(t for t in (row.apply_to or "").split(",") if t),
        label=row.frontend_label,
    )


def load_attributes(conn: Connection, entity_type: str | int) -> dict[str, AttributeMeta]:
    """Every attribute of the entity type by code (one statement)."""
    rows = conn.execute(sa.select(A).where(A.c.entity_type_id == entity_type_id(entity_type)))
    return {row.attribute_code: _meta(row) for row in rows}


def load_option_ids(conn: Connection, attribute_ids: Sequence[int]) -> dict[int, set[int]]:
    """attribute_id → its option ids (one statement), for validating select and multiselect values."""
    found: dict[int, set[int]] = {a: set() for a in attribute_ids}
    if attribute_ids:
        rows = conn.execute(
            sa.select(option_table.c.attribute_id, option_table.c.option_id).where(
                option_table.c.attribute_id.in_(list(attribute_ids))
            )
        )
        for attribute_id, option_id in rows:
            found[attribute_id].add(option_id)
    return found


def set_attribute_ids(conn: Connection, set_ids: Sequence[int]) -> dict[int, set[int]]:
    """attribute_set_id → the attribute ids assigned to it (one statement)."""
    found: dict[int, set[int]] = {s: set() for s in set_ids}
    if set_ids:
        rows = conn.execute(
            sa.select(EA.c.attribute_set_id, EA.c.attribute_id).where(EA.c.attribute_set_id.in_(set_ids))
        )
        for set_id, attribute_id in rows:
            found[set_id].add(attribute_id)
    return found


def attribute_set_types(conn: Connection, set_ids: Sequence[int]) -> dict[int, int]:
    """attribute_set_id → entity_type_id for the sets that exist."""
    if not set_ids:
        return {}
    rows = conn.execute(
        sa.select(SETS.c.attribute_set_id, SETS.c.entity_type_id).where(SETS.c.attribute_set_id.in_(set_ids))
    )
    return dict(rows.all())


def check_store_ids(conn: Connection, store_ids: Iterable[int]) -> None:
    """Labels name existing store views: an unknown one is a 400 naming it (not a foreign key error)."""
    wanted = set(store_ids) - {0}
    if not wanted:
        return
    scopes = Scopes.load(conn)
    for store_id in sorted(wanted):
        try:
            scopes.check_store(store_id)
        except NotFoundError:
            raise InvalidValueError(INVALID_VALUE, ["store_id", str(store_id)]) from None


def code_from_label(label: str) -> str:
    """Magento's code for an attribute created without one: its label transliterated to ``[a-z0-9_]`` (30
    characters at most), prefixed ``attr_`` when that is not a valid code (e.g. it starts with a digit)."""
    code = re.sub(r"[^a-z_0-9]", "_", format_url_key(label))[:30]
    if not _CODE.fullmatch(code):
        code = "attr_" + (code or hashlib.md5(label.encode(), usedforsecurity=False).hexdigest()[:8])
    return code


def attribute_code_of(conn: Connection, attribute_id: int, entity_type: str | int) -> str | None:
    """The code of the attribute with this id (of ``entity_type``), None when there is none."""
    return conn.execute(
        sa.select(A.c.attribute_code).where(
            A.c.attribute_id == attribute_id, A.c.entity_type_id == entity_type_id(entity_type)
        )
    ).scalar()


def validate_code(code: str) -> str:
    """Magento's rule for attribute codes: a letter, then letters, digits or '_', at most 60 characters."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise InvalidValueError(
            'Attribute code "%1" is invalid. Please use only letters (a-z or A-Z), numbers (0-9) or underscore (_)'
            " in this field, and the first character should be a letter.",
            [str(code)],
        )
    return code


# ---------------------------------------------------------------------------------------------------------
# Repository


class AttributeRepository:
    """Attributes with options and labels, and attribute sets; every method runs in the caller's transaction."""

    # -- attributes -----------------------------------------------------------------------------------------

    def get(self, conn: Connection, code: str, entity_type: str | int = "catalog_product") -> AttributeRecord:
        """The attribute with its options and labels (NotFoundError when the code is unknown)."""
        records = self._records(conn, entity_type, [code])
        if not records:
            raise NotFoundError(
                'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.', [code]
            )
        return records[0]

    def get_list(self, conn: Connection, entity_type: str | int = "catalog_product") -> list[AttributeRecord]:
        """Every attribute of the entity type, by id (three statements)."""
        return self._records(conn, entity_type, None)

    def get_many(
        self, conn: Connection, codes: Sequence[str], entity_type: str | int = "catalog_product"
    ) -> list[AttributeRecord]:
        """The attributes of ``codes`` that exist, in the order asked (a page of a search)."""
        found = {record.attribute_code: record for record in self._records(conn, entity_type, codes)}
        return [found[code] for code in codes if code in found]

    def _records(self, conn: Connection, entity_type: str | int, codes: Sequence[str] | None) -> list[AttributeRecord]:
        query = sa.select(A).where(A.c.entity_type_id == entity_type_id(entity_type)).order_by(A.c.attribute_id)
        if codes is not None:
            query = query.where(A.c.attribute_code.in_(list(codes)))
        rows = conn.execute(query).all()
        ids = [row.attribute_id for row in rows]
        labels: dict[int, dict[int, str]] = defaultdict(dict)
        options: dict[int, list[AttributeOption]] = defaultdict(list)
        if ids:
            for attribute_id, store_id, value in conn.execute(
                sa.select(LBL.c.attribute_id, LBL.c.store_id, LBL.c.value).where(LBL.c.attribute_id.in_(ids))
            ):
                labels[attribute_id][store_id] = value
            by_option: dict[int, AttributeOption] = {}
            for attribute_id, option_id, sort_order, store_id, value in conn.execute(
                sa.select(OPT.c.attribute_id, OPT.c.option_id, OPT.c.sort_order, OPTV.c.store_id, OPTV.c.value)
                .select_from(OPT.outerjoin(OPTV, OPTV.c.option_id == OPT.c.option_id))
                .where(OPT.c.attribute_id.in_(ids))
                .order_by(OPT.c.attribute_id, OPT.c.sort_order, OPT.c.option_id, OPTV.c.store_id)
            ):
                option = by_option.get(option_id)
                if option is None:
                    option = by_option[option_id] = AttributeOption(label="", value=option_id, sort_order=sort_order)
                    options[attribute_id].append(option)
                if store_id == 0:
                    option.label = value
                elif store_id is not None:
                    option.store_labels[store_id] = value
        records = []
        for row in rows:
            attribute_options = options.get(row.attribute_id, [])
            for option in attribute_options:
                option.is_default = row.default_value is not None and str(option.value) == row.default_value
            records.append(
                AttributeRecord(
                    attribute_id=row.attribute_id,
                    attribute_code=row.attribute_code,
                    entity_type_id=row.entity_type_id,
                    backend_type=row.backend_type,
                    frontend_input=row.frontend_input,
                    default_frontend_label=row.frontend_label,
                    frontend_labels=labels.get(row.attribute_id, {}),
                    scope=SCOPE_NAMES.get(row.is_global, "global"),
                    is_required=bool(row.is_required),
                    is_unique=bool(row.is_unique),
                    is_user_defined=bool(row.is_user_defined),
                    default_value=row.default_value,
                    apply_to=[t for t in (row.apply_to or "").split(",") if t],
                    options=attribute_options,
                    properties={name: row._mapping[name] for name in ATTRIBUTE_PROPERTIES},
                )
            )
        return records

    def create(self, conn: Connection, attribute: AttributeInput) -> int:
        """Create-only save: DuplicateError when the code exists for the entity type."""
        type_id = entity_type_id(attribute.entity_type)
        exists = conn.execute(
            sa.select(A.c.attribute_id).where(
                A.c.entity_type_id == type_id, A.c.attribute_code == attribute.attribute_code
            )
        ).first()
        if exists is not None:
            raise DuplicateError(CODE_TAKEN, [attribute.attribute_code])
        return self.save(conn, attribute)

    def save(self, conn: Connection, attribute: AttributeInput) -> int:
        """Create or update by code; returns the attribute id."""
        code = validate_code(attribute.attribute_code)
        type_id = entity_type_id(attribute.entity_type)
        unknown = set(attribute.properties) - set(ATTRIBUTE_PROPERTIES)
        if unknown:
            raise InvalidValueError(INVALID_VALUE, ["properties", ", ".join(sorted(unknown))])
        given = {
            "frontend_input": attribute.frontend_input,
            "frontend_label": attribute.default_frontend_label,
            "is_global": None if attribute.scope is None else scope_number(attribute.scope),
            "is_required": attribute.is_required,
            "is_unique": attribute.is_unique,
            "default_value": attribute.default_value,
            "apply_to": None if attribute.apply_to is None else ",".join(attribute.apply_to) or None,
        }
        values: dict[str, Any] = {k: v for k, v in given.items() if v is not None} | attribute.properties
        if attribute.apply_to == []:
            values["apply_to"] = None
        existing = conn.execute(
            sa.select(A.c.attribute_id, A.c.backend_type).where(
                A.c.entity_type_id == type_id, A.c.attribute_code == code
            )
        ).first()
        if existing is None:
            values.setdefault("frontend_input", "text")
            values.setdefault("is_global", SCOPE_STORE)
            backend = attribute.backend_type or BACKEND_FOR_INPUT.get(values["frontend_input"])
            if backend not in BACKEND_TYPE_NAMES:
                raise InvalidValueError(INVALID_VALUE, ["frontend_input", str(values["frontend_input"])])
            attribute_id = int(
                conn.execute(
                    A.insert()
                    .values(
                        entity_type_id=type_id,
                        attribute_code=code,
                        backend_type=backend,
                        is_user_defined=True,
                        **values,
                    )
                    .returning(A.c.attribute_id)
                ).scalar_one()
            )
        else:
            attribute_id = existing.attribute_id
            if attribute.backend_type not in (None, existing.backend_type):
                raise InvalidValueError(INVALID_VALUE, ["backend_type", str(attribute.backend_type)])
            if values:
                conn.execute(A.update().where(A.c.attribute_id == attribute_id).values(**values))
        check_store_ids(conn, attribute.frontend_labels or {})
        check_store_ids(conn, (s for option in attribute.options or [] for s in option.store_labels))
        if attribute.frontend_labels is not None:
            conn.execute(LBL.delete().where(LBL.c.attribute_id == attribute_id))
            labels = [
                {"attribute_id": attribute_id, "store_id": s, "value": v} for s, v in attribute.frontend_labels.items()
            ]
            if labels:
                conn.execute(LBL.insert(), labels)
        if attribute.options is not None:
            default = self._replace_options(conn, attribute_id, attribute.options)
            if default is not None:
                conn.execute(A.update().where(A.c.attribute_id == attribute_id).values(default_value=str(default)))
        return attribute_id

    def _replace_options(self, conn: Connection, attribute_id: int, options: Sequence[AttributeOption]) -> int | None:
        """Make the attribute's options exactly ``options``; returns the id of the default option, if any."""
        current = dict(
            conn.execute(
                sa.select(OPT.c.option_id, OPTV.c.value)
                .select_from(OPT.outerjoin(OPTV, sa.and_(OPTV.c.option_id == OPT.c.option_id, OPTV.c.store_id == 0)))
                .where(OPT.c.attribute_id == attribute_id)
            ).all()
        )
        by_label = {(label or "").lower(): option_id for option_id, label in current.items()}
        kept: list[tuple[int, AttributeOption]] = []
        new: list[AttributeOption] = []
        for option in options:
            if not option.label:
                raise InvalidValueError(INVALID_VALUE, ["option label", repr(option.label)])
            option_id = option.value if option.value in current else by_label.get(option.label.lower())
            if option_id is None or option_id in {k for k, _ in kept}:
                new.append(option)
            else:
                kept.append((option_id, option))
        gone = set(current) - {option_id for option_id, _ in kept}
        if gone:
            conn.execute(OPT.delete().where(OPT.c.option_id.in_(sorted(gone))))
        if kept:
            conn.execute(
                OPT.update().where(OPT.c.option_id == sa.bindparam("b_id")).values(sort_order=sa.bindparam("b_sort")),
                [{"b_id": option_id, "b_sort": option.sort_order} for option_id, option in kept],
            )
            conn.execute(OPTV.delete().where(OPTV.c.option_id.in_([option_id for option_id, _ in kept])))
        created = self._insert_options(conn, attribute_id, new)
        pairs = kept + list(zip(created, new, strict=True))
        labels = [
            {"option_id": option_id, "store_id": store_id, "value": label}
            for option_id, option in pairs
            for store_id, label in {**option.store_labels, 0: option.label}.items()
        ]
        if labels:
            conn.execute(OPTV.insert(), labels)
        return next((option_id for option_id, option in pairs if option.is_default), None)

    def _insert_options(self, conn: Connection, attribute_id: int, options: Sequence[AttributeOption]) -> list[int]:
        """Insert option rows (labels apart); their ids in input order."""
        if not options:
            return []
        rows = conn.execute(
            option_table.insert().returning(option_table.c.option_id, sort_by_parameter_order=True),
            [{"attribute_id": attribute_id, "sort_order": option.sort_order} for option in options],
        )
        return [int(option_id) for option_id in rows.scalars()]

    def option_ids(
        self,
        conn: Connection,
        code: str,
        labels: Sequence[str],
        *,
        add_missing: bool = False,
        store_id: int = 0,
        entity_type: str | int = "catalog_product",
    ) -> dict[str, int]:
        """label → option id, matching case-insensitively on the admin label (or ``store_id``'s label).

        Missing labels are added as new options with ``add_missing`` (imports); otherwise they are an error.
        """
        meta = load_attributes(conn, entity_type).get(code)
        if meta is None:
            raise NotFoundError(
                'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.', [code]
            )
        known: dict[str, int] = {}
        for option_id, value in conn.execute(
            sa.select(OPTV.c.option_id, OPTV.c.value)
            .select_from(OPT.join(OPTV, OPTV.c.option_id == OPT.c.option_id))
            .where(OPT.c.attribute_id == meta.attribute_id, OPTV.c.store_id.in_(sorted({0, store_id})))
            .order_by(OPTV.c.store_id.desc(), OPT.c.sort_order, OPT.c.option_id)
        ):
            known.setdefault(value.lower(), option_id)
        found: dict[str, int] = {}
        missing: list[str] = []
        for label in labels:
            option_id = known.get(label.lower())
            if option_id is not None:
                found[label] = option_id
            elif label.lower() not in {m.lower() for m in missing}:
                missing.append(label)
        if missing and not add_missing:
            raise InvalidValueError(INVALID_VALUE, [code, missing[0]])
        if missing:
            top = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(OPT.c.sort_order), 0)).where(
                    OPT.c.attribute_id == meta.attribute_id
                )
            ).scalar_one()
            new = [AttributeOption(label=label, sort_order=int(top) + n) for n, label in enumerate(missing, start=1)]
            created = self._insert_options(conn, meta.attribute_id, new)
            conn.execute(
                OPTV.insert(),
                [
                    {"option_id": option_id, "store_id": 0, "value": label}
                    for option_id, label in zip(created, missing, strict=True)
                ],
            )
            added = {label.lower(): option_id for option_id, label in zip(created, missing, strict=True)}
            found.update({label: added[label.lower()] for label in labels if label not in found})
        return found

    def delete(self, conn: Connection, code: str, entity_type: str | int = "catalog_product") -> None:
        """Delete a user-defined attribute; its options, labels and values go with it."""
        meta = load_attributes(conn, entity_type).get(code)
        if meta is None:
            raise NotFoundError(
                'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.', [code]
            )
        if not meta.is_user_defined:
            raise InvalidValueError(SYSTEM_ATTRIBUTE)
        # the values first: the product value tables refer to attributes without a constraint that would cascade
        entity = {type_id: name for name, type_id in ENTITY_TYPES.items()}[entity_type_id(entity_type)]
        for backend in BACKEND_TYPES:
            values = sa.table(f"{entity}_entity_{backend}", sa.column("attribute_id"))
            conn.execute(values.delete().where(values.c.attribute_id == meta.attribute_id))
        conn.execute(A.delete().where(A.c.attribute_id == meta.attribute_id))

    # -- attribute sets -------------------------------------------------------------------------------------

    def get_set(self, conn: Connection, attribute_set_id: int) -> AttributeSetRecord:
        """An attribute set with its groups and their attributes."""
        sets = self._sets(conn, attribute_set_table.c.attribute_set_id == attribute_set_id)
        if not sets:
            raise NotFoundError(
                'The AttributeSet with a "%1" ID doesn\'t exist. Verify the attributeSet and try again.',
                [str(attribute_set_id)],
            )
        return sets[0]

    def list_sets(self, conn: Connection, entity_type: str | int = "catalog_product") -> list[AttributeSetRecord]:
        return self._sets(conn, attribute_set_table.c.entity_type_id == entity_type_id(entity_type))

    def _sets(self, conn: Connection, where: sa.ColumnElement[bool]) -> list[AttributeSetRecord]:
        sets = [
            AttributeSetRecord(
                attribute_set_id=row.attribute_set_id,
                attribute_set_name=row.attribute_set_name,
                sort_order=row.sort_order,
                entity_type_id=row.entity_type_id,
                groups=[],
            )
            for row in conn.execute(sa.select(SETS).where(where).order_by(SETS.c.attribute_set_id))
        ]
        if not sets:
            return sets
        by_id = {s.attribute_set_id: s for s in sets}
        groups: dict[int, AttributeGroupRecord] = {}
        for row in conn.execute(
            sa.select(GRP)
            .where(GRP.c.attribute_set_id.in_(list(by_id)))
            .order_by(GRP.c.sort_order, GRP.c.attribute_group_id)
        ):
            group = AttributeGroupRecord(
                attribute_group_id=row.attribute_group_id,
                attribute_group_name=row.attribute_group_name,
                attribute_group_code=row.attribute_group_code,
                sort_order=row.sort_order,
                attribute_codes=[],
            )
            groups[group.attribute_group_id] = group
            by_id[row.attribute_set_id].groups.append(group)
        for group_id, code in conn.execute(
            sa.select(EA.c.attribute_group_id, A.c.attribute_code)
            .select_from(EA.join(A, A.c.attribute_id == EA.c.attribute_id))
            .where(EA.c.attribute_set_id.in_(list(by_id)))
            .order_by(EA.c.sort_order, EA.c.attribute_id)
        ):
            groups[group_id].attribute_codes.append(code)
        return sets

    def create_set(
        self, conn: Connection, name: str, skeleton_id: int = DEFAULT_PRODUCT_SET_ID, sort_order: int = 0
    ) -> int:
        """A new set with the skeleton set's groups and attribute assignments (Magento requires a skeleton)."""
        if not name.strip():
            raise InvalidValueError("The attribute set name is empty. Enter the name and try again.")
        skeleton = self.get_set(conn, skeleton_id)
        taken = conn.execute(
            sa.select(SETS.c.attribute_set_id).where(
                SETS.c.entity_type_id == skeleton.entity_type_id, SETS.c.attribute_set_name == name
            )
        ).first()
        if taken is not None:
            raise DuplicateError('A "%1" attribute set name already exists. Create a new name and try again.', [name])
        set_id = int(
            conn.execute(
                SETS.insert()
                .values(entity_type_id=skeleton.entity_type_id, attribute_set_name=name, sort_order=sort_order)
                .returning(SETS.c.attribute_set_id)
            ).scalar_one()
        )
        old_groups = conn.execute(
            sa.select(GRP).where(GRP.c.attribute_set_id == skeleton_id).order_by(GRP.c.attribute_group_id)
        ).all()
        if old_groups:
            new_ids = (
                conn.execute(
                    GRP.insert().returning(GRP.c.attribute_group_id, sort_by_parameter_order=True),
                    [
                        {
                            "attribute_set_id": set_id,
                            "attribute_group_name": g.attribute_group_name,
                            "attribute_group_code": g.attribute_group_code,
                            "sort_order": g.sort_order,
                            "default_id": g.default_id,
                            "tab_group_code": g.tab_group_code,
                        }
                        for g in old_groups
                    ],
                )
                .scalars()
                .all()
            )
            group_map = {g.attribute_group_id: new for g, new in zip(old_groups, new_ids, strict=True)}
            links = conn.execute(
                sa.select(EA.c.attribute_group_id, EA.c.attribute_id, EA.c.sort_order).where(
                    EA.c.attribute_set_id == skeleton_id
                )
            ).all()
            if links:
                conn.execute(
                    EA.insert(),
                    [
                        {
                            "attribute_set_id": set_id,
                            "attribute_group_id": group_map[link.attribute_group_id],
                            "attribute_id": link.attribute_id,
                            "sort_order": link.sort_order,
                        }
                        for link in links
                    ],
                )
        return set_id

    def add_group(self, conn: Connection, attribute_set_id: int, name: str, sort_order: int | None = None) -> int:
        """A new group in a set (its code derived from the name, as Magento does)."""
        self.get_set(conn, attribute_set_id)
        if sort_order is None:
            top = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(GRP.c.sort_order), 0)).where(
                    GRP.c.attribute_set_id == attribute_set_id
                )
            ).scalar_one()
            sort_order = int(top) + 1
        code = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "group"
        try:
            with conn.begin_nested():
                return int(
                    conn.execute(
                        GRP.insert()
                        .values(
                            attribute_set_id=attribute_set_id,
                            attribute_group_name=name,
                            attribute_group_code=code,
                            sort_order=sort_order,
                        )
                        .returning(GRP.c.attribute_group_id)
                    ).scalar_one()
                )
        except sa.exc.IntegrityError:
            raise DuplicateError('Attribute group with same code "%1" already exists.', [name]) from None

    def assign(
        self,
        conn: Connection,
        attribute_set_id: int,
        attribute_group_id: int,
        code: str,
        sort_order: int = 0,
    ) -> int:
        """Put an attribute in a set's group (moving it when it is already in the set); the assignment's id."""
        group = conn.execute(
            sa.select(GRP.c.attribute_group_id, SETS.c.entity_type_id)
            .select_from(GRP.join(SETS, SETS.c.attribute_set_id == GRP.c.attribute_set_id))
            .where(GRP.c.attribute_group_id == attribute_group_id, GRP.c.attribute_set_id == attribute_set_id)
        ).first()
        if group is None:
            raise NotFoundError(
                'The group with the "%1" ID doesn\'t exist. Verify the ID and try again.', [str(attribute_group_id)]
            )
        meta = load_attributes(conn, group.entity_type_id).get(code)
        if meta is None:
            raise NotFoundError(
                'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.', [code]
            )
        row = {
            "attribute_set_id": attribute_set_id,
            "attribute_group_id": attribute_group_id,
            "attribute_id": meta.attribute_id,
            "sort_order": sort_order,
        }
        upsert(conn, EA, [row], key=["attribute_set_id", "attribute_id"])
        return int(
            conn.execute(
                sa.select(EA.c.entity_attribute_id).where(
                    EA.c.attribute_set_id == attribute_set_id, EA.c.attribute_id == meta.attribute_id
                )
            ).scalar_one()
        )

    def unassign(self, conn: Connection, attribute_set_id: int, code: str) -> None:
        """Take an attribute out of a set (the product values stay, as in Magento)."""
        type_id = conn.execute(
            sa.select(SETS.c.entity_type_id).where(SETS.c.attribute_set_id == attribute_set_id)
        ).scalar()
        if type_id is None:
            raise NotFoundError(
                'The AttributeSet with a "%1" ID doesn\'t exist. Verify the attributeSet and try again.',
                [str(attribute_set_id)],
            )
        meta = load_attributes(conn, type_id).get(code)
        if meta is None:
            raise NotFoundError(
                'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.', [code]
            )
        conn.execute(
            EA.delete().where(EA.c.attribute_set_id == attribute_set_id, EA.c.attribute_id == meta.attribute_id)
        )


def scope_number(scope: str) -> int:
    """Magento's is_global number for a scope name."""
    numbers = {name: number for number, name in SCOPE_NAMES.items()}
    if scope not in numbers:
        raise InvalidValueError(INVALID_VALUE, ["scope", scope])
    return numbers[scope]


def attributes_by_id(attributes: Mapping[str, AttributeMeta]) -> dict[int, AttributeMeta]:
    return {meta.attribute_id: meta for meta in attributes.values()}


__all__ = [
    "CATEGORY_ENTITY_TYPE_ID",
    "DEFAULT_CATEGORY_SET_ID",
    "DEFAULT_PRODUCT_SET_ID",
    "PRODUCT_ENTITY_TYPE_ID",
    "SCOPE_STORE",
    "AttributeInput",
    "AttributeMeta",
    "AttributeOption",
    "AttributeRecord",
    "AttributeRepository",
    "AttributeSetRecord",
]

"""Attribute sets and groups as Magento's set and group repositories keep them: what a set holds, its defaults,
renaming, deleting (never the entity type's default set) and the groups' own saves and deletes.

The product writer asks here which attributes belong to a product's set (``set_attributes``) and what a new
product of that set takes when an attribute is not given (``set_defaults``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.eav.attributes import (
    SYSTEM_ATTRIBUTE,
    AttributeMeta,
    AttributeRepository,
    _meta,
    attribute_group_table,
    attribute_set_table,
    attribute_table,
    entity_attribute_table,
    entity_type_table,
    load_option_ids,
)
from conveyor.catalog.eav.values import coerce_value
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError

A, SETS, GRP, EA = attribute_table, attribute_set_table, attribute_group_table, entity_attribute_table
SET_NOT_FOUND = 'The AttributeSet with a "%1" ID doesn\'t exist. Verify the attributeSet and try again.'
GROUP_NOT_FOUND = 'Group with id "%1" does not exist.'
SET_NAME_EMPTY = "The attribute set name is empty. Enter the name and try again."
SET_NAME_TAKEN = 'A "%1" attribute set name already exists. Create a new name and try again.'
NOT_IN_SET = 'The "%1" attribute wasn\'t found in the "%2" attribute set. Enter the attribute and try again.'
DEFAULT_SET_DELETE = "The default attribute set can't be deleted."
SET_NOT_DELETED = "The attribute set couldn't be deleted."
GROUP_HAS_SYSTEM = "The attribute group can't be deleted because it contains system attributes."
GROUP_OTHER_SET = "The attribute group doesn't belong to the provided attribute set."
GROUP_NAME_TAKEN = 'Attribute group with same code "%1" already exists.'
# Group codes Magento keeps for its own tabs: a group named so gets an md5 code instead.
_RESERVED_GROUP_CODES = ("images",)

# searchCriteria fields of the set and group lists (Magento's column names).
SET_FIELDS: dict[str, ColumnElement[Any]] = {
    "attribute_set_id": SETS.c.attribute_set_id,
    "attribute_set_name": SETS.c.attribute_set_name,
    "sort_order": SETS.c.sort_order,
    "entity_type_id": SETS.c.entity_type_id,
    "entity_type_code": entity_type_table.c.entity_type_code,
}
GROUP_FIELDS: dict[str, ColumnElement[Any]] = {
    "attribute_group_id": GRP.c.attribute_group_id,
    "attribute_group_name": GRP.c.attribute_group_name,
    "attribute_group_code": GRP.c.attribute_group_code,
    "attribute_set_id": GRP.c.attribute_set_id,
    "sort_order": GRP.c.sort_order,
    "default_id": GRP.c.default_id,
}


@dataclass(frozen=True, slots=True)
class AttributeSetRow:
    attribute_set_id: int
    attribute_set_name: str
    sort_order: int
    entity_type_id: int


@dataclass(frozen=True, slots=True)
class AttributeGroupRow:
    attribute_group_id: int
    attribute_group_name: str
    attribute_group_code: str
    attribute_set_id: int
    sort_order: int


def set_query(entity_type_id: int | None = None) -> sa.Select[Any]:
    """The base select of the set list (joined to the entity type so clients may filter on its code), of one
    entity type when given."""
    query = sa.select(SETS).select_from(
        SETS.join(entity_type_table, entity_type_table.c.entity_type_id == SETS.c.entity_type_id)
    )
    return query if entity_type_id is None else query.where(SETS.c.entity_type_id == entity_type_id)


def group_query(entity_type_id: int | None = None) -> sa.Select[Any]:
    """The base select of the group list (the groups of ``entity_type_id``'s sets when given)."""
    query = sa.select(GRP)
    if entity_type_id is not None:
        query = query.select_from(GRP.join(SETS, SETS.c.attribute_set_id == GRP.c.attribute_set_id)).where(
            SETS.c.entity_type_id == entity_type_id
        )
    return query


def set_row(row: Any) -> AttributeSetRow:
    return AttributeSetRow(
        attribute_set_id=int(row.attribute_set_id),
        attribute_set_name=row.attribute_set_name,
        sort_order=int(row.sort_order),
        entity_type_id=int(row.entity_type_id),
    )


def group_row(row: Any) -> AttributeGroupRow:
    return AttributeGroupRow(
        attribute_group_id=int(row.attribute_group_id),
        attribute_group_name=row.attribute_group_name,
        attribute_group_code=row.attribute_group_code,
        attribute_set_id=int(row.attribute_set_id),
        sort_order=int(row.sort_order),
    )


def get_set_row(
    conn: Connection, set_id: int, entity_type_id: int | None = None, *, message: str = SET_NOT_FOUND
) -> AttributeSetRow:
    """One set (of ``entity_type_id`` when given); NotFoundError otherwise, with ``message`` (%1: the id) —
    Magento's services word it differently."""
    row = conn.execute(sa.select(SETS).where(SETS.c.attribute_set_id == set_id)).first()
    if row is None or (entity_type_id is not None and row.entity_type_id != entity_type_id):
        raise NotFoundError(message, [str(set_id)])
    return set_row(row)


def set_attributes(conn: Connection, set_id: int) -> dict[str, AttributeMeta]:
    """The attributes that belong to the set, by code (one statement); NotFoundError for an unknown set."""
    get_set_row(conn, set_id)
    rows = conn.execute(
        sa.select(A)
        .select_from(A.join(EA, EA.c.attribute_id == A.c.attribute_id))
        .where(EA.c.attribute_set_id == set_id)
        .order_by(A.c.attribute_id)
    )
    return {row.attribute_code: _meta(row) for row in rows}


def set_defaults(conn: Connection, set_id: int, type_id: str | None = None) -> dict[str, str]:
    """code → default value of the set's attributes that have one (and apply to ``type_id`` when given).

    Magento gives a new product these values for the attributes it was not sent; attributes outside the set
    give nothing, whatever their default.
    """
    return {
        code: meta.default_value
        for code, meta in set_attributes(conn, set_id).items()
        if meta.default_value not in (None, "")
        and meta.backend_type != "static"
        and (type_id is None or meta.applies_to(type_id))
    }


def set_default_values(conn: Connection, set_id: int, type_id: str | None = None) -> dict[str, Any]:
    """``set_defaults`` as the value tables store them (select defaults checked against the attribute's own
    options, one statement for all); a default no longer valid (its option deleted) gives nothing."""
    members = set_attributes(conn, set_id)
    raw = set_defaults(conn, set_id, type_id)
    options = load_option_ids(conn, [members[c].attribute_id for c in raw if members[c].uses_options])
    values: dict[str, Any] = {}
    for code, text in raw.items():
        meta = members[code]
        try:
            values[code] = coerce_value(meta, text, options.get(meta.attribute_id))
        except InvalidValueError:
            continue
    return values


def set_attribute_codes(conn: Connection, set_id: int) -> list[str]:
    """The codes in the set, in group then attribute order (Magento's getAttributes order)."""
    get_set_row(conn, set_id)
    return list(
        conn.execute(
            sa.select(A.c.attribute_code)
            .select_from(
                EA.join(A, A.c.attribute_id == EA.c.attribute_id).join(
                    GRP, GRP.c.attribute_group_id == EA.c.attribute_group_id
                )
            )
            .where(EA.c.attribute_set_id == set_id)
            .order_by(GRP.c.sort_order, EA.c.sort_order, A.c.attribute_id)
        ).scalars()
    )


def check_set_name(conn: Connection, name: str, entity_type_id: int, exclude: int | None = None) -> str:
    """A set name must be non-empty and unique within the entity type."""
    name = (name or "").strip()
    if not name:
        raise InvalidValueError(SET_NAME_EMPTY)
    query = sa.select(SETS.c.attribute_set_id).where(
        SETS.c.entity_type_id == entity_type_id, SETS.c.attribute_set_name == name
    )
    if exclude is not None:
        query = query.where(SETS.c.attribute_set_id != exclude)
    if conn.execute(query).first() is not None:
        raise DuplicateError(SET_NAME_TAKEN, [name])
    return name


def update_set(
    conn: Connection,
    set_id: int,
    name: str | None,
    sort_order: int | None,
    entity_type_id: int | None = None,
) -> AttributeSetRow:
    """Rename or reorder a set (fields left None keep their value); the entity type never changes."""
    current = get_set_row(conn, set_id, entity_type_id)
    changes: dict[str, Any] = {}
    if name is not None and name != current.attribute_set_name:
        changes["attribute_set_name"] = check_set_name(conn, name, current.entity_type_id, exclude=set_id)
    if sort_order is not None:
        changes["sort_order"] = sort_order
    if changes:
        conn.execute(SETS.update().where(SETS.c.attribute_set_id == set_id).values(**changes))
    return get_set_row(conn, set_id)


def delete_set(conn: Connection, set_id: int, entity_type_id: int | None = None) -> None:
    """Delete a set with its groups and assignments; the entity type's default set and a set products still
    use stay (Magento's messages)."""
    current = get_set_row(conn, set_id, entity_type_id)
    default = conn.execute(
        sa.select(entity_type_table.c.default_attribute_set_id).where(
            entity_type_table.c.entity_type_id == current.entity_type_id
        )
    ).scalar()
    if default == set_id:
        raise InvalidValueError(DEFAULT_SET_DELETE)
    try:
        with conn.begin_nested():
            conn.execute(EA.delete().where(EA.c.attribute_set_id == set_id))
            conn.execute(GRP.delete().where(GRP.c.attribute_set_id == set_id))
            conn.execute(SETS.delete().where(SETS.c.attribute_set_id == set_id))
    except sa.exc.IntegrityError:  # products (or categories) of the set refer to it
        raise InvalidValueError(SET_NOT_DELETED) from None


# --- groups ----------------------------------------------------------------------------------------------------
def get_group(conn: Connection, group_id: int) -> AttributeGroupRow:
    row = conn.execute(sa.select(GRP).where(GRP.c.attribute_group_id == group_id)).first()
    if row is None:
        raise NotFoundError(GROUP_NOT_FOUND, [str(group_id)])
    return group_row(row)


def group_code(name: str) -> str:
    """Magento's code for a group name: lower case, runs of other characters as '-' (md5 when empty/reserved)."""
    code = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not code or code in _RESERVED_GROUP_CODES:
        code = hashlib.md5(name.lower().encode(), usedforsecurity=False).hexdigest()
    return code


def save_group(
    conn: Connection,
    *,
    attribute_set_id: int,
    name: str | None,
    group_id: int | None = None,
    code: str | None = None,
    sort_order: int | None = None,
    entity_type_id: int | None = None,
) -> AttributeGroupRow:
    """Create a group in a set, or update group ``group_id`` of that set (Magento's group repository save)."""
    try:
        get_set_row(conn, attribute_set_id, entity_type_id)
    except NotFoundError:
        raise NotFoundError("No such entity with %1 = %2", ["attributeSetId", str(attribute_set_id)]) from None
    changes: dict[str, Any] = {}
    if group_id is not None:
        existing = conn.execute(sa.select(GRP).where(GRP.c.attribute_group_id == group_id)).first()
        if existing is None:
            raise NotFoundError("No such entity with %1 = %2", ["attributeGroupId", str(group_id)])
        if existing.attribute_set_id != attribute_set_id:
            raise InvalidValueError(GROUP_OTHER_SET)
    if name is not None:
        if not name.strip():
            raise InvalidValueError('"%1" is required. Enter and try again.', ["attribute_group_name"])
        changes["attribute_group_name"] = name.strip()
    if code is not None and code.strip():
        changes["attribute_group_code"] = code.strip()
    if sort_order is not None:
        changes["sort_order"] = sort_order
    try:
        with conn.begin_nested():
            if group_id is None:
                if "attribute_group_name" not in changes:
                    raise InvalidValueError('"%1" is required. Enter and try again.', ["attribute_group_name"])
                changes.setdefault("attribute_group_code", group_code(changes["attribute_group_name"]))
                if "sort_order" not in changes:
                    top = conn.execute(
                        sa.select(sa.func.coalesce(sa.func.max(GRP.c.sort_order), 0)).where(
                            GRP.c.attribute_set_id == attribute_set_id
                        )
                    ).scalar_one()
                    changes["sort_order"] = int(top) + 1
                group_id = int(
                    conn.execute(
                        GRP.insert()
                        .values(attribute_set_id=attribute_set_id, **changes)
                        .returning(GRP.c.attribute_group_id)
                    ).scalar_one()
                )
            elif changes:
                conn.execute(GRP.update().where(GRP.c.attribute_group_id == group_id).values(**changes))
    except sa.exc.IntegrityError:
        raise DuplicateError(GROUP_NAME_TAKEN, [str(changes.get("attribute_group_name", ""))]) from None
    return get_group(conn, group_id)


def delete_group(conn: Connection, group_id: int, entity_type_id: int | None = None) -> None:
    """Delete a group; one holding system attributes stays, as in Magento (user attributes leave the set)."""
    group = get_group(conn, group_id)
    if entity_type_id is not None:
        get_set_row(conn, group.attribute_set_id, entity_type_id)
    system = conn.execute(
        sa.select(EA.c.attribute_id)
        .select_from(EA.join(A, A.c.attribute_id == EA.c.attribute_id))
        .where(EA.c.attribute_group_id == group_id, A.c.is_user_defined == sa.false())
        .limit(1)
    ).first()
    if system is not None:
        raise InvalidValueError(GROUP_HAS_SYSTEM)
    conn.execute(EA.delete().where(EA.c.attribute_group_id == group_id))
    conn.execute(GRP.delete().where(GRP.c.attribute_group_id == group_id))


__all__ = [
    "GROUP_FIELDS",
    "SET_FIELDS",
    "AttributeGroupRow",
    "AttributeSetRow",
    "delete_group",
    "delete_set",
    "get_group",
    "get_set_row",
    "group_query",
    "group_row",
    "save_group",
    "set_attribute_codes",
    "set_attributes",
    "set_default_values",
    "set_defaults",
    "set_query",
    "set_row",
    "update_set",
]


# --- assignments -----------------------------------------------------------------------------------------------
def assign_attribute(
    conn: Connection,
    attribute_set_id: int,
    attribute_group_id: int,
    code: str,
    sort_order: int = 0,
    entity_type_id: int | None = None,
) -> int:
    """Put an attribute into a set's group with Magento's checks; the assignment (entity attribute) id."""
    found = get_set_row(conn, attribute_set_id)
    if entity_type_id is not None and found.entity_type_id != entity_type_id:  # Magento: wrong type is a 400
        raise InvalidValueError("The attribute set ID is incorrect. Verify the ID and try again.")
    group = get_group(conn, attribute_group_id)
    if group.attribute_set_id != attribute_set_id:
        raise InvalidValueError("The attribute group doesn't belong to the attribute set.")
    return AttributeRepository().assign(conn, attribute_set_id, attribute_group_id, code, sort_order)


def unassign_attribute(conn: Connection, attribute_set_id: int, code: str, entity_type_id: int | None = None) -> None:
    """Take a user-defined attribute out of a set (Magento refuses system attributes)."""
    found = get_set_row(
        conn, attribute_set_id, entity_type_id, message='The "%1" attribute set wasn\'t found. Verify and try again.'
    )
    meta = conn.execute(
        sa.select(A.c.attribute_id, A.c.is_user_defined).where(
            A.c.entity_type_id == found.entity_type_id, A.c.attribute_code == code
        )
    ).first()
    if meta is None:
        raise NotFoundError(
            'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.', [code]
        )
    link = EA.c.attribute_set_id == attribute_set_id, EA.c.attribute_id == meta.attribute_id
    if conn.execute(sa.select(EA.c.entity_attribute_id).where(*link)).first() is None:
        raise InvalidValueError(NOT_IN_SET, [code, str(attribute_set_id)])
    if not meta.is_user_defined:
        raise InvalidValueError(SYSTEM_ATTRIBUTE)
    conn.execute(EA.delete().where(*link))

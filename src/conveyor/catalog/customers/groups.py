"""Customer groups (Magento's ``GroupRepositoryInterface``) over the ``customer_group`` table of ``stores``.

Codes are unique case-insensitively on every database (MariaDB's collation makes them so; PostgreSQL and
SQLite are brought in line by the check here), new ids are the largest plus one as in Magento, and the
NOT LOGGED IN (0) group and the default group cannot be deleted. ``FIELDS`` is the search field map.

The default group (Magento's ``customer/create_account/default_group``, set at the default scope by
``PUT /V1/customerGroups/default/{id}``) is kept in ``customer_setting``; General (1) until someone sets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.customers.tables import customer_table, setting_table, utc_now
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.stores.scopes import customer_group_table, store_table
from conveyor.db.upsert import upsert

G = customer_group_table
NOT_LOGGED_IN_ID = 0
DEFAULT_GROUP_ID = 1  # Magento's installed customer/create_account/default_group
DEFAULT_GROUP_PATH = "customer/create_account/default_group"
DEFAULT_TAX_CLASS_ID = 3
CODE_MAX_LENGTH = 32
TAX_CLASS_NAMES = {3: "Retail Customer"}  # Magento's installed customer tax class

ALREADY_EXISTS = "Customer Group already exists."
CANNOT_DELETE = "Cannot delete group."
REQUIRED = '"%1" is required. Enter and try again.'
INVALID = 'Invalid value of "%1" provided for the %2 field.'
NO_SUCH_ENTITY = "No such entity with %1 = %2"
NO_SUCH_ENTITY_2 = "No such entity with %1 = %2, %3 = %4"

FIELDS: Mapping[str, ColumnElement[Any]] = {
    "id": G.c.customer_group_id,
    "code": G.c.customer_group_code,
    "tax_class_id": G.c.tax_class_id,
}


def query() -> sa.Select[Any]:
    """The select every read starts from (searches add their criteria to it)."""
    return sa.select(G.c.customer_group_id, G.c.customer_group_code, G.c.tax_class_id)


def as_dict(row: Row[Any]) -> dict[str, Any]:
    """Magento's CustomerGroup payload."""
    group: dict[str, Any] = {
        "id": int(row.customer_group_id),
        "code": row.customer_group_code,
        "tax_class_id": int(row.tax_class_id),
    }
    name = TAX_CLASS_NAMES.get(group["tax_class_id"])
    if name is not None:
        group["tax_class_name"] = name
    return group


def get(conn: Connection, group_id: int) -> dict[str, Any]:
    row = conn.execute(query().where(G.c.customer_group_id == group_id)).first()
    if row is None:
        raise NotFoundError(NO_SUCH_ENTITY, ["id", str(group_id)])
    return as_dict(row)


def default_id(conn: Connection) -> int:
    """The id of the group new customers join (the setting is kept at the default scope, as Magento's API sets it)."""
    value = conn.execute(
        sa.select(setting_table.c.value).where(setting_table.c.path == DEFAULT_GROUP_PATH)
    ).scalar_one_or_none()
    return DEFAULT_GROUP_ID if value is None else int(value)


def get_default(conn: Connection, store_id: int | None = None) -> dict[str, Any]:
    """The default group of store ``store_id`` (Magento's getDefaultGroup: an unknown store is a 404)."""
    if store_id is not None:
        found = conn.execute(sa.select(store_table.c.store_id).where(store_table.c.store_id == store_id)).first()
        if found is None:
            raise NotFoundError(NO_SUCH_ENTITY, ["storeId", str(store_id)])
    group_id = default_id(conn)
    try:
        return get(conn, group_id)
    except NotFoundError:
        raise NotFoundError(NO_SUCH_ENTITY_2, ["groupId", str(group_id), "storeId", str(store_id)]) from None


def set_default(conn: Connection, group_id: int) -> int:
    """Make ``group_id`` the default group of every store (Magento's setDefaultCustomerGroup); it must exist."""
    get(conn, group_id)
    upsert(conn, setting_table, [{"path": DEFAULT_GROUP_PATH, "value": str(group_id)}], key=["path"])
    return group_id


def is_readonly(conn: Connection, group_id: int) -> bool:
    """NOT LOGGED IN and the default group are read-only (Magento's isReadonly); unknown ids are a 404."""
    found = conn.execute(sa.select(G.c.customer_group_id).where(G.c.customer_group_id == group_id)).first()
    if found is None:
        raise NotFoundError(NO_SUCH_ENTITY, ["groupId", str(group_id)])
    return group_id == NOT_LOGGED_IN_ID or group_id == default_id(conn)


def create(conn: Connection, code: str, tax_class_id: int = DEFAULT_TAX_CLASS_ID) -> dict[str, Any]:
    """A new group with id = largest + 1; ``DuplicateError`` if the code is taken (in any letter case)."""
    code = _valid(code, tax_class_id)
    for _attempt in range(5):
        _check_unique(conn, code, None)
        new_id = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(G.c.customer_group_id), 0) + 1)).scalar_one())
        try:
            with conn.begin_nested():  # a concurrent insert of the same id or code fails only this savepoint
                conn.execute(
                    G.insert().values(customer_group_id=new_id, customer_group_code=code, tax_class_id=tax_class_id)
                )
        except sa.exc.IntegrityError:
            continue  # someone took the id or the code meanwhile: look again
        return get(conn, new_id)
    raise DuplicateError(ALREADY_EXISTS)


def update(conn: Connection, group_id: int, code: str, tax_class_id: int = DEFAULT_TAX_CLASS_ID) -> dict[str, Any]:
    code = _valid(code, tax_class_id)
    get(conn, group_id)
    _check_unique(conn, code, group_id)
    try:
        with conn.begin_nested():
            conn.execute(
                G.update()
                .where(G.c.customer_group_id == group_id)
                .values(customer_group_code=code, tax_class_id=tax_class_id)
            )
    except sa.exc.IntegrityError as exc:
        raise DuplicateError(ALREADY_EXISTS) from exc
    return get(conn, group_id)


def delete(conn: Connection, group_id: int) -> bool:
    """Delete a group; its customers move to the default group, as Magento moves them.

    The NOT LOGGED IN and default groups cannot go, nor a group something else still uses (tier prices).
    """
    get(conn, group_id)
    if is_readonly(conn, group_id):
        raise InvalidValueError(CANNOT_DELETE)
    try:
        with conn.begin_nested():
            conn.execute(
                customer_table.update()
                .where(customer_table.c.group_id == group_id)
                .values(group_id=default_id(conn), updated_at=utc_now())
            )
            conn.execute(G.delete().where(G.c.customer_group_id == group_id))
    except sa.exc.IntegrityError as exc:  # still referenced (customers, prices)
        raise InvalidValueError(CANNOT_DELETE) from exc
    return True


def _valid(code: str, tax_class_id: int) -> str:
    """The code as stored, or Magento's error naming the field."""
    if not code.strip():
        raise InvalidValueError(REQUIRED, ["code"])
    if len(code) > CODE_MAX_LENGTH or "\x00" in code or not _encodable(code):
        raise InvalidValueError(INVALID, [code, "code"])
    if not 0 < tax_class_id < 2**31:
        raise InvalidValueError(INVALID, [str(tax_class_id), "tax_class_id"])
    return code


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate from JSON's \ud800
        return False
    return True


def _check_unique(conn: Connection, code: str, own_id: int | None) -> None:
    taken = sa.select(G.c.customer_group_id).where(sa.func.lower(G.c.customer_group_code) == code.lower())
    if own_id is not None:
        taken = taken.where(G.c.customer_group_id != own_id)
    if conn.execute(taken.limit(1)).first() is not None:
        raise DuplicateError(ALREADY_EXISTS)

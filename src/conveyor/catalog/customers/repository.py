"""Customers: one repository for the REST API (one customer, Magento's semantics) and the sync handlers (batches).

Every method takes a Connection inside the caller's transaction and never commits. Writes are set-based:
a batch of any size costs a handful of statements (one upsert per table and chunk, one select to find new
ids), never a statement per customer, address or attribute. Tables are in ``customer_tables``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.customers.groups import default_id
from conveyor.catalog.customers.models import (
    AddressInput,
    AddressRecord,
    AttributeValue,
    CustomerInput,
    CustomerRecord,
    Region,
)
from conveyor.catalog.customers.tables import (
    ADDRESS_FIELDS,
    address_table,
    custom_attribute_table,
    customer_table,
    format_timestamp,
    utc_now,
)
from conveyor.catalog.customers.validation import (
    check_lengths,
    date_of_birth,
    email_address,
    invalid,
    optional_text,
    required_text,
    timestamp,
)
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.paging import page_ids
from conveyor.catalog.stores.scopes import (
    ADMIN_STORE_ID,
    ADMIN_WEBSITE_ID,
    BASE_WEBSITE_ID,
    customer_group_table,
    store_group_table,
    store_table,
    website_table,
)
from conveyor.db.upsert import upsert

__all__ = [
    "DUPLICATE_EMAIL",
    "AddressInput",
    "AddressRecord",
    "AttributeValue",
    "CustomerInput",
    "CustomerRecord",
    "CustomerRepository",
    "Region",
    "address_table",
    "custom_attribute_table",
    "customer_table",
]

DUPLICATE_EMAIL = "A customer with the same email address already exists in an associated website."
NO_SUCH_ENTITY = "No such entity with %1 = %2"
NO_SUCH_ENTITY_2 = "No such entity with %1 = %2, %3 = %4"
GENDERS = range(4)  # 0 and 3 not specified, 1 male, 2 female
# Ids per IN list: far below SQLite's 32,766 bound parameters, so a batch's reads stay one statement.
IN_CHUNK = 5000
# Rows per CASE update (five parameters a row).
CASE_CHUNK = 1000

_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int = IN_CHUNK) -> Iterator[Sequence[_T]]:
    """``items`` in slices of ``size`` (for IN lists and CASE updates)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_one(conn: Connection, table: sa.Table, row: Mapping[str, Any]) -> int:
    """Insert one row and return its new id (every dialect reports it for a single-row insert)."""
    key = conn.execute(table.insert().values(dict(row))).inserted_primary_key
    assert key is not None
    return int(key[0])


@dataclass(frozen=True)
class _Scopes:
    """The store tables, read once per call: they are tiny and every customer is checked against them."""

    websites: Mapping[int, int | None]  # website id -> its default store view
    stores: Mapping[int, tuple[int, str]]  # store id -> (website id, name)
    groups: frozenset[int]
    default_group: int  # the group new accounts join (customer/create_account/default_group)

    @classmethod
    def load(cls, conn: Connection) -> _Scopes:
        w, g, s = website_table, store_group_table, store_table
        websites = conn.execute(
            sa.select(w.c.website_id, g.c.default_store_id).select_from(
                w.outerjoin(g, g.c.group_id == w.c.default_group_id)
            )
        )
        stores = conn.execute(sa.select(s.c.store_id, s.c.website_id, s.c.name))
        groups = conn.execute(sa.select(customer_group_table.c.customer_group_id)).scalars()
        return cls(
            websites=dict(websites.all()),
            stores={store_id: (website_id, name) for store_id, website_id, name in stores},
            groups=frozenset(groups),
            default_group=default_id(conn),
        )


@dataclass
class _Address:
    """A checked address: its id if the payload named one, its column values, its default flags."""

    id: int | None
    values: dict[str, Any]
    default_billing: bool
    default_shipping: bool


@dataclass
class _Customer:
    """A checked customer: the customer_entity row and what goes to the other tables."""

    row: dict[str, Any]
    addresses: list[_Address] | None
    attributes: list[tuple[str, str | None]] | None
    default_billing: int | None = None
    default_shipping: int | None = None
    created_at: datetime | None = None

    @property
    def key(self) -> tuple[str, int]:
        return self.row["email"], self.row["website_id"]


class CustomerRepository:
    """Customers, their addresses and custom attributes (Magento's ``CustomerRepositoryInterface``)."""

    def create(self, conn: Connection, data: CustomerInput, password_hash: str | None = None) -> CustomerRecord:
        """Create a customer; an email already used in the same website is a ``DuplicateError``."""
        scopes = _Scopes.load(conn)
        customer = self._prepare(data, scopes, None)
        if self._id_of(conn, *customer.key) is not None:
            raise DuplicateError(DUPLICATE_EMAIL)
        now = utc_now()
        row = {**customer.row, "created_at": customer.created_at or now, "updated_at": now}
        row["password_hash"] = password_hash
        try:
            customer_id = insert_one(conn, customer_table, row)
        except sa.exc.IntegrityError as exc:  # a concurrent create of the same email won after our check
            if "email" in str(exc.orig).lower():
                raise DuplicateError(DUPLICATE_EMAIL) from exc
            raise
        self._write_children(conn, now, {customer_id: customer}, {})
        return self.get(conn, customer_id)

    def save(self, conn: Connection, data: CustomerInput) -> CustomerRecord:
        """Update customer ``data.id`` (Magento's PUT): personal fields as given, addresses replaced when given."""
        if data.id is None:
            raise InvalidValueError('"%1" is required. Enter and try again.', ["id"])
        c = customer_table
        stored = conn.execute(sa.select(c).where(c.c.entity_id == data.id).with_for_update()).mappings().first()
        if stored is None:
            raise NotFoundError(NO_SUCH_ENTITY, ["customerId", str(data.id)])
        customer = self._prepare(data, _Scopes.load(conn), stored)
        if self._id_of(conn, *customer.key) not in (None, data.id):
            raise DuplicateError(DUPLICATE_EMAIL)
        now = utc_now()
        values = {**customer.row, "updated_at": now}
        if customer.created_at is not None:
            values["created_at"] = customer.created_at
        conn.execute(c.update().where(c.c.entity_id == data.id).values(values))
        defaults = {data.id: (stored["default_billing"], stored["default_shipping"])}
        self._write_children(conn, now, {data.id: customer}, defaults)
        return self.get(conn, data.id)

    def save_many(self, conn: Connection, items: Sequence[CustomerInput]) -> list[int]:
        """Create or update customers by email and website (imports and sync); returns their ids in order.

        Same rules as ``save`` (fields a payload leaves out keep their stored value only where Magento keeps
        it: group, store, activity); the last of several payloads for one email and website wins.
        """
        if not items:
            return []
        c = customer_table
        scopes = _Scopes.load(conn)
        keys = [(email_address("email", item.email), self._website_of(item, scopes, None)) for item in items]
        stored: dict[tuple[str, int], RowMapping] = {}
        for emails in chunks(sorted({email for email, _ in keys})):
            for row in conn.execute(sa.select(c).where(c.c.email.in_(emails))).mappings():
                stored[(row["email"], row["website_id"])] = row
        prepared: dict[tuple[str, int], _Customer] = {}
        for item, key in zip(items, keys, strict=True):
            prepared[key] = self._prepare(item, scopes, stored.get(key))
        now = utc_now()
        rows = []
        for key, customer in prepared.items():
            old = stored.get(key)
            created_at = customer.created_at or (old["created_at"] if old is not None else now)
            rows.append({**customer.row, "created_at": created_at, "updated_at": now})
        upsert(conn, c, rows, key=["email", "website_id"])
        ids: dict[tuple[str, int], int] = {}
        for emails in chunks(sorted({email for email, _ in prepared})):
            query = sa.select(c.c.entity_id, c.c.email, c.c.website_id).where(c.c.email.in_(emails))
            for customer_id, email, website_id in conn.execute(query):
                ids[(email, website_id)] = customer_id
        defaults = {
            ids[key]: (row["default_billing"], row["default_shipping"]) for key, row in stored.items() if key in ids
        }
        self._write_children(conn, now, {ids[key]: customer for key, customer in prepared.items()}, defaults)
        return [ids[key] for key in keys]

    def get(self, conn: Connection, customer_id: int) -> CustomerRecord:
        """The customer with its addresses and custom attributes."""
        found = self.get_many(conn, [customer_id])
        if not found:
            raise NotFoundError(NO_SUCH_ENTITY, ["customerId", str(customer_id)])
        return found[0]

    def get_by_email(self, conn: Connection, email: str, website_id: int) -> CustomerRecord:
        """The customer with ``email`` (case-insensitive) in ``website_id``."""
        customer_id = self._id_of(conn, email.strip().lower(), website_id)
        if customer_id is None:
            raise NotFoundError(NO_SUCH_ENTITY_2, ["email", email, "websiteId", str(website_id)])
        return self.get(conn, customer_id)

    def get_many(self, conn: Connection, ids: Sequence[int]) -> list[CustomerRecord]:
        """Customers by id in the order asked (unknown ids are left out): three queries for any number."""
        c, a, v = customer_table, address_table, custom_attribute_table
        wanted = list(dict.fromkeys(ids))
        rows: dict[int, RowMapping] = {}
        addresses: dict[int, list[RowMapping]] = {}
        attributes: dict[int, list[AttributeValue]] = {}
        columns = [column for column in c.c if column.name != "password_hash"]
        for part in chunks(wanted):
            for row in conn.execute(sa.select(*columns).where(c.c.entity_id.in_(part))).mappings():
                rows[row["entity_id"]] = row
            query = sa.select(a).where(a.c.parent_id.in_(part)).order_by(a.c.parent_id, a.c.position, a.c.entity_id)
            for row in conn.execute(query).mappings():
                addresses.setdefault(row["parent_id"], []).append(row)
            query = sa.select(v).where(v.c.entity_id.in_(part)).order_by(v.c.entity_id, v.c.attribute_code)
            for row in conn.execute(query).mappings():
                attributes.setdefault(row["entity_id"], []).append(
                    AttributeValue(attribute_code=row["attribute_code"], value=row["value"])
                )
        return [_record(rows[i], addresses.get(i, []), attributes.get(i, [])) for i in wanted if i in rows]

    def delete(self, conn: Connection, customer_id: int) -> None:
        """Delete the customer with its addresses and attributes (their orders keep a guest snapshot)."""
        c = customer_table
        if conn.execute(sa.select(c.c.entity_id).where(c.c.entity_id == customer_id)).first() is None:
            raise NotFoundError(NO_SUCH_ENTITY, ["customerId", str(customer_id)])
        # Explicit rather than trusting ON DELETE CASCADE alone: SQLite enforces it only with PRAGMA foreign_keys.
        conn.execute(address_table.delete().where(address_table.c.parent_id == customer_id))
        conn.execute(custom_attribute_table.delete().where(custom_attribute_table.c.entity_id == customer_id))
        conn.execute(c.delete().where(c.c.entity_id == customer_id))

    def search_fields(self) -> Mapping[str, ColumnElement[Any]]:
        """Magento's searchCriteria field names and the SQL they filter and sort on.

        ``email`` compares lower-cased values and timestamps accept Magento's text, so a translator can
        bind the strings of a request as they come.
        """
        c = customer_table.c
        return {
            "entity_id": c.entity_id,
            "id": c.entity_id,
            "email": c.email,
            "firstname": c.firstname,
            "lastname": c.lastname,
            "middlename": c.middlename,
            "group_id": c.group_id,
            "website_id": c.website_id,
            "store_id": c.store_id,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "created_in": c.created_in,
            "dob": c.dob,
            "gender": c.gender,
            "taxvat": c.taxvat,
            "is_active": c.is_active,
        }

    def search(
        self,
        conn: Connection,
        where: ColumnElement[bool] | None = None,
        order_by: Sequence[ColumnElement[Any]] = (),
        limit: int | None = None,
        offset: int | None = None,
    ) -> tuple[list[CustomerRecord], int]:
        """One page of customers matching ``where`` in ``order_by`` order, and how many match in all."""
        ids, total = page_ids(conn, customer_table.c.entity_id, where, order_by, limit, offset)
        return self.get_many(conn, ids), total

    def check(self, conn: Connection, data: CustomerInput) -> None:
        """Run every check a save runs on ``data`` without writing (``CatalogError`` on the first failure)."""
        self._prepare(data, _Scopes.load(conn), None)

    # -- checking ------------------------------------------------------------------------------------

    @staticmethod
    def _website_of(data: CustomerInput, scopes: _Scopes, stored: Mapping[Any, Any] | None) -> int:
        """The website: given, else the stored one, else the store view's, else the base website."""
        website_id = data.website_id
        if website_id is None and stored is not None:
            website_id = stored["website_id"]
        if website_id is None:
            store = scopes.stores.get(data.store_id) if data.store_id not in (None, ADMIN_STORE_ID) else None
            website_id = store[0] if store is not None else BASE_WEBSITE_ID
        if website_id not in scopes.websites or website_id == ADMIN_WEBSITE_ID:
            raise invalid("website_id", website_id)
        return website_id

    def _prepare(self, data: CustomerInput, scopes: _Scopes, stored: Mapping[Any, Any] | None) -> _Customer:
        """Check ``data`` and turn it into rows; ``stored`` is the current row when updating."""
        website_id = self._website_of(data, scopes, stored)
        store_id = data.store_id
        if store_id is None and stored is not None and stored["website_id"] == website_id:
            store_id = stored["store_id"]  # Magento keeps the store view an account was created in
        if store_id is None:
            store_id = scopes.websites[website_id]
        if store_id is not None:
            store = scopes.stores.get(store_id)
            if store is None or (store_id != ADMIN_STORE_ID and store[0] != website_id):
                raise invalid("store_id", store_id)
        group_id = data.group_id if data.group_id is not None else (stored or {}).get("group_id", scopes.default_group)
        if group_id not in scopes.groups:
            raise invalid("group_id", group_id)
        if data.gender is not None and data.gender not in GENDERS:
            raise invalid("gender", data.gender)
        created_in = optional_text(data.created_in) or (stored or {}).get("created_in")
        if created_in is None and store_id is not None:
            created_in = scopes.stores[store_id][1]
        is_active = data.is_active if data.is_active is not None else (stored or {}).get("is_active", True)
        auto_group = data.disable_auto_group_change
        if auto_group is None:
            auto_group = (stored or {}).get("disable_auto_group_change", False)
        subscribed = (data.extension_attributes or {}).get("is_subscribed")
        if subscribed is None:
            subscribed = (stored or {}).get("is_subscribed", False)
        row: dict[str, Any] = {
            "website_id": website_id,
            "is_subscribed": _flag("extension_attributes.is_subscribed", subscribed),
            "email": email_address("email", data.email),
            "group_id": group_id,
            "store_id": store_id,
            "is_active": bool(is_active),
            "disable_auto_group_change": bool(auto_group),
            "created_in": created_in,
            "prefix": optional_text(data.prefix),
            "firstname": required_text("firstname", data.firstname),
            "middlename": optional_text(data.middlename),
            "lastname": required_text("lastname", data.lastname),
            "suffix": optional_text(data.suffix),
            "dob": date_of_birth("dob", data.dob),
            "gender": data.gender,
            "taxvat": optional_text(data.taxvat),
        }
        check_lengths(customer_table, row)
        addresses = None if data.addresses is None else [_address(item) for item in data.addresses]
        attributes = None
        if data.custom_attributes is not None:
            merged = {_attribute_code(item.attribute_code): item.value for item in data.custom_attributes}
            attributes = list(merged.items())
        return _Customer(
            row=row,
            addresses=addresses,
            attributes=attributes,
            default_billing=_address_id("default_billing", data.default_billing),
            default_shipping=_address_id("default_shipping", data.default_shipping),
            created_at=timestamp("created_at", data.created_at),
        )

    @staticmethod
    def _id_of(conn: Connection, email: str, website_id: int) -> int | None:
        c = customer_table.c
        query = sa.select(c.entity_id).where(c.email == email, c.website_id == website_id)
        found = conn.execute(query).scalar_one_or_none()
        return None if found is None else int(found)

    # -- writing the other tables, for any number of customers at once ------------------------------

    def _write_children(
        self,
        conn: Connection,
        now: datetime,
        customers: Mapping[int, _Customer],
        stored_defaults: Mapping[int, tuple[int | None, int | None]],
    ) -> None:
        """Addresses, default address ids and custom attributes of ``customers`` (id -> checked payload)."""
        replaced = {i: c.addresses for i, c in customers.items() if c.addresses is not None}
        hinted = {i for i, c in customers.items() if c.default_billing is not None or c.default_shipping is not None}
        owned = _addresses_of(conn, sorted(set(replaced) | hinted))
        final = _replace_addresses(conn, now, replaced, owned)
        changed: dict[int, tuple[int | None, int | None]] = {}
        for customer_id, customer in customers.items():
            if customer_id not in replaced and customer_id not in hinted:
                continue
            ids = final.get(customer_id)
            old_billing, old_shipping = stored_defaults.get(customer_id, (None, None))
            billing = _default_address(customer_id, ids, owned, customer, "default_billing", old_billing)
            shipping = _default_address(customer_id, ids, owned, customer, "default_shipping", old_shipping)
            if (billing, shipping) != (old_billing, old_shipping):
                changed[customer_id] = (billing, shipping)
        _set_defaults(conn, changed)
        _merge_attributes(conn, {i: c.attributes for i, c in customers.items() if c.attributes})


def _attribute_code(code: str) -> str:
    text = required_text("attribute_code", code)
    check_lengths(custom_attribute_table, {"attribute_code": text})
    return text


def _flag(field_name: str, value: Any) -> bool:
    """A boolean from JSON true/false, 0/1 or their text, as Magento's REST casts it."""
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    raise invalid(field_name, value)


def _address_id(field_name: str, value: str | int | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return int(value)
    except ValueError:
        raise invalid(field_name, value) from None


def _address(data: AddressInput) -> _Address:
    """Check one address payload (Magento's required fields: name, street, city, country, telephone)."""
    lines = [line.strip() for line in data.street or []]
    street = "\n".join(lines).strip()  # Magento stores the lines joined by a newline, trimmed
    region = data.region or Region()
    country = required_text("country_id", data.country_id).upper()
    if len(country) != 2 or not country.isalpha():
        raise invalid("country_id", data.country_id)
    values: dict[str, Any] = {
        "firstname": required_text("firstname", data.firstname),
        "middlename": optional_text(data.middlename),
        "lastname": required_text("lastname", data.lastname),
        "prefix": optional_text(data.prefix),
        "suffix": optional_text(data.suffix),
        "company": optional_text(data.company),
        "street": required_text("street", street),
        "city": required_text("city", data.city),
        "region": optional_text(region.region),
        "region_code": optional_text(region.region_code),
        "region_id": data.region_id if data.region_id is not None else region.region_id,
        "postcode": optional_text(data.postcode),
        "country_id": country,
        "telephone": required_text("telephone", data.telephone),
        "fax": optional_text(data.fax),
        "vat_id": optional_text(data.vat_id),
    }
    check_lengths(address_table, values)
    return _Address(data.id, values, data.default_billing, data.default_shipping)


def _addresses_of(conn: Connection, customer_ids: Sequence[int]) -> dict[int, list[RowMapping]]:
    a = address_table
    owned: dict[int, list[RowMapping]] = {}
    for part in chunks(customer_ids):
        query = sa.select(a).where(a.c.parent_id.in_(part)).order_by(a.c.position, a.c.entity_id)
        for row in conn.execute(query).mappings():
            owned.setdefault(row["parent_id"], []).append(row)
    return owned


def _replace_addresses(
    conn: Connection,
    now: datetime,
    customers: Mapping[int, list[_Address]],
    owned: Mapping[int, list[RowMapping]],
) -> dict[int, list[int]]:
    """Make each customer's addresses exactly the given list; returns the address ids in list order.

    An address with an id updates that address; one without an id takes over an unclaimed stored address
    with the same content (so re-importing a customer keeps its address ids), else it is inserted;
    stored addresses left unclaimed are deleted.
    """
    a = address_table
    deletes: list[int] = []
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    slots: dict[int, list[int | None]] = {}
    for customer_id, addresses in customers.items():
        stored = {row["entity_id"]: row for row in owned.get(customer_id, [])}
        unclaimed = dict(stored)
        for address in addresses:
            if address.id is None:
                continue
            if address.id not in stored:
                raise NotFoundError(NO_SUCH_ENTITY, ["addressId", str(address.id)])
            if unclaimed.pop(address.id, None) is None:
                raise invalid("id", address.id)  # the same address twice in one payload
        ids: list[int | None] = []
        for position, address in enumerate(addresses):
            address_id = address.id
            if address_id is None:
                address_id = next((i for i, row in unclaimed.items() if _same(row, address.values)), None)
                if address_id is not None:
                    del unclaimed[address_id]
            row = {"parent_id": customer_id, "position": position, "updated_at": now, **address.values}
            if address_id is None:
                inserts.append({**row, "created_at": now})
            elif stored[address_id]["position"] != position or not _same(stored[address_id], address.values):
                updates.append({"entity_id": address_id, **row, "created_at": stored[address_id]["created_at"]})
            ids.append(address_id)
        slots[customer_id] = ids
        deletes.extend(unclaimed)
    for part in chunks(deletes):
        conn.execute(a.delete().where(a.c.entity_id.in_(part)))
    upsert(conn, a, updates, key=["entity_id"])
    if inserts:
        conn.execute(a.insert(), inserts)
        placed: dict[tuple[int, int], int] = {}
        for part in chunks(sorted({row["parent_id"] for row in inserts})):
            query = sa.select(a.c.entity_id, a.c.parent_id, a.c.position).where(a.c.parent_id.in_(part))
            for address_id, customer_id, position in conn.execute(query):
                placed[(customer_id, position)] = address_id
        for customer_id, ids in slots.items():
            slots[customer_id] = [placed[(customer_id, p)] if i is None else i for p, i in enumerate(ids)]
    return {customer_id: [int(i) for i in ids if i is not None] for customer_id, ids in slots.items()}


def _same(row: Mapping[Any, Any], values: Mapping[str, Any]) -> bool:
    return all(row[name] == values[name] for name in ADDRESS_FIELDS)


def _default_address(
    customer_id: int,
    final: list[int] | None,
    owned: Mapping[int, list[RowMapping]],
    customer: _Customer,
    which: str,
    old: int | None,
) -> int | None:
    """The default billing or shipping address id after a save.

    With addresses in the payload: the first address flagged default, else the payload's id if it is one
    of the addresses, else the previous default if it survived. Without: the payload's id (it must be one
    of the customer's addresses), else the previous default.
    """
    hint: int | None = getattr(customer, which)
    if final is not None and customer.addresses is not None:
        flagged = [i for i, address in zip(final, customer.addresses, strict=True) if getattr(address, which)]
        if flagged:
            return flagged[0]
        return next((i for i in (hint, old) if i is not None and i in final), None)
    if hint is not None:
        if hint not in {row["entity_id"] for row in owned.get(customer_id, [])}:
            raise invalid(which, hint)
        return hint
    return old


def _set_defaults(conn: Connection, changed: Mapping[int, tuple[int | None, int | None]]) -> None:
    """One CASE update per chunk sets many customers' default address ids."""
    c = customer_table
    items = list(changed.items())
    for part in chunks(items, CASE_CHUNK):
        ids = [customer_id for customer_id, _ in part]
        billing = {customer_id: sa.literal(pair[0], sa.BigInteger) for customer_id, pair in part}
        shipping = {customer_id: sa.literal(pair[1], sa.BigInteger) for customer_id, pair in part}
        conn.execute(
            c.update()
            .where(c.c.entity_id.in_(ids))
            .values(
                default_billing=sa.case(billing, value=c.c.entity_id, else_=c.c.default_billing),
                default_shipping=sa.case(shipping, value=c.c.entity_id, else_=c.c.default_shipping),
            )
        )


def _merge_attributes(conn: Connection, attributes: Mapping[int, Iterable[tuple[str, str | None]]]) -> None:
    """Upsert the given attribute values and remove those given as null."""
    v = custom_attribute_table
    rows: list[dict[str, Any]] = []
    removed: list[tuple[int, str]] = []
    for customer_id, pairs in attributes.items():
        for code, value in pairs:
            if value is None:
                removed.append((customer_id, code))
            else:
                rows.append({"entity_id": customer_id, "attribute_code": code, "value": value})
    upsert(conn, v, rows, key=["entity_id", "attribute_code"], update=["value"])
    for part in chunks(removed, CASE_CHUNK):
        conn.execute(v.delete().where(sa.tuple_(v.c.entity_id, v.c.attribute_code).in_(part)))


def _record(row: Mapping[Any, Any], addresses: list[RowMapping], attributes: list[AttributeValue]) -> CustomerRecord:
    billing, shipping = row["default_billing"], row["default_shipping"]
    return CustomerRecord(
        id=row["entity_id"],
        group_id=row["group_id"],
        default_billing=None if billing is None else str(billing),
        default_shipping=None if shipping is None else str(shipping),
        confirmation=row["confirmation"],
        created_at=format_timestamp(row["created_at"]),
        updated_at=format_timestamp(row["updated_at"]),
        created_in=row["created_in"],
        dob=None if row["dob"] is None else row["dob"].isoformat(),
        email=row["email"],
        firstname=row["firstname"],
        lastname=row["lastname"],
        middlename=row["middlename"],
        prefix=row["prefix"],
        suffix=row["suffix"],
        gender=row["gender"],
        store_id=row["store_id"],
        website_id=row["website_id"],
        taxvat=row["taxvat"],
        is_active=bool(row["is_active"]),
        disable_auto_group_change=int(bool(row["disable_auto_group_change"])),
        addresses=[_address_record(a, billing, shipping) for a in addresses],
        custom_attributes=attributes,
        extension_attributes={"is_subscribed": bool(row["is_subscribed"])},
    )


def _address_record(row: Mapping[Any, Any], billing: int | None, shipping: int | None) -> AddressRecord:
    region = Region(region_code=row["region_code"], region=row["region"], region_id=row["region_id"])
    return AddressRecord(
        id=row["entity_id"],
        customer_id=row["parent_id"],
        region=region,
        region_id=row["region_id"],
        country_id=row["country_id"],
        street=row["street"].split("\n"),
        company=row["company"],
        telephone=row["telephone"],
        fax=row["fax"],
        postcode=row["postcode"],
        city=row["city"],
        firstname=row["firstname"],
        lastname=row["lastname"],
        middlename=row["middlename"],
        prefix=row["prefix"],
        suffix=row["suffix"],
        vat_id=row["vat_id"],
        default_billing=row["entity_id"] == billing,
        default_shipping=row["entity_id"] == shipping,
    )

"""Customers (Magento's composite format: the customer's columns and ``_address_*`` columns, one row per address)
and customer addresses (``_website, _email, _entity_id, city, street, …``).

Rows are grouped per customer (email and website): the first row gives the customer, every row with address
columns one address. A batch is written with ``CustomerRepository.save_many`` (set-based); only when the
repository refuses the batch are its customers saved one by one, each in a savepoint, so that the error is
reported on the row that caused it. The composite format gives addresses no id, so a customer's addresses
become the file's (add-update and replace alike); the address format adds or updates addresses by
``_entity_id`` (replace: the customer's addresses become exactly the file's; delete removes them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog import CatalogError
from conveyor.catalog.customers import (
    AddressInput,
    CustomerInput,
    CustomerRecord,
    CustomerRepository,
    Region,
    customer_table,
)
from conveyor.importer.base import EntityImporter, Outcome, SourceRow
from conveyor.importer.changes import fold
from conveyor.importer.lookups import Stores, customer_groups
from conveyor.importer.values import ParseError

GENDERS = {"male": 1, "female": 2, "not specified": 3, "1": 1, "2": 2, "3": 3}
ADDRESS_FIELDS = (
    "city",
    "company",
    "country_id",
    "fax",
    "firstname",
    "lastname",
    "middlename",
    "postcode",
    "prefix",
    "suffix",
    "telephone",
    "vat_id",
)
C = customer_table


class _Customers(EntityImporter):
    """What both customer importers share: stores, websites and groups, and reading an address."""

    operations = ("add-update", "replace", "delete")

    def start(self, conn: Connection) -> None:
        self.stores = Stores.load(conn)
        self.groups = customer_groups(conn)
        self.repository = CustomerRepository()

    def _website(self, row: SourceRow, column: str) -> int:
        code = row.values.get(column, "")
        website_id = self.stores.website_id(code) if code else None
        if website_id is None or website_id == 0:
            raise ParseError(f'The website "{code}" does not exist.', column)
        return website_id

    def _address(self, row: SourceRow, prefix: str) -> AddressInput | None:
        """The address a row gives (columns named ``prefix + field``), or None when it gives none."""
        values = row.values
        given = {field: values.get(prefix + field) or None for field in ADDRESS_FIELDS}
        street = values.get(prefix + "street")
        if not street and not any(given.values()):
            return None
        region_id = values.get(prefix + "region_id", "")
        return AddressInput.model_validate(
            {
                **given,
                "street": street.split("\n") if street else None,
                "region": Region(region=values.get(prefix + "region") or None),
                "region_id": int(region_id) if region_id.isdigit() else None,
                "default_billing": self.profile.parsers.boolean(values.get("_address_default_billing_") or "0"),
                "default_shipping": self.profile.parsers.boolean(values.get("_address_default_shipping_") or "0"),
            }
        )

    def _ids(self, conn: Connection, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int]:
        found: dict[tuple[str, int], int] = {}
        emails = sorted({email for email, _ in keys})
        for start in range(0, len(emails), 5000):
            query = sa.select(C.c.email, C.c.website_id, C.c.entity_id).where(
                C.c.email.in_(emails[start : start + 5000])
            )
            for email, website_id, entity_id in conn.execute(query):
                found[(fold(email), int(website_id))] = int(entity_id)
        return found


class CustomerImporter(_Customers):
    entity = "customers"

    def required_columns(self, operation: str) -> tuple[str, ...]:
        return ("email", "_website")

    def process(self, conn: Connection, rows: Sequence[SourceRow]) -> Outcome:
        outcome = Outcome()
        groups: dict[tuple[str, int], list[SourceRow]] = {}
        for row in rows:
            try:
                email = row.values.get("email", "").strip().lower()
                if not email:
                    raise ParseError("The email is empty.", "email")
                groups.setdefault((email, self._website(row, "_website")), []).append(row)
            except ParseError as error:
                outcome.errors.append(row.error(error.column or "", str(error)))
        existing = self._ids(conn, list(groups))
        if self.context.operation == "delete":
            return self._delete(conn, groups, existing, outcome)
        inputs: dict[tuple[str, int], CustomerInput] = {}
        for key, group in groups.items():
            try:
                inputs[key] = self._input(key, group)
            except (ParseError, ValueError) as error:
                column = error.column if isinstance(error, ParseError) else ""
                outcome.errors.extend(row.error(column or "", str(error)) for row in group)
        if not self.context.write:
            for key, group in groups.items():
                if key in inputs:
                    outcome.created += int(key not in existing)
                    outcome.updated += len(group) - int(key not in existing)
            return outcome
        saved = self._save(conn, inputs, groups, outcome)
        self._passwords(conn, saved, groups)
        for key in saved:
            group = groups[key]
            outcome.created += int(key not in existing)
            outcome.updated += len(group) - int(key not in existing)
            outcome.done.extend(group)
        return outcome

    def _save(
        self,
        conn: Connection,
        inputs: dict[tuple[str, int], CustomerInput],
        groups: dict[tuple[str, int], list[SourceRow]],
        outcome: Outcome,
    ) -> list[tuple[str, int]]:
        """Save the batch at once; if the repository refuses it, one by one to find the rows at fault."""
        if not inputs:
            return []
        try:
            with conn.begin_nested():
                self.repository.save_many(conn, list(inputs.values()))
            return list(inputs)
        except CatalogError:
            pass
        saved = []
        for key, customer in inputs.items():
            try:
                with conn.begin_nested():
                    self.repository.save_many(conn, [customer])
                saved.append(key)
            except CatalogError as error:
                outcome.errors.extend(row.error("", str(error)) for row in groups[key])
        return saved

    def _input(self, key: tuple[str, int], group: list[SourceRow]) -> CustomerInput:
        first = group[0].values
        parsers = self.profile.parsers
        store_code = first.get("_store", "")
        store_id = self.stores.store_id(store_code) if store_code else None
        if store_code and store_id is None:
            raise ParseError(f'The store view "{store_code}" does not exist.', "_store")
        group_id = None
        if first.get("group_id"):
            group_id = parsers.integer(first["group_id"])
            if group_id not in self.groups.values():
                raise ParseError(f'The customer group "{first["group_id"]}" does not exist.', "group_id")
        gender = None
        if first.get("gender"):
            gender = GENDERS.get(first["gender"].strip().lower())
            if gender is None:
                raise ParseError(f'"{first["gender"]}" is not a gender.', "gender")
        dob = _date(parsers.datetime(first["dob"])) if first.get("dob") else None
        created_at = parsers.datetime(first["created_at"]) if first.get("created_at") else None
        addresses = [address for row in group if (address := self._address(row, "_address_")) is not None]
        return CustomerInput(
            email=key[0],
            website_id=key[1],
            store_id=store_id,
            group_id=group_id,
            gender=gender,
            dob=dob,
            created_at=created_at,
            disable_auto_group_change=(
                parsers.boolean(first["disable_auto_group_change"]) if first.get("disable_auto_group_change") else None
            ),
            addresses=addresses if addresses or self.context.operation == "replace" else None,
            firstname=first.get("firstname") or None,
            lastname=first.get("lastname") or None,
            middlename=first.get("middlename") or None,
            prefix=first.get("prefix") or None,
            suffix=first.get("suffix") or None,
            taxvat=first.get("taxvat") or None,
            created_in=first.get("created_in") or None,
        )

    def _passwords(
        self, conn: Connection, saved: list[tuple[str, int]], groups: dict[tuple[str, int], list[SourceRow]]
    ) -> None:
        """password_hash columns (Magento's hash format, kept as given) on the customers saved."""
        hashed = {
            key: groups[key][0].values["password_hash"] for key in saved if groups[key][0].values.get("password_hash")
        }
        if not hashed:
            return
        ids = self._ids(conn, list(hashed))
        conn.execute(
            C.update().where(C.c.entity_id == sa.bindparam("b_id")).values(password_hash=sa.bindparam("b_hash")),
            [{"b_id": ids[key], "b_hash": value} for key, value in hashed.items() if key in ids],
        )

    def _delete(
        self,
        conn: Connection,
        groups: dict[tuple[str, int], list[SourceRow]],
        existing: dict[tuple[str, int], int],
        outcome: Outcome,
    ) -> Outcome:
        for key, group in groups.items():
            customer_id = existing.get((fold(key[0]), key[1]))
            if customer_id is None:
                outcome.errors.extend(row.error("email", f'The customer "{key[0]}" does not exist.') for row in group)
                continue
            if self.context.write:
                self.repository.delete(conn, customer_id)
            outcome.deleted += 1
            outcome.updated += len(group) - 1  # further rows of a deleted customer
        return outcome


class CustomerAddressImporter(_Customers):
    entity = "customer-addresses"

    def required_columns(self, operation: str) -> tuple[str, ...]:
        return ("_email", "_website")

    def process(self, conn: Connection, rows: Sequence[SourceRow]) -> Outcome:
        outcome = Outcome()
        groups: dict[tuple[str, int], list[SourceRow]] = {}
        for row in rows:
            try:
                email = row.values.get("_email", "").strip().lower()
                if not email:
                    raise ParseError("The email is empty.", "_email")
                groups.setdefault((email, self._website(row, "_website")), []).append(row)
            except ParseError as error:
                outcome.errors.append(row.error(error.column or "", str(error)))
        existing = self._ids(conn, list(groups))
        customers = {record.id: record for record in self.repository.get_many(conn, sorted(set(existing.values())))}
        for key, group in groups.items():
            customer_id = existing.get((fold(key[0]), key[1]))
            if customer_id is None:
                outcome.errors.extend(row.error("_email", f'The customer "{key[0]}" does not exist.') for row in group)
                continue
            try:
                payload, counts = self._addresses(customers[customer_id], group)
            except (ParseError, ValueError) as error:
                column = error.column if isinstance(error, ParseError) else ""
                outcome.errors.extend(row.error(column or "", str(error)) for row in group)
                continue
            if self.context.write:
                try:
                    with conn.begin_nested():
                        self.repository.save(conn, payload)
                except CatalogError as error:
                    outcome.errors.extend(row.error("", str(error)) for row in group)
                    continue
                outcome.done.extend(group)
            outcome.created, outcome.updated, outcome.deleted = (
                outcome.created + counts[0],
                outcome.updated + counts[1],
                outcome.deleted + counts[2],
            )
        return outcome

    def _addresses(self, record: CustomerRecord, group: list[SourceRow]) -> tuple[CustomerInput, tuple[int, int, int]]:
        """The customer's payload with its new address list, and (created, updated, deleted) rows."""
        current = {address.id: address for address in record.addresses}
        operation = self.context.operation
        kept: dict[int, AddressInput] = {}
        if operation != "replace":
            for address in record.addresses:
                kept[address.id] = AddressInput(**address.model_dump(exclude={"customer_id"}))
        new: list[AddressInput] = []
        created = updated = deleted = 0
        for row in group:
            entity_id = row.values.get("_entity_id", "").strip()
            address_id = int(entity_id) if entity_id.isdigit() else None
            if operation == "delete":
                if address_id is None or address_id not in current:
                    raise ParseError(f'The address "{entity_id}" of the customer does not exist.', "_entity_id")
                kept.pop(address_id, None)
                deleted += 1
                continue
            given = self._address(row, "")
            if given is None:
                raise ParseError("The row gives no address.", "street")
            if address_id is not None and address_id in current:
                given.id = address_id
                kept[address_id] = given
                updated += 1
            else:
                new.append(given)
                created += 1
        payload = CustomerInput(
            id=record.id,
            email=record.email,
            website_id=record.website_id,
            group_id=record.group_id,
            firstname=record.firstname,
            lastname=record.lastname,
            middlename=record.middlename,
            prefix=record.prefix,
            suffix=record.suffix,
            dob=record.dob,
            gender=record.gender,
            taxvat=record.taxvat,
            addresses=[*kept.values(), *new],
        )
        return payload, (created, updated, deleted)


def _date(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


__all__ = ["CustomerAddressImporter", "CustomerImporter"]

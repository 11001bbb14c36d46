"""Attributes with their options, store-view labels and set assignments (Magento's attribute import format:
``store_view_code, attribute_set_name, attribute_group_name, entity_type_code, attribute_code, frontend_input,
frontend_label, attribute_option_values, attribute_option_sort_order, is_global, …``).

An attribute is an admin row (empty store_view_code) and optional store-view rows giving the label and the
option labels of that store view, aligned with the admin row's options. add-update keeps options the file
does not name; replace makes the options exactly the file's. Attribute files are tens of rows, so each
attribute goes through the AttributeRepository (a handful of statements) inside a savepoint of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from conveyor.catalog import CatalogError, NotFoundError
from conveyor.catalog.eav import (
    ATTRIBUTE_PROPERTIES,
    ENTITY_TYPES,
    INTEGER_PROPERTIES,
    SCOPE_NAMES,
    TEXT_PROPERTIES,
    AttributeInput,
    AttributeOption,
    AttributeRepository,
    load_attributes,
)
from conveyor.importer.base import EntityImporter, Outcome, SourceRow
from conveyor.importer.changes import fold
from conveyor.importer.lookups import Stores, attribute_sets
from conveyor.importer.values import ParseError, parse_text, split_positional

TABLE_SOURCE = "Magento\\Eav\\Model\\Entity\\Attribute\\Source\\Table"


class AttributeImporter(EntityImporter):
    entity = "attributes"
    change_type = "attribute"
    key_column = "attribute_code"
    store_column = "store_view_code"

    def start(self, conn: Connection) -> None:
        self.repository = AttributeRepository()
        self.stores = Stores.load(conn)
        self.sets = {type_id: attribute_sets(conn, type_id) for type_id in ENTITY_TYPES.values()}
        self.known = {type_id: set(load_attributes(conn, type_id)) for type_id in ENTITY_TYPES.values()}

    def store_id(self, code: str) -> int | None:
        return self.stores.store_id(code)

    def existing(self, conn: Connection, keys: Sequence[str]) -> set[str]:
        everything = {fold(code) for codes in self.known.values() for code in codes}
        return {key for key in keys if fold(key) in everything}

    def process(self, conn: Connection, rows: Sequence[SourceRow]) -> Outcome:
        outcome = Outcome()
        groups: dict[str, list[SourceRow]] = {}
        for row in rows:
            code = row.values.get("attribute_code", "").strip()
            if not code:
                outcome.errors.append(row.error("attribute_code", "The attribute code is empty."))
                continue
            store_code = row.values.get("store_view_code", "")
            store_id = self.stores.store_id(store_code)
            if store_id is None:
                outcome.errors.append(row.error("store_view_code", f'The store view "{store_code}" does not exist.'))
                continue
            row.store_id = store_id
            groups.setdefault(code, []).append(row)
        for code, group in groups.items():
            try:
                if self.context.write:
                    with conn.begin_nested():
                        self._attribute(conn, code, group, outcome)
                else:
                    self._attribute(conn, code, group, outcome)
            except (CatalogError, ParseError, ValueError) as error:
                outcome.errors.append(group[0].error("attribute_code", f"{code}: {error}"))
        return outcome

    def _attribute(self, conn: Connection, code: str, rows: list[SourceRow], outcome: Outcome) -> None:
        admin = next((row for row in rows if row.store_id == 0), None)
        stores = [row for row in rows if row.store_id != 0]
        type_code = (admin.values.get("entity_type_code") if admin else None) or "catalog_product"
        type_id = ENTITY_TYPES.get(type_code)
        if type_id is None:
            raise ParseError(f'"{type_code}" is not an entity type.')
        exists = code in self.known[type_id]
        if self.context.operation == "delete":
            if not exists:
                raise ParseError("The attribute does not exist.")
            if self.context.write:
                self.repository.delete(conn, code, type_code)
                self.known[type_id].discard(code)
                outcome.deleted += 1
            return
        if admin is None and not exists:
            raise ParseError("A new attribute needs its admin row (empty store_view_code).")
        assignments = self._assignments(admin, type_id) if admin else []
        if not self.context.write:
            return
        current = self.repository.get(conn, code, type_code) if exists else None
        attribute = self._input(code, type_code, admin, stores, current)
        self.repository.save(conn, attribute)
        for set_id, group, sort_order in assignments:
            self.repository.assign(conn, set_id, self._group_id(conn, set_id, group), code, sort_order)
        self.known[type_id].add(code)
        outcome.created += int(not exists)
        outcome.updated += len(rows) - int(not exists)  # the attribute's other rows: store-view labels
        outcome.done.extend(rows)

    def _input(
        self, code: str, type_code: str, admin: SourceRow | None, stores: list[SourceRow], current: Any
    ) -> AttributeInput:
        parsers = self.profile.parsers
        values = admin.values if admin else {}

        def flag(name: str) -> bool | None:
            return parsers.boolean(values[name]) if values.get(name) else None

        scope = None
        if values.get("is_global"):
            scope = SCOPE_NAMES.get(parsers.integer(values["is_global"]))
            if scope is None:
                raise ParseError(f'is_global "{values["is_global"]}" is not 0, 1 or 2.')
        elif current is None:
            scope = "global"  # Magento's default for catalog attributes
        properties: dict[str, Any] = {}
        for name in ATTRIBUTE_PROPERTIES:
            if values.get(name) and name != "source_model":  # source_model: below (the table source is implied)
                if name in TEXT_PROPERTIES:
                    properties[name] = values[name]
                elif name in INTEGER_PROPERTIES:
                    properties[name] = parsers.integer(values[name])
                else:
                    properties[name] = parsers.boolean(values[name])
        source_model = values.get("source_model")
        if source_model and source_model != TABLE_SOURCE:
            properties["source_model"] = source_model
        labels = dict(current.frontend_labels) if current is not None and self.context.operation != "replace" else {}
        for row in stores:
            if row.values.get("frontend_label"):
                labels[row.store_id] = row.values["frontend_label"]
        options = self._options(values, stores, current)
        default = values.get("default_value") or None
        if options is not None and default is not None:
            for option in options:
                option.is_default = fold(option.label) == fold(default)
            default = None
        apply_to = [t.strip() for t in values["apply_to"].split(",") if t.strip()] if values.get("apply_to") else None
        return AttributeInput(
            attribute_code=code,
            entity_type=type_code,
            frontend_input=values.get("frontend_input") or None,
            backend_type=values.get("backend_type") or None,
            default_frontend_label=values.get("frontend_label") or None,
            frontend_labels=labels if (stores or labels) else None,
            scope=scope,
            is_required=flag("is_required"),
            is_unique=flag("is_unique"),
            default_value=default,
            apply_to=apply_to,
            options=options,
            properties=properties,
        )

    def _options(self, values: dict[str, str], stores: list[SourceRow], current: Any) -> list[AttributeOption] | None:
        """The attribute's options: the file's (by admin label) merged with the stored ones (add-update)."""
        separator = self.profile.values.multiple_field_separator
        given = [label.strip() for label in parse_text(values.get("attribute_option_values", ""), separator)]
        given = [label for label in given if label]
        stored: list[AttributeOption] = list(current.options) if current is not None else []
        if not given and not any(row.values.get("attribute_option_values") for row in stores):
            return None
        orders = split_positional(values.get("attribute_option_sort_order", ""), separator)
        by_label = {fold(option.label): option for option in stored}
        options: list[AttributeOption] = []
        for index, label in enumerate(given):
            old = by_label.pop(fold(label), None)
            order = int(orders[index]) if index < len(orders) and orders[index] else index + 1
            options.append(
                AttributeOption(
                    label=label,
                    value=old.value if old else None,
                    sort_order=order,
                    store_labels=dict(old.store_labels) if old else {},
                )
            )
        if self.context.operation != "replace" or not given:
            options.extend(by_label.values())  # add-update keeps what the file does not name
        aligned = options if given else sorted(options, key=lambda o: (o.sort_order, o.value or 0))
        for row in stores:
            labels = [label.strip() for label in parse_text(row.values.get("attribute_option_values", ""), separator)]
            for option, label in zip(aligned, labels, strict=False):
                if label:
                    option.store_labels[row.store_id] = label
        return options

    def _assignments(self, admin: SourceRow, type_id: int) -> list[tuple[int, str, int]]:
        separator = self.profile.values.multiple_field_separator
        names = [n.strip() for n in parse_text(admin.values.get("attribute_set_name", ""), separator)]
        groups = split_positional(admin.values.get("attribute_group_name", ""), separator)
        sort_order = self.profile.parsers.integer(admin.values["sort_order"]) if admin.values.get("sort_order") else 0
        found = []
        for index, name in enumerate(names):
            if not name:
                continue
            set_id = self.sets[type_id].get(fold(name))
            if set_id is None:
                raise ParseError(f'The attribute set "{name}" does not exist.')
            found.append((set_id, groups[index] if index < len(groups) else "", sort_order))
        return found

    def _group_id(self, conn: Connection, set_id: int, name: str) -> int:
        attribute_set = self.repository.get_set(conn, set_id)
        groups = attribute_set.groups
        if not name:
            if not groups:
                return self.repository.add_group(conn, set_id, "General")
            return groups[0].attribute_group_id
        for group in groups:
            if fold(group.attribute_group_name) == fold(name):
                return group.attribute_group_id
        try:
            return self.repository.add_group(conn, set_id, name)
        except NotFoundError:
            raise ParseError(f"The attribute set {set_id} does not exist.") from None


__all__ = ["AttributeImporter"]

"""Categories (Magento's category import format: ``store_view_code, attribute_set_code, path, name, is_active,
is_anchor, include_in_menu, display_mode, url_key, position, …``).

A row names its category by ``path`` (``Default Category/Women/Tops``; a single name is a root category), with
CSV quoting for names holding '/'. Missing categories of a path are created (a few statements per tree
level for the whole batch); then each row's values are saved through the CategoryRepository at its store view
(a handful of statements per category — category files hold tens to thousands of rows, not millions).
``delete`` removes a category with its subtree; ``replace`` makes the category at the row's store view exactly
the row: the values of every attribute the row leaves empty are removed (the name, url key and flags, which
every category has, are kept). Categories the file does not name are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from conveyor.catalog import CatalogError
from conveyor.catalog.categories import CategoryInput, CategoryRepository
from conveyor.catalog.eav import CATEGORY_ENTITY_TYPE_ID, SCOPE_GLOBAL, AttributeMeta, load_attributes
from conveyor.importer.base import EntityImporter, Outcome, SourceRow
from conveyor.importer.changes import fold
from conveyor.importer.lookups import CategoryTree, Stores
from conveyor.importer.values import ParseError, parse_additional_attributes, parse_text

_JOIN = "\x1f"
DISPLAY_MODES = {
    "products only": "PRODUCTS",
    "static block only": "PAGE",
    "static block and products": "PRODUCTS_AND_PAGE",
}
# Columns that are not attributes of their own name.
ALIASES = {"image_path": "image", "meta_keywords": "meta_keywords"}
IGNORED = frozenset({"store_view_code", "attribute_set_code", "path", "path_in_store", "created_at", "updated_at"})
FLAGS = ("is_active", "include_in_menu", "is_anchor")
# What replace keeps when a row leaves it empty: what every category has (its url_path follows its url_key).
KEPT = frozenset({"name", "url_key", "url_path", *FLAGS})


class CategoryImporter(EntityImporter):
    entity = "categories"
    change_type = "category"
    key_column = "path"
    store_column = "store_view_code"

    def start(self, conn: Connection) -> None:
        self.repository = CategoryRepository()
        self.stores = Stores.load(conn)
        self.tree = CategoryTree(conn)
        self.attributes = load_attributes(conn, CATEGORY_ENTITY_TYPE_ID)
        self.deleted: set[int] = set()
        # what a replace row clears when it has no value for it: at a store view, not the global attributes,
        # which a store-view row cannot speak for
        self.cleared = {
            store_view: [
                code
                for code, meta in self.attributes.items()
                if meta.backend_type != "static"
                and code not in KEPT
                and not (store_view and meta.scope == SCOPE_GLOBAL)
            ]
            for store_view in (False, True)
        }

    def store_id(self, code: str) -> int | None:
        return self.stores.store_id(code)

    def existing(self, conn: Connection, keys: Sequence[str]) -> set[str]:
        found = set()
        for key in keys:
            try:
                if self.tree.find(self._segments(key)) is not None:
                    found.add(key)
            except ParseError:
                continue
        return found

    def check_header(self, columns: Sequence[str], file: str) -> None:
        unknown = [c for c in columns if c not in IGNORED and self._meta(c) is None and c != "additional_attributes"]
        if unknown:
            self.context.warn(f"{file}: columns that are not category attributes are ignored: {', '.join(unknown)}")

    def _meta(self, column: str) -> AttributeMeta | None:
        return self.attributes.get(ALIASES.get(column, column))

    def _segments(self, path: str) -> tuple[str, ...]:
        segments = tuple(s.strip() for s in parse_text(path, self.profile.values.category_path_separator))
        if not segments or any(not s for s in segments):
            raise ParseError(f'The category path "{path}" has an empty name.')
        return segments

    def process(self, conn: Connection, rows: Sequence[SourceRow]) -> Outcome:
        outcome = Outcome()
        ready: list[tuple[SourceRow, tuple[str, ...], CategoryInput | None]] = []
        for row in rows:
            try:
                segments = self._segments(row.values.get("path", ""))
                store_code = row.values.get("store_view_code", "")
                store_id = self.stores.store_id(store_code)
                if store_id is None:
                    outcome.errors.append(
                        row.error("store_view_code", f'The store view "{store_code}" does not exist.')
                    )
                    continue
                row.store_id = store_id
                category = None if self.context.operation == "delete" else self._input(row, segments)
            except ParseError as error:
                outcome.errors.append(row.error(error.column or "path", str(error)))
                continue
            ready.append((row, segments, category))
        if self.context.operation == "delete":
            return self._delete(conn, ready, outcome)
        # created in the order of the file, each last among its siblings: the file's order is the menu's
        missing = list(dict.fromkeys(s for row, s, _ in ready if row.store_id == 0 and self.tree.find(s) is None))
        new = set(missing)
        for row, segments, _ in ready:
            if row.store_id != 0 and self.tree.find(segments) is None and segments not in new:
                outcome.errors.append(row.error("path", f'The category "{row.values["path"]}" does not exist.'))
        if not self.context.write:
            outcome.created += len(missing)
            return outcome
        if missing:
            self.repository.ensure_paths(conn, [_JOIN.join(s) for s in missing], separator=_JOIN)
            self.tree = CategoryTree(conn)
        for row, segments, category in ready:
            category_id = self.tree.find(segments)
            if category_id is None or category is None:
                continue
            try:
                with conn.begin_nested():
                    self.repository.update(conn, category_id, category, row.store_id)
            except CatalogError as error:
                outcome.errors.append(row.error("path", str(error)))
                continue
            if segments in new and row.store_id == 0:
                outcome.created += 1
            else:
                outcome.updated += 1
            outcome.done.append(row)
        return outcome

    def _input(self, row: SourceRow, segments: tuple[str, ...]) -> CategoryInput:
        values = row.values
        parsers = self.profile.parsers
        replace = self.context.operation == "replace"
        given: dict[str, Any] = {}
        for column, text in values.items():
            if column in IGNORED or column in FLAGS or column in ("name", "url_key", "position"):
                continue
            if column == "additional_attributes":
                for code, value in parse_additional_attributes(text).items():
                    given[code] = value
                continue
            meta = self._meta(column)
            if meta is None:
                continue
            given[meta.code] = self._value(meta, text, column)
        if replace:
            for code in self.cleared[row.store_id != 0]:
                given.setdefault(code, None)
        flags: dict[str, bool | None] = {}
        for flag in FLAGS:
            try:
                flags[flag] = parsers.boolean(values[flag]) if values.get(flag) else None
            except ParseError as error:
                raise _column(error, flag) from None
        position = None
        if values.get("position"):
            try:
                position = parsers.integer(values["position"])
            except ParseError as error:
                raise _column(error, "position") from None
        name = values.get("name") or (segments[-1] if row.store_id == 0 else None)
        return CategoryInput(
            name=name,
            url_key=values.get("url_key") or None,
            position=position,
            custom_attributes=given,
            **flags,
        )

    def _value(self, meta: AttributeMeta, text: str, column: str) -> Any:
        if text == self.profile.values.empty_value:
            return None
        if meta.code == "display_mode":
            return DISPLAY_MODES.get(text.strip().lower(), text.strip())
        try:
            if meta.frontend_input == "boolean":
                return self.profile.parsers.boolean(text)
            if meta.backend_type == "datetime":
                return self.profile.parsers.datetime(text).strftime("%Y-%m-%d %H:%M:%S")
            if meta.backend_type == "decimal":
                return self.profile.parsers.decimal(text)
            if meta.backend_type == "int":
                return self.profile.parsers.integer(text)
        except ParseError as error:
            raise _column(error, column) from None
        if meta.frontend_input == "multiselect":
            return ",".join(v.strip() for v in text.split(",") if v.strip())
        return text

    def _delete(
        self, conn: Connection, ready: list[tuple[SourceRow, tuple[str, ...], CategoryInput | None]], outcome: Outcome
    ) -> Outcome:
        for row, segments, _ in ready:
            if row.store_id != 0:
                continue
            category_id = self.tree.find(segments)
            if category_id is None:
                outcome.errors.append(row.error("path", f'The category "{row.values["path"]}" does not exist.'))
                continue
            if category_id in self.deleted or not self.context.write:  # went with its parent, or validating
                self.deleted.add(category_id)
                outcome.deleted += 1
                continue
            try:
                self.deleted.update(self.repository.delete(conn, category_id))
            except CatalogError as error:
                outcome.errors.append(row.error("path", str(error)))
                continue
            outcome.deleted += 1
        return outcome


def _column(error: ParseError, column: str) -> ParseError:
    return ParseError(str(error), column)


__all__ = ["DISPLAY_MODES", "CategoryImporter", "fold"]

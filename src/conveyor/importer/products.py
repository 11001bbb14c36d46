"""The product importer: Magento 2's product CSV (add-update, replace, delete) into the catalog store.

Per batch: read and check every row against the cached lookups (``product_rows``), decide for the whole
batch which products are new and whether the products that relations name exist (one query), create the
missing option values and categories when the profile allows it (a few statements per attribute / tree
level), then write set-based (``product_writer``). Relations between products — links, configurable
children, grouped children, bundle selections — are written once every batch is in, so that a row may name a
product that comes later in the bunch; a store-view row whose product comes later waits the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog import CatalogError, events
from conveyor.catalog.categories import CategoryRepository
from conveyor.catalog.eav import AttributeMeta, AttributeRepository, coerce_value
from conveyor.catalog.inventory import write_source_items
from conveyor.catalog.products import (
    ProductRepository,
    clear_products,
    ids_by_sku,
    product_table,
    write_categories,
    write_websites,
)
from conveyor.db.bulk_insert import copy_text
from conveyor.db.write_behind import is_writing_behind, reserve_ids
from conveyor.importer.base import EntityImporter, Outcome, SourceRow
from conveyor.importer.changes import fold, forget
from conveyor.importer.lookups import (
    CategoryTree,
    Options,
    Stores,
    attribute_sets,
    customer_groups,
    product_attributes,
    set_members,
    source_codes,
)
from conveyor.importer.product_items import NewOption, ProductItem
from conveyor.importer.product_rows import Lookups, RowReader
from conveyor.importer.product_writer import (
    BundleOptionRow,
    SelectionRow,
    SuperAttributeRow,
    clean_store_values,
    new_value_rows,
    stock_levels,
    url_key_for,
    write_bundles,
    write_entities,
    write_links,
    write_media,
    write_product_values,
    write_tier_prices,
    write_variants,
)
from conveyor.importer.report import RowError
from conveyor.importer.wire import from_pieces, in_pieces

_PATH_JOIN = "\x1f"


@dataclass(slots=True)
class _Prepared:
    """A batch read in the reading thread: its valid items, its errors, the option labels it found missing."""

    items: list[ProductItem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    missing: dict[tuple[int, str], NewOption] = field(
        default_factory=dict
    )  # joins name segments for CategoryRepository.ensure_paths (names may hold '/')

    def __reduce__(self) -> tuple[Any, ...]:  # its items in pieces (``wire.in_pieces``)
        return _prepared, (in_pieces(self.items), self.errors, self.missing)


def _prepared(pieces: list[bytes], errors: list[RowError], missing: dict[tuple[int, str], NewOption]) -> _Prepared:
    return _Prepared(from_pieces(pieces), errors, missing)


_RELATION_COLUMNS = {
    "related": "related_skus",
    "crosssell": "crosssell_skus",
    "upsell": "upsell_skus",
    "variants": "configurable_variations",
    "grouped": "associated_skus",
    "bundle": "bundle_values",
}


class ProductImporter(EntityImporter):
    """Products with their values, store-view values, websites, categories, stock, media, prices and relations."""

    entity = "products"
    change_type = "product"
    key_column = "sku"
    store_column = "store_view_code"
    continuation = True
    topics = (events.PRODUCT_SAVED, events.PRODUCT_DELETED)

    def start(self, conn: Connection) -> None:
        attributes = product_attributes(conn)
        option_ids = [meta.attribute_id for meta in attributes.values() if meta.uses_options]
        sets = attribute_sets(conn)
        self.lookups = Lookups(
            attributes=attributes,
            sets=sets,
            options=Options.load(conn, option_ids),
            stores=Stores.load(conn),
            categories=CategoryTree(conn),
            groups=customer_groups(conn),
            sources=source_codes(conn),
        )
        self.members = set_members(conn, sets.values())
        self.reader = RowReader(self.context, self.lookups)
        self.ids: dict[str, int] = {}  # folded sku → entity id, for the skus seen to exist
        self.absent: set[str] = set()  # folded skus of the bunch that did not exist when it was scanned
        self.reserved: dict[str, int] = {}  # writing behind: folded new sku → the id taken for it (file order)
        self.waiting: list[ProductItem] = []  # items whose relations are written at the end
        self.later: list[ProductItem] = []  # store-view rows whose product comes later in the bunch
        self.later_keys: set[str] = set()  # their folded skus (kept as they come: a set per batch cost O(bunch))
        self.would_create: set[str] = set()  # validation only: new skus that would have been created
        self.missing: dict[tuple[int, str], NewOption] = {}  # option labels to create before writing
        self._plans: dict[tuple[int, str], tuple[list[tuple[AttributeMeta, Any]], list[AttributeMeta]]] = {}
        self.announced: set[int] = set()  # ids of the products whose catalog.product.saved is emitted
        # folded sku → default values of a product this import created whose store-view rows wait in ``later``
        self.created_defaults: dict[str, dict[int, tuple[AttributeMeta, Any]]] = {}
        self.created_ids: set[int] = set()  # the products this import created: their store-view values are new
        self.written_store_views: set[tuple[int, int]] = set()  # (product, store view) values inserted plainly

    def check_header(self, columns: Sequence[str], file: str) -> None:
        self.reader.check_header(columns, file)

    def clearable(self, column: str, store_view: bool) -> bool:
        return self.reader.clearable(column, store_view)

    def store_id(self, code: str) -> int | None:
        return self.lookups.stores.store_id(code)

    def scanned(self, conn: Connection, keys: Sequence[str]) -> None:
        """Which of the bunch's skus exist, in one lookup: its batches then ask the store only for skus that
        are not in the bunch (relations to other products)."""
        if self.context.operation == "delete":
            return
        self._ids(conn, keys)
        folded = list(map(fold, keys))
        self.absent = set(folded) - self.ids.keys()
        if self.context.write and is_writing_behind(conn):  # new products' rows go behind: their ids are known
            new = list(dict.fromkeys(key for key in folded if key in self.absent))
            self.reserved = dict(zip(new, reserve_ids(conn, product_table.c.entity_id, len(new)), strict=True))

    def reserved_ids(self) -> Mapping[str, int]:
        return self.reserved

    def existing(self, conn: Connection, keys: Sequence[str]) -> set[str]:
        return set(self._ids(conn, keys))

    def entity_key_column(self) -> sa.ColumnElement[Any]:
        return product_table.c.sku

    # -- a batch ----------------------------------------------------------------------------------------------

    def prepare(self, rows: Sequence[SourceRow]) -> _Prepared | Sequence[SourceRow]:
        """Read and check every row against the lookups (in the reading thread: no database)."""
        if self.context.operation == "delete":
            return rows
        prepared = _Prepared()
        for row in rows:
            read = self.reader.read(row)
            if isinstance(read, list):
                prepared.errors.extend(read)
                continue
            prepared.items.append(read)
            if row.reserved_id is not None and read.is_default and not read.pending and not self._complete(read):
                # a new product whose id is known: its value rows are made here, in the worker, ready to copy
                read.copied_values = {
                    backend: copy_text(value_rows)
                    for backend, value_rows in new_value_rows(read, row.reserved_id).items()
                }
        # the options this batch found missing, handed over with it (the reader starts a new list)
        prepared.missing, self.reader.missing_options = self.reader.missing_options, {}
        for item in prepared.items:  # read: the cells need not travel back to the writing process (pickled)
            item.row.values = {}
        return prepared

    def process(self, conn: Connection, prepared: _Prepared | Sequence[SourceRow]) -> Outcome:
        if not isinstance(prepared, _Prepared):
            return self._delete(conn, prepared)
        outcome = Outcome(errors=list(prepared.errors))
        items = prepared.items
        self.missing.update(prepared.missing)
        known = self._ids(conn, [item.sku for item in items])
        ready: list[ProductItem] = []
        for item in items:
            if item.is_default or item.sku in known:
                ready.append(item)
            elif fold(item.sku) in self.context.bunch_keys:
                self.later.append(item)  # its default row comes later in the bunch
                self.later_keys.add(fold(item.sku))
            else:
                outcome.errors.append(item.row.error("sku", f'The product "{item.sku}" does not exist.'))
        ready = self._check_new(ready, known, outcome)
        ready = self._check_references(conn, ready, outcome)
        self._write(conn, ready, known, outcome)
        return outcome

    def _check_new(self, items: list[ProductItem], known: dict[str, int], outcome: Outcome) -> list[ProductItem]:
        """New products need a type and a set, get their set's default values, and must have required ones.

        So does an existing product under ``replace``: everything it had is cleared, so it becomes exactly its
        row plus the defaults a new product gets — the same row on a new or an existing sku gives the same
        product."""
        checked: list[ProductItem] = []
        replace = self.context.operation == "replace"
        for item in items:
            if not item.is_default or (item.sku in known and not replace):
                checked.append(item)
                continue
            if item.copied_values is not None and item.sku not in known:  # completed by the worker (``prepare``)
                checked.append(item)
                continue
            errors = self._complete(item, "replaced" if item.sku in known else "new")
            if errors:
                outcome.errors.extend(errors)
            else:
                checked.append(item)
        return checked

    def _complete(self, item: ProductItem, kind: str = "new") -> list[RowError]:
        """A new (or replaced) product's checks and completion: its type and set, its set's default values, its
        required values, its url_key; the errors (none: the item is complete)."""
        errors: list[RowError] = []
        if item.type_id is None:
            errors.append(item.row.error("product_type", f"A {kind} product needs its product_type."))
        if item.set_id is None:
            errors.append(item.row.error("attribute_set_code", f"A {kind} product needs its attribute_set_code."))
        if errors:
            return errors
        defaults, required = self._new_product_plan(int(item.set_id or 0), str(item.type_id))
        values = item.values
        for attribute_id in item.cleared or ():  # nothing stored to remove: as if the cell were not there
            if attribute_id in values and values[attribute_id][1] is None:
                del values[attribute_id]
        for meta, value in defaults:
            if meta.attribute_id not in values:
                values[meta.attribute_id] = (meta, value)
        for meta in required:
            given = values.get(meta.attribute_id)
            if given is None or given[1] is None:
                errors.append(item.row.error(meta.code, f'The required attribute "{meta.code}" has no value.'))
        url_key = self.lookups.attributes.get("url_key")
        if url_key is not None and url_key.attribute_id not in values:
            key = url_key_for(item)
            if key:
                values[url_key.attribute_id] = (url_key, key)
        return errors

    def _new_product_plan(
        self, set_id: int, type_id: str
    ) -> tuple[list[tuple[AttributeMeta, Any]], list[AttributeMeta]]:
        """The default values a new product of the set and type gets, and the attributes it must have (cached)."""
        key = (set_id, type_id)
        plan = self._plans.get(key)
        if plan is None:
            by_id = {meta.attribute_id: meta for meta in self.lookups.attributes.values()}
            options = self.lookups.options.by_attribute
            defaults: list[tuple[AttributeMeta, Any]] = []
            required: list[AttributeMeta] = []
            for attribute_id in sorted(self.members.get(set_id, ())):
                meta = by_id.get(attribute_id)
                if meta is None or meta.backend_type == "static" or not meta.applies_to(type_id):
                    continue
                if meta.default_value not in (None, ""):
                    try:
                        value = coerce_value(meta, meta.default_value, set(options.get(attribute_id, {}).values()))
                    except CatalogError:
                        continue
                    defaults.append((meta, value))
                elif meta.is_required:
                    required.append(meta)
            plan = self._plans[key] = (defaults, required)
        return plan

    def _check_references(self, conn: Connection, items: list[ProductItem], outcome: Outcome) -> list[ProductItem]:
        """Products named by relations must be in the bunch or in the store (one query for the batch).

        A related, cross-sell or up-sell link to a missing product is only left out, with a warning: the product
        and its other links are saved (Magento's own sample data links to products it does not ship). A missing
        child, associated product or bundle selection still rejects the row: the product would be incomplete."""
        named = {sku for item in items for _, sku in _references(item)}
        outside = [sku for sku in named if fold(sku) not in self.context.bunch_keys]
        found = self._ids(conn, outside)
        checked = []
        for item in items:
            self._drop_links(item, lambda sku: fold(sku) in self.context.bunch_keys or sku in found, "does not exist")
            missing = [
                (column, sku)
                for column, sku in _references(item)
                if fold(sku) not in self.context.bunch_keys and sku not in found
            ]
            if missing:
                for column, sku in missing:
                    outcome.errors.append(item.row.error(column, f'The product "{sku}" does not exist.'))
                continue
            checked.append(item)
        return checked

    def _drop_links(self, item: ProductItem, exists: Callable[[str], bool], why: str) -> None:
        """Leave out the item's links to products that fail ``exists``, each with a warning naming row and sku."""
        for link_type, targets in item.links.items():
            kept = [(sku, position) for sku, position in targets if exists(sku)]
            if len(kept) == len(targets):
                continue
            column = _RELATION_COLUMNS[link_type]
            for sku, _ in targets:
                if not exists(sku):
                    self.context.warn(
                        f"{item.row.file}, line {item.row.line}, column '{column}': the product \"{sku}\" {why}; "
                        f'the {link_type} link of "{item.sku}" to it is left out.'
                    )
            item.links[link_type] = kept

    def _ids(self, conn: Connection, skus: Sequence[str]) -> dict[str, int]:
        """sku → id for the skus that exist (cached for the import; one query for the rest)."""
        found: dict[str, int] = {}
        unknown = []
        absent = self.absent
        for sku in skus:
            folded = fold(sku)
            entity_id = self.ids.get(folded)
            if entity_id is not None:
                found[sku] = entity_id
            elif folded not in absent:  # (a bunch's new sku was looked up with the bunch)
                unknown.append(sku)
        if unknown:
            for sku, entity_id in ids_by_sku(conn, unknown).items():
                found[sku] = entity_id
                self.ids[fold(sku)] = entity_id
        return found

    # -- writing ----------------------------------------------------------------------------------------------

    def _write(self, conn: Connection, items: list[ProductItem], known: dict[str, int], outcome: Outcome) -> None:
        if not items:
            return
        if not self.context.write:  # validation only: count what would happen
            for item in items:
                if item.is_default and item.sku not in known:
                    self.would_create.add(fold(item.sku))
                    outcome.created += 1
                else:
                    outcome.updated += 1
            return
        self._create_missing(conn, items)
        for item in items:
            if item.pending:
                _finish_values(item)
        defaults = [item for item in items if item.is_default]
        write_entities(conn, defaults, known, self.reserved)
        for item in defaults:
            self.ids[fold(item.sku)] = int(item.entity_id or 0)
            if item.is_new:
                self.created_ids.add(int(item.entity_id or 0))
        for item in items:
            if not item.is_default:
                item.entity_id = self.ids[fold(item.sku)]
        replace = self.context.operation == "replace"
        if replace:
            replaced = [item for item in defaults if not item.is_new]
            clear_products(conn, [int(i.entity_id or 0) for i in replaced], [i.sku for i in replaced])
            by_store: dict[int, list[int]] = defaultdict(list)
            for item in items:
                if not item.is_default:
                    by_store[item.store_id].append(int(item.entity_id or 0))
            clean_store_values(conn, by_store)
        clean_up = self.profile.clean_up
        steps = self.profile.steps
        # First what reads the store or upserts, then the plain inserts of new rows: on PostgreSQL those run behind
        # this thread (``writing_behind``), which meanwhile prepares the rest and the next batch, until a statement
        # of its own waits for them.
        if steps.stock:
            write_source_items(conn, stock_levels(defaults))
        if steps.media:
            exact = {int(i.entity_id or 0) for i in defaults if i.media is not None} if clean_up.media else set()
            write_media(conn, items, exact)
        waiting = self.later_keys
        for item in defaults:
            if item.is_new and fold(item.sku) in waiting:
                self.created_defaults[fold(item.sku)] = item.values
        _drop_default_equal(items, self.created_defaults)
        write_product_values(conn, items, self.lookups.stores.scopes, self.created_ids, self.written_store_views)
        new = frozenset(int(i.entity_id or 0) for i in defaults if i.is_new)
        if steps.websites:
            websites = {int(i.entity_id or 0): i.websites for i in defaults if i.websites is not None}
            write_websites(conn, websites, new=new, replace=replace or clean_up.websites)
        if steps.categories:
            categories = {int(i.entity_id or 0): i.category_ids for i in defaults if i.category_ids is not None}
            write_categories(conn, categories, new=new, replace=replace or clean_up.categories)
        if steps.tier_prices:
            write_tier_prices(conn, defaults)
        self._announce(items)
        for item in items:
            if item.is_new:
                outcome.created += 1
            else:
                outcome.updated += 1  # an existing product, or a store-view row
            if item.has_relations:
                self.waiting.append(item)
            else:
                outcome.done.append(item.row)

    def _announce(self, items: list[ProductItem]) -> None:
        """``catalog.product.saved`` once per product of the import, as the repository's save emits it: for
        the first of its rows written (its default row, store 0, unless a store-view row came first).

        Whether anyone listens is asked once per batch: unbound, no payload is built."""
        sink = self.context.events
        if not sink.bound(events.PRODUCT_SAVED):
            return
        announced = self.announced
        for item in items:
            entity_id = int(item.entity_id or 0)
            if entity_id in announced:
                continue
            announced.add(entity_id)
            payload = {"sku": item.sku, "entity_id": entity_id, "store_id": item.store_id, "new": item.is_new}
            sink.emit(events.PRODUCT_SAVED, payload)

    def _create_missing(self, conn: Connection, items: list[ProductItem]) -> None:
        """Dynamic creation: the batch's missing option values (per attribute) and categories (per level)."""
        missing = self.missing
        if missing:
            by_code: dict[str, list[NewOption]] = defaultdict(list)
            for option in missing.values():
                by_code[option.code].append(option)
            repository = AttributeRepository()
            for code, new in by_code.items():
                created = repository.option_ids(conn, code, [o.label for o in new], add_missing=True)
                for option in new:
                    self.lookups.options.add(option.attribute_id, option.label, created[option.label])
            missing.clear()
        for item in items:
            if not item.pending:
                continue
            for attribute_id, (meta, value) in list(item.values.items()):
                if isinstance(value, NewOption):
                    item.values[attribute_id] = (meta, self._option_id(value))
                elif isinstance(value, list):
                    item.values[attribute_id] = (
                        meta,
                        [self._option_id(v) if isinstance(v, NewOption) else v for v in value],
                    )
        tree = self.lookups.categories
        # new categories in the order the rows name them (each last among its siblings), as Magento creates them
        paths = dict.fromkeys(
            segments for item in items for segments, _ in item.categories or [] if tree.find(segments) is None
        )
        if paths:
            CategoryRepository().ensure_paths(conn, [_PATH_JOIN.join(p) for p in paths], separator=_PATH_JOIN)
            self.lookups.categories = tree = CategoryTree(conn)
        for item in items:
            if item.categories is not None:
                item.category_ids = [(int(tree.find(s) or 0), position) for s, position in item.categories]

    def _option_id(self, option: NewOption) -> int:
        found = self.lookups.options.find(option.attribute_id, option.label)
        if found is None:
            raise LookupError(f"option {option.label!r} of {option.code} was not created")
        return found

    # -- the end of the bunch ---------------------------------------------------------------------------------

    def finish(self, conn: Connection) -> Outcome:
        outcome = Outcome()
        later, self.later, self.later_keys = self.later, [], set()
        if later:
            known = self._ids(conn, [item.sku for item in later])
            ready = []
            for item in later:
                if item.sku in known or fold(item.sku) in self.would_create:
                    ready.append(item)
                else:
                    outcome.errors.append(
                        item.row.error("sku", f'The product "{item.sku}" of this store-view row was not imported.')
                    )
            self._write(conn, self._check_references(conn, ready, outcome), known, outcome)
        self.created_defaults = {}
        if self.context.write and self.waiting:
            self._relations(conn, outcome)
        self.waiting = []
        return outcome

    def _relations(self, conn: Connection, outcome: Outcome) -> None:
        """Links, configurable, grouped and bundle relations of every waiting item, in chunks of a batch."""
        items = self.waiting
        ids = self._ids(conn, sorted({sku for item in items for _, sku in _references(item)}))
        size = self.profile.batch_size
        exact_links = self.context.operation == "replace" or self.profile.clean_up.links
        for start in range(0, len(items), size):
            links: dict[int, dict[str, list[tuple[int, int, Decimal | None]]]] = {}
            supers: dict[int, list[SuperAttributeRow]] = {}
            children: dict[int, list[int]] = {}
            bundles: dict[int, list[BundleOptionRow]] = {}
            for item in items[start : start + size]:
                self._drop_links(item, ids.__contains__, "was not imported")
                missing = [(column, sku) for column, sku in _references(item) if sku not in ids]
                if missing:  # named products whose own rows were invalid
                    outcome.errors.extend(
                        item.row.error(column, f'The product "{sku}" was not imported; the relation is left out.')
                        for column, sku in missing
                    )
                    continue
                product_id = int(item.entity_id or 0)
                types: dict[str, list[tuple[int, int, Decimal | None]]] = {
                    t: [(ids[sku], position, None) for sku, position in targets] for t, targets in item.links.items()
                }
                if item.grouped is not None:
                    types["associated"] = [(ids[sku], position, qty) for sku, qty, position in item.grouped]
                if types:
                    links[product_id] = types
                if item.variants is not None:
                    supers[product_id] = [
                        SuperAttributeRow(s.meta.attribute_id, s.position, s.label) for s in item.variants.attributes
                    ]
                    children[product_id] = [ids[sku] for sku in item.variants.children]
                if item.bundle is not None:
                    bundles[product_id] = [
                        BundleOptionRow(
                            None,
                            option.title,
                            option.type,
                            option.required,
                            option.position,
                            tuple(
                                SelectionRow(
                                    ids[s.sku], s.qty, s.can_change_qty, s.price_type, s.price, s.is_default, s.position
                                )
                                for s in option.selections
                            ),
                        )
                        for option in item.bundle
                    ]
                outcome.done.append(item.row)
            write_links(conn, links, exact_links)
            write_variants(conn, supers, children)
            write_bundles(conn, bundles)

    # -- delete -----------------------------------------------------------------------------------------------

    def _delete(self, conn: Connection, rows: Sequence[SourceRow]) -> Outcome:
        outcome = Outcome()
        skus: list[str] = []
        for row in rows:
            sku = row.values.get("sku", "").strip()
            if not sku:
                outcome.errors.append(row.error("sku", "The sku is empty."))
            elif row.values.get("store_view_code"):
                continue  # a store-view row of a deleted product: nothing of its own to delete
            else:
                skus.append(sku)
                row.key = sku
        found = ids_by_sku(conn, skus)
        for row in rows:
            sku = row.values.get("sku", "").strip()
            if sku and not row.values.get("store_view_code") and sku not in found:
                outcome.errors.append(row.error("sku", f'The product "{sku}" does not exist.'))
        if not self.context.write:
            outcome.deleted += len(found)
        elif found:
            deleted = ProductRepository().delete(conn, list(found), events=self.context.events)
            forget(conn, "product", list(deleted))
            for sku in deleted:
                self.ids.pop(fold(sku), None)
            outcome.deleted += len(deleted)
        return outcome


def _references(item: ProductItem) -> list[tuple[str, str]]:
    """(column, sku) of every product the item's relations name."""
    found: list[tuple[str, str]] = []
    for link_type, targets in item.links.items():
        found.extend((_RELATION_COLUMNS[link_type], sku) for sku, _ in targets)
    if item.variants is not None:
        found.extend((_RELATION_COLUMNS["variants"], sku) for sku in item.variants.children)
    if item.grouped is not None:
        found.extend((_RELATION_COLUMNS["grouped"], sku) for sku, _, _ in item.grouped)
    for option in item.bundle or []:
        found.extend((_RELATION_COLUMNS["bundle"], s.sku) for s in option.selections)
    return found


def _drop_default_equal(items: Sequence[ProductItem], earlier: dict[str, dict[int, tuple[AttributeMeta, Any]]]) -> None:
    """A store-view row's values equal to its new product's default values (store 0) are not written, as
    Magento's import leaves them out: the store view then uses the default, and follows it when it changes.

    Only for products this import creates (``earlier``: those of earlier batches whose store-view rows waited):
    an existing product may hold an older store-view value that the row's value (equal to the default) must still
    replace."""
    created = {fold(item.sku): item.values for item in items if item.is_default and item.is_new}
    if not created and not earlier:
        return
    for item in items:
        key = fold(item.sku)
        defaults = None if item.is_default else created.get(key) or earlier.get(key)
        if defaults is None:
            continue
        for attribute_id, (_, value) in list(item.values.items()):
            default = defaults.get(attribute_id)
            if value is not None and default is not None and default[1] == value:
                del item.values[attribute_id]


def _finish_values(item: ProductItem) -> None:
    """Multiselect option ids (that waited for new options) as Magento stores them ("12,13")."""
    for attribute_id, (meta, value) in list(item.values.items()):
        if type(value) is list:
            ids: list[Any] = list(dict.fromkeys(value))
            item.values[attribute_id] = (meta, ",".join(str(i) for i in ids) if ids else None)


__all__ = ["ProductImporter"]

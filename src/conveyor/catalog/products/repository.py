"""Products: the repository the REST API and the import framework share.

``save_many`` is the one write path. It merges (attributes and relations not given are left alone),
upserts by sku (Magento's POST /V1/products semantics; ``create_only`` for callers that want an error on an
existing sku) and is set-based: validation needs a fixed number of lookups for the whole batch, and each table
is written with one multi-row statement per thousand rows, never one statement per product or attribute.
Reads (``get_many``, ``search``) likewise cost a fixed number of statements per page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.categories.repository import category_ids_existing, category_product_table
from conveyor.catalog.eav.attributes import (
    DEFAULT_PRODUCT_SET_ID,
    PRODUCT_ENTITY_TYPE_ID,
    AttributeMeta,
    attribute_set_types,
    load_attributes,
    load_option_ids,
    set_attribute_ids,
)
from conveyor.catalog.eav.values import (
    INVALID_VALUE,
    SCOPE_GLOBAL,
    Scopes,
    ValueWrite,
    chunked,
    coerce_value,
    format_datetime,
    format_url_key,
    in_list,
    parse_decimal,
    present,
    read_values,
    scoped_value,
    utc_now,
    write_values,
)
from conveyor.catalog.errors import DuplicateError, InvalidValueError, NotFoundError
from conveyor.catalog.events import PRODUCT_DELETED, PRODUCT_SAVED, EventSink
from conveyor.catalog.inventory.source_items import (
    DEFAULT_SOURCE,
    IN_STOCK,
    OUT_OF_STOCK,
    StockLevel,
    StockRepository,
    source_item_table,
    write_source_items,
)
from conveyor.catalog.products.entity import (
    ids_by_sku,
    match_skus,
    product_table,
    product_values,
    product_website_table,
    skus_by_id,
)
from conveyor.catalog.products.media import check_entries, load_gallery, replace_gallery
from conveyor.catalog.products.models import (
    BUNDLE_OPTION_TYPES,
    LINK_TYPES,
    MAIN_ATTRIBUTES,
    MEDIA_ROLES,
    PRODUCT_TYPES,
    CategoryLink,
    ProductInput,
    ProductRecord,
    StockRecord,
)
from conveyor.catalog.products.options import check_option, load_options, replace_options
from conveyor.catalog.products.prices import load_tier_prices, replace_tier_prices, tier_price_rows
from conveyor.catalog.products.relations import (
    BundleOptionRow,
    LinkRow,
    SelectionRow,
    SuperAttributeRow,
    check_children,
    load_bundles,
    load_configurable,
    load_links,
    replace_bundle_options,
    replace_children,
    replace_links,
    replace_super_attributes,
)
from conveyor.catalog.products.writer import delete_products, write_categories, write_websites
from conveyor.db.upsert import upsert

P = product_table
CP, PW, SI = category_product_table, product_website_table, source_item_table
EMPTY_VALUE = 'The "%1" attribute value is empty. Set the attribute and try again.'
NOT_FOUND = "The product that was requested doesn't exist. Verify the product and try again."
URL_KEY_TAKEN = "URL key for specified store already exists."
NO_ATTRIBUTE = 'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.'
# What a save refuses because of what is stored rather than what was sent: a required attribute of the product's set
# left empty on a new product (whether it is new, and which attributes its set requires, are stored), a value that
# names no stored option, set, website, category or product, an attribute code no attribute has, a url key another
# product holds (Magento's messages, 400)
STORED_DATA_REFUSALS = (EMPTY_VALUE, INVALID_VALUE, NO_ATTRIBUTE, URL_KEY_TAKEN)
# Static attributes a client may send among custom attributes; Magento ignores them there.
_IGNORED = frozenset({"sku", "type_id", "attribute_set_id", "created_at", "updated_at", "media_gallery"})

__all__ = ["ProductRepository", "ids_by_sku", "product_table", "product_values", "skus_by_id"]


@dataclass(slots=True)
class _Plan:
    """One product of a batch on its way to the tables."""

    product: ProductInput
    type_id: str
    attribute_set_id: int
    entity_id: int | None
    is_new: bool
    values: dict[int, tuple[AttributeMeta, Any]] = field(default_factory=dict)
    category_links: list[CategoryLink] | None = None


class ProductRepository:
    """Products with their values and relations; every method runs in the caller's transaction."""

    # -- writing --------------------------------------------------------------------------------------------

    def save(
        self,
        conn: Connection,
        product: ProductInput,
        store_id: int = 0,
        *,
        events: EventSink,
        create_only: bool = False,
        unique_url_keys: bool = False,
    ) -> int:
        """One product (the REST API's save); returns its id."""
        return self.save_many(
            conn, [product], store_id, events=events, create_only=create_only, unique_url_keys=unique_url_keys
        )[product.sku]

    def save_many(
        self,
        conn: Connection,
        products: Sequence[ProductInput],
        store_id: int = 0,
        *,
        events: EventSink,
        create_only: bool = False,
        unique_url_keys: bool = False,
    ) -> dict[str, int]:
        """Create or update products by sku, merging into what is stored; returns sku → entity_id.

        Values are saved at ``store_id`` according to each attribute's scope (global at store 0, website
        scope on every store view of the website); a new product's values are its defaults (store 0). Each
        product saved emits ``catalog.product.saved``. ``unique_url_keys``: Magento's REST rule, a url key (given,
        or made from a new product's name) names one product per store ("URL key for specified store already
        exists."); imports and syncs leave it off.
        """
        if not products:
            return {}
        catalog = _Catalog.load(conn)
        return self._save(conn, products, store_id, create_only, catalog, events, unique_url_keys).ids

    def save_and_get_many(
        self,
        conn: Connection,
        products: Sequence[ProductInput],
        store_id: int = 0,
        read_store_id: int = 0,
        *,
        events: EventSink,
        unique_url_keys: bool = False,
    ) -> list[ProductRecord]:
        """``save_many``, then the saved products as ``read_store_id`` sees them, in the order given.

        The REST API's save answers with the stored product (defaults, ids, timestamps included); sharing the
        store and attribute lookups between the write and the read, and skipping the reads of relations that a
        product just created without them cannot have, saves a third of a batch's statements.
        """
        if not products:
            return []
        catalog = _Catalog.load(conn)
        catalog.scopes.check_store(read_store_id)
        saved = self._save(conn, products, store_id, False, catalog, events, unique_url_keys)
        ids = [saved.ids[product.sku] for product in products]
        if not all(plan.is_new for plan in saved.plans):
            return self._read(conn, ids, read_store_id, catalog)
        skip = frozenset(
            relation for relation, given in _RELATION_INPUTS.items() if not any(given(plan) for plan in saved.plans)
        )
        return self._read(conn, ids, read_store_id, catalog, skip, saved.backends)

    def _save(
        self,
        conn: Connection,
        products: Sequence[ProductInput],
        store_id: int,
        create_only: bool,
        catalog: _Catalog,
        events: EventSink,
        unique_url_keys: bool = False,
    ) -> _Saved:
        scopes, attributes = catalog.scopes, catalog.attributes
        scopes.check_store(store_id)
        plans = self._plans(conn, products, attributes, create_only)
        self._check_values(conn, plans, catalog, store_id, unique_url_keys)
        references = self._referenced_ids(conn, plans)
        relations = _Relations.build(conn, plans, attributes, scopes)

        now = utc_now()
        new = [plan for plan in plans if plan.is_new]
        if new:
            upsert(
                conn,
                P,
                [
                    {
                        "sku": plan.product.sku,
                        "type_id": plan.type_id,
                        "attribute_set_id": plan.attribute_set_id,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for plan in new
                ],
                key=["sku"],
                update=[],
                distinct=True,  # skus are unique in a batch (_plans)
            )
            created = ids_by_sku(conn, [plan.product.sku for plan in new])
            for plan in new:
                plan.entity_id = created[plan.product.sku]
        old = [plan for plan in plans if not plan.is_new]
        if old:
            conn.execute(
                _UPDATE_ENTITY,
                [{"b_id": p.entity_id, "b_type": p.type_id, "b_set": p.attribute_set_id, "b_now": now} for p in old],
            )
        ids = {plan.product.sku: int(plan.entity_id or 0) for plan in plans}
        references.update(ids)
        roles = {role: attributes[role] for role in MEDIA_ROLES if role in attributes}
        writes = list(self._value_writes(plans, scopes, store_id, roles))
        write_values(conn, product_values, writes)
        relations.write(conn, plans, ids, references, scopes, store_id)
        for plan in plans:
            events.emit(
                PRODUCT_SAVED,
                {"sku": plan.product.sku, "entity_id": ids[plan.product.sku], "store_id": store_id, "new": plan.is_new},
            )
        return _Saved(ids, plans, frozenset(write.backend for write in writes))

    def _plans(
        self,
        conn: Connection,
        products: Sequence[ProductInput],
        attributes: Mapping[str, AttributeMeta],
        create_only: bool,
    ) -> list[_Plan]:
        seen: set[str] = set()
        for product in products:
            if not isinstance(product.sku, str) or not product.sku.strip():
                raise InvalidValueError(EMPTY_VALUE, ["sku"])
            if len(product.sku) > 64:
                raise InvalidValueError("SKU length should be %1 characters maximum.", ["64"])  # Magento's words
            if product.sku in seen:
                raise InvalidValueError(INVALID_VALUE, ["sku", f"{product.sku} (twice in one batch)"])
            seen.add(product.sku)
        stored: dict[str, Any] = {}
        for part in chunked(sorted(seen)):
            for found in conn.execute(_STORED_BY_SKU, {"skus": list(part)}):
                stored[found.sku] = found
        existing = match_skus([product.sku for product in products], stored)
        if create_only and existing:
            raise DuplicateError('The product with SKU "%1" already exists.', [next(iter(existing))])
        plans = []
        for product in products:
            row = existing.get(product.sku)
            type_id = product.type_id or (row.type_id if row is not None else "simple")
            if type_id not in PRODUCT_TYPES:
                raise InvalidValueError(INVALID_VALUE, ["type_id", type_id])
            set_id = product.attribute_set_id or (row.attribute_set_id if row is not None else DEFAULT_PRODUCT_SET_ID)
            entity_id = None if row is None else int(row.entity_id)
            plans.append(_Plan(product, type_id, set_id, entity_id, is_new=row is None))
        set_types = attribute_set_types(conn, sorted({plan.attribute_set_id for plan in plans}))
        for plan in plans:
            if set_types.get(plan.attribute_set_id) != PRODUCT_ENTITY_TYPE_ID:
                raise InvalidValueError(INVALID_VALUE, ["attribute_set_id", str(plan.attribute_set_id)])
        for plan in plans:
            given = dict(plan.product.custom_attributes)
            for code in MAIN_ATTRIBUTES:
                value = getattr(plan.product, code)
                if value is not None:
                    given[code] = value
            category_ids = given.pop("category_ids", None)
            plan.category_links = plan.product.category_links
            if plan.category_links is None and category_ids is not None:
                ids = category_ids.split(",") if isinstance(category_ids, str) else category_ids
                plan.category_links = [CategoryLink(category_id=_int(i, "category_ids")) for i in ids if str(i).strip()]
            for code, value in given.items():
                meta = attributes.get(code)
                if meta is None:
                    raise InvalidValueError(NO_ATTRIBUTE, [code])
                if meta.backend_type == "static" or code in _IGNORED:
                    continue
                plan.values[meta.attribute_id] = (meta, value)
        return plans

    def _check_values(
        self, conn: Connection, plans: Sequence[_Plan], catalog: _Catalog, store_id: int, unique_url_keys: bool
    ) -> None:
        """Coerce every value (options checked in one lookup), apply defaults and require required values."""
        attributes = catalog.attributes
        members = set_attribute_ids(conn, sorted({plan.attribute_set_id for plan in plans}))
        for plan in plans:  # Magento saves only the attributes of the product's set (Product::_isApplicableAttribute)
            own = members.get(plan.attribute_set_id, set())
            plan.values = {a: given for a, given in plan.values.items() if a in own}
        used = {a for plan in plans for a, (meta, _) in plan.values.items() if meta.uses_options}
        used |= {
            a
            for plan in plans
            if plan.is_new
            for a in members.get(plan.attribute_set_id, ())
            if catalog.by_id[a].uses_options and catalog.by_id[a].default_value not in (None, "")
        }
        options = load_option_ids(conn, sorted(used))
        url_key = attributes.get("url_key")
        defaults: dict[tuple[int, str], _Defaults] = {}
        for plan in plans:
            for attribute_id, (meta, raw) in list(plan.values.items()):
                value = coerce_value(meta, raw, options.get(attribute_id))
                if value in (None, "") and meta.is_required and (plan.is_new or store_id == 0):
                    raise InvalidValueError(EMPTY_VALUE, [meta.code])
                plan.values[attribute_id] = (meta, value)
            if not plan.is_new:
                continue
            kind = (plan.attribute_set_id, plan.type_id)
            found = defaults.get(kind)
            if found is None:
                found = defaults[kind] = _Defaults.of(
                    members.get(plan.attribute_set_id, ()), catalog, plan.type_id, options
                )
            found.apply(plan)
            if url_key is not None and url_key.attribute_id not in plan.values:
                name = next((v for m, v in plan.values.values() if m.code == "name"), None)
                key = format_url_key(str(name or ""))
                if key:
                    plan.values[url_key.attribute_id] = (url_key, key)
        if url_key is not None and unique_url_keys:
            _check_url_keys(conn, plans, url_key, store_id)

    def _referenced_ids(self, conn: Connection, plans: Sequence[_Plan]) -> dict[str, int]:
        """Ids of the products the batch's relations name (children, links, bundle selections)."""
        batch = {plan.product.sku for plan in plans}
        named: dict[str, str] = {}
        for plan in plans:
            product = plan.product
            for sku in product.configurable_children or []:
                named.setdefault(sku, "configurable_children")
            for link in product.product_links or []:
                named.setdefault(link.linked_product_sku, "product_links")
            for option in product.bundle_options or []:
                for selection in option.product_links:
                    named.setdefault(selection.sku, "bundle_options")
        outside = [sku for sku in named if sku not in batch]
        found = ids_by_sku(conn, outside)
        for sku in outside:
            if sku not in found:
                raise InvalidValueError(INVALID_VALUE, [named[sku], sku])
        return found

    def _value_writes(
        self, plans: Sequence[_Plan], scopes: Scopes, store_id: int, roles: Mapping[str, AttributeMeta]
    ) -> Iterable[ValueWrite]:
        for plan in plans:
            target = 0 if plan.is_new else store_id
            entity_id = int(plan.entity_id or 0)
            values = dict(plan.values)
            entries = plan.product.media_gallery_entries
            if entries is not None:  # roles follow the gallery unless given explicitly
                holders = {role: entry.file for entry in entries for role in entry.types}
                for role in MEDIA_ROLES:
                    role_meta = roles.get(role)
                    if role_meta is not None and role_meta.attribute_id not in values:
                        values[role_meta.attribute_id] = (role_meta, holders.get(role))
            for meta, value in values.values():
                if value is None and plan.is_new:
                    continue
                for store in scopes.stores_for(meta, target):
                    yield ValueWrite(meta.backend_type, entity_id, meta.attribute_id, store, value)

    # -- reading --------------------------------------------------------------------------------------------

    def ids_by_sku(self, conn: Connection, skus: Sequence[str]) -> dict[str, int]:
        return ids_by_sku(conn, skus)

    def skus_by_id(self, conn: Connection, ids: Sequence[int]) -> dict[int, str]:
        return skus_by_id(conn, ids)

    def get(self, conn: Connection, sku: str, store_id: int = 0) -> ProductRecord:
        """The product as ``store_id`` sees it (NotFoundError when the sku is unknown)."""
        records = self.get_many(conn, [sku], store_id)
        if not records:
            raise NotFoundError(NOT_FOUND)
        return records[0]

    def get_by_id(self, conn: Connection, entity_id: int, store_id: int = 0) -> ProductRecord:
        records = self.get_many_by_id(conn, [entity_id], store_id)
        if not records:
            raise NotFoundError(NOT_FOUND)
        return records[0]

    def get_many(self, conn: Connection, skus: Sequence[str], store_id: int = 0) -> list[ProductRecord]:
        """Products in the order of ``skus`` (unknown skus are skipped)."""
        ids = ids_by_sku(conn, skus)
        return self.get_many_by_id(conn, [ids[sku] for sku in skus if sku in ids], store_id)

    def get_many_by_id(self, conn: Connection, entity_ids: Sequence[int], store_id: int = 0) -> list[ProductRecord]:
        """Products in the order of ``entity_ids``: a fixed number of statements for the whole list."""
        catalog = _Catalog.load(conn)
        catalog.scopes.check_store(store_id)
        return self._read(conn, entity_ids, store_id, catalog)

    def _read(
        self,
        conn: Connection,
        entity_ids: Sequence[int],
        store_id: int,
        catalog: _Catalog,
        skip: frozenset[str] = frozenset(),
        backends: frozenset[str] | None = None,
    ) -> list[ProductRecord]:
        """``get_many_by_id`` with the lookups loaded; ``skip`` names relations known to have no rows, ``backends``
        the only value tables that can hold values of these products (None: all)."""
        rows: dict[int, sa.Row[Any]] = {}
        for part in chunked(list(dict.fromkeys(entity_ids))):
            rows.update((row.entity_id, row) for row in conn.execute(_ENTITIES, {"ids": list(part)}))
        ids = [i for i in dict.fromkeys(entity_ids) if i in rows]
        if not ids:
            return []
        by_id = catalog.by_id
        tables = product_values if backends is None else {b: t for b, t in product_values.items() if b in backends}
        values = read_values(conn, tables, ids, store_id)
        websites = _grouped(conn, _WEBSITES, ids)
        categories: dict[int, list[CategoryLink]] = defaultdict(list)
        if "category_links" not in skip:
            for part in chunked(ids):
                for product_id, category_id, position in conn.execute(_CATEGORIES, {"ids": list(part)}):
                    categories[product_id].append(CategoryLink(category_id=category_id, position=position))
        stock = self._stock(conn, [rows[i].sku for i in ids])
        by_type: dict[str, list[int]] = defaultdict(list)
        for i in ids:
            by_type[rows[i].type_id].append(i)
        configurable, children = load_configurable(conn, by_type["configurable"], product_values["int"])
        bundles = load_bundles(conn, by_type["bundle"], store_id) if by_type["bundle"] else {}
        links = {} if "product_links" in skip else load_links(conn, ids)
        gallery = {} if "media_gallery_entries" in skip else load_gallery(conn, ids, store_id)
        tiers = {} if "tier_prices" in skip else load_tier_prices(conn, ids)
        options = {} if "options" in skip else load_options(conn, ids)
        records = []
        for i in ids:
            row = rows[i]
            attrs: dict[str, Any] = {}
            for attribute_id, (backend, value) in values.get(i, {}).items():
                meta = by_id.get(attribute_id)
                if meta is not None:
                    attrs[meta.code] = present(backend, value)
            entries = gallery.get(i, [])
            for entry in entries:
                entry.types = [role for role in MEDIA_ROLES if attrs.get(role) == entry.file]
            records.append(
                ProductRecord(
                    id=i,
                    sku=row.sku,
                    name=attrs.pop("name", None),
                    attribute_set_id=row.attribute_set_id,
                    price=attrs.pop("price", None),
                    status=attrs.pop("status", None),
                    visibility=attrs.pop("visibility", None),
                    type_id=row.type_id,
                    created_at=format_datetime(row.created_at) or "",
                    updated_at=format_datetime(row.updated_at) or "",
                    weight=attrs.pop("weight", None),
                    store_id=store_id,
                    custom_attributes=attrs,
                    website_ids=websites.get(i, []),
                    category_links=categories.get(i, []),
                    stock=stock.get(row.sku),
                    configurable_options=configurable.get(i, []),
                    configurable_product_links=[child for child, _ in children.get(i, [])],
                    configurable_children=[sku for _, sku in children.get(i, [])],
                    product_links=links.get(i, []),
                    bundle_options=bundles.get(i, []),
                    media_gallery_entries=entries,
                    tier_prices=tiers.get(i, []),
                    options=options.get(i, []),
                )
            )
        return records

    @staticmethod
    def _stock(conn: Connection, skus: Sequence[str]) -> dict[str, StockRecord]:
        found: dict[str, StockRecord] = {}
        for part in chunked(list(skus)):
            for sku, quantity, status in conn.execute(_STOCK, {"skus": list(part)}):
                found[sku] = StockRecord(qty=float(quantity), is_in_stock=status == IN_STOCK)
        return found

    def delete(self, conn: Connection, skus: Sequence[str], *, events: EventSink) -> dict[str, int]:
        """Delete products (values, links, gallery, prices and stock go with them); returns the deleted ones.

        Each product deleted emits ``catalog.product.deleted``."""
        ids = ids_by_sku(conn, skus)
        delete_products(conn, ids)
        StockRepository().delete_skus(conn, list(ids))
        for sku, entity_id in ids.items():
            events.emit(PRODUCT_DELETED, {"sku": sku, "entity_id": entity_id})
        return ids

    # -- searching ------------------------------------------------------------------------------------------

    def search_fields(self, conn: Connection, store_id: int = 0) -> dict[str, sa.ColumnElement[Any]]:
        """Magento field name → SQL expression over catalog_product_entity, for searchCriteria filters and
        sort orders: the entity's columns, and every attribute as a correlated subquery on its typed table
        (the store view's value, else the default)."""
        fields: dict[str, sa.ColumnElement[Any]] = {
            "entity_id": P.c.entity_id,
            "id": P.c.entity_id,
            "sku": P.c.sku,
            "type_id": P.c.type_id,
            "attribute_set_id": P.c.attribute_set_id,
            "created_at": P.c.created_at,
            "updated_at": P.c.updated_at,
        }
        for code, meta in load_attributes(conn, PRODUCT_ENTITY_TYPE_ID).items():
            if meta.backend_type != "static" and code not in fields:
                fields[code] = scoped_value(
                    product_values[meta.backend_type], P.c.entity_id, meta.attribute_id, store_id
                )
        return fields

    @staticmethod
    def in_categories(category_ids: Sequence[int]) -> sa.ColumnElement[bool]:
        """A filter: the product is directly in one of the categories (Magento's category_id filter)."""
        return P.c.entity_id.in_(sa.select(CP.c.product_id).where(CP.c.category_id.in_(list(category_ids))))

    @staticmethod
    def in_websites(website_ids: Sequence[int]) -> sa.ColumnElement[bool]:
        """A filter: the product is assigned to one of the websites."""
        return P.c.entity_id.in_(sa.select(PW.c.product_id).where(PW.c.website_id.in_(list(website_ids))))

    def search(
        self,
        conn: Connection,
        where: sa.ColumnElement[bool] | None = None,
        order_by: Sequence[sa.ColumnElement[Any]] = (),
        limit: int | None = None,
        offset: int = 0,
        store_id: int = 0,
    ) -> tuple[list[ProductRecord], int]:
        """A page of products matching ``where`` (built from ``search_fields``) and the total count."""
        query = sa.select(P.c.entity_id)
        if where is not None:
            query = query.where(where)
        total = int(conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one())
        page = query.order_by(*order_by, P.c.entity_id).offset(offset)
        if limit is not None:
            page = page.limit(limit)
        ids = [int(i) for i in conn.execute(page).scalars()]
        return self.get_many_by_id(conn, ids, store_id), total


def _check_url_keys(conn: Connection, plans: Sequence[_Plan], meta: AttributeMeta, store_id: int) -> None:
    """Magento's rule: a url key names one product per store (the defaults' and ``store_id``'s), in one lookup."""
    owners: dict[str, int | None] = {}
    for plan in plans:
        given = plan.values.get(meta.attribute_id)
        if given is None or given[1] in (None, ""):
            continue
        key = str(given[1]).casefold()
        if key in owners:
            raise DuplicateError(URL_KEY_TAKEN)
        owners[key] = plan.entity_id
    table = product_values[meta.backend_type]
    for part in chunked(sorted(owners)):
        taken = conn.execute(
            sa.select(table.c.entity_id, table.c.value).where(
                table.c.attribute_id == meta.attribute_id,
                table.c.store_id.in_(sorted({0, store_id})),
                table.c.value.in_(part),
            )
        )
        for entity_id, value in taken:
            if str(value).casefold() in owners and owners[str(value).casefold()] != entity_id:
                raise DuplicateError(URL_KEY_TAKEN)


def _int(value: object, field_name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise InvalidValueError(INVALID_VALUE, [field_name, str(value)]) from None


def _grouped(conn: Connection, query: sa.Select[Any], ids: Sequence[int]) -> dict[int, list[int]]:
    """key → values of a two-column ``query`` with a list parameter ``ids``."""
    found: dict[int, list[int]] = defaultdict(list)
    for part in chunked(list(ids)):
        for k, v in conn.execute(query, {"ids": list(part)}):
            found[k].append(v)
    return found


def _new_ids(plans: Sequence[_Plan], ids: Mapping[str, int]) -> frozenset[int]:
    """The ids of the products this save creates: the shared writer inserts their relation rows plainly."""
    return frozenset(ids[plan.product.sku] for plan in plans if plan.is_new)


@dataclass(frozen=True, slots=True)
class _Saved:
    """What a save did: sku → entity_id, its plans, and the value tables it wrote to."""

    ids: dict[str, int]
    plans: list[_Plan]
    backends: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Catalog:
    """The store views and product attributes, loaded once per batch and shared by its write and read."""

    scopes: Scopes
    attributes: dict[str, AttributeMeta]
    by_id: dict[int, AttributeMeta]

    @classmethod
    def load(cls, conn: Connection) -> _Catalog:
        attributes = load_attributes(conn, PRODUCT_ENTITY_TYPE_ID)
        by_id = {meta.attribute_id: meta for meta in attributes.values()}
        return cls(Scopes.load(conn), attributes, by_id)


@dataclass(frozen=True, slots=True)
class _Defaults:
    """What a new product of one attribute set and type gets for the attributes it was not given."""

    values: dict[int, tuple[AttributeMeta, Any]]  # coerced default values (or the error coercing it gave)
    required: list[AttributeMeta]  # required, without a default

    @classmethod
    def of(cls, members: Iterable[int], catalog: _Catalog, type_id: str, options: Mapping[int, set[int]]) -> _Defaults:
        """``options``: the option ids of the set's select attributes with a default (a default is one of them)."""
        values: dict[int, tuple[AttributeMeta, Any]] = {}
        required: list[AttributeMeta] = []
        for attribute_id in sorted(members):
            meta = catalog.by_id[attribute_id]
            if meta.backend_type == "static" or not meta.applies_to(type_id):
                continue
            if meta.default_value not in (None, ""):
                try:
                    values[attribute_id] = (meta, coerce_value(meta, meta.default_value, options.get(attribute_id)))
                except InvalidValueError as exc:  # raised only for a product that takes this default
                    values[attribute_id] = (meta, exc)
            elif meta.is_required:
                required.append(meta)
        return cls(values, required)

    def apply(self, plan: _Plan) -> None:
        """Give ``plan`` the defaults of what it was not given; a required attribute without one is an error."""
        for attribute_id, (meta, value) in self.values.items():
            if attribute_id not in plan.values:
                if isinstance(value, InvalidValueError):
                    raise value
                plan.values[attribute_id] = (meta, value)
        for meta in self.required:
            if meta.attribute_id not in plan.values:
                raise InvalidValueError(EMPTY_VALUE, [meta.code])


# Relations a product has rows of only if it was given them or existed before (see save_and_get_many).
_RELATION_INPUTS: dict[str, Callable[[_Plan], bool]] = {
    "category_links": lambda plan: plan.category_links is not None,
    "product_links": lambda plan: plan.product.product_links is not None,
    "media_gallery_entries": lambda plan: plan.product.media_gallery_entries is not None,
    "tier_prices": lambda plan: plan.product.tier_prices is not None,
    "options": lambda plan: plan.product.options is not None,
}

# Statements built once (in_list: a list parameter): building one costs more than running it on a small batch.
_STORED_BY_SKU = sa.select(P.c.entity_id, P.c.sku, P.c.type_id, P.c.attribute_set_id).where(in_list(P.c.sku, "skus"))
_UPDATE_ENTITY = (
    P.update()
    .where(P.c.entity_id == sa.bindparam("b_id"))
    .values(type_id=sa.bindparam("b_type"), attribute_set_id=sa.bindparam("b_set"), updated_at=sa.bindparam("b_now"))
)
_ENTITIES = sa.select(P).where(in_list(P.c.entity_id, "ids"))
_WEBSITES = sa.select(PW.c.product_id, PW.c.website_id).where(in_list(PW.c.product_id, "ids")).order_by(PW.c.website_id)
_CATEGORIES = (
    sa.select(CP.c.product_id, CP.c.category_id, CP.c.position)
    .where(in_list(CP.c.product_id, "ids"))
    .order_by(CP.c.product_id, CP.c.category_id)
)
_STOCK = sa.select(SI.c.sku, SI.c.quantity, SI.c.status).where(
    SI.c.source_code == DEFAULT_SOURCE, in_list(SI.c.sku, "skus")
)


@dataclass(slots=True)
class _Relations:
    """The batch's relations, checked before anything is written and written after the entities."""

    super_attributes: dict[str, list[SuperAttributeRow]] = field(default_factory=dict)
    tier_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, conn: Connection, plans: Sequence[_Plan], attributes: Mapping[str, AttributeMeta], scopes: Scopes
    ) -> _Relations:
        relations = cls()
        by_id = {meta.attribute_id: meta for meta in attributes.values()}
        categories = {link.category_id for plan in plans for link in plan.category_links or []}
        known = category_ids_existing(conn, categories)
        for plan in plans:
            product = plan.product
            for website_id in product.website_ids or []:
                if website_id not in scopes.website_ids or website_id == 0:
                    raise InvalidValueError(INVALID_VALUE, ["website_ids", str(website_id)])
            for link in plan.category_links or []:
                if link.category_id not in known:
                    raise InvalidValueError(INVALID_VALUE, ["category_links", str(link.category_id)])
            for option in product.configurable_options or []:
                meta = (
                    by_id.get(option.attribute_id or 0)
                    if option.attribute_code is None
                    else attributes.get(option.attribute_code)
                )
                name = option.attribute_code or str(option.attribute_id)
                if meta is None or meta.frontend_input not in ("select", "swatch_visual", "swatch_text"):
                    raise InvalidValueError(INVALID_VALUE, ["configurable_options", name])
                if meta.scope != SCOPE_GLOBAL:
                    raise InvalidValueError(INVALID_VALUE, ["configurable_options", f"{name} is not global"])
                relations.super_attributes.setdefault(product.sku, []).append(
                    SuperAttributeRow(meta.attribute_id, option.position, option.label)
                )
            for product_link in product.product_links or []:
                if product_link.link_type not in LINK_TYPES:
                    raise InvalidValueError(INVALID_VALUE, ["product_links.link_type", product_link.link_type])
                if product_link.qty is not None:
                    parse_decimal(product_link.qty, "product_links.qty")
            for bundle_option in product.bundle_options or []:
                if bundle_option.type not in BUNDLE_OPTION_TYPES:
                    raise InvalidValueError(INVALID_VALUE, ["bundle_options.type", bundle_option.type])
                if not bundle_option.title:
                    raise InvalidValueError(EMPTY_VALUE, ["bundle_options.title"])
                for selection in bundle_option.product_links:
                    if selection.price_type not in (0, 1):
                        raise InvalidValueError(INVALID_VALUE, ["price_type", str(selection.price_type)])
                    parse_decimal(selection.qty, "qty")
                    parse_decimal(selection.price, "price")
            if product.media_gallery_entries is not None:
                check_entries(product.media_gallery_entries)
            for custom_option in product.options or []:
                check_option(custom_option)
            if product.stock is not None and product.stock.qty is not None:
                parse_decimal(product.stock.qty, "qty")
        # checked against batch positions as stand-in entity ids: the real ids do not exist yet
        priced = {n: plan.product.tier_prices for n, plan in enumerate(plans) if plan.product.tier_prices is not None}
        for n in priced:
            relations.tier_rows[plans[n].product.sku] = []
        for row in tier_price_rows(conn, {n: prices for n, prices in priced.items() if prices is not None}):
            relations.tier_rows[plans[row["entity_id"]].product.sku].append(row)
        return relations

    def write(
        self,
        conn: Connection,
        plans: Sequence[_Plan],
        ids: Mapping[str, int],
        references: Mapping[str, int],
        scopes: Scopes,
        store_id: int,
    ) -> None:
        self._websites(conn, plans, ids, scopes)
        self._categories(conn, plans, ids)
        self._stock(conn, plans)
        tiered = list(self.tier_rows)
        if tiered:
            rows = [{**row, "entity_id": ids[sku]} for sku in tiered for row in self.tier_rows[sku]]
            replace_tier_prices(conn, rows, [ids[sku] for sku in tiered])
        galleries = {
            ids[p.product.sku]: p.product.media_gallery_entries
            for p in plans
            if p.product.media_gallery_entries is not None
        }
        replace_gallery(conn, galleries, store_id)
        replace_options(conn, {ids[p.product.sku]: p.product.options for p in plans if p.product.options is not None})
        replace_super_attributes(conn, {ids[sku]: rows for sku, rows in self.super_attributes.items()})
        children = {
            ids[p.product.sku]: [references[sku] for sku in p.product.configurable_children]
            for p in plans
            if p.product.configurable_children is not None
        }
        replace_children(conn, children)
        touched = sorted({ids[sku] for sku in self.super_attributes} | set(children))
        check_children(conn, touched, product_values["int"])
        links = {
            ids[p.product.sku]: [
                LinkRow(
                    LINK_TYPES[link.link_type],
                    references[link.linked_product_sku],
                    link.position,
                    None if link.qty is None else parse_decimal(link.qty, "qty"),
                )
                for link in p.product.product_links
            ]
            for p in plans
            if p.product.product_links is not None
        }
        if links:
            replace_links(conn, links)
        bundles = {
            ids[p.product.sku]: [
                BundleOptionRow(
                    option.option_id,
                    option.title,
                    option.type,
                    option.required,
                    option.position,
                    tuple(
                        SelectionRow(
                            references[s.sku],
                            parse_decimal(s.qty, "qty"),
                            s.can_change_quantity,
                            s.price_type,
                            parse_decimal(s.price, "price"),
                            s.is_default,
                            s.position,
                        )
                        for s in option.product_links
                    ),
                )
                for option in p.product.bundle_options
            ]
            for p in plans
            if p.product.bundle_options is not None
        }
        replace_bundle_options(conn, bundles, store_id)

    @staticmethod
    def _websites(conn: Connection, plans: Sequence[_Plan], ids: Mapping[str, int], scopes: Scopes) -> None:
        """Given website_ids replace the assignment; a new product without them joins the default website
        (Magento's single-website behaviour)."""
        wanted: dict[int, list[int]] = {}
        for plan in plans:
            if plan.product.website_ids is not None:
                wanted[ids[plan.product.sku]] = plan.product.website_ids
            elif plan.is_new and scopes.default_website_id is not None:
                wanted[ids[plan.product.sku]] = [scopes.default_website_id]
        write_websites(conn, wanted, new=_new_ids(plans, ids), replace=True)

    @staticmethod
    def _categories(conn: Connection, plans: Sequence[_Plan], ids: Mapping[str, int]) -> None:
        wanted = {
            ids[p.product.sku]: [(link.category_id, link.position) for link in p.category_links]
            for p in plans
            if p.category_links is not None
        }
        write_categories(conn, wanted, new=_new_ids(plans, ids), replace=True)

    @staticmethod
    def _stock(conn: Connection, plans: Sequence[_Plan]) -> None:
        """The default source's item, with only the columns given (a save naming the quantity keeps the status)."""
        levels: list[StockLevel] = []
        for plan in plans:
            stock = plan.product.stock
            if stock is None or (stock.qty is None and stock.is_in_stock is None):
                continue
            quantity = None if stock.qty is None else parse_decimal(stock.qty, "qty")
            status = None if stock.is_in_stock is None else (IN_STOCK if stock.is_in_stock else OUT_OF_STOCK)
            levels.append(StockLevel(DEFAULT_SOURCE, plan.product.sku, quantity, status))
        write_source_items(conn, levels)

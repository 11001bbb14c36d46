"""Sync handlers: fetch source entities and write them into the catalog store, idempotently.

Each entity type has a *fetch* (network only) and an *apply* (database only, in the caller's transaction,
never committing), so a caller can fetch outside its transaction and keep write locks short; ``sync_*``
does both for callers that do not care. Handling the same ids again leaves the store as it was: every write
is keyed (email and website, attribute code, sku, customer group code, source and sku) and replaces what
the source owns, and a fulfilment already shipped is recognised by its external id (the order update's ledger).

What an entity needs that the store lacks (a price group, an attribute or option, an outlet) is fetched and
applied first, in the same transaction, so a single change set can be handled in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog import (
    AttributeRepository,
    CustomerRepository,
    EventSink,
    ProductInput,
    ProductRepository,
    StockRepository,
)
from conveyor.catalog import Source as StockSource
from conveyor.catalog.customers import custom_attribute_table, customer_table
from conveyor.catalog.customers import groups as customer_groups
from conveyor.catalog.eav import DEFAULT_PRODUCT_SET_ID
from conveyor.catalog.stores import ADMIN_STORE_ID, customer_group_table, store_table
from conveyor.plugins import Plugins, default_plugins
from conveyor.sync.errors import MappingError
from conveyor.sync.mapping import (
    SELECT_INPUTS,
    MappedProduct,
    ProductContext,
    StoreAttribute,
    SyncOptions,
    customer_group_code,
    map_attribute,
    map_customer,
    map_product,
    referenced_attributes,
)
from conveyor.sync.models import (
    Attribute,
    Customer,
    EntityType,
    Fulfillment,
    PriceGroup,
    Product,
)
from conveyor.sync.source import Source

ATTRIBUTES = AttributeRepository()
CUSTOMERS = CustomerRepository()
PRODUCTS = ProductRepository()
STOCK = StockRepository()
DEFAULT_ATTRIBUTE_GROUP = "product-details"  # where synced attributes join the default attribute set


@dataclass(frozen=True)
class OrderFulfillments:
    """The fulfilments of one order, as fetched together."""

    order_no: str
    fulfillments: list[Fulfillment]


def _options(options: SyncOptions | None) -> SyncOptions:
    return options or SyncOptions()


# -- price groups → customer groups ----------------------------------------------------------------------


def _group_ids(conn: Connection) -> dict[str, int]:
    """Lower-cased customer group code → id (codes are unique case-insensitively)."""
    g = customer_group_table.c
    rows = conn.execute(sa.select(g.customer_group_id, g.customer_group_code))
    return {code.lower(): int(group_id) for group_id, code in rows}


def apply_price_groups(conn: Connection, groups: Sequence[PriceGroup]) -> dict[str, int]:
    """Create the customer groups of ``groups`` that do not exist; price group code → customer group id."""
    known = _group_ids(conn)
    found: dict[str, int] = {}
    for group in groups:
        code = customer_group_code(group.code)
        group_id = known.get(code.lower())
        if group_id is None:
            group_id = int(customer_groups.create(conn, code)["id"])
            known[code.lower()] = group_id
        found[group.code] = group_id
    return found


def _ensure_price_groups(conn: Connection, source: Source, codes: Iterable[str]) -> dict[str, int]:
    """Customer group ids of the price group codes, syncing those the store lacks."""
    wanted = sorted(set(codes))
    known = _group_ids(conn)
    missing = [code for code in wanted if customer_group_code(code).lower() not in known]
    if missing:
        apply_price_groups(conn, [source.fetch_price_group(code) for code in missing])
        known = _group_ids(conn)
    return {code: known[customer_group_code(code).lower()] for code in wanted}


def sync_price_groups(
    conn: Connection, source: Source, codes: Sequence[str], options: SyncOptions | None = None
) -> dict[str, int]:
    """Fetch and apply price groups (the customer groups that already exist are kept as they are)."""
    return apply_price_groups(conn, [source.fetch_price_group(code) for code in codes])


def sync_price_group(conn: Connection, source: Source, code: str, options: SyncOptions | None = None) -> int:
    """One price group; its customer group id."""
    return sync_price_groups(conn, source, [code], options)[code]


# -- attributes ------------------------------------------------------------------------------------------


def _store_views(conn: Connection) -> list[int]:
    s = store_table.c
    query = sa.select(s.store_id).where(s.store_id != ADMIN_STORE_ID).order_by(s.store_id)
    return [int(store_id) for store_id in conn.execute(query).scalars()]


def apply_attributes(
    conn: Connection, attributes: Sequence[Attribute], options: SyncOptions | None = None
) -> dict[str, int]:
    """Create or update the attributes with their options; source code → attribute id.

    A source attribute may not land on one of Magento's system attributes, nor switch between a list and
    text (the stored values would no longer mean anything).
    """
    options = _options(options)
    if not attributes:
        return {}
    stored = {record.attribute_code: record for record in ATTRIBUTES.get_list(conn)}
    store_ids = _store_views(conn)
    default_set = ATTRIBUTES.get_set(conn, DEFAULT_PRODUCT_SET_ID)
    in_set = {code for group in default_set.groups for code in group.attribute_codes}
    group_id = next(
        (g.attribute_group_id for g in default_set.groups if g.attribute_group_code == DEFAULT_ATTRIBUTE_GROUP),
        default_set.groups[0].attribute_group_id if default_set.groups else None,
    )
    found: dict[str, int] = {}
    for attribute in attributes:
        code = options.attribute_code(attribute.code)
        record = stored.get(code)
        if record is not None:
            if not record.is_user_defined:
                raise MappingError(
                    f"attribute {attribute.code!r} would overwrite the system attribute {code!r}: "
                    "map it to another code with CONVEYOR_SYNC_ATTRIBUTE_MAP"
                )
            if (record.frontend_input in SELECT_INPUTS) != (attribute.type == "list"):
                raise MappingError(
                    f"attribute {attribute.code!r} changed between a list and text; the store keeps it as "
                    f"{record.frontend_input!r}"
                )
        found[attribute.code] = ATTRIBUTES.save(conn, map_attribute(attribute, store_ids, options))
        if code not in in_set and group_id is not None:
            ATTRIBUTES.assign(conn, DEFAULT_PRODUCT_SET_ID, group_id, code)
            in_set.add(code)
    return found


def sync_attributes(
    conn: Connection, source: Source, codes: Sequence[str], options: SyncOptions | None = None
) -> dict[str, int]:
    """Fetch and apply attributes with their options; source code → attribute id."""
    return apply_attributes(conn, [source.fetch_attribute(code) for code in codes], options)


def sync_attribute(conn: Connection, source: Source, code: str, options: SyncOptions | None = None) -> int:
    """One attribute; its attribute id."""
    return sync_attributes(conn, source, [code], options)[code]


def _store_attributes(conn: Connection, codes: Iterable[str], options: SyncOptions) -> dict[str, StoreAttribute]:
    """Source attribute code → what product mapping needs of its store attribute (those that exist)."""
    wanted = {options.attribute_code(code): code for code in codes}
    found: dict[str, StoreAttribute] = {}
    for record in ATTRIBUTES.get_list(conn):
        source_code = wanted.get(record.attribute_code)
        if source_code is None:
            continue
        choices = None
        if record.frontend_input in SELECT_INPUTS:
            choices = {option.label.lower(): int(option.value or 0) for option in record.options}
        found[source_code] = StoreAttribute(record.attribute_code, record.default_frontend_label, choices)
    return found


def _ensure_attributes(
    conn: Connection, source: Source, used: Mapping[str, set[str]], options: SyncOptions
) -> dict[str, StoreAttribute]:
    """The store attributes of ``used`` (code → value codes), syncing attributes that lack one of them."""
    found = _store_attributes(conn, used, options)

    def lacking(code: str) -> bool:
        attribute = found.get(code)
        if attribute is None:
            return True
        return attribute.options is not None and any(attribute.option_id(value) is None for value in used[code])

    missing = sorted(code for code in used if lacking(code))
    if missing:
        sync_attributes(conn, source, missing, options)
        found = _store_attributes(conn, used, options)
    return found


# -- customers -------------------------------------------------------------------------------------------


def _ids_by_source_no(conn: Connection, numbers: Sequence[str], options: SyncOptions) -> dict[str, tuple[int, str]]:
    """Source customer number → (customer id, email) of the store's customers that carry it."""
    v, c = custom_attribute_table.c, customer_table.c
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(numbers), 1000):
        part = list(numbers[start : start + 1000])
        query = (
            sa.select(v.value, c.entity_id, c.email)
            .select_from(custom_attribute_table.join(customer_table, c.entity_id == v.entity_id))
            .where(v.attribute_code == options.customer_key, v.value.in_(part), c.website_id == options.website_id)
        )
        for number, customer_id, email in conn.execute(query):
            found[number] = (int(customer_id), email)
    return found


def apply_customers(
    conn: Connection, source: Source, customers: Sequence[Customer], options: SyncOptions | None = None
) -> dict[str, int]:
    """Create or update customers with their addresses and group; source number → customer id."""
    options = _options(options)
    if not customers:
        return {}
    latest = {customer.customer_no: customer for customer in customers}  # the last of duplicates wins
    groups = _ensure_price_groups(conn, source, {c.price_group for c in latest.values() if c.price_group})
    inputs = {
        no: map_customer(c, groups[c.price_group] if c.price_group else customer_groups.DEFAULT_GROUP_ID, options)
        for no, c in latest.items()
    }
    known = _ids_by_source_no(conn, sorted(latest), options)
    ids: dict[str, int] = {}
    for no, (customer_id, email) in known.items():
        data = inputs[no]
        if data.email != email:  # the email changed at the source: update that customer by id
            ids[no] = CUSTOMERS.save(conn, data.model_copy(update={"id": customer_id})).id
    rest = [no for no in latest if no not in ids]
    for no, customer_id in zip(rest, CUSTOMERS.save_many(conn, [inputs[no] for no in rest]), strict=True):
        ids[no] = customer_id
    return {customer.customer_no: ids[customer.customer_no] for customer in customers}


def sync_customers(
    conn: Connection, source: Source, customer_nos: Sequence[str], options: SyncOptions | None = None
) -> dict[str, int]:
    """Fetch and apply customers in one batch; source number → customer id."""
    return apply_customers(conn, source, [source.fetch_customer(no) for no in customer_nos], options)


def sync_customer(conn: Connection, source: Source, customer_no: str, options: SyncOptions | None = None) -> int:
    """One customer; its customer id."""
    return sync_customers(conn, source, [customer_no], options)[customer_no]


# -- products --------------------------------------------------------------------------------------------


def _ensure_outlets(conn: Connection, source: Source, codes: Iterable[str]) -> None:
    """Create the stock sources of outlets the store lacks (one listing of the source's outlets)."""
    known = {s.source_code for s in STOCK.list_sources(conn)}
    missing = sorted(set(codes) - known)
    if not missing:
        return
    outlets = {outlet.code: outlet for outlet in source.list_outlets()}
    for code in missing:
        outlet = outlets.get(code)
        if outlet is None:
            raise MappingError(f"outlet {code!r} is not among the source's outlets")
        STOCK.save_source(
            conn, StockSource(source_code=code, name=outlet.name, country_id=outlet.country, postcode=outlet.zip)
        )


def apply_products(
    conn: Connection,
    source: Source,
    products: Sequence[Product],
    options: SyncOptions | None = None,
    *,
    events: EventSink,
) -> dict[str, int]:
    """Create or update products with variants, prices and stock; source number → id of the sold product.

    A variant the source dropped is unlinked from its configurable product and disabled, not deleted
    (orders and reports still refer to it).
    """
    options = _options(options)
    if not products:
        return {}
    latest = list({product.product_no: product for product in products}.values())
    used: dict[str, set[str]] = {}
    for product in latest:
        for code, values in referenced_attributes(product).items():
            used.setdefault(code, set()).update(values)
    context = ProductContext(
        options=options,
        attributes=_ensure_attributes(conn, source, used, options),
        group_ids=_ensure_price_groups(
            conn, source, {g.price_group for p in latest for v in p.variants for g in v.group_prices}
        ),
    )
    _ensure_outlets(conn, source, {level.outlet for p in latest for v in p.variants for level in v.stock})
    mapped: list[MappedProduct] = [map_product(product, context) for product in latest]
    inputs = [item for m in mapped for item in m.products]
    batch = {item.sku for item in inputs}
    parents = [m.sku for m in mapped if m.children]
    dropped = [
        sku for record in PRODUCTS.get_many(conn, parents) for sku in record.configurable_children if sku not in batch
    ]
    inputs.extend(ProductInput(sku=sku, status=2) for sku in dict.fromkeys(dropped))
    ids = PRODUCTS.save_many(conn, inputs, events=events)
    STOCK.upsert(conn, [item for m in mapped for item in m.stock])
    return {product.product_no: ids[m.sku] for product, m in zip(latest, mapped, strict=True)}


def sync_products(
    conn: Connection,
    source: Source,
    product_nos: Sequence[str],
    options: SyncOptions | None = None,
    *,
    events: EventSink,
) -> dict[str, int]:
    """Fetch and apply products in one batch; source number → id of the product shoppers see."""
    return apply_products(conn, source, [source.fetch_product(no) for no in product_nos], options, events=events)


def sync_product(
    conn: Connection, source: Source, product_no: str, options: SyncOptions | None = None, *, events: EventSink
) -> int:
    """One product; the id of the product shoppers see (the configurable one, or the simple one)."""
    return sync_products(conn, source, [product_no], options, events=events)[product_no]


# -- fulfilments → shipments -----------------------------------------------------------------------------


class FulfillmentApplier(Protocol):
    """Ships an order's fulfilments in the caller's transaction; the ids of the new shipments."""

    def __call__(self, conn: Connection, order: OrderFulfillments, *, events: EventSink) -> list[int]: ...


def fulfillment_applier(plugins: Plugins | None = None) -> FulfillmentApplier:
    """The ``fulfillment`` plug-in of ``conveyor.sync_appliers``: the order update's (``conveyor.orders``).

    A fulfilment is an ERP shipment document, applied through the same ledger, checks and refusals as one sent
    as a file or over REST; that path lives in ``conveyor.orders``, a layer above this package, so it reaches
    sync as a plug-in rather than an import.
    """
    applier = (plugins or default_plugins()).sync_appliers.load(EntityType.FULFILLMENT.value)
    return cast(FulfillmentApplier, applier)


def apply_fulfillments(conn: Connection, order: OrderFulfillments, *, events: EventSink) -> list[int]:
    """Ship each fulfilment of the order not shipped yet; the ids of the new shipments.

    Each fulfilment is the ERP shipment document whose external id is the fulfilment's id, applied once (the
    ledger of ERP documents, or an older shipment of the order with that external id, recognises a repeat);
    an order the store lacks is a ``MappingError``, a refusal the order update's ``DocumentError`` with the
    sales domain's Magento message (see ``conveyor.orders.update.fulfillments``).
    """
    return fulfillment_applier()(conn, order, events=events)


def fetch_fulfillments(source: Source, order_no: str) -> OrderFulfillments:
    """The order's fulfilments as one unit of work (they are applied per order)."""
    return OrderFulfillments(order_no, source.fetch_fulfillments(order_no))


def sync_fulfillments(
    conn: Connection, source: Source, order_no: str, options: SyncOptions | None = None, *, events: EventSink
) -> list[int]:
    """Ship what the source shipped for one order; the ids of the new shipments."""
    return apply_fulfillments(conn, fetch_fulfillments(source, order_no), events=events)


def sync_fulfillments_many(
    conn: Connection,
    source: Source,
    order_nos: Sequence[str],
    options: SyncOptions | None = None,
    *,
    events: EventSink,
) -> dict[str, list[int]]:
    """``sync_fulfillments`` for several orders in one transaction; order number → new shipment ids."""
    return {no: apply_fulfillments(conn, fetch_fulfillments(source, no), events=events) for no in order_nos}


# -- one table for callers that go by entity type (CLI, bus, change sets) --------------------------------


@dataclass(frozen=True)
class EntitySync:
    """How to fetch one entity of a type and apply a batch of them."""

    fetch: Callable[[Source, str], Any]
    # (connection, source, fetched entities, options, the transaction's event sink) → source id → store id(s)
    apply: Callable[[Connection, Source, Sequence[Any], SyncOptions, EventSink], Mapping[str, Any]]


def _apply_fulfillments_batch(
    conn: Connection, _source: Source, orders: Sequence[OrderFulfillments], _options: SyncOptions, events: EventSink
) -> dict[str, list[int]]:
    return {order.order_no: apply_fulfillments(conn, order, events=events) for order in orders}


def _apply_price_groups(
    conn: Connection, _source: Source, groups: Sequence[PriceGroup], _options: SyncOptions, _events: EventSink
) -> dict[str, int]:
    return apply_price_groups(conn, groups)


def _apply_attributes(
    conn: Connection, _source: Source, attributes: Sequence[Attribute], options: SyncOptions, _events: EventSink
) -> dict[str, int]:
    return apply_attributes(conn, attributes, options)


def _apply_customers(
    conn: Connection, source: Source, customers: Sequence[Customer], options: SyncOptions, _events: EventSink
) -> dict[str, int]:
    return apply_customers(conn, source, customers, options)


def _apply_products(
    conn: Connection, source: Source, products: Sequence[Product], options: SyncOptions, events: EventSink
) -> dict[str, int]:
    return apply_products(conn, source, products, options, events=events)


SYNCS: Mapping[EntityType, EntitySync] = {
    EntityType.PRICE_GROUP: EntitySync(lambda s, i: s.fetch_price_group(i), _apply_price_groups),
    EntityType.ATTRIBUTE: EntitySync(lambda s, i: s.fetch_attribute(i), _apply_attributes),
    EntityType.CUSTOMER: EntitySync(lambda s, i: s.fetch_customer(i), _apply_customers),
    EntityType.PRODUCT: EntitySync(lambda s, i: s.fetch_product(i), _apply_products),
    EntityType.FULFILLMENT: EntitySync(fetch_fulfillments, _apply_fulfillments_batch),
}
# The order a full sync goes in, so that dependencies usually exist before they are needed.
SYNC_ORDER = (
    EntityType.PRICE_GROUP,
    EntityType.ATTRIBUTE,
    EntityType.CUSTOMER,
    EntityType.PRODUCT,
    EntityType.FULFILLMENT,
)


def sync(
    conn: Connection,
    source: Source,
    entity: EntityType,
    ids: Sequence[str],
    options: SyncOptions | None = None,
    *,
    events: EventSink,
) -> Mapping[str, Any]:
    """Fetch and apply ``ids`` of ``entity`` in one go (what a queued sync command does)."""
    handler = SYNCS[EntityType(entity)]
    return handler.apply(conn, source, [handler.fetch(source, i) for i in ids], _options(options), events)


__all__ = [
    "SYNCS",
    "SYNC_ORDER",
    "EntitySync",
    "FulfillmentApplier",
    "OrderFulfillments",
    "apply_attributes",
    "apply_customers",
    "apply_fulfillments",
    "apply_price_groups",
    "apply_products",
    "fetch_fulfillments",
    "fulfillment_applier",
    "sync",
    "sync_attribute",
    "sync_attributes",
    "sync_customer",
    "sync_customers",
    "sync_fulfillments",
    "sync_fulfillments_many",
    "sync_price_group",
    "sync_price_groups",
    "sync_product",
    "sync_products",
]

"""A bundle product's options and their selections, one at a time: Magento's Bundle ``LinkManagement``,
``OptionRepository`` and ``OptionManagement``.

Selections are written in place (not through the product save, which rewrites them all) because their ids are
the API's handles: ``PUT /V1/bundle-products/{sku}/links/{id}`` names one. Every change emits
``catalog.product.saved`` for the bundle, as a product save would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.attributes import PRODUCT_ENTITY_TYPE_ID, attribute_table
from conveyor.catalog.eav.values import INVALID_VALUE, parse_decimal
from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.events import PRODUCT_SAVED, EventSink
from conveyor.catalog.products.entity import product_table, product_values
from conveyor.catalog.products.models import BUNDLE_OPTION_TYPES, BundleOption
from conveyor.catalog.products.refs import ProductRef, find_product
from conveyor.catalog.products.relations import (
    bundle_option_table,
    bundle_selection_table,
    bundle_title_table,
    load_bundles,
)
from conveyor.db.upsert import upsert

BUNDLE = "bundle"
COMPOSITE = ("bundle", "configurable", "grouped")
# Magento's Bundle source model of option input types (ProductOptionTypeListInterface), in its order.
OPTION_TYPES = (
    ("Drop-down", "select"),
    ("Radio Buttons", "radio"),
    ("Checkbox", "checkbox"),
    ("Multiple Select", "multi"),
)
FIXED_PRICE = 1  # the bundle's price_type attribute: 0 dynamic, 1 fixed
ONLY_BUNDLE = "This is implemented for bundle products only."
NOT_BUNDLE = 'The product with the "%1" SKU isn\'t a bundle product.'
NO_SUCH_OPTION = 'Product with specified sku: "%1" does not contain option: "%2"'
COMPOSITE_CHILD = "The bundle product can't contain another composite product."
ALREADY_ASSIGNED = 'Child with specified sku: "%1" already assigned to product: "%2"'
LINK_NEEDS_ID = "The product link needs an ID field entered. Enter and try again."
LINK_NOT_FOUND = 'The product link with the "%1" ID field wasn\'t found. Verify the ID and try again.'
CHILD_NOT_FOUND = "The bundle product doesn't exist. Review your request and try again."
OPTION_NOT_FOUND = "The option that was requested doesn't exist. Verify the entity and try again."
REQUIRED = '"%1" is required. Enter and try again.'

P, BO, BT, BS = product_table, bundle_option_table, bundle_title_table, bundle_selection_table


@dataclass(slots=True, kw_only=True)
class LinkInput:
    """A selection as a client sends it; None is "not given" (an update keeps the stored value)."""

    sku: str | None = None
    id: int | None = None
    option_id: int | None = None
    qty: Decimal | float | None = None
    position: int | None = None
    is_default: bool | None = None
    price: Decimal | float | None = None
    price_type: int | None = None
    can_change_quantity: int | None = None


@dataclass(slots=True, kw_only=True)
class OptionInput:
    """An option as a client sends it (``sku`` names the bundle); ``product_links`` None leaves them alone."""

    sku: str | None
    option_id: int | None = None
    title: str | None = None
    required: bool | None = None
    type: str | None = None
    position: int | None = None
    product_links: list[LinkInput] | None = None


@dataclass(slots=True)
class Bundle:
    """A bundle's options as a store view sees them; selection prices mean something only at a fixed price."""

    sku: str
    fixed_price: bool
    options: list[BundleOption] = field(default_factory=list)


def _bundle(conn: Connection, sku: str | None, message: str = NOT_BUNDLE) -> ProductRef:
    product = find_product(conn, sku)
    if product.type_id != BUNDLE:
        raise InvalidValueError(message, [] if message == ONLY_BUNDLE else [product.sku])
    return product


def _saved(events: EventSink, product: ProductRef) -> None:
    events.emit(PRODUCT_SAVED, {"sku": product.sku, "entity_id": product.entity_id, "store_id": 0, "new": False})


def _fixed_price(conn: Connection, entity_id: int) -> bool:
    values = product_values["int"]
    found = conn.execute(
        sa.select(values.c.value)
        .select_from(values.join(attribute_table, attribute_table.c.attribute_id == values.c.attribute_id))
        .where(
            values.c.entity_id == entity_id,
            values.c.store_id == 0,
            attribute_table.c.entity_type_id == PRODUCT_ENTITY_TYPE_ID,
            attribute_table.c.attribute_code == "price_type",
        )
    ).scalar()
    return found == FIXED_PRICE


def _owner(conn: Connection, option_id: int) -> int | None:
    return conn.execute(sa.select(BO.c.parent_id).where(BO.c.option_id == option_id)).scalar()


# -- reading --------------------------------------------------------------------------------------------------


def bundle(conn: Connection, sku: str, store_id: int = 0) -> Bundle:
    """The bundle's options with their selections (Magento's "implemented for bundle products only" otherwise)."""
    product = _bundle(conn, sku, ONLY_BUNDLE)
    options = load_bundles(conn, [product.entity_id], store_id).get(product.entity_id, [])
    return Bundle(product.sku, _fixed_price(conn, product.entity_id), options)


def option(conn: Connection, sku: str, option_id: int, store_id: int = 0) -> Bundle:
    """The bundle with only the option ``option_id``."""
    found = bundle(conn, sku, store_id)
    found.options = [o for o in found.options if o.option_id == option_id]
    if not found.options:
        raise NotFoundError(OPTION_NOT_FOUND)
    return found


# -- selections (ProductLinkManagementInterface) --------------------------------------------------------------


def add_child(conn: Connection, sku: str, option_id: int, link: LinkInput, *, events: EventSink) -> int:
    """Add ``link.sku`` to the option; the new selection's id."""
    product = _bundle(conn, sku)
    selection_id = _add(conn, product, option_id, link)
    _saved(events, product)
    return selection_id


def _add(conn: Connection, product: ProductRef, option_id: int, link: LinkInput) -> int:
    if _owner(conn, option_id) != product.entity_id:
        raise InvalidValueError(NO_SUCH_OPTION, [product.sku, str(option_id)])
    child = _child(conn, link.sku)
    taken = conn.execute(
        sa.select(BS.c.selection_id).where(BS.c.option_id == option_id, BS.c.product_id == child.entity_id)
    ).first()
    if taken is not None:
        raise InvalidValueError(ALREADY_ASSIGNED, [str(link.sku), product.sku])
    row = {"option_id": option_id, "parent_product_id": product.entity_id, "product_id": child.entity_id}
    inserted = conn.execute(BS.insert().values(**row, **_columns(link)).returning(BS.c.selection_id))
    return int(inserted.scalar_one())


def save_child(conn: Connection, sku: str, link: LinkInput, *, events: EventSink) -> bool:
    """Update the selection ``link.id`` of the bundle with what ``link`` gives."""
    product = _bundle(conn, sku)
    _update(conn, product, link)
    _saved(events, product)
    return True


def _update(conn: Connection, product: ProductRef, link: LinkInput) -> None:
    child = _child(conn, link.sku)
    if not link.id:
        raise InvalidValueError(LINK_NEEDS_ID)
    stored = conn.execute(sa.select(BS.c.option_id, BS.c.parent_product_id).where(BS.c.selection_id == link.id)).first()
    if stored is None or stored.parent_product_id != product.entity_id:
        raise InvalidValueError(LINK_NOT_FOUND, [str(link.id)])
    option_id = stored.option_id if link.option_id is None else link.option_id
    if _owner(conn, option_id) != product.entity_id:
        raise InvalidValueError(NO_SUCH_OPTION, [product.sku, str(option_id)])
    clash = conn.execute(
        sa.select(BS.c.selection_id).where(
            BS.c.option_id == option_id, BS.c.product_id == child.entity_id, BS.c.selection_id != link.id
        )
    ).first()
    if clash is not None:
        raise InvalidValueError(ALREADY_ASSIGNED, [str(link.sku), product.sku])
    conn.execute(
        BS.update()
        .where(BS.c.selection_id == link.id)
        .values(option_id=option_id, product_id=child.entity_id, **_columns(link))
    )


def remove_child(conn: Connection, sku: str, option_id: int, child_sku: str, *, events: EventSink) -> bool:
    """Take ``child_sku`` (any case) out of the option."""
    product = _bundle(conn, sku)
    doomed = [
        selection_id
        for selection_id, stored_sku in conn.execute(
            sa.select(BS.c.selection_id, P.c.sku)
            .select_from(BS.join(P, P.c.entity_id == BS.c.product_id))
            .where(BS.c.parent_product_id == product.entity_id, BS.c.option_id == option_id)
        )
        if stored_sku.casefold() == child_sku.casefold()
    ]
    if not doomed:
        raise NotFoundError(CHILD_NOT_FOUND)
    conn.execute(BS.delete().where(BS.c.selection_id.in_(doomed)))
    _saved(events, product)
    return True


def _child(conn: Connection, sku: str | None) -> ProductRef:
    child = find_product(conn, sku)
    if child.type_id in COMPOSITE:
        raise InvalidValueError(COMPOSITE_CHILD)
    return child


def _columns(link: LinkInput) -> dict[str, Any]:
    """The selection columns ``link`` gives values for."""
    columns: dict[str, Any] = {}
    if link.position is not None:
        columns["position"] = link.position
    if link.is_default is not None:
        columns["is_default"] = link.is_default
    if link.price_type is not None:
        if link.price_type not in (0, 1):
            raise InvalidValueError(INVALID_VALUE, ["price_type", str(link.price_type)])
        columns["selection_price_type"] = link.price_type
    if link.price is not None:
        columns["selection_price_value"] = parse_decimal(link.price, "price")
    if link.qty is not None:
        columns["selection_qty"] = parse_decimal(link.qty, "qty")
    if link.can_change_quantity is not None:
        columns["selection_can_change_qty"] = bool(link.can_change_quantity)
    return columns


# -- options (ProductOptionRepositoryInterface, ProductOptionManagementInterface) -----------------------------


def save_option(conn: Connection, given: OptionInput, store_id: int = 0, *, events: EventSink) -> int:
    """Create an option (with its selections), or update the bundle's option ``given.option_id``: fields given
    replace, and given ``product_links`` become the option's selections (with an ``id``: updated, without: added,
    left out: removed). The option's id."""
    product = _bundle(conn, given.sku, ONLY_BUNDLE)
    if given.type is not None and given.type not in BUNDLE_OPTION_TYPES:
        raise InvalidValueError(INVALID_VALUE, ["type", given.type])
    option_id = given.option_id
    if option_id and _owner(conn, option_id) == product.entity_id:
        columns = {
            name: value
            for name, value in (("required", given.required), ("type", given.type), ("position", given.position))
            if value is not None
        }
        if columns:
            conn.execute(BO.update().where(BO.c.option_id == option_id).values(**columns))
        if given.title is not None:
            _title(conn, option_id, store_id, given.title)
        if given.product_links is not None:
            _replace_links(conn, product, option_id, given.product_links)
    else:
        if not given.title:
            raise InvalidValueError(REQUIRED, ["title"])
        inserted = conn.execute(
            BO.insert()
            .values(
                parent_id=product.entity_id,
                required=bool(given.required),
                position=given.position or 0,
                type=given.type or "select",
            )
            .returning(BO.c.option_id)
        )
        option_id = int(inserted.scalar_one())
        _title(conn, option_id, 0, given.title)
        if store_id:
            _title(conn, option_id, store_id, given.title)
        for link in given.product_links or []:
            _add(conn, product, option_id, link)
    _saved(events, product)
    return option_id


def delete_option(conn: Connection, sku: str, option_id: int, *, events: EventSink) -> bool:
    """Delete the option with its selections; an option the bundle lacks is no error (as in Magento)."""
    product = _bundle(conn, sku, ONLY_BUNDLE)
    if _owner(conn, option_id) == product.entity_id:
        conn.execute(BO.delete().where(BO.c.option_id == option_id))
        _saved(events, product)
    return True


def _title(conn: Connection, option_id: int, store_id: int, title: str) -> None:
    upsert(conn, BT, [{"option_id": option_id, "store_id": store_id, "title": title}], key=["option_id", "store_id"])


def _replace_links(conn: Connection, product: ProductRef, option_id: int, links: Sequence[LinkInput]) -> None:
    kept = {link.id for link in links if link.id}
    stored = conn.execute(sa.select(BS.c.selection_id).where(BS.c.option_id == option_id)).scalars().all()
    gone = [selection_id for selection_id in stored if selection_id not in kept]
    if gone:
        conn.execute(BS.delete().where(BS.c.selection_id.in_(gone)))
    for link in links:
        if link.id:
            link.option_id = option_id
            _update(conn, product, link)
        else:
            _add(conn, product, option_id, link)

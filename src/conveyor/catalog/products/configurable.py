"""A configurable product's children and options, one at a time: Magento's ``LinkManagement`` and
``OptionRepository`` of the ConfigurableProduct module.

Each change goes through ``ProductRepository.save`` as Magento's services go through the product repository's
save: the same rules (a super attribute is a global select; every child has a value for each of them and no two
children share a combination), the same ``catalog.product.saved`` event, and super attribute ids that survive.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.attributes import PRODUCT_ENTITY_TYPE_ID, load_attributes, load_option_ids
from conveyor.catalog.errors import InvalidValueError, NotFoundError
from conveyor.catalog.events import EventSink
from conveyor.catalog.products.entity import product_values
from conveyor.catalog.products.models import ConfigurableOption, ProductInput, ProductRecord
from conveyor.catalog.products.refs import ProductRef, find_product
from conveyor.catalog.products.relations import load_configurable
from conveyor.catalog.products.repository import ProductRepository

CONFIGURABLE = "configurable"
# Product types a first option turns into a configurable (Magento's OptionRepository::save).
CONVERTIBLE = ("simple", "virtual", CONFIGURABLE)
ONLY_CONFIGURABLE = 'This is implemented for the "%1" configurable product only.'
NOT_CONFIGURABLE = 'The product with the "%1" SKU isn\'t a configurable product.'
OPTION_NOT_FOUND = "The option that was requested doesn't exist. Verify the entity and try again."
ENTITY_NOT_FOUND = 'The "%1" entity that was requested doesn\'t exist. Verify the entity and try again.'
OPTION_ID_NOT_FOUND = 'Option with id "%1" not found'
ALREADY_ATTACHED = "The product is already attached."
NO_OPTIONS = "The parent product doesn't have configurable product options."
CHILD_LACKS_VALUE = 'The child product doesn\'t have the "%1" attribute value. Verify the value and try again.'
NO_ATTRIBUTE = "Option attribute ID is not specified."
NO_LABEL = "Option label is not specified."
NO_VALUES = "Option values are not specified."
NO_VALUE_INDEX = "Value index is not specified for an option."
INCOMPATIBLE_TYPE = "Incompatible product type"
NO_SUCH_ATTRIBUTE = 'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.'

_repository = ProductRepository()


@dataclass(frozen=True, slots=True)
class Variation:
    """One product ``generate_variation`` would create: the sku and name suffix and its super attribute values."""

    suffix: str
    values: tuple[tuple[str, int], ...]  # (attribute code, option id)


def product_id(conn: Connection, sku: str) -> int:
    """The product's entity id (Magento's option payloads carry it)."""
    return find_product(conn, sku).entity_id


def _configurable(conn: Connection, sku: str) -> ProductRef:
    product = find_product(conn, sku)
    if product.type_id != CONFIGURABLE:
        raise InvalidValueError(ONLY_CONFIGURABLE, [sku])
    return product


def _load(conn: Connection, product: ProductRef) -> tuple[list[ConfigurableOption], list[tuple[int, str]]]:
    options, children = load_configurable(conn, [product.entity_id], product_values["int"])
    return options.get(product.entity_id, []), children.get(product.entity_id, [])


# -- children (LinkManagementInterface) -----------------------------------------------------------------------


def children(conn: Connection, sku: str, store_id: int = 0) -> list[ProductRecord]:
    """The children as ``store_id`` sees them; none for a product that is not configurable (as Magento)."""
    product = find_product(conn, sku)
    if product.type_id != CONFIGURABLE:
        return []
    _, linked = _load(conn, product)
    return _repository.get_many_by_id(conn, [child for child, _ in linked], store_id)


def add_child(conn: Connection, sku: str, child_sku: str, *, events: EventSink) -> bool:
    """Attach ``child_sku``: it must have a value for every super attribute, in a combination no sibling has."""
    product, child = find_product(conn, sku), find_product(conn, child_sku)
    options, linked = _load(conn, product)
    if any(child_id == child.entity_id for child_id, _ in linked):
        raise InvalidValueError(ALREADY_ATTACHED)
    if not options:
        raise InvalidValueError(NO_OPTIONS)
    values = product_values["int"]
    given = dict(
        conn.execute(
            sa.select(values.c.attribute_id, values.c.value).where(
                values.c.entity_id == child.entity_id,
                values.c.store_id == 0,
                values.c.attribute_id.in_([option.attribute_id for option in options]),
            )
        ).all()
    )
    for option in options:
        if not given.get(option.attribute_id):
            raise InvalidValueError(CHILD_LACKS_VALUE, [option.attribute_code or str(option.attribute_id)])
    skus = [child_sku for _, child_sku in linked] + [child.sku]
    _repository.save(conn, ProductInput(sku=product.sku, configurable_children=skus), events=events)
    return True


def remove_child(conn: Connection, sku: str, child_sku: str, *, events: EventSink) -> bool:
    """Detach ``child_sku`` (the product itself stays)."""
    product = find_product(conn, sku)
    if product.type_id != CONFIGURABLE:
        raise InvalidValueError(NOT_CONFIGURABLE, [sku])
    _, linked = _load(conn, product)
    kept = [linked_sku for _, linked_sku in linked if linked_sku != child_sku]
    if len(kept) == len(linked):
        raise NotFoundError(OPTION_NOT_FOUND)
    _repository.save(conn, ProductInput(sku=product.sku, configurable_children=kept), events=events)
    return True


# -- options (OptionRepositoryInterface) ----------------------------------------------------------------------


def options(conn: Connection, sku: str) -> list[ConfigurableOption]:
    """The super attributes, each with the option ids its children use (``values``)."""
    return _load(conn, _configurable(conn, sku))[0]


def option(conn: Connection, sku: str, option_id: int) -> ConfigurableOption:
    for found in options(conn, sku):
        if found.id == option_id:
            return found
    raise NotFoundError(ENTITY_NOT_FOUND, [str(option_id)])


def save_option(
    conn: Connection,
    sku: str,
    *,
    option_id: int | None,
    attribute_id: int | None,
    label: str | None,
    position: int | None,
    values: Sequence[int | None] | None,
    events: EventSink,
) -> int:
    """Add a super attribute (a simple or virtual product becomes configurable), or with ``option_id`` update one's
    label and position; the option's id. A new option for an attribute the product already has updates that one,
    as Magento does."""
    if option_id:
        product = _configurable(conn, sku)
        current, _ = _load(conn, product)
        if not any(found.id == option_id for found in current):
            raise NotFoundError(OPTION_ID_NOT_FOUND, [str(option_id)])
        updated = [_changed(found, label, position) if found.id == option_id else found for found in current]
        _save_options(conn, product, updated, events)
        return option_id
    problems = new_option_problems(attribute_id, label, values)
    if problems:
        raise InvalidValueError(problems[0])
    product = find_product(conn, sku)
    if product.type_id not in CONVERTIBLE:
        raise InvalidValueError(INCOMPATIBLE_TYPE)
    current = _load(conn, product)[0] if product.type_id == CONFIGURABLE else []
    if any(found.attribute_id == attribute_id for found in current):
        updated = [
            _changed(found, label, position) if found.attribute_id == attribute_id else found for found in current
        ]
    else:
        updated = [*current, ConfigurableOption(attribute_id=attribute_id, label=label, position=position or 0)]
    _save_options(conn, product, updated, events)
    saved, _ = _load(conn, product)
    return next(found.id or 0 for found in saved if found.attribute_id == attribute_id)


def new_option_problems(attribute_id: int | None, label: str | None, values: Sequence[int | None] | None) -> list[str]:
    """What a new option lacks, every message (Magento's validateNewOptionData reports them all at once)."""
    checks = (
        (NO_ATTRIBUTE, not attribute_id),
        (NO_LABEL, not label),
        (NO_VALUES, not values),
        (NO_VALUE_INDEX, any(value is None for value in values or [])),
    )
    return [problem for problem, missing in checks if missing]


def delete_option(conn: Connection, sku: str, option_id: int, *, events: EventSink) -> bool:
    """Remove a super attribute; the product loses all its children with it (Magento's deleteById)."""
    product = _configurable(conn, sku)
    current, _ = _load(conn, product)
    if not any(found.id == option_id for found in current):
        raise NotFoundError(OPTION_NOT_FOUND)
    kept = [found for found in current if found.id != option_id]
    _save_options(conn, product, kept, events, children=[])
    return True


def _changed(found: ConfigurableOption, label: str | None, position: int | None) -> ConfigurableOption:
    return replace(
        found, label=found.label if label is None else label, position=found.position if position is None else position
    )


def _save_options(
    conn: Connection,
    product: ProductRef,
    wanted: Sequence[ConfigurableOption],
    events: EventSink,
    children: list[str] | None = None,
) -> None:
    rows = [
        ConfigurableOption(attribute_id=found.attribute_id, label=found.label, position=found.position)
        for found in wanted
    ]
    _repository.save(
        conn,
        ProductInput(sku=product.sku, type_id=CONFIGURABLE, configurable_options=rows, configurable_children=children),
        events=events,
    )


# -- variations (ConfigurableProductManagementInterface) ------------------------------------------------------


def variations(conn: Connection, wanted: Sequence[tuple[int, Sequence[int]]]) -> list[Variation]:
    """Every combination of the given option ids of each attribute (options the attribute lacks are skipped), in
    the order Magento's variation matrix lists them; the suffix is ``-<option id>`` per attribute."""
    if not wanted:
        return []
    by_id = {meta.attribute_id: meta for meta in load_attributes(conn, PRODUCT_ENTITY_TYPE_ID).values()}
    for attribute_id, _ in wanted:
        if attribute_id not in by_id:
            raise NotFoundError(NO_SUCH_ATTRIBUTE, [str(attribute_id)])
    known = load_option_ids(conn, sorted({attribute_id for attribute_id, _ in wanted}))
    axes = [
        [(by_id[attribute_id].code, value) for value in sorted(known[attribute_id]) if value in set(values)]
        for attribute_id, values in wanted
    ]
    return [
        Variation("".join(f"-{value}" for _, value in combination), tuple(combination))
        for combination in itertools.product(*axes)
    ]

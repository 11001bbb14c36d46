"""One attribute option at a time, as Magento's option management adds, relabels and deletes them; and the
options an attribute offers a client (its own, or those of a known source model).

Whole-list replacement stays with ``AttributeRepository.save``; these serve the option routes, where the other
options must stay untouched and a label is unique per attribute among the admin labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.attributes import (
    AttributeMeta,
    attribute_table,
    check_store_ids,
    load_attributes,
    option_table,
    option_value_table,
)
from conveyor.catalog.errors import InvalidValueError, NotFoundError

A, OPT, OPTV = attribute_table, option_table, option_value_table
NO_ATTRIBUTE = 'The attribute with a "%1" attributeCode doesn\'t exist. Verify the attribute and try again.'
NO_OPTIONS = 'The "%1" attribute doesn\'t work with options.'
EMPTY_LABEL = "The attribute option label is empty. Enter the value and try again."
LABEL_TAKEN_ADD = 'Admin store attribute option label "%1" is already exists.'
LABEL_TAKEN_UPDATE = "Admin store attribute option label '%1' is already exists."
NO_OPTION_UPDATE = "The '%1' attribute doesn't include an option id '%2'."
NO_OPTION_DELETE = 'The "%1" attribute doesn\'t include an option with "%2" ID.'

# The options of source models whose values are fixed in Magento's code (label, value).
_BOOLEAN = (("Yes", "1"), ("No", "0"))
SOURCE_OPTIONS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Status": (("Enabled", "1"), ("Disabled", "2")),
    "Magento\\Catalog\\Model\\Product\\Visibility": (
        ("Not Visible Individually", "1"),
        ("Catalog", "2"),
        ("Search", "3"),
        ("Catalog, Search", "4"),
    ),
    "Magento\\Eav\\Model\\Entity\\Attribute\\Source\\Boolean": _BOOLEAN,
    "Magento\\Tax\\Model\\TaxClass\\Source\\Product": (("None", "0"), ("Taxable Goods", "2")),
    "Magento\\Catalog\\Model\\Category\\Attribute\\Source\\Mode": (
        ("Products only", "PRODUCTS"),
        ("Static block only", "PAGE"),
        ("Static block and products", "PRODUCTS_AND_PAGE"),
    ),
    "Magento\\Catalog\\Model\\Category\\Attribute\\Source\\Sortby": (
        ("Position", "position"),
        ("Product Name", "name"),
        ("Price", "price"),
    ),
    "Magento\\Catalog\\Model\\Product\\Attribute\\Source\\Boolean": _BOOLEAN,
}


@dataclass(frozen=True, slots=True)
class OptionLabel:
    label: str
    value: str


def attribute_meta(conn: Connection, code: str, entity_type: str | int) -> AttributeMeta:
    meta = load_attributes(conn, entity_type).get(code)
    if meta is None:
        raise NotFoundError(NO_ATTRIBUTE, [code])
    return meta


def offered_options(conn: Connection, meta: AttributeMeta, store_id: int = 0) -> list[OptionLabel]:
    """What Magento's ``getOptions()`` lists: a blank first entry and the options (store labels where set) for
    option attributes, a known source model's fixed options, Yes/No for boolean input, else nothing."""
    return offered_options_of(conn, [meta], store_id)[meta.code]


def offered_options_of(
    conn: Connection, metas: Sequence[AttributeMeta], store_id: int = 0
) -> dict[str, list[OptionLabel]]:
    """``offered_options`` of many attributes by code (one statement for all their own options: a page of a
    list costs the same as one attribute)."""
    own = [meta.attribute_id for meta in metas if meta.uses_options]
    labels: dict[int, dict[int, str]] = {attribute_id: {} for attribute_id in own}
    if own:
        rows = conn.execute(
            sa.select(OPT.c.attribute_id, OPT.c.option_id, OPTV.c.store_id, OPTV.c.value)
            .select_from(OPT.join(OPTV, OPTV.c.option_id == OPT.c.option_id))
            .where(OPT.c.attribute_id.in_(own), OPTV.c.store_id.in_(sorted({0, store_id})))
            .order_by(OPT.c.attribute_id, OPT.c.sort_order, OPT.c.option_id, OPTV.c.store_id)
        )
        for attribute_id, option_id, option_store, value in rows:
            found = labels[attribute_id]
            if option_store == store_id or option_id not in found:
                found[option_id] = value
    offered: dict[str, list[OptionLabel]] = {}
    for meta in metas:
        if meta.uses_options:
            options = labels[meta.attribute_id].items()
            offered[meta.code] = [OptionLabel(" ", ""), *(OptionLabel(label, str(i)) for i, label in options)]
            continue
        fixed = SOURCE_OPTIONS.get(meta.source_model or "")
        if fixed is None and meta.frontend_input == "boolean" and meta.source_model is None:
            fixed = _BOOLEAN
        offered[meta.code] = [OptionLabel(label, value) for label, value in fixed or ()]
    return offered


def _option_meta(conn: Connection, code: str, entity_type: str | int) -> AttributeMeta:
    meta = attribute_meta(conn, code, entity_type)
    if not meta.uses_options:
        raise InvalidValueError(NO_OPTIONS, [code])
    return meta


def _admin_label_owner(conn: Connection, attribute_id: int, label: str) -> int | None:
    """The option whose admin label is ``label`` (case-insensitive, as MySQL compares), if any."""
    return conn.execute(
        sa.select(OPT.c.option_id)
        .select_from(OPT.join(OPTV, OPTV.c.option_id == OPT.c.option_id))
        .where(
            OPT.c.attribute_id == attribute_id,
            OPTV.c.store_id == 0,
            sa.func.lower(OPTV.c.value) == label.lower(),
        )
        .limit(1)
    ).scalar()


def _write(
    conn: Connection,
    meta: AttributeMeta,
    option_id: int,
    label: str,
    store_labels: Mapping[int, str],
    is_default: bool,
) -> None:
    check_store_ids(conn, store_labels)
    conn.execute(OPTV.delete().where(OPTV.c.option_id == option_id))
    labels = {**{s: text for s, text in store_labels.items() if s != 0}, 0: label}
    conn.execute(OPTV.insert(), [{"option_id": option_id, "store_id": s, "value": v} for s, v in labels.items()])
    if is_default:
        conn.execute(A.update().where(A.c.attribute_id == meta.attribute_id).values(default_value=str(option_id)))


def add_option(
    conn: Connection,
    code: str,
    label: str | None,
    *,
    sort_order: int | None = None,
    is_default: bool = False,
    store_labels: Mapping[int, str] | None = None,
    entity_type: str | int = "catalog_product",
) -> int:
    """A new option with its admin and store labels; its id. The admin label must be new to the attribute."""
    meta = _option_meta(conn, code, entity_type)
    text = (label or "").strip()
    if not text:
        raise InvalidValueError(EMPTY_LABEL)
    if _admin_label_owner(conn, meta.attribute_id, text) is not None:
        raise InvalidValueError(LABEL_TAKEN_ADD, [label or ""])
    option_id = int(
        conn.execute(
            OPT.insert().values(attribute_id=meta.attribute_id, sort_order=sort_order or 0).returning(OPT.c.option_id)
        ).scalar_one()
    )
    _write(conn, meta, option_id, text, store_labels or {}, is_default)
    return option_id


def update_option(
    conn: Connection,
    code: str,
    option_id: int,
    label: str | None,
    *,
    sort_order: int | None = None,
    is_default: bool = False,
    store_labels: Mapping[int, str] | None = None,
    entity_type: str | int = "catalog_product",
) -> None:
    """Relabel (and reorder) one option; its id stays, so product values keep pointing at it."""
    meta = _option_meta(conn, code, entity_type)
    if not option_id:
        raise InvalidValueError("The option id is empty. Enter the value and try again.")
    text = (label or "").strip()
    if not text:
        raise InvalidValueError(EMPTY_LABEL)
    if not _has_option(conn, meta, option_id):  # Magento's NoSuchEntityException (validateOption): a 404
        raise NotFoundError(NO_OPTION_UPDATE, [code, str(option_id)])
    owner = _admin_label_owner(conn, meta.attribute_id, text)
    if owner is not None and owner != option_id:
        raise InvalidValueError(LABEL_TAKEN_UPDATE, [label or ""])
    if sort_order is not None:
        conn.execute(OPT.update().where(OPT.c.option_id == option_id).values(sort_order=sort_order))
    _write(conn, meta, option_id, text, store_labels or {}, is_default)


def delete_option(conn: Connection, code: str, option_id: int, entity_type: str | int = "catalog_product") -> None:
    """Delete one option (its labels go with it; a default pointing at it is cleared)."""
    meta = _option_meta(conn, code, entity_type)
    if not _has_option(conn, meta, option_id):
        raise NotFoundError(NO_OPTION_DELETE, [code, str(option_id)])
    conn.execute(OPT.delete().where(OPT.c.option_id == option_id))
    if meta.default_value == str(option_id):
        conn.execute(A.update().where(A.c.attribute_id == meta.attribute_id).values(default_value=None))


def _has_option(conn: Connection, meta: AttributeMeta, option_id: int) -> bool:
    return (
        conn.execute(
            sa.select(OPT.c.option_id).where(OPT.c.option_id == option_id, OPT.c.attribute_id == meta.attribute_id)
        ).first()
        is not None
    )


__all__ = [
    "SOURCE_OPTIONS",
    "OptionLabel",
    "add_option",
    "attribute_meta",
    "delete_option",
    "offered_options",
    "offered_options_of",
    "update_option",
]

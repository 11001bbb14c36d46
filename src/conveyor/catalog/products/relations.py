"""Product-to-product relations: configurable super attributes and children, links (related, upsell,
crosssell, grouped children with their quantity) and bundle options with their selections.

Each relation is replaced per parent product in a fixed number of statements for the whole batch; ids
the API exposes (super attribute ids, bundle option ids) survive a save that keeps them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.attributes import attribute_table
from conveyor.catalog.eav.values import chunked, constraint_name, foreign_key, referring_column
from conveyor.catalog.errors import InvalidValueError
from conveyor.catalog.products.entity import product_table
from conveyor.catalog.products.models import (
    LINK_TYPE_CODES,
    BundleOption,
    BundleSelection,
    ConfigurableOption,
    ProductLink,
)
from conveyor.db.metadata import metadata
from conveyor.db.upsert import upsert

PRODUCT_ID = "catalog_product_entity.entity_id"


def _product_fk(table: str, column: str) -> sa.ForeignKey:
    return foreign_key(table, column, PRODUCT_ID)


SUPER_ATTRIBUTE = "catalog_product_super_attribute"
super_attribute_table = sa.Table(
    SUPER_ATTRIBUTE,
    metadata,
    sa.Column("product_super_attribute_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("product_id", sa.Integer, _product_fk(SUPER_ATTRIBUTE, "product_id"), nullable=False),
    sa.Column(
        "attribute_id",
        sa.Integer,
        foreign_key(SUPER_ATTRIBUTE, "attribute_id", "eav_attribute.attribute_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("label", sa.String(255), nullable=True),
    sa.UniqueConstraint(
        "product_id", "attribute_id", name=constraint_name("uq", SUPER_ATTRIBUTE, "product_id", "attribute_id")
    ),
)

SUPER_LINK = "catalog_product_super_link"
super_link_table = sa.Table(
    SUPER_LINK,
    metadata,
    sa.Column("parent_id", sa.Integer, _product_fk(SUPER_LINK, "parent_id"), primary_key=True),
    sa.Column("product_id", sa.Integer, _product_fk(SUPER_LINK, "product_id"), primary_key=True, index=True),
)

LINK = "catalog_product_link"
link_table = sa.Table(
    LINK,
    metadata,
    sa.Column("link_id", sa.Integer, primary_key=True, autoincrement=True),
    # declared references, no constraints (write speed): ``writer.delete_products`` takes both directions
    referring_column(LINK, "product_id", sa.Integer, PRODUCT_ID, enforced=False, nullable=False, index=True),
    referring_column(LINK, "linked_product_id", sa.Integer, PRODUCT_ID, enforced=False, nullable=False, index=True),
    sa.Column("link_type_id", sa.SmallInteger, nullable=False),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("qty", sa.Numeric(12, 4), nullable=True),
    sa.UniqueConstraint(
        "link_type_id",
        "product_id",
        "linked_product_id",
        name="uq_catalog_product_link_type_product_linked",
    ),
)

BUNDLE_OPTION = "catalog_product_bundle_option"
bundle_option_table = sa.Table(
    BUNDLE_OPTION,
    metadata,
    sa.Column("option_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("parent_id", sa.Integer, _product_fk(BUNDLE_OPTION, "parent_id"), nullable=False, index=True),
    sa.Column("required", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("type", sa.String(32), nullable=False, server_default="select"),
)

BUNDLE_TITLE = "catalog_product_bundle_option_value"
bundle_title_table = sa.Table(
    BUNDLE_TITLE,
    metadata,
    sa.Column(
        "option_id",
        sa.Integer,
        foreign_key(BUNDLE_TITLE, "option_id", f"{BUNDLE_OPTION}.option_id"),
        primary_key=True,
    ),
    sa.Column(
        "store_id",
        sa.SmallInteger,
        foreign_key(BUNDLE_TITLE, "store_id", "store.store_id"),
        primary_key=True,
        index=True,
    ),
    sa.Column("title", sa.String(255), nullable=False),
)

BUNDLE_SELECTION = "catalog_product_bundle_selection"
bundle_selection_table = sa.Table(
    BUNDLE_SELECTION,
    metadata,
    sa.Column("selection_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "option_id",
        sa.Integer,
        foreign_key(BUNDLE_SELECTION, "option_id", f"{BUNDLE_OPTION}.option_id"),
        nullable=False,
    ),
    sa.Column(
        "parent_product_id", sa.Integer, _product_fk(BUNDLE_SELECTION, "parent_product_id"), nullable=False, index=True
    ),
    sa.Column("product_id", sa.Integer, _product_fk(BUNDLE_SELECTION, "product_id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("selection_price_type", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("selection_price_value", sa.Numeric(20, 6), nullable=False, server_default="0"),
    sa.Column("selection_qty", sa.Numeric(12, 4), nullable=False, server_default="1"),
    sa.Column("selection_can_change_qty", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint(
        "option_id", "product_id", name=constraint_name("uq", BUNDLE_SELECTION, "option_id", "product_id")
    ),
)

SA, SL, LK = super_attribute_table, super_link_table, link_table
BO, BT, BS = bundle_option_table, bundle_title_table, bundle_selection_table
P = product_table


@dataclass(frozen=True, slots=True)
class SuperAttributeRow:
    attribute_id: int
    position: int
    label: str | None


@dataclass(frozen=True, slots=True)
class LinkRow:
    link_type_id: int
    linked_product_id: int
    position: int
    qty: Decimal | None


@dataclass(frozen=True, slots=True)
class SelectionRow:
    product_id: int
    qty: Decimal
    can_change_qty: bool
    price_type: int
    price: Decimal
    is_default: bool
    position: int


@dataclass(frozen=True, slots=True)
class BundleOptionRow:
    option_id: int | None
    title: str
    type: str
    required: bool
    position: int
    selections: tuple[SelectionRow, ...]


def _delete_for(conn: Connection, table: sa.Table, column: str, ids: Sequence[int]) -> None:
    for part in chunked(sorted(set(ids))):
        conn.execute(table.delete().where(table.c[column].in_(part)))


# -- configurable ---------------------------------------------------------------------------------------------


def replace_super_attributes(conn: Connection, options: Mapping[int, Sequence[SuperAttributeRow]]) -> None:
    """Each parent's super attributes become exactly the given ones (ids of kept attributes survive)."""
    if not options:
        return
    wanted = {(parent, row.attribute_id) for parent, rows in options.items() for row in rows}
    gone = []
    for part in chunked(sorted(options)):
        for super_id, parent, attribute_id in conn.execute(
            sa.select(SA.c.product_super_attribute_id, SA.c.product_id, SA.c.attribute_id).where(
                SA.c.product_id.in_(part)
            )
        ):
            if (parent, attribute_id) not in wanted:
                gone.append(super_id)
    _delete_for(conn, SA, "product_super_attribute_id", gone)
    rows = [
        {"product_id": parent, "attribute_id": row.attribute_id, "position": row.position, "label": row.label}
        for parent, parent_rows in options.items()
        for row in parent_rows
    ]
    upsert(conn, SA, rows, key=["product_id", "attribute_id"])


def replace_children(conn: Connection, children: Mapping[int, Sequence[int]]) -> None:
    """Each configurable parent's children become exactly the given product ids."""
    _delete_for(conn, SL, "parent_id", list(children))
    rows = [{"parent_id": p, "product_id": c} for p, ids in children.items() for c in dict.fromkeys(ids)]
    if rows:
        upsert(conn, SL, rows, key=["parent_id", "product_id"], update=[])


def check_children(conn: Connection, parents: Sequence[int], int_values: sa.Table) -> None:
    """Every child of a configurable has a default value for each super attribute, and no two children share
    the same combination (Magento's rules), checked for ``parents`` after their writes."""
    if not parents:
        return
    supers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for parent, attribute_id, code in conn.execute(
        sa.select(SA.c.product_id, SA.c.attribute_id, attribute_table.c.attribute_code)
        .select_from(SA.join(attribute_table, attribute_table.c.attribute_id == SA.c.attribute_id))
        .where(SA.c.product_id.in_(list(parents)))
        .order_by(SA.c.position, SA.c.attribute_id)
    ):
        supers[parent].append((attribute_id, code))
    children: dict[int, list[int]] = defaultdict(list)
    for parent, child in conn.execute(
        sa.select(SL.c.parent_id, SL.c.product_id).where(SL.c.parent_id.in_(list(parents)))
    ):
        children[parent].append(child)
    child_ids = sorted({c for cs in children.values() for c in cs})
    attribute_ids = sorted({a for rows in supers.values() for a, _ in rows})
    values: dict[tuple[int, int], int] = {}
    if child_ids and attribute_ids:
        for part in chunked(child_ids):
            for entity_id, attribute_id, value in conn.execute(
                sa.select(int_values.c.entity_id, int_values.c.attribute_id, int_values.c.value).where(
                    int_values.c.entity_id.in_(part),
                    int_values.c.attribute_id.in_(attribute_ids),
                    int_values.c.store_id == 0,
                )
            ):
                values[(entity_id, attribute_id)] = value
    for parent in parents:
        seen: dict[tuple[int, ...], int] = {}
        for child in sorted(children.get(parent, [])):
            combination = []
            for attribute_id, code in supers.get(parent, []):
                value = values.get((child, attribute_id))
                if value is None:
                    raise InvalidValueError(
                        'Product with id "%1" does not contain required attribute "%2".', [str(child), code]
                    )
                combination.append(value)
            key = tuple(combination)
            if supers.get(parent) and key in seen:
                raise InvalidValueError(
                    'Products "%1" and "%2" have the same set of attribute values.', [str(seen[key]), str(child)]
                )
            seen[key] = child


def load_configurable(
    conn: Connection, parents: Sequence[int], int_values: sa.Table
) -> tuple[dict[int, list[ConfigurableOption]], dict[int, list[tuple[int, str]]]]:
    """parent → super attributes (with the option ids its children use), and parent → [(child id, sku)]."""
    options: dict[int, list[ConfigurableOption]] = defaultdict(list)
    children: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for part in chunked(list(parents)):
        for row in conn.execute(
            sa.select(SA, attribute_table.c.attribute_code, attribute_table.c.frontend_label)
            .select_from(SA.join(attribute_table, attribute_table.c.attribute_id == SA.c.attribute_id))
            .where(SA.c.product_id.in_(part))
            .order_by(SA.c.product_id, SA.c.position, SA.c.attribute_id)
        ):
            options[row.product_id].append(
                ConfigurableOption(
                    id=row.product_super_attribute_id,
                    attribute_id=row.attribute_id,
                    attribute_code=row.attribute_code,
                    label=row.label or row.frontend_label,
                    position=row.position,
                )
            )
        for parent, child, sku in conn.execute(
            sa.select(SL.c.parent_id, SL.c.product_id, P.c.sku)
            .select_from(SL.join(P, P.c.entity_id == SL.c.product_id))
            .where(SL.c.parent_id.in_(part))
            .order_by(SL.c.parent_id, SL.c.product_id)
        ):
            children[parent].append((child, sku))
    child_ids = sorted({c for cs in children.values() for c, _ in cs})
    attribute_ids = sorted({o.attribute_id for os in options.values() for o in os if o.attribute_id is not None})
    used: dict[tuple[int, int], int] = {}
    if child_ids and attribute_ids:
        for part in chunked(child_ids):
            for entity_id, attribute_id, value in conn.execute(
                sa.select(int_values.c.entity_id, int_values.c.attribute_id, int_values.c.value).where(
                    int_values.c.entity_id.in_(part),
                    int_values.c.attribute_id.in_(attribute_ids),
                    int_values.c.store_id == 0,
                )
            ):
                used[(entity_id, attribute_id)] = value
    for parent, parent_options in options.items():
        for option in parent_options:
            values = {used.get((child, option.attribute_id or 0)) for child, _ in children.get(parent, [])}
            option.values = sorted(v for v in values if v is not None)
    return options, children


# -- links ----------------------------------------------------------------------------------------------------


def replace_links(conn: Connection, links: Mapping[int, Sequence[LinkRow]]) -> None:
    """Each product's links (of every type) become exactly the given ones."""
    _delete_for(conn, LK, "product_id", list(links))
    rows = {
        (parent, row.link_type_id, row.linked_product_id): {
            "product_id": parent,
            "linked_product_id": row.linked_product_id,
            "link_type_id": row.link_type_id,
            "position": row.position,
            "qty": row.qty,
        }
        for parent, parent_links in links.items()
        for row in parent_links
    }
    if rows:
        upsert(conn, LK, list(rows.values()), key=["link_type_id", "product_id", "linked_product_id"])


def load_links(conn: Connection, parents: Sequence[int]) -> dict[int, list[ProductLink]]:
    found: dict[int, list[ProductLink]] = defaultdict(list)
    for part in chunked(list(parents)):
        for row in conn.execute(
            sa.select(LK, P.c.sku, P.c.type_id)
            .select_from(LK.join(P, P.c.entity_id == LK.c.linked_product_id))
            .where(LK.c.product_id.in_(part))
            .order_by(LK.c.product_id, LK.c.link_type_id, LK.c.position, LK.c.link_id)
        ):
            found[row.product_id].append(
                ProductLink(
                    link_type=LINK_TYPE_CODES.get(row.link_type_id, str(row.link_type_id)),
                    linked_product_sku=row.sku,
                    linked_product_type=row.type_id,
                    position=row.position,
                    qty=None if row.qty is None else float(row.qty),
                )
            )
    return found


# -- bundle ---------------------------------------------------------------------------------------------------


def replace_bundle_options(conn: Connection, bundles: Mapping[int, Sequence[BundleOptionRow]], store_id: int) -> None:
    """Each bundle's options become exactly the given ones: options given with one of the bundle's option ids
    are updated in place, others inserted; selections are rewritten. Titles are saved at store 0 for new
    options and at ``store_id`` always."""
    if not bundles:
        return
    owner: dict[int, int] = {}
    for part in chunked(sorted(bundles)):
        owner.update(conn.execute(sa.select(BO.c.option_id, BO.c.parent_id).where(BO.c.parent_id.in_(part))).all())
    kept: list[tuple[int, int, BundleOptionRow]] = []
    new: list[tuple[int, BundleOptionRow]] = []
    for parent, options in bundles.items():
        for option in options:
            if option.option_id is not None and owner.get(option.option_id) == parent:
                kept.append((parent, option.option_id, option))
            else:
                new.append((parent, option))
    _delete_for(conn, BO, "option_id", sorted(set(owner) - {option_id for _, option_id, _ in kept}))
    if kept:
        conn.execute(
            BO.update()
            .where(BO.c.option_id == sa.bindparam("b_id"))
            .values(
                required=sa.bindparam("b_required"), position=sa.bindparam("b_position"), type=sa.bindparam("b_type")
            ),
            [
                {"b_id": option_id, "b_required": o.required, "b_position": o.position, "b_type": o.type}
                for _, option_id, o in kept
            ],
        )
    created: list[int] = []
    if new:
        created = [
            int(i)
            for i in conn.execute(
                BO.insert().returning(BO.c.option_id, sort_by_parameter_order=True),
                [{"parent_id": p, "required": o.required, "position": o.position, "type": o.type} for p, o in new],
            ).scalars()
        ]
    everything = [(p, i, o) for p, i, o in kept] + [(p, i, o) for (p, o), i in zip(new, created, strict=True)]
    titles = {(option_id, store_id): o.title for _, option_id, o in everything}
    titles.update({(option_id, 0): o.title for (_, o), option_id in zip(new, created, strict=True)})
    upsert(
        conn,
        BT,
        [{"option_id": i, "store_id": s, "title": t} for (i, s), t in sorted(titles.items())],
        key=["option_id", "store_id"],
    )
    _delete_for(conn, BS, "parent_product_id", list(bundles))
    selections = {
        (option_id, s.product_id): {
            "option_id": option_id,
            "parent_product_id": parent,
            "product_id": s.product_id,
            "position": s.position,
            "is_default": s.is_default,
            "selection_price_type": s.price_type,
            "selection_price_value": s.price,
            "selection_qty": s.qty,
            "selection_can_change_qty": s.can_change_qty,
        }
        for parent, option_id, o in everything
        for s in o.selections
    }
    if selections:
        upsert(conn, BS, list(selections.values()), key=["option_id", "product_id"])


def load_bundles(conn: Connection, parents: Sequence[int], store_id: int) -> dict[int, list[BundleOption]]:
    found: dict[int, list[BundleOption]] = defaultdict(list)
    by_id: dict[int, BundleOption] = {}
    for part in chunked(list(parents)):
        for row in conn.execute(
            sa.select(BO).where(BO.c.parent_id.in_(part)).order_by(BO.c.parent_id, BO.c.position, BO.c.option_id)
        ):
            option = BundleOption(
                option_id=row.option_id, title="", type=row.type, required=bool(row.required), position=row.position
            )
            by_id[row.option_id] = option
            found[row.parent_id].append(option)
    option_ids = sorted(by_id)
    for part in chunked(option_ids):
        for option_id, _store, title in conn.execute(
            sa.select(BT.c.option_id, BT.c.store_id, BT.c.title)
            .where(BT.c.option_id.in_(part), BT.c.store_id.in_(sorted({0, store_id})))
            .order_by(BT.c.store_id)
        ):
            by_id[option_id].title = title
        for row in conn.execute(
            sa.select(BS, P.c.sku)
            .select_from(BS.join(P, P.c.entity_id == BS.c.product_id))
            .where(BS.c.option_id.in_(part))
            .order_by(BS.c.option_id, BS.c.position, BS.c.selection_id)
        ):
            by_id[row.option_id].product_links.append(
                BundleSelection(
                    id=row.selection_id,
                    option_id=row.option_id,
                    sku=row.sku,
                    qty=float(row.selection_qty),
                    can_change_quantity=bool(row.selection_can_change_qty),
                    price_type=row.selection_price_type,
                    price=float(row.selection_price_value),
                    is_default=bool(row.is_default),
                    position=row.position,
                )
            )
    return found

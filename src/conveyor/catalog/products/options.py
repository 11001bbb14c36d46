"""Custom options of a product (Magento's catalog_product_option and its values): text fields, files, dates and
selects whose values carry their own price and sku.

Titles and prices are kept for all store views (Magento's store 0 rows), in the option and value rows themselves.
An option saved with one of the product's option ids is updated in place (its values replaced), otherwise added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.eav.values import chunked, foreign_key
from conveyor.catalog.errors import InvalidValueError
from conveyor.catalog.events import PRODUCT_SAVED, EventSink
from conveyor.catalog.products.models import OPTION_TYPES, PRICE_TYPES, CustomOption, CustomOptionValue
from conveyor.db.metadata import metadata

OPTION = "catalog_product_option"
option_table = sa.Table(
    OPTION,
    metadata,
    sa.Column("option_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "product_id",
        sa.Integer,
        foreign_key(OPTION, "product_id", "catalog_product_entity.entity_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("type", sa.String(50), nullable=False),
    sa.Column("is_require", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("sku", sa.String(64), nullable=True),
    sa.Column("max_characters", sa.Integer, nullable=True),
    sa.Column("file_extension", sa.String(50), nullable=True),
    sa.Column("image_size_x", sa.SmallInteger, nullable=True),
    sa.Column("image_size_y", sa.SmallInteger, nullable=True),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("price", sa.Numeric(20, 6), nullable=True),
    sa.Column("price_type", sa.String(7), nullable=True),
)

VALUE = "catalog_product_option_type_value"
option_value_table = sa.Table(
    VALUE,
    metadata,
    sa.Column("option_type_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "option_id", sa.Integer, foreign_key(VALUE, "option_id", f"{OPTION}.option_id"), nullable=False, index=True
    ),
    sa.Column("sku", sa.String(64), nullable=True),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("price", sa.Numeric(20, 6), nullable=False, server_default="0"),
    sa.Column("price_type", sa.String(7), nullable=False, server_default="fixed"),
)

OT, V = option_table, option_value_table
MISSED_FIELDS = "Missed values for option required fields"
INVALID_TYPE = "Invalid option type"
INVALID_VALUE = "Invalid option value"


def check_option(option: CustomOption) -> None:
    """Magento's option validators: a title and a known type; prices of a known type; a select's values."""
    if not option.title or not option.type:
        raise InvalidValueError(MISSED_FIELDS)
    if option.type not in OPTION_TYPES:
        raise InvalidValueError(INVALID_TYPE)
    if option.is_select:
        if not option.values or any(not value.title for value in option.values):
            raise InvalidValueError(MISSED_FIELDS)
        prices = [(value.price_type, value.price) for value in option.values]
    else:
        prices = [(option.price_type or "fixed", option.price or 0)]
    for price_type, price in prices:
        if price_type not in PRICE_TYPES or not abs(Decimal(str(price))) < Decimal(10) ** 14:
            raise InvalidValueError(INVALID_VALUE)


def load_options(conn: Connection, entity_ids: Sequence[int]) -> dict[int, list[CustomOption]]:
    """entity_id → its custom options with their values, by sort order (two statements per chunk)."""
    found: dict[int, list[CustomOption]] = defaultdict(list)
    by_id: dict[int, CustomOption] = {}
    for part in chunked(list(entity_ids)):
        for row in conn.execute(
            sa.select(OT).where(OT.c.product_id.in_(part)).order_by(OT.c.product_id, OT.c.sort_order, OT.c.option_id)
        ):
            option = CustomOption(
                option_id=row.option_id,
                title=row.title,
                type=row.type,
                is_require=bool(row.is_require),
                sort_order=row.sort_order,
                price=None if row.price is None else row.price,
                price_type=row.price_type,
                sku=row.sku,
                max_characters=row.max_characters,
                file_extension=row.file_extension,
                image_size_x=row.image_size_x,
                image_size_y=row.image_size_y,
            )
            by_id[row.option_id] = option
            found[row.product_id].append(option)
    for part in chunked(sorted(by_id)):
        for row in conn.execute(
            sa.select(V).where(V.c.option_id.in_(part)).order_by(V.c.option_id, V.c.sort_order, V.c.option_type_id)
        ):
            by_id[row.option_id].values.append(
                CustomOptionValue(
                    option_type_id=row.option_type_id,
                    title=row.title,
                    price=row.price,
                    price_type=row.price_type,
                    sku=row.sku,
                    sort_order=row.sort_order,
                )
            )
    return found


def save_option(conn: Connection, entity_id: int, sku: str, option: CustomOption, *, events: EventSink) -> int:
    """Add the option to the product, or update the product's option ``option.option_id``; its id.

    A change of options is a change of the product: ``catalog.product.saved`` as the repository emits it."""
    option_id = _save_option(conn, entity_id, option)
    _announce(events, entity_id, sku)
    return option_id


def _save_option(conn: Connection, entity_id: int, option: CustomOption) -> int:
    check_option(option)
    row = _option_row(option)
    owned = (
        option.option_id is not None
        and conn.execute(
            sa.select(OT.c.option_id).where(OT.c.option_id == option.option_id, OT.c.product_id == entity_id)
        ).first()
    )
    if owned:
        option_id = int(option.option_id or 0)
        conn.execute(OT.update().where(OT.c.option_id == option_id).values(**row))
        conn.execute(V.delete().where(V.c.option_id == option_id))
    else:
        option_id = int(
            conn.execute(OT.insert().values(product_id=entity_id, **row).returning(OT.c.option_id)).scalar_one()
        )
    values = [_value_row(option_id, value) for value in option.values] if option.is_select else []
    if values:
        conn.execute(V.insert(), values)
    return option_id


def replace_options(conn: Connection, options: Mapping[int, Sequence[CustomOption]]) -> None:
    """Each product's custom options become exactly the given ones (ids of kept options survive)."""
    for entity_id, wanted in options.items():
        for option in wanted:
            check_option(option)
        kept = [option.option_id for option in wanted if option.option_id is not None]
        conn.execute(
            OT.delete().where(OT.c.product_id == entity_id, OT.c.option_id.not_in(kept) if kept else sa.true())
        )
        for option in wanted:
            _save_option(conn, entity_id, option)


def delete_option(conn: Connection, entity_id: int, sku: str, option_id: int, *, events: EventSink) -> bool:
    """Remove the product's option with its values; whether it existed."""
    deleted = conn.execute(OT.delete().where(OT.c.option_id == option_id, OT.c.product_id == entity_id)).rowcount
    if deleted:
        _announce(events, entity_id, sku)
    return bool(deleted)


def _announce(events: EventSink, entity_id: int, sku: str) -> None:
    events.emit(PRODUCT_SAVED, {"sku": sku, "entity_id": entity_id, "store_id": 0, "new": False})


def _option_row(option: CustomOption) -> dict[str, Any]:
    select = option.is_select
    return {
        "type": option.type,
        "is_require": option.is_require,
        "sku": None if select else option.sku,
        "max_characters": option.max_characters,
        "file_extension": option.file_extension,
        "image_size_x": option.image_size_x,
        "image_size_y": option.image_size_y,
        "sort_order": option.sort_order,
        "title": option.title,
        "price": None if select else Decimal(str(option.price or 0)),
        "price_type": None if select else option.price_type or "fixed",
    }


def _value_row(option_id: int, value: CustomOptionValue) -> dict[str, Any]:
    return {
        "option_id": option_id,
        "sku": value.sku,
        "sort_order": value.sort_order,
        "title": value.title,
        "price": Decimal(str(value.price)),
        "price_type": value.price_type,
    }

"""Helpers shared by the product-side catalog tests: extra store views, select options, statement counting."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from conveyor.catalog.eav.attributes import (
    DEFAULT_PRODUCT_SET_ID,
    AttributeInput,
    AttributeOption,
    AttributeRepository,
    attribute_group_table,
)
from conveyor.catalog.stores.scopes import store_group_table, store_table, website_table


def add_website(conn: Connection, website_id: int, code: str) -> None:
    """A second website with its store group (no store view yet)."""
    conn.execute(
        website_table.insert().values(website_id=website_id, code=code, name=code.title(), default_group_id=website_id)
    )
    conn.execute(
        store_group_table.insert().values(
            group_id=website_id, website_id=website_id, code=f"{code}_group", name=f"{code} store", root_category_id=2
        )
    )


def add_store_view(conn: Connection, store_id: int, code: str, website_id: int = 1) -> None:
    """Another store view (Magento installs only 'default')."""
    group_id = conn.execute(
        sa.select(store_group_table.c.group_id).where(store_group_table.c.website_id == website_id)
    ).scalar_one()
    conn.execute(
        store_table.insert().values(store_id=store_id, code=code, website_id=website_id, group_id=group_id, name=code)
    )


def select_options(conn: Connection, code: str, labels: Sequence[str], scope: str = "global") -> dict[str, int]:
    """Give the (seeded or new) select attribute ``code`` these options; label → option id."""
    AttributeRepository().save(
        conn,
        AttributeInput(
            attribute_code=code,
            frontend_input="select",
            scope=scope,
            default_frontend_label=code.title(),
            options=[AttributeOption(label=label, sort_order=n) for n, label in enumerate(labels)],
        ),
    )
    return AttributeRepository().option_ids(conn, code, labels)


def in_default_set(conn: Connection, code: str) -> None:
    """Put a new attribute in the Default set: a product saves only its own set's attributes (as Magento)."""
    group = conn.execute(
        sa.select(sa.func.min(attribute_group_table.c.attribute_group_id)).where(
            attribute_group_table.c.attribute_set_id == DEFAULT_PRODUCT_SET_ID
        )
    ).scalar_one()
    AttributeRepository().assign(conn, DEFAULT_PRODUCT_SET_ID, int(group), code)


class StatementCounter:
    """Counts the statements an engine sends (``before_cursor_execute``: one per execute or executemany)."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, *args: Any) -> None:
        self.count += 1
        self.statements.append(str(args[2])[:60])


@contextmanager
def counting(engine: Engine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def table_count(conn: Connection, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())

"""One page of entity ids for a search: the repositories' ``search`` share it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement


def page_ids(
    conn: Connection,
    key: sa.Column[Any],
    where: ColumnElement[bool] | None,
    order_by: Sequence[ColumnElement[Any]],
    limit: int | None,
    offset: int | None,
) -> tuple[list[Any], int]:
    """The ids of one page (``key`` last in the order, so pages are stable) and how many rows match in all."""
    count = sa.select(sa.func.count()).select_from(key.table)
    page = sa.select(key).order_by(*order_by, key)
    if where is not None:
        count, page = count.where(where), page.where(where)
    total = int(conn.execute(count).scalar_one())
    if limit is not None:
        page = page.limit(limit)
    if offset:
        page = page.offset(offset)
    return list(conn.execute(page).scalars()), total

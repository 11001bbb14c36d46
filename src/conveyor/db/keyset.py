"""Keyset paging by any indexed column: ``ORDER BY column, id`` from the last row of the page before.

An offset reads and drops every row before the page (a million at the end of a million); a keyset goes straight
to the page through an index on (column, id), so the thousandth page costs what the first does. The cursor is the
last row's id and, when sorting by another column, its value in that column (``after``): rows with an equal value
go on by id, so none is skipped or shown twice. The column must be NOT NULL (NULLs compare as unknown).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def keyset(
    query: sa.Select[Any],
    id_column: sa.ColumnElement[Any],
    *,
    column: sa.ColumnElement[Any] | None = None,
    ascending: bool = False,
    cursor: int | None = None,
    after: Any = None,
) -> sa.Select[Any]:
    """``query`` ordered by ``column`` then ``id_column`` (only the id without a column), in one direction, from
    the row after (``after``, ``cursor``)."""
    keys = [id_column] if column is None else [column, id_column]
    query = query.order_by(*(k.asc() if ascending else k.desc() for k in keys))
    if cursor is None:
        return query
    beyond = id_column > cursor if ascending else id_column < cursor
    if column is not None and after is not None:
        past = column > after if ascending else column < after
        beyond = sa.or_(past, sa.and_(column == after, beyond))
    return query.where(beyond)

"""Keyset paging by any indexed column: ``ORDER BY column, id`` from the last row of the page before.

An offset reads and drops every row before the page (a million at the end of a million); a keyset goes straight
to the page through an index on (column, id), so the thousandth page costs what the first does. The cursor is the
last row's id and, when sorting by another column, its value in that column (``after``): rows with an equal value
go on by id, so none is skipped or shown twice. The column must be NOT NULL (NULLs compare as unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class KeysetPage:
    """Which page of a sortable list to read: the column to sort by (``sort``, a name among the list's sort
    columns; None: the key alone), the direction, and the last row of the page before (its id ``cursor`` and,
    sorting by a column, its value there, ``after``). One value, so that every list pages the same way."""

    sort: str | None = None
    ascending: bool = False
    cursor: int | None = None
    after: Any = None

    def column(self, sorts: Mapping[str, sa.ColumnElement[Any]]) -> sa.ColumnElement[Any] | None:
        """The column of ``sorts`` this page sorts by (None: the key alone, also for a name it does not know)."""
        return sorts.get(self.sort or "")

    def of(
        self, query: sa.Select[Any], id_column: sa.ColumnElement[Any], sorts: Mapping[str, sa.ColumnElement[Any]]
    ) -> sa.Select[Any]:
        """``query``'s rows of this page (``keyset`` by its column of ``sorts``, then ``id_column``)."""
        return keyset(
            query, id_column, column=self.column(sorts), ascending=self.ascending, cursor=self.cursor, after=self.after
        )


NEWEST_FIRST = KeysetPage()  # a list's first page by its key, newest first: the lists' default

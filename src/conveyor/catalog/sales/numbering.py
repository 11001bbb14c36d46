"""Line numbers of order items (0010, 0020, 0030…): assigned once, when the order is placed, and stored.

ERPs number order lines their own way and an export must carry the same number every time, so a number is never
recomputed: an item canceled later keeps its number and the others keep theirs. The rule (start, step, width,
prefix, whether children of configurable and bundle items get one) comes per website from the settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.stores.scopes import store_table, website_table
from conveyor.settings import LineNumberRule, SalesSection

__all__ = ["LineNumberRule", "line_numbers", "rules_by_store"]


def line_numbers(is_child: Sequence[bool], rule: LineNumberRule) -> list[str | None]:
    """One number per item in order-item order (None for a child when children are not numbered)."""
    numbers: list[str | None] = []
    value = rule.start
    for child in is_child:
        if child and not rule.number_children:
            numbers.append(None)
            continue
        numbers.append(f"{rule.prefix}{value:0{rule.width}d}")
        value += rule.step
    return numbers


def rules_by_store(conn: Connection, section: SalesSection, store_ids: Sequence[int]) -> Mapping[int, LineNumberRule]:
    """The rule of each store view's website."""
    s, w = store_table.c, website_table.c
    query = sa.select(s.store_id, w.code).join_from(store_table, website_table, s.website_id == w.website_id)
    codes = {row[0]: row[1] for row in conn.execute(query.where(s.store_id.in_(sorted(set(store_ids)))))}
    return {store_id: section.line_number_rule(codes.get(store_id)) for store_id in store_ids}

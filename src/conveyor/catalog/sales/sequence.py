"""Increment ids for orders and shipments: one counter per entity type and store view, as Magento's sequences.

Numbers look like Magento's: nine zero-padded digits, prefixed with the store id for store views other
than the admin and default ones ("000000042" in store 1, "2000000042" in store 2), so they stay unique
across stores. A batch reserves all its numbers with one UPDATE per store; the row lock it takes
serialises concurrent writers until their transaction ends, so no number is handed out twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conveyor.catalog.sales.tables import sequence_table
from conveyor.db.upsert import upsert


def format_increment_id(store_id: int, number: int) -> str:
    """Magento's default pattern: store prefix (none for stores 0 and 1) and nine digits."""
    prefix = "" if store_id in (0, 1) else str(store_id)
    return f"{prefix}{number:09d}"


def reserve(conn: Connection, entity_type: str, counts: Mapping[int, int]) -> dict[int, list[int]]:
    """Reserve ``counts[store_id]`` consecutive numbers per store view; returns them per store."""
    wanted = {store_id: n for store_id, n in counts.items() if n > 0}
    if not wanted:
        return {}
    s = sequence_table
    rows = [{"entity_type": entity_type, "store_id": store_id, "last_value": 0} for store_id in sorted(wanted)]
    upsert(conn, s, rows, key=["entity_type", "store_id"], update=[])
    for store_id, n in sorted(wanted.items()):  # one fixed order: two batches never lock each other's rows crosswise
        conn.execute(
            s.update()
            .where(s.c.entity_type == entity_type, s.c.store_id == store_id)
            .values(last_value=s.c.last_value + n)
        )
    query = sa.select(s.c.store_id, s.c.last_value).where(
        s.c.entity_type == entity_type, s.c.store_id.in_(list(wanted))
    )
    last = dict(conn.execute(query).all())
    return {store_id: list(range(last[store_id] - n + 1, last[store_id] + 1)) for store_id, n in wanted.items()}


def new_increment_ids(
    conn: Connection, entity_type: str, table: sa.Table, stores: Iterable[int], taken: Iterable[str] = ()
) -> list[str]:
    """One fresh increment id per entry of ``stores``, skipping ids already in ``table`` or in ``taken``.

    Ids a client chose (an import keeps the source's numbers) may collide with the counter; those numbers
    are skipped, at the cost of one more reservation round.
    """
    order = list(stores)
    result: list[str | None] = [None] * len(order)
    avoid = set(taken)
    pending = list(range(len(order)))
    while pending:
        reserved = reserve(conn, entity_type, Counter(order[i] for i in pending))
        numbers = {store_id: iter(values) for store_id, values in reserved.items()}
        candidates = {i: format_increment_id(order[i], next(numbers[order[i]])) for i in pending}
        query = sa.select(table.c.increment_id).where(table.c.increment_id.in_(list(candidates.values())))
        clashes = avoid | set(conn.execute(query).scalars())
        pending = [i for i, value in candidates.items() if value in clashes]
        for i, value in candidates.items():
            if value not in clashes:
                result[i] = value
    return [value for value in result if value is not None]

"""What ``conveyor db check`` reports on a store, for tests that end with it: each reference with orphan rows."""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.db.integrity import find_orphans
from conveyor.schema import metadata


def orphans(engine: sa.Engine) -> list[tuple[str, int]]:
    """(reference, orphan rows) for every reference that has any: an empty list is a whole store."""
    with engine.connect() as conn:
        return [(o.reference.name, o.count) for o in find_orphans(conn, metadata)]

"""Database access: one engine per URL, the shared metadata, and Alembic migrations."""

from conveyor.db.counting import COUNT_CAP, BoundedCounts, Compiled, bounded_counts
from conveyor.db.engine import get_engine, make_engine, now
from conveyor.db.keyset import NEWEST_FIRST, KeysetPage, keyset
from conveyor.db.metadata import metadata
from conveyor.db.migrate import ensure_migrated, upgrade

__all__ = [
    "COUNT_CAP",
    "NEWEST_FIRST",
    "BoundedCounts",
    "Compiled",
    "KeysetPage",
    "bounded_counts",
    "ensure_migrated",
    "get_engine",
    "keyset",
    "make_engine",
    "metadata",
    "now",
    "upgrade",
]

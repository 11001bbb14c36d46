"""Installation data every store has (scopes, customer groups, default attributes, root categories).

Idempotent: the migrations run it, and tests run it again after truncating the tables.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from conveyor.catalog.stores import ensure_default_scopes


def ensure_catalog_defaults(conn: Connection) -> None:
    """Insert whatever installation rows are missing."""
    ensure_default_scopes(conn)

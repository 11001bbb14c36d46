"""Rate-limiter tables (the database backend of ``conveyor.sync.limiter``), on the shared metadata.

``rate_limit_state`` holds one row per source: its lock (every acquire of a source takes this row), the running
total of units granted and the penalty set after a 429. ``rate_limit_log`` holds one row per grant, keyed by the
running total *after* it (``seq``), so "when was the n-th unit granted" is one primary-key seek whatever the
window's length; rows older than the longest window's limit are deleted as grants go by.

Imported by ``conveyor.sync.schema``, sync's schema module, so that ``conveyor.schema`` sees these tables without
importing the limiter.
"""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.db.metadata import Epoch, metadata

rate_limit_state_table = sa.Table(
    "rate_limit_state",
    metadata,
    sa.Column("source", sa.String(191), primary_key=True),
    sa.Column("total", sa.BigInteger, nullable=False),  # units granted since the row was created
    sa.Column("last_at", Epoch, nullable=False),  # time of the newest grant: grants are stored in time order
    sa.Column("blocked_until", Epoch, nullable=False),  # nobody is granted anything before this (a 429's penalty)
)

rate_limit_log_table = sa.Table(
    "rate_limit_log",
    metadata,
    sa.Column("source", sa.String(191), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),  # ``total`` after this grant
    sa.Column("at", Epoch, nullable=False),
)

"""Bus tables: the sync log (on the shared metadata; the whole schema is assembled by ``conveyor.schema``).

The sync log keeps one row per handled command (each attempt of a queued one): what ran, on which entity, how it
ended and how long it took, with the correlation id that ties it to its log lines and to the command that queued it.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from conveyor.db.metadata import BigId, Epoch, LongText, metadata


class Outcome(StrEnum):
    """How a handled command ended, as stored in ``bus_sync_log.outcome``."""

    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"  # the handler found nothing to do (``Skipped``): nothing written


sync_log_table = sa.Table(
    "bus_sync_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("command", sa.String(191), nullable=False),
    sa.Column("entity_type", sa.String(64), nullable=True),
    sa.Column("entity_id", sa.String(191), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("duration", sa.Double, nullable=False),  # seconds
    sa.Column("error", LongText, nullable=True),
    sa.Column("correlation_id", sa.String(64), nullable=False),
    sa.Column("created_at", Epoch, nullable=False),
    sa.Index(None, "entity_id", "id"),
    sa.Index(None, "outcome", "id"),
    sa.Index(None, "command", "id"),  # the admin UI's sync log sorted by command
    sa.Index(None, "correlation_id"),
)

"""Sync tables: EDS change sets here, and the rate limiter's in ``limiter_schema`` (imported below).

``eds_change_set`` holds one row per change set a source posted, keyed by the source's own id so that a replayed
post is recognised; ``eds_change_set_item`` one row per entity id, whose status the sync command of that id sets
in its own transaction. The counters on the change set let the last command tell, in one row update, that the
set is complete (the row lock orders concurrent workers).
"""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.db.metadata import Epoch, LongText, metadata
from conveyor.sync import limiter_schema  # noqa: F401  (the rate limiter's tables are sync's too)

# change set statuses
OPEN = "open"  # commands queued, not all handled yet
PROCESSED = "processed"  # every command handled; the acknowledgement is queued
ACKNOWLEDGED = "acknowledged"  # the source was told
FAILED = "failed"  # a command failed for good; not acknowledged
# item statuses
PENDING, DONE, ITEM_FAILED = "pending", "done", "failed"

change_set_table = sa.Table(
    "eds_change_set",
    metadata,
    sa.Column("change_set_id", sa.String(191), primary_key=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("entity_type", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("item_count", sa.Integer, nullable=False),
    sa.Column("done_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failed_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", Epoch, nullable=True),  # when the source says it changed the entities
    sa.Column("received_at", Epoch, nullable=False),
    sa.Column("processed_at", Epoch, nullable=True),
    sa.Column("acknowledged_at", Epoch, nullable=True),
    sa.Column("ack_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", LongText, nullable=True),
    sa.Index("ix_eds_change_set_status_received_at", "status", "received_at"),
)

change_set_item_table = sa.Table(
    "eds_change_set_item",
    metadata,
    sa.Column("change_set_id", sa.String(191), primary_key=True),
    sa.Column("entity_id", sa.String(191), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", LongText, nullable=True),
)

"""Import history: one row per import run with its report (imported by conveyor.importer.schema).

A run is keyed by ``run_key`` (the working directory's token for a watched bunch, the message id for a queued
import) so that a run resumed after a crash, or a message delivered again, updates its own row (``attempts``
counts the tries) instead of leaving a stale ``running`` row beside a new one. The counts are copied out of the
report so that listing and filtering never parse the JSON.
"""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.db.metadata import BigId, Epoch, LongText, metadata

import_history_table = sa.Table(
    "import_history",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("run_key", sa.String(191), nullable=False, unique=True),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("operation", sa.String(32), nullable=False),
    sa.Column("profile", sa.String(255), nullable=True),
    sa.Column("origin", sa.String(16), nullable=False),  # watch | queue | cli | pipeline
    sa.Column("source", sa.String(1024), nullable=True),  # the watched directory, when there is one
    sa.Column("files", LongText, nullable=False),  # JSON list of file names
    sa.Column("status", sa.String(16), nullable=False),  # running | success | failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("started_at", Epoch, nullable=False),
    sa.Column("finished_at", Epoch, nullable=True),
    sa.Column("row_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("deleted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("invalid", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", LongText, nullable=True),  # why the run failed; while running, which process runs it
    sa.Column("location", sa.String(1024), nullable=True),  # the archive zip or the failed directory
    sa.Column("report", LongText, nullable=True),  # ImportReport.to_dict() as JSON
    # newest first, optionally by status: both lists read one index
    sa.Index(None, "status", "id"),
    sa.Index(None, "entity", "id"),  # the admin UI's history sorted by entity
)

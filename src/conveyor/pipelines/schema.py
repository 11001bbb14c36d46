"""Pipeline tables (assembled with the others by conveyor.schema): pipelines, steps, dependencies, pulses, flags.

A pipeline's steps are a snapshot of its definition when it spawned (executor, arguments, dependencies), so a runner
needs no definition files and a changed definition never alters a pipeline under way. Dependencies are rows, not
JSON, so that the heartbeat finds the ready steps of every pipeline in one statement.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from conveyor.db.metadata import BigId, Epoch, LongText, metadata


class PipelineStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    ERROR = "error"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class StepStatus(StrEnum):
    PENDING = "pending"
    ENQUEUED = "enqueued"
    RUNNING = "running"
    SUCCESS = "success"
    SKIPPED = "skipped"  # the executor found nothing to do
    ERROR = "error"  # final once its attempts are used up
    ABANDONED = "abandoned"  # a dependency failed, or the pipeline was cancelled or expired


ACTIVE_PIPELINE = (PipelineStatus.PENDING, PipelineStatus.RUNNING)
DONE_STEP = (StepStatus.SUCCESS, StepStatus.SKIPPED)

pipeline_table = sa.Table(
    "pipeline",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(191), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("key", sa.String(191), nullable=True),  # dynamic pipelines: unique per name (e.g. an order number)
    sa.Column("arguments", LongText, nullable=False),  # JSON
    sa.Column("working_dir", sa.String(1024), nullable=True),
    sa.Column("expire_in", sa.Double, nullable=True),  # seconds; expires_at moves on each step start
    sa.Column("pulse_id", sa.BigInteger, nullable=True),  # the heartbeat round that spawned it
    sa.Column("created_at", Epoch, nullable=False),
    sa.Column("started_at", Epoch, nullable=True),
    sa.Column("finished_at", Epoch, nullable=True),
    sa.Column("expires_at", Epoch, nullable=True),
    sa.Index(None, "status", "expires_at"),
    sa.Index(None, "name", "status"),
    sa.Index(None, "name", "key", unique=True),
    sa.Index(None, "created_at"),
    sa.Index(None, "name", "id"),  # the admin UI's grid sorted by name
    sa.Index(None, "status", "id"),  # … and by status
)

step_table = sa.Table(
    "pipeline_step",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("pipeline_id", BigId, sa.ForeignKey("pipeline.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(191), nullable=False),
    sa.Column("stage", sa.String(191), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),  # definition order, for display
    sa.Column("executor", sa.String(191), nullable=False),
    sa.Column("arguments", LongText, nullable=False),  # JSON, the step's own (the pipeline's are merged at run)
    sa.Column("conditions", LongText, nullable=True),  # JSON list of registered conditions; NULL: none
    sa.Column("run_always", sa.Boolean, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("expire_in", sa.Double, nullable=True),  # seconds a running attempt may take
    sa.Column("message_id", sa.String(64), nullable=True),  # of the message whose runner claimed it
    sa.Column("enqueued_at", Epoch, nullable=True),
    sa.Column("started_at", Epoch, nullable=True),
    sa.Column("finished_at", Epoch, nullable=True),
    sa.Column("output", LongText, nullable=True),
    sa.Column("log", LongText, nullable=True),
    sa.Column("error", LongText, nullable=True),
    sa.Index(None, "pipeline_id", "name", unique=True),
    sa.Index(None, "status", "pipeline_id"),
)

dependency_table = sa.Table(
    "pipeline_step_dependency",
    metadata,
    sa.Column("step_id", BigId, sa.ForeignKey("pipeline_step.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("depends_on_id", BigId, sa.ForeignKey("pipeline_step.id", ondelete="CASCADE"), primary_key=True),
    sa.Index(None, "depends_on_id"),
)

pulse_table = sa.Table(
    "pipeline_pulse",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("owner", sa.String(191), nullable=False),
    sa.Column("started_at", Epoch, nullable=False),
    sa.Column("finished_at", Epoch, nullable=True),
    sa.Column("spawned", sa.Integer, nullable=False),
    sa.Column("enqueued", sa.Integer, nullable=False),
    sa.Column("expired", sa.Integer, nullable=False),
    sa.Index(None, "started_at"),
)

flag_table = sa.Table(
    "pipeline_flag",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(191), nullable=False),
    sa.Column("updated_at", Epoch, nullable=False),
)

"""pipelines

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 21:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql")


def upgrade() -> None:
    op.create_table(
        "pipeline",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=191), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=191), nullable=True),
        sa.Column("arguments", LongText, nullable=False),
        sa.Column("working_dir", sa.String(length=1024), nullable=True),
        sa.Column("expire_in", sa.Double(), nullable=True),
        sa.Column("pulse_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=True),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.Column("expires_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline")),
    )
    op.create_index(op.f("ix_pipeline_created_at"), "pipeline", ["created_at"], unique=False)
    op.create_index(op.f("ix_pipeline_name_key"), "pipeline", ["name", "key"], unique=True)
    op.create_index(op.f("ix_pipeline_name_status"), "pipeline", ["name", "status"], unique=False)
    op.create_index(op.f("ix_pipeline_status_expires_at"), "pipeline", ["status", "expires_at"], unique=False)
    op.create_table(
        "pipeline_flag",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=191), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pipeline_flag")),
    )
    op.create_table(
        "pipeline_pulse",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=191), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=False),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.Column("spawned", sa.Integer(), nullable=False),
        sa.Column("enqueued", sa.Integer(), nullable=False),
        sa.Column("expired", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_pulse")),
    )
    op.create_index(op.f("ix_pipeline_pulse_started_at"), "pipeline_pulse", ["started_at"], unique=False)
    op.create_table(
        "pipeline_step",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("pipeline_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=191), nullable=False),
        sa.Column("stage", sa.String(length=191), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("executor", sa.String(length=191), nullable=False),
        sa.Column("arguments", LongText, nullable=False),
        sa.Column("conditions", LongText, nullable=True),
        sa.Column("run_always", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("expire_in", sa.Double(), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("enqueued_at", sa.Double(), nullable=True),
        sa.Column("started_at", sa.Double(), nullable=True),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.Column("output", LongText, nullable=True),
        sa.Column("log", LongText, nullable=True),
        sa.Column("error", LongText, nullable=True),
        sa.ForeignKeyConstraint(
            ["pipeline_id"], ["pipeline.id"], name=op.f("fk_pipeline_step_pipeline_id_pipeline"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_step")),
    )
    op.create_index(op.f("ix_pipeline_step_pipeline_id_name"), "pipeline_step", ["pipeline_id", "name"], unique=True)
    op.create_index(
        op.f("ix_pipeline_step_status_pipeline_id"), "pipeline_step", ["status", "pipeline_id"], unique=False
    )
    op.create_table(
        "pipeline_step_dependency",
        sa.Column("step_id", BigId, nullable=False),
        sa.Column("depends_on_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["depends_on_id"],
            ["pipeline_step.id"],
            name=op.f("fk_pipeline_step_dependency_depends_on_id_pipeline_step"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["pipeline_step.id"],
            name=op.f("fk_pipeline_step_dependency_step_id_pipeline_step"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("step_id", "depends_on_id", name=op.f("pk_pipeline_step_dependency")),
    )
    op.create_index(
        op.f("ix_pipeline_step_dependency_depends_on_id"), "pipeline_step_dependency", ["depends_on_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pipeline_step_dependency_depends_on_id"), table_name="pipeline_step_dependency")
    op.drop_table("pipeline_step_dependency")
    op.drop_index(op.f("ix_pipeline_step_status_pipeline_id"), table_name="pipeline_step")
    op.drop_index(op.f("ix_pipeline_step_pipeline_id_name"), table_name="pipeline_step")
    op.drop_table("pipeline_step")
    op.drop_index(op.f("ix_pipeline_pulse_started_at"), table_name="pipeline_pulse")
    op.drop_table("pipeline_pulse")
    op.drop_table("pipeline_flag")
    op.drop_index(op.f("ix_pipeline_status_expires_at"), table_name="pipeline")
    op.drop_index(op.f("ix_pipeline_name_status"), table_name="pipeline")
    op.drop_index(op.f("ix_pipeline_name_key"), table_name="pipeline")
    op.drop_index(op.f("ix_pipeline_created_at"), table_name="pipeline")
    op.drop_table("pipeline")

"""api tokens and bulk operations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 18:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql")


def upgrade() -> None:
    op.create_table(
        "admin_user",
        sa.Column("user_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_admin_user")),
        sa.UniqueConstraint("username", name=op.f("uq_admin_user_username")),
    )
    op.create_table(
        "api_token",
        sa.Column("token_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=191), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["admin_user.user_id"], name=op.f("fk_api_token_user_id_admin_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_kind_name"), "api_token", ["kind", "name"], unique=False)
    op.create_table(
        "magento_bulk",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=39), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_type", sa.SmallInteger(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("operation_count", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Double(), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("acknowledged_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magento_bulk")),
        sa.UniqueConstraint("uuid", name=op.f("uq_magento_bulk_uuid")),
    )
    op.create_index(
        op.f("ix_magento_bulk_acknowledged_acknowledged_at"),
        "magento_bulk",
        ["acknowledged", "acknowledged_at"],
        unique=False,
    )
    op.create_index(op.f("ix_magento_bulk_user_type_user_id"), "magento_bulk", ["user_type", "user_id"], unique=False)
    op.create_table(
        "magento_operation",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("bulk_uuid", sa.String(length=39), nullable=False),
        sa.Column("operation_key", sa.Integer(), nullable=False),
        sa.Column("topic_name", sa.String(length=191), nullable=False),
        sa.Column("serialized_data", LongText, nullable=False),
        sa.Column("result_serialized_data", LongText, nullable=True),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("result_message", LongText, nullable=True),
        sa.Column("started_at", sa.Double(), nullable=True),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulk_uuid"],
            ["magento_bulk.uuid"],
            name=op.f("fk_magento_operation_bulk_uuid_magento_bulk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magento_operation")),
        sa.UniqueConstraint("bulk_uuid", "operation_key", name=op.f("uq_magento_operation_bulk_uuid_operation_key")),
    )
    op.create_index(
        op.f("ix_magento_operation_bulk_uuid_status"), "magento_operation", ["bulk_uuid", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_magento_operation_bulk_uuid_status"), table_name="magento_operation")
    op.drop_table("magento_operation")
    op.drop_index(op.f("ix_magento_bulk_user_type_user_id"), table_name="magento_bulk")
    op.drop_index(op.f("ix_magento_bulk_acknowledged_acknowledged_at"), table_name="magento_bulk")
    op.drop_table("magento_bulk")
    op.drop_index(op.f("ix_api_token_kind_name"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_table("admin_user")

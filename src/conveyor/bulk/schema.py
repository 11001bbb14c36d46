"""Bulk tables: Magento's ``magento_bulk`` and ``magento_operation`` (assembled with the others by conveyor.schema).

Every operation of a bulk gets its row when the bulk is scheduled (status 4, open; 5 when the item was
rejected), so a bulk's progress is a count by status over one index; the acknowledgement lives on the bulk
row itself instead of Magento's separate ``magento_acknowledged_bulk`` table.
"""

from __future__ import annotations

from enum import IntEnum

import sqlalchemy as sa

from conveyor.db.metadata import BigId, Epoch, LongText, metadata


class OperationStatus(IntEnum):
    """Magento's ``OperationInterface::STATUS_TYPE_*``."""

    COMPLETE = 1
    RETRIABLY_FAILED = 2
    NOT_RETRIABLY_FAILED = 3
    OPEN = 4
    REJECTED = 5


class BulkStatus(IntEnum):
    """Magento's ``BulkSummaryInterface`` statuses."""

    NOT_STARTED = 0
    IN_PROGRESS = 1
    FINISHED_SUCCESSFULLY = 2
    FINISHED_WITH_FAILURE = 3


bulk_table = sa.Table(
    "magento_bulk",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("uuid", sa.String(39), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.Column("user_type", sa.SmallInteger, nullable=False),
    sa.Column("description", sa.String(255), nullable=False),
    sa.Column("operation_count", sa.Integer, nullable=False),
    sa.Column("start_time", Epoch, nullable=False),
    sa.Column("acknowledged", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("acknowledged_at", Epoch, nullable=True),
    # the request's correlation id (conveyor.logs), which its operations' messages carry too: the admin UI's filter
    sa.Column("correlation_id", sa.String(64), nullable=True),
    sa.Index(None, "user_type", "user_id"),
    sa.Index(None, "correlation_id"),
    sa.Index(None, "description", "id"),  # the Bulk Action Log sorted by description
    sa.Index(None, "acknowledged", "acknowledged_at"),
)

operation_table = sa.Table(
    "magento_operation",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("bulk_uuid", sa.String(39), sa.ForeignKey("magento_bulk.uuid", ondelete="CASCADE"), nullable=False),
    sa.Column("operation_key", sa.Integer, nullable=False),  # the item's index in the request
    sa.Column("topic_name", sa.String(191), nullable=False),
    sa.Column("serialized_data", LongText, nullable=False),
    sa.Column("result_serialized_data", LongText, nullable=True),
    sa.Column("status", sa.SmallInteger, nullable=False),
    sa.Column("error_code", sa.Integer, nullable=True),
    sa.Column("result_message", LongText, nullable=True),
    sa.Column("started_at", Epoch, nullable=True),
    sa.Column("finished_at", Epoch, nullable=True),
    sa.UniqueConstraint("bulk_uuid", "operation_key"),
    # counts by status per bulk read the index alone
    sa.Index(None, "bulk_uuid", "status"),
    # by status first: /metrics counts operations by status (bounded) and the dashboard finds the open bulks
    sa.Index(None, "status", "bulk_uuid"),
)

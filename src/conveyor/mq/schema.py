"""DB queue tables, Magento's MysqlMq model: one message row, one status row per bound queue.

Beyond Magento's columns, a status row records its reservation (who, since when), when it may be
delivered again (retry delay) and its last error, so refresh and dead letters need no other table.
"""

from __future__ import annotations

from enum import IntEnum

import sqlalchemy as sa

from conveyor.db.metadata import BigId, Body, Epoch, LongText, metadata


class Status(IntEnum):
    """Magento's queue message statuses (``Magento\\MysqlMq\\Model\\QueueManagement``)."""

    NEW = 2
    IN_PROGRESS = 3
    COMPLETE = 4
    RETRY_REQUIRED = 5
    ERROR = 6  # the DB transport's dead letters
    TO_BE_DELETED = 7


queue_table = sa.Table(
    "queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(191), nullable=False, unique=True),
)


def _message_columns() -> list[sa.Column[object]]:
    """A stored message, as the queue and the outbox both hold it."""
    return [
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("topic_name", sa.String(191), nullable=False),
        sa.Column("body", Body, nullable=False),
        sa.Column("properties", LongText, nullable=True),
        sa.Column("created_at", Epoch, nullable=False),
    ]


message_table = sa.Table("queue_message", metadata, *_message_columns())

_WAITING = sa.text("available_at IS NOT NULL")
SERVER_DIALECTS = ("postgresql", "mysql", "mariadb")

status_table = sa.Table(
    "queue_message_status",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    # No foreign keys: every status row is made by INSERT … SELECT from the message rows of its own transaction,
    # for a queue the transport has ensured, so both references hold by construction; clean-up deletes status rows
    # first and then only messages no status row names. The keys re-checked that per row and key, a third of
    # PostgreSQL's publish time (migration 0011). Declared instead (``conveyor db check`` checks them).
    sa.Column("queue_id", sa.Integer, nullable=False, info={"references": "queue.id"}),
    sa.Column("message_id", sa.BigInteger, nullable=False, info={"references": "queue_message.id"}),
    sa.Column("status", sa.SmallInteger, nullable=False),
    sa.Column("number_of_trials", sa.Integer, nullable=False, default=0),
    sa.Column("updated_at", Epoch, nullable=False),
    # When the row may be delivered (next); NULL exactly while it is not waiting: in progress, complete or dead.
    sa.Column("available_at", Epoch, nullable=True),
    sa.Column("reserved_by", sa.String(191), nullable=True),
    sa.Column("error", LongText, nullable=True),
    sa.UniqueConstraint("message_id", "queue_id"),
    # Claims find waiting rows by due time through this index: an ack (status, updated_at, reserved_by) changes
    # none of its columns nor its predicate. Partial on SQLite and PostgreSQL (waiting rows only, a claim removes
    # its rows from it); MariaDB has no partial indexes, and its NULLs sort before every time.
    sa.Index(
        "ix_queue_message_status_waiting",
        "queue_id",
        "available_at",
        "id",
        sqlite_where=_WAITING,
        postgresql_where=_WAITING,
    ),
    # What the admin UI and /metrics count by (a bounded index-only scan per queue and status, mq.count_messages),
    # and what the throughput chart, refresh (in progress since …) and clean-up (complete before …) range over.
    # It costs the ack its HOT update on PostgreSQL (an ack changes the status): the price of counting a
    # million-row queue table in milliseconds instead of a full scan (bench/README.md, admin section).
    # Not on SQLite (migration 0030): there each ack is a commit of its own, and an index entry the ack moves is a
    # second page in every commit's WAL, a third of the queue's throughput; SQLite counts with one scan instead.
    # (ddl_if takes a tuple of dialects, as documented; its annotation says str)
    sa.Index("ix_queue_message_status_state", "queue_id", "status", "updated_at").ddl_if(dialect=SERVER_DIALECTS),  # type: ignore[arg-type]
)

outbox_table = sa.Table("queue_outbox", metadata, *_message_columns())

worker_table = sa.Table(
    "queue_worker",
    metadata,
    sa.Column("id", sa.String(191), primary_key=True),
    sa.Column("consumer", sa.String(191), nullable=True),
    sa.Column("queues", sa.Text, nullable=False),
    sa.Column("hostname", sa.String(191), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started_at", Epoch, nullable=False),
    sa.Column("seen_at", Epoch, nullable=False),
)

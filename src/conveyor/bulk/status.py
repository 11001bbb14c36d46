"""Reading and managing bulks: status (Magento's formula), details, counts, retry, acknowledge, cleanup.

Visibility: an admin sees every bulk; an integration sees the bulks it scheduled. A bulk the viewer cannot see
is reported as missing (Magento's "Bulk uuid %1 not exist"), so uuids do not leak. ``viewer=None`` (the CLI)
sees everything.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from conveyor.bulk.scheduler import BulkUser, operation_message
from conveyor.bulk.schema import BulkStatus, OperationStatus, bulk_table, operation_table
from conveyor.catalog import NotFoundError
from conveyor.db import COUNT_CAP, NEWEST_FIRST, BoundedCounts, KeysetPage
from conveyor.db.engine import now
from conveyor.mq.envelope import Envelope
from conveyor.mq.queue import Transaction

B, OP = bulk_table, operation_table
FAILED = (OperationStatus.RETRIABLY_FAILED, OperationStatus.NOT_RETRIABLY_FAILED, OperationStatus.REJECTED)
RETRIABLE = (OperationStatus.RETRIABLY_FAILED, OperationStatus.NOT_RETRIABLY_FAILED)


def magento_time(epoch: float | None) -> str | None:
    """Epoch seconds as Magento's API text, ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def bulk_status(counts: Mapping[int, int], total: int) -> BulkStatus:
    """Magento's ``BulkStatus::getBulkStatus`` over the counts of operations by status."""
    open_count = counts.get(OperationStatus.OPEN, 0)
    if total and counts.get(OperationStatus.COMPLETE, 0) == total:
        return BulkStatus.FINISHED_SUCCESSFULLY
    if open_count == total and total:
        return BulkStatus.NOT_STARTED
    if open_count:
        return BulkStatus.IN_PROGRESS
    return BulkStatus.FINISHED_WITH_FAILURE if total else BulkStatus.FINISHED_SUCCESSFULLY


def _visible(viewer: BulkUser | None) -> ColumnElement[bool]:
    if viewer is None or viewer.is_admin:
        return sa.true()
    user = B.c.user_id.is_(None) if viewer.user_id is None else B.c.user_id == viewer.user_id
    return sa.and_(B.c.user_type == viewer.user_type, user)


def get_bulk(conn: Connection, bulk_uuid: str, viewer: BulkUser | None) -> Row[Any]:
    row = conn.execute(sa.select(B).where(B.c.uuid == bulk_uuid, _visible(viewer))).first()
    if row is None:
        raise NotFoundError("Bulk uuid %1 not exist", [bulk_uuid])
    return row


def status_counts(conn: Connection, uuids: Sequence[str]) -> dict[str, dict[int, int]]:
    """Operations by status for each bulk (one grouped query over the (bulk_uuid, status) index)."""
    counts: dict[str, dict[int, int]] = {u: {} for u in uuids}
    if uuids:
        query = (
            sa.select(OP.c.bulk_uuid, OP.c.status, sa.func.count())
            .where(OP.c.bulk_uuid.in_(list(uuids)))
            .group_by(OP.c.bulk_uuid, OP.c.status)
        )
        for bulk_uuid, status, count in conn.execute(query):
            counts[bulk_uuid][int(status)] = int(count)
    return counts


def _summary(row: Row[Any], counts: Mapping[int, int]) -> dict[str, Any]:
    return {
        "bulk_id": row.uuid,
        "description": row.description,
        "start_time": magento_time(row.start_time),
        "user_id": row.user_id,
        "user_type": row.user_type,
        "operation_count": row.operation_count,
        "status": int(bulk_status(counts, row.operation_count)),
        "acknowledged": bool(row.acknowledged),
    }


def summary(conn: Connection, bulk_uuid: str, viewer: BulkUser | None, *, detailed: bool = False) -> dict[str, Any]:
    """Magento's bulk status: the bulk and its ``operations_list`` (with results when ``detailed``)."""
    row = get_bulk(conn, bulk_uuid, viewer)
    columns = [OP.c.operation_key, OP.c.status, OP.c.result_message, OP.c.error_code]
    if detailed:
        columns += [OP.c.topic_name, OP.c.result_serialized_data]
    operations = conn.execute(sa.select(*columns).where(OP.c.bulk_uuid == bulk_uuid).order_by(OP.c.operation_key))
    listed = []
    counts: dict[int, int] = {}
    for op in operations:
        counts[op.status] = counts.get(op.status, 0) + 1
        item: dict[str, Any] = {"id": op.operation_key, "status": op.status}
        if detailed:
            item["topic_name"] = op.topic_name
            item["result_serialized_data"] = op.result_serialized_data
        item["result_message"] = op.result_message
        item["error_code"] = op.error_code
        listed.append(item)
    return {**_summary(row, counts), "operations_list": listed}


def count_with_status(conn: Connection, bulk_uuid: str, status: int, viewer: BulkUser | None) -> int:
    """Magento's ``getOperationsCountByBulkIdAndStatus``."""
    get_bulk(conn, bulk_uuid, viewer)
    query = sa.select(sa.func.count()).where(OP.c.bulk_uuid == bulk_uuid, OP.c.status == status)
    return int(conn.execute(query).scalar_one())


def list_bulks(
    conn: Connection, viewer: BulkUser | None = None, *, limit: int = 50, include_acknowledged: bool = True
) -> list[dict[str, Any]]:
    """The newest bulks first, each with its status and counts by operation status (``counts``)."""
    query = sa.select(B).where(_visible(viewer)).order_by(B.c.start_time.desc(), B.c.id.desc()).limit(limit)
    if not include_acknowledged:
        query = query.where(B.c.acknowledged.is_(False))
    rows = conn.execute(query).all()
    counts = status_counts(conn, [r.uuid for r in rows])
    return [{**_summary(r, counts[r.uuid]), "counts": counts[r.uuid]} for r in rows]


SORTS = {"description": B.c.description}  # with an index on (description, id); a bulk's status is computed


def page_bulks(
    conn: Connection,
    *,
    status: int | None = None,
    description: str | None = None,
    correlation_id: str | None = None,
    limit: int = 50,
    order: KeysetPage = NEWEST_FIRST,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The admin's Bulk Action Log: newest first (``order``: oldest first, after a bulk (keyset), or by a key of
    ``SORTS``), optionally by description (a prefix), correlation id and status, each with its counts by
    operation status; and the next page's ``cursor`` and ``after`` ({} at the end).

    The status is Magento's formula over the counts, so it filters the bulks a page reads: a page may come out
    short, and the next one goes on from the last bulk read.
    """
    column = order.column(SORTS)
    query = order.of(sa.select(B).limit(limit), B.c.id, SORTS)
    if description:
        query = query.where(B.c.description.like(_escape_like(description) + "%", escape="\\"))
    if correlation_id:
        query = query.where(B.c.correlation_id == correlation_id)
    rows = conn.execute(query).all()
    counts = status_counts(conn, [r.uuid for r in rows])
    found = [{**_summary(r, counts[r.uuid]), "counts": counts[r.uuid]} for r in rows]
    following: dict[str, Any] = {}
    if len(rows) == limit:  # from the last bulk read, kept or not
        following = {"cursor": int(rows[-1].id), "after": rows[-1].description if column is not None else None}
    return [b for b in found if status is None or b["status"] == status], following


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def operations_page(
    conn: Connection, bulk_uuid: str, *, status: int | None = None, after: int | None = None, limit: int = 50
) -> list[Row[Any]]:
    """A bulk's operations in request order from ``operation_key`` ``after`` on, optionally of one status."""
    query = sa.select(OP).where(OP.c.bulk_uuid == bulk_uuid).order_by(OP.c.operation_key).limit(limit)
    if status is not None:
        query = query.where(OP.c.status == status)
    if after is not None:
        query = query.where(OP.c.operation_key > after)
    return list(conn.execute(query))


def in_progress(conn: Connection, limit: int = 10) -> list[dict[str, Any]]:
    """Bulks with open operations (the dashboard), newest first."""
    open_bulks = sa.select(OP.c.bulk_uuid).where(OP.c.status == int(OperationStatus.OPEN)).distinct().subquery()
    rows = conn.execute(
        sa.select(B).where(B.c.uuid.in_(sa.select(open_bulks.c.bulk_uuid))).order_by(B.c.id.desc()).limit(limit)
    ).all()
    counts = status_counts(conn, [r.uuid for r in rows])
    return [{**_summary(r, counts[r.uuid]), "counts": counts[r.uuid]} for r in rows]


def retry(
    transaction: Transaction, bulk_uuid: str, viewer: BulkUser | None, operation_keys: Iterable[int] | None = None
) -> int:
    """Failed operations (2 and 3; all of the bulk's or those keys) back to open and republished; how many."""
    conn = transaction.conn
    get_bulk(conn, bulk_uuid, viewer)
    condition = sa.and_(OP.c.bulk_uuid == bulk_uuid, OP.c.status.in_([int(s) for s in RETRIABLE]))
    if operation_keys is not None:
        condition = sa.and_(condition, OP.c.operation_key.in_(list(operation_keys)))
    rows = conn.execute(
        sa.select(OP.c.id, OP.c.operation_key, OP.c.topic_name).where(condition).with_for_update()
    ).all()
    if not rows:
        return 0
    conn.execute(
        OP.update()
        .where(OP.c.id.in_([r.id for r in rows]))
        .values(
            status=int(OperationStatus.OPEN),
            result_message=None,
            error_code=None,
            started_at=None,
            finished_at=None,
        )
    )
    transaction.publish_envelopes(
        [Envelope.of(r.topic_name, operation_message(bulk_uuid, r.operation_key)) for r in rows]
    )
    return len(rows)


def acknowledge(conn: Connection, bulk_uuids: Sequence[str], viewer: BulkUser | None) -> int:
    """Mark bulks as seen by their user (they become eligible for cleanup); every uuid must exist."""
    for bulk_uuid in bulk_uuids:
        get_bulk(conn, bulk_uuid, viewer)
    updated = conn.execute(
        B.update()
        .where(B.c.uuid.in_(list(bulk_uuids)), B.c.acknowledged.is_(False))
        .values(acknowledged=True, acknowledged_at=now())
    )
    return int(updated.rowcount)


def cleanup(conn: Connection, retention_seconds: float) -> int:
    """Delete bulks acknowledged more than ``retention_seconds`` ago, with their operations; how many bulks."""
    cutoff = now() - retention_seconds
    old = sa.select(B.c.uuid).where(B.c.acknowledged.is_(True), B.c.acknowledged_at <= cutoff)
    uuids = list(conn.execute(old).scalars())
    for start in range(0, len(uuids), 500):
        chunk = uuids[start : start + 500]
        conn.execute(OP.delete().where(OP.c.bulk_uuid.in_(chunk)))
        conn.execute(B.delete().where(B.c.uuid.in_(chunk)))
    return len(uuids)


def result_data(text: str | None) -> Any:
    """A stored ``result_serialized_data`` as JSON data (None when absent)."""
    return None if text is None else orjson.loads(text)


def operation_counts(conn: Connection, cap: int = COUNT_CAP) -> dict[int, int]:
    """Operations of every bulk by status code, each counted up to ``cap`` over the (status, bulk) index
    (``/metrics``): a figure equal to ``cap`` means at least."""
    return dict(zip(OPERATION_CODES, _by_status(cap).run(conn), strict=True))


OPERATION_CODES = [int(s) for s in OperationStatus]


@functools.cache
def _by_status(cap: int) -> BoundedCounts:
    return BoundedCounts(operation_table, [operation_table.c.status == code for code in OPERATION_CODES], cap)

"""Every SQL statement on the export state (``order_export``), named, in one place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from conveyor.catalog.sales import order_table
from conveyor.orders.schema import ExportStatus, export_table

E, SO = export_table, order_table


def get(conn: Connection, export_id: int) -> sa.Row[Any]:
    row = conn.execute(sa.select(E).where(E.c.id == export_id)).first()
    if row is None:
        raise LookupError(f"no order export {export_id}")
    return row


def export_row(conn: Connection, export_id: int) -> sa.Row[Any] | None:
    """One export, or None (the admin UI's export page)."""
    return conn.execute(sa.select(E).where(E.c.id == export_id)).first()


def many(conn: Connection, export_ids: Sequence[int]) -> list[sa.Row[Any]]:
    """Rows by id, in id order."""
    rows: list[sa.Row[Any]] = []
    for start in range(0, len(export_ids), 1000):
        part = list(export_ids[start : start + 1000])
        rows.extend(conn.execute(sa.select(E).where(E.c.id.in_(part))))
    return sorted(rows, key=lambda row: int(row.id))


def record_sent(conn: Connection, updates: Sequence[dict[str, Any]], now: float) -> None:
    """Many exports rendered and sent (``export_id``, ``document``, ``file_name``, ``reference``, ``attempts``)."""
    if not updates:
        return
    statement = (
        E.update()
        .where(E.c.id == sa.bindparam("export_id"))
        .values(
            document=sa.bindparam("b_document"),
            file_name=sa.bindparam("b_file_name"),
            reference=sa.bindparam("b_reference"),
            attempts=sa.bindparam("b_attempts"),
            status=ExportStatus.SENT,
            sent_at=now,
            updated_at=now,
            error=None,
        )
    )
    conn.execute(
        statement,
        [{"export_id": u["export_id"], **{f"b_{k}": v for k, v in u.items() if k != "export_id"}} for u in updates],
    )


def find(conn: Connection, increment_id: str, target: str) -> sa.Row[Any] | None:
    """The export of order ``increment_id`` to ``target`` (through the order's unique increment id)."""
    order_id = sa.select(SO.c.entity_id).where(SO.c.increment_id == increment_id).scalar_subquery()
    return conn.execute(sa.select(E).where(E.c.order_id == order_id, E.c.target == target)).first()


def of_order(conn: Connection, order_id: int) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(E).where(E.c.order_id == order_id).order_by(E.c.target)))


def of_orders(conn: Connection, order_ids: Sequence[int]) -> dict[int, list[sa.Row[Any]]]:
    """Every export of each order (by target), for a page of orders read at once."""
    found: dict[int, list[sa.Row[Any]]] = {}
    wanted = list(dict.fromkeys(order_ids))
    for start in range(0, len(wanted), 1000):
        query = sa.select(E).where(E.c.order_id.in_(wanted[start : start + 1000])).order_by(E.c.order_id, E.c.target)
        for row in conn.execute(query):
            found.setdefault(int(row.order_id), []).append(row)
    return found


def by_pipeline(conn: Connection, pipeline_id: int) -> sa.Row[Any] | None:
    return conn.execute(sa.select(E).where(E.c.pipeline_id == pipeline_id)).first()


def update(conn: Connection, export_id: int, now: float, **values: Any) -> None:
    conn.execute(E.update().where(E.c.id == export_id).values(updated_at=now, **values))


def claim_notification(conn: Connection, export_id: int, now: float) -> bool:
    """Mark the export notified unless it already is: True for the one caller that may send."""
    return (
        conn.execute(
            E.update()
            .where(E.c.id == export_id, E.c.notified_at.is_(None))
            .values(notified_at=now, status=ExportStatus.NOTIFIED, updated_at=now)
        ).rowcount
        == 1
    )


def release_notification(conn: Connection, export_id: int, now: float) -> None:
    """The notification could not be sent: the next attempt may send it."""
    conn.execute(
        E.update().where(E.c.id == export_id).values(notified_at=None, status=ExportStatus.ACCEPTED, updated_at=now)
    )


def accept(conn: Connection, export_id: int, erp_order_id: str | None, now: float) -> None:
    """The ERP took the order under ``erp_order_id`` (None: keep what is known); an export whose notification
    went out (an order exported again with --force) stays notified."""
    accept_many(conn, [(export_id, erp_order_id)], now)


def accept_many(conn: Connection, answers: Sequence[tuple[int, str | None]], now: float) -> None:
    """``accept`` for many exports, one executemany (a backlog sent in bulk)."""
    if not answers:
        return
    status = sa.case(
        (E.c.notified_at.is_not(None), sa.literal(ExportStatus.NOTIFIED.value)),
        else_=sa.literal(ExportStatus.ACCEPTED.value),
    )
    statement = (
        E.update()
        .where(E.c.id == sa.bindparam("export_id"))
        .values(
            erp_order_id=sa.func.coalesce(
                sa.bindparam("b_erp_order_id", type_=E.c.erp_order_id.type), E.c.erp_order_id
            ),
            status=status,
            accepted_at=sa.func.coalesce(E.c.accepted_at, now),
            updated_at=now,
        )
    )
    conn.execute(statement, [{"export_id": export_id, "b_erp_order_id": erp} for export_id, erp in answers])


def listing(
    conn: Connection,
    *,
    websites: Sequence[str] = (),
    statuses: Sequence[str] = (),
    limit: int = 100,
    cursor: int | None = None,
    ascending: bool = False,
    increment_id: str | None = None,
) -> list[sa.Row[Any]]:
    """The newest exports first (oldest with ``ascending``) after id ``cursor`` (the admin UI's pages), by
    website, status or order."""
    query = sa.select(E).order_by(E.c.id.asc() if ascending else E.c.id.desc()).limit(limit)
    if cursor is not None:  # keyset: the page after the last id shown
        query = query.where(E.c.id > cursor if ascending else E.c.id < cursor)
    if increment_id:
        query = query.where(E.c.increment_id == increment_id)
    if websites:
        query = query.where(E.c.website.in_(websites))
    if statuses:
        query = query.where(E.c.status.in_(statuses))
    return list(conn.execute(query))


def sent_since(conn: Connection, since: float) -> int:
    """Exports sent since ``since`` (the dashboard's exports today)."""
    return int(conn.execute(sa.select(sa.func.count()).where(E.c.sent_at >= since)).scalar_one())


def counts(conn: Connection) -> list[sa.Row[Any]]:
    """(website, target, status, count) for an overview."""
    query = (
        sa.select(E.c.website, E.c.target, E.c.status, sa.func.count().label("count"))
        .group_by(E.c.website, E.c.target, E.c.status)
        .order_by(E.c.website, E.c.target, E.c.status)
    )
    return list(conn.execute(query))


def mark_errors(conn: Connection, pipeline_ids: Iterable[int], error: str, now: float) -> None:
    ids = list(pipeline_ids)
    if ids:
        conn.execute(
            E.update().where(E.c.pipeline_id.in_(ids)).values(status=ExportStatus.ERROR, error=error, updated_at=now)
        )

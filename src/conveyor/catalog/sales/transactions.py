"""Payment transactions (Magento's ``sales_payment_transaction``): recorded when money moves through the payment's
gateway — an online capture, a void, an online refund — and never for offline methods (check, bank transfer…).

Conveyor talks to no gateway: an online payment here is one whose method is not an offline one, and its
transactions are numbered from the invoice or credit memo (``<order>-capture-<invoice>``), so the records a
Magento client reads have Magento's shape and links (a refund's parent is its capture).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from conveyor.catalog.customers.repository import insert_one
from conveyor.catalog.customers.tables import format_timestamp, utc_now
from conveyor.catalog.errors import NotFoundError
from conveyor.catalog.paging import page_ids
from conveyor.catalog.sales.documents import ENTITY_MISSING
from conveyor.catalog.sales.models import TransactionRecord
from conveyor.catalog.sales.tables import transaction_table

__all__ = [
    "OFFLINE_METHODS",
    "get_transaction",
    "is_online",
    "record_transaction",
    "search_transactions",
    "transaction_search_fields",
]

OFFLINE_METHODS = frozenset(
    {"checkmo", "cashondelivery", "banktransfer", "purchaseorder", "free", "companycredit", "substitution"}
)


def is_online(payment: Mapping[str, Any] | None) -> bool:
    """Whether the order is paid through a gateway (captures, voids and refunds record transactions)."""
    return payment is not None and payment["method"] not in OFFLINE_METHODS


def record_transaction(
    conn: Connection,
    payment: Mapping[str, Any],
    txn_id: str,
    txn_type: str,
    *,
    parent_txn_id: str | None = None,
    is_closed: bool = True,
) -> int:
    """Add a transaction under the payment (linked to its parent's row when ``parent_txn_id`` names one)."""
    t = transaction_table.c
    parent_id = None
    if parent_txn_id is not None:
        query = sa.select(t.transaction_id).where(t.order_id == payment["parent_id"], t.txn_id == parent_txn_id)
        parent_id = conn.execute(query).scalar_one_or_none()
    return insert_one(
        conn,
        transaction_table,
        {
            "parent_id": parent_id,
            "order_id": payment["parent_id"],
            "payment_id": payment["entity_id"],
            "txn_id": txn_id,
            "parent_txn_id": parent_txn_id,
            "txn_type": txn_type,
            "is_closed": int(is_closed),
            "additional_information": None,
            "created_at": utc_now(),
        },
    )


def get_transaction(conn: Connection, transaction_id: int) -> TransactionRecord:
    found = _transactions(conn, [transaction_id])
    if not found:
        raise NotFoundError(ENTITY_MISSING)
    return found[0]


def transaction_search_fields() -> Mapping[str, ColumnElement[Any]]:
    t = transaction_table.c
    return {
        name: t[name]
        for name in (
            "transaction_id",
            "parent_id",
            "order_id",
            "payment_id",
            "txn_id",
            "parent_txn_id",
            "txn_type",
            "is_closed",
            "created_at",
        )
    }


def search_transactions(
    conn: Connection,
    where: ColumnElement[bool] | None = None,
    order_by: Sequence[ColumnElement[Any]] = (),
    limit: int | None = None,
    offset: int | None = None,
) -> tuple[list[TransactionRecord], int]:
    ids, total = page_ids(conn, transaction_table.c.transaction_id, where, order_by, limit, offset)
    return _transactions(conn, ids), total


def _transactions(conn: Connection, ids: Sequence[int]) -> list[TransactionRecord]:
    if not ids:
        return []
    t = transaction_table
    rows = {r["transaction_id"]: r for r in conn.execute(sa.select(t).where(t.c.transaction_id.in_(ids))).mappings()}
    children: dict[int, list[TransactionRecord]] = {}
    query = sa.select(t).where(t.c.parent_id.in_(list(rows))).order_by(t.c.transaction_id)
    for row in conn.execute(query).mappings():
        children.setdefault(row["parent_id"], []).append(_record(row, []))
    return [_record(rows[n], children.get(n, [])) for n in ids if n in rows]


def _record(row: Mapping[Any, Any], children: list[TransactionRecord]) -> TransactionRecord:
    return TransactionRecord(
        **{
            **row,
            "additional_information": json.loads(row["additional_information"] or "[]"),
            "created_at": format_timestamp(row["created_at"]),
        },
        child_transactions=children,
    )

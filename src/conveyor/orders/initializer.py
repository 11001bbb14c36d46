"""The export initializer: every order the rules select gets one export pipeline per target, once.

A pass has two parts, each set-based (no order travels through Python):

* **select** (``select_exports``): one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per target, all in one
  transaction, writes an ``order_export`` row (status ``scheduled``) for each matching order that has none for the
  target (unique on order and target). A concurrent pass waits for this one and then inserts nothing twice; the
  orders' conditions read indexed columns (website, status, payment method, ``created_at``).
* **materialize** (``create_export_pipelines``): the rows without a pipeline get theirs in batches of ``BATCH``, each
  batch one transaction that creates the pipelines (steps, dependencies) and links the rows to them. A row is
  never given two: the batch locks its rows (``FOR UPDATE SKIP LOCKED`` where the database has it), and pipelines
  are unique by (name, order id). A pass that dies between the two parts leaves rows the next pass materializes.

Selecting is what has to be quick whatever the backlog (< 250 ms for 10,000 orders on PostgreSQL); creating the
pipelines costs what 10,000 pipelines cost, in short transactions that never hold the pipeline tables for long.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from conveyor.catalog.sales import order_table, payment_table
from conveyor.catalog.stores import store_table, website_table
from conveyor.orders.definitions import export_definition
from conveyor.orders.rules import ExportRules, Target, WebsiteRules
from conveyor.orders.schema import ExportStatus, export_table
from conveyor.pipelines import create_pipelines, create_pipelines_from, pipeline_table

E, SO, payment = export_table, order_table, payment_table


@dataclass
class Pass:
    """What one initializer pass did: pipeline ids created, and new export rows selected, by target."""

    created: dict[str, list[int]] = field(default_factory=dict)
    selected: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.created.values())


def matching_orders(website_code: str, website: WebsiteRules, *, now: float) -> sa.Select[tuple[int, str]]:
    """The orders of ``website`` that its conditions and maximum age select (entity id, increment id)."""
    query = (
        sa.select(SO.c.entity_id, SO.c.increment_id)
        .join(store_table, store_table.c.store_id == SO.c.store_id)
        .join(website_table, website_table.c.website_id == store_table.c.website_id)
        .where(website_table.c.code == website_code)
    )
    if website.conditions:
        if any(c.payment_method is not None for c in website.conditions):
            query = query.outerjoin(payment, payment.c.parent_id == SO.c.entity_id)
        pairs = []
        for condition in website.conditions:
            parts = []
            if condition.payment_method is not None:
                parts.append(payment.c.method == condition.payment_method)
            if condition.status is not None:
                parts.append(SO.c.status == condition.status)
            pairs.append(sa.and_(*parts))
        query = query.where(sa.or_(*pairs))
    if website.max_age is not None:
        cutoff = datetime.fromtimestamp(now - website.max_age, UTC).replace(tzinfo=None)
        query = query.where(SO.c.created_at >= cutoff)
    return query


BATCH = 1000
COLUMNS = ["order_id", "increment_id", "website", "target", "status", "attempts", "created_at", "updated_at"]


def _insert_new(conn: Connection, rows: sa.Select[Any]) -> Any:
    """``INSERT INTO order_export … SELECT`` that skips rows already there, in each dialect's words."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(E).from_select(COLUMNS, rows).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(E).from_select(COLUMNS, rows).on_conflict_do_nothing()
    return E.insert().from_select(COLUMNS, rows).prefix_with("IGNORE")  # MariaDB / MySQL


def select_target(
    conn: Connection,
    website_code: str,
    website: WebsiteRules,
    target: Target,
    *,
    now: float,
    order_ids: Sequence[int] | None = None,
) -> int:
    """One target's selection in the caller's transaction: an export row for each new matching order; how many."""
    selected = matching_orders(website_code, website, now=now)
    if order_ids is not None:
        selected = selected.where(SO.c.entity_id.in_(list(order_ids)))
    new = selected.where(~sa.exists().where(E.c.order_id == SO.c.entity_id, E.c.target == target.name))
    rows = new.with_only_columns(
        SO.c.entity_id,
        SO.c.increment_id,
        sa.literal(website_code, E.c.website.type),
        sa.literal(target.name, E.c.target.type),
        sa.literal(ExportStatus.SCHEDULED.value, E.c.status.type),
        sa.literal(0, E.c.attempts.type),
        sa.literal(now, E.c.created_at.type),
        sa.literal(now, E.c.updated_at.type),
    )
    insert = _insert_new(conn, rows)
    with hash_joins(conn):
        # psycopg reports no rowcount for an INSERT … SELECT: count what it returns, in the database if it can
        if conn.dialect.name == "postgresql":
            inserted = insert.returning(E.c.id).cte("inserted")
            return int(conn.execute(sa.select(sa.func.count()).select_from(inserted)).scalar_one())
        if conn.dialect.insert_returning:
            return len(conn.execute(insert.returning(E.c.id)).all())
        return int(conn.execute(insert).rowcount or 0)


def select_exports(
    engine: Engine, rules: ExportRules, *, now: float, order_ids: Sequence[int] | None = None
) -> dict[str, int]:
    """The selection part of a pass, every enabled website and target in one transaction: new rows by target."""
    selected: dict[str, int] = {}
    with engine.begin() as conn:
        for code, website in rules.websites.items():
            if website.enabled:
                for target in website.targets:
                    selected[target.name] = select_target(conn, code, website, target, now=now, order_ids=order_ids)
    return selected


def materialize(
    conn: Connection, target: Target, *, now: float, limit: int = BATCH, pulse_id: int | None = None
) -> list[int]:
    """Pipelines for up to ``limit`` of the target's rows that have none yet, in the caller's transaction."""
    waiting = (
        sa.select(E.c.id)
        .where(E.c.target == target.name, E.c.pipeline_id.is_(None), E.c.status == ExportStatus.SCHEDULED)
        .order_by(E.c.id)
        .limit(limit)
    )
    if conn.dialect.name != "sqlite":  # SQLite has one writer at a time anyway
        waiting = waiting.with_for_update(skip_locked=True)
    ids = [int(i) for i in conn.execute(waiting).scalars()]
    if not ids:
        return []
    definition = export_definition(target)
    # {"target": …, "export_id": N}, built in SQL: the rows stay in the database
    prefix = orjson.dumps(dict(definition.arguments), option=orjson.OPT_SORT_KEYS).decode()[:-1]
    prefix += ', "export_id": ' if definition.arguments else '"export_id": '
    source = sa.select(
        sa.cast(E.c.order_id, sa.String(191)).label("key"),
        (sa.literal(prefix, sa.String) + sa.cast(E.c.id, sa.String(32)) + sa.literal("}", sa.String)).label(
            "arguments"
        ),
    ).where(E.c.id.between(ids[0], ids[-1]), E.c.id.in_(ids))
    with hash_joins(conn):
        created = create_pipelines_from(conn, definition, source, now=now, pulse_id=pulse_id)
        link_pipelines(conn, ids, definition.name)
    return created


@contextmanager
def hash_joins(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, no nested loops for the statements inside: the tables they join grew by thousands of rows
    lately (orders placed in a burst, pipelines created in this very transaction), which the planner's statistics
    do not know yet, and a nested loop over what it believes tiny takes seconds (30 s for 10,000 orders) where a
    hash join takes milliseconds."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
    try:
        yield
    finally:
        if postgres:
            conn.exec_driver_sql("SET LOCAL enable_nestloop TO DEFAULT")


def link_pipelines(conn: Connection, export_ids: Sequence[int], pipeline_name: str) -> None:
    """Point the export rows at the pipelines just created for them (keyed by order id)."""
    p = pipeline_table.c
    conn.execute(
        E.update()
        .where(
            E.c.id.in_(list(export_ids)),
            E.c.pipeline_id.is_(None),
            p.name == pipeline_name,
            p.key == sa.cast(E.c.order_id, sa.String(191)),
        )
        .values(pipeline_id=p.id)
    )


def create_export_pipelines(
    engine: Engine, rules: ExportRules, *, now: float, batch: int = BATCH, pulse_id: int | None = None
) -> dict[str, list[int]]:
    """The materializing part of a pass: pipelines for every export row without one, ``batch`` per transaction."""
    created: dict[str, list[int]] = {}
    for _, target in rules.targets().values():
        ids = created.setdefault(target.name, [])
        while True:
            with engine.begin() as conn:
                made = materialize(conn, target, now=now, limit=batch, pulse_id=pulse_id)
            ids.extend(made)
            if len(made) < batch:
                break
    return created


def initialize_exports(
    engine: Engine,
    rules: ExportRules,
    *,
    now: float,
    order_ids: Sequence[int] | None = None,
    pulse_id: int | None = None,
    batch: int = BATCH,
) -> Pass:
    """One pass: select the new matching orders, then create the pipelines of every row still without one."""
    selected = select_exports(engine, rules, now=now, order_ids=order_ids)
    return Pass(create_export_pipelines(engine, rules, now=now, batch=batch, pulse_id=pulse_id), selected)


@dataclass(frozen=True)
class Scheduled:
    """What ``export_order`` did for one target."""

    target: str
    pipeline_id: int | None  # None: not scheduled
    note: str


def export_order(
    engine: Engine,
    rules: ExportRules,
    order_id: int,
    *,
    now: float,
    target: str | None = None,
    force: bool = False,
) -> list[Scheduled]:
    """Schedule one order's export now: to ``target`` (whatever the conditions say), or to every target of its
    website whose rules select it. An order already exported to a target is exported again only with ``force``
    (a new pipeline for the same export row; a notification already sent is not sent again)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(SO.c.entity_id, SO.c.increment_id, website_table.c.code)
            .join(store_table, store_table.c.store_id == SO.c.store_id)
            .join(website_table, website_table.c.website_id == store_table.c.website_id)
            .where(SO.c.entity_id == order_id)
        ).first()
    if row is None:
        raise LookupError(f"no order {order_id} (or it has no store view)")
    website = rules.websites.get(row.code)
    if target is not None:
        code, chosen = rules.targets().get(target, (None, None))
        if chosen is None:
            known = ", ".join(sorted(rules.targets())) or "none"
            raise LookupError(f"unknown target {target!r} (known: {known})")
        targets = [(code, chosen, True)]
    elif website is None:
        return []
    else:
        with engine.connect() as conn:
            found = conn.execute(matching_orders(row.code, website, now=now).where(SO.c.entity_id == order_id)).first()
        targets = [(row.code, t, found is not None) for t in website.targets]
    results = []
    for code, chosen, selected in targets:
        if not selected:
            results.append(Scheduled(chosen.name, None, "the website's rules do not select this order"))
            continue
        results.append(_export_one(engine, code or row.code, chosen, row.entity_id, row.increment_id, now, force))
    return results


def _export_one(
    engine: Engine, website: str, target: Target, order_id: int, increment_id: str, now: float, force: bool
) -> Scheduled:
    definition = export_definition(target)
    with engine.begin() as conn:
        existing = conn.execute(sa.select(E).where(E.c.order_id == order_id, E.c.target == target.name)).first()
        if existing is not None and not force:
            return Scheduled(target.name, None, f"already exported ({existing.status}); --force to export again")
        if existing is None:
            inserted = conn.execute(
                E.insert().values(
                    order_id=order_id,
                    increment_id=increment_id,
                    website=website,
                    target=target.name,
                    status=ExportStatus.SCHEDULED,
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key
            assert inserted is not None
            export_id = inserted[0]
            key = str(order_id)
        else:
            export_id = existing.id
            key = f"{order_id}.{existing.attempts}.{int(now * 1000)}"  # a forced run: a pipeline of its own
        arguments = {"export_id": int(export_id), "order_id": order_id, "increment_id": increment_id}
        pipeline_id = create_pipelines(conn, definition, [(key, arguments)], now=now)[key]
        conn.execute(
            E.update()
            .where(E.c.id == export_id)
            .values(pipeline_id=pipeline_id, status=ExportStatus.SCHEDULED, error=None, updated_at=now)
        )
    return Scheduled(target.name, pipeline_id, "forced" if existing is not None else "scheduled")

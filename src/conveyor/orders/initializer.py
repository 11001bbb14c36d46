"""The export initializer: every order the rules select gets one export pipeline per target, once.

One pass is one transaction per target: an ``INSERT … SELECT`` of the matching orders that have no export row for
the target yet (``order_export``, unique on order and target), the pipelines of those rows created in bulk, and the
rows pointed at their pipelines (status ``scheduled``). A concurrent pass fails on the unique key and changes
nothing; so no order is ever exported twice to one target, however many passes run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from conveyor.catalog.sales import order_table
from conveyor.catalog.stores import store_table, website_table
from conveyor.orders.definitions import export_definition
from conveyor.orders.rules import ExportRules, Target, WebsiteRules
from conveyor.orders.schema import ExportStatus, export_table
from conveyor.pipelines import create_pipelines, create_pipelines_from, pipeline_table

E, SO = export_table, order_table
# The sales domain does not export its payment table yet; the export reads one column of it by name.
payment = sa.table("sales_order_payment", sa.column("parent_id"), sa.column("method"))


@dataclass
class Pass:
    """What one initializer pass created: pipeline ids by target."""

    created: dict[str, list[int]] = field(default_factory=dict)

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


def schedule(
    conn: Connection,
    website_code: str,
    website: WebsiteRules,
    target: Target,
    *,
    now: float,
    order_ids: Sequence[int] | None = None,
    pulse_id: int | None = None,
) -> list[int]:
    """One target's pass in the caller's transaction: export rows and pipelines for its new matching orders."""
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
    columns = ["order_id", "increment_id", "website", "target", "status", "attempts", "created_at", "updated_at"]
    if not conn.execute(E.insert().from_select(columns, rows)).rowcount:
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
    ).where(E.c.target == target.name, E.c.pipeline_id.is_(None))
    with hash_joins(conn):
        created = create_pipelines_from(conn, definition, source, now=now, pulse_id=pulse_id)
        link_pipelines(conn, target, definition.name)
    return created


@contextmanager
def hash_joins(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, no nested loops for the statements inside: the tables they join grew by thousands of rows
    within this transaction, which the planner's statistics do not know, and a nested loop over what it believes
    tiny takes seconds (30 s for 10,000 orders) where a hash join takes milliseconds."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
    try:
        yield
    finally:
        if postgres:
            conn.exec_driver_sql("SET LOCAL enable_nestloop TO DEFAULT")


def link_pipelines(conn: Connection, target: Target, pipeline_name: str) -> None:
    """Point the target's new export rows at the pipelines just created for them (keyed by order id)."""
    p = pipeline_table.c
    conn.execute(
        E.update()
        .where(
            E.c.target == target.name,
            E.c.pipeline_id.is_(None),
            p.name == pipeline_name,
            p.key == sa.cast(E.c.order_id, sa.String(191)),
        )
        .values(pipeline_id=p.id)
    )


def initialize_exports(
    engine: Engine,
    rules: ExportRules,
    *,
    now: float,
    order_ids: Sequence[int] | None = None,
    pulse_id: int | None = None,
) -> Pass:
    """One pass over every enabled website and target; each target in a transaction of its own."""
    result = Pass()
    for code, website in rules.websites.items():
        if not website.enabled:
            continue
        for target in website.targets:
            with engine.begin() as conn:
                result.created[target.name] = schedule(
                    conn, code, website, target, now=now, order_ids=order_ids, pulse_id=pulse_id
                )
    return result


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

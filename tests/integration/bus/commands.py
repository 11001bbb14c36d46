"""Commands the bus tests register on the default registry (the CLI's workers find them there)."""

from __future__ import annotations

from collections import Counter
from typing import ClassVar, Literal

import sqlalchemy as sa

from conveyor.bus import Command, Context, Skipped, TransientError, handles
from conveyor.bus.middleware import current_correlation_id
from conveyor.catalog.stores import customer_group_table

G = customer_group_table
Failure = Literal["permanent", "transient", "skip"] | None
attempts: Counter[str] = Counter()  # runs per group code, across retries
seen_correlation_ids: dict[str, str | None] = {}


class CreateGroup(Command):
    """Insert a customer group, then fail the way the test asks (after writing, so a rollback is visible)."""

    entity_type: ClassVar[str] = "customer_group"
    entity_key: ClassVar[str] = "code"

    code: str
    fail: Failure = None
    transient_failures: int = 0  # fail transiently this many times, then succeed
    follow_up: str | None = None  # queue CreateGroupLater(code=follow_up) from the handler


class CreateGroupLater(CreateGroup):
    """The same, queued by default on the products queue."""


def insert_group(command: CreateGroup, context: Context) -> int:
    attempts[command.code] += 1
    seen_correlation_ids[command.code] = current_correlation_id.get()
    conn = context.conn
    next_id = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(G.c.customer_group_id), 0) + 1)).scalar_one())
    conn.execute(G.insert().values(customer_group_id=next_id, customer_group_code=command.code, tax_class_id=3))
    if command.follow_up:
        context.enqueue(CreateGroupLater(code=command.follow_up))
    if attempts[command.code] <= command.transient_failures:
        raise TransientError(f"source busy ({attempts[command.code]})")
    if command.fail == "permanent":
        raise ValueError(f"the code {command.code!r} is refused")
    if command.fail == "transient":
        raise TransientError("the source is down")
    if command.fail == "skip":
        raise Skipped(f"{command.code} is unchanged")
    return next_id


handles(CreateGroup, name="test.create-group", queue="customers", queued=False)(insert_group)
handles(CreateGroupLater, name="test.create-group-later", queue="products")(insert_group)


def group_codes(conn: sa.Connection) -> set[str]:
    return {str(code) for code in conn.execute(sa.select(G.c.customer_group_code)).scalars()}

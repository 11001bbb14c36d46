"""The transactional outbox: AMQP publishes made inside a DB transaction wait here until it commits.

``stage`` writes in the caller's transaction, so a rolled-back transaction leaves nothing; ``relay``
publishes committed rows to the broker (with confirms) and deletes them, so a crash between the two
re-publishes (at least once) rather than losing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from conveyor.db.bulk_insert import insert_rows
from conveyor.db.engine import now
from conveyor.mq.envelope import Envelope
from conveyor.mq.schema import outbox_table

OUTBOX = outbox_table


def stage(conn: Connection, envelopes: Sequence[Envelope]) -> None:
    """Write ``envelopes`` to the outbox inside ``conn``'s transaction."""
    t = now()
    rows = [(e.topic, e.body, e.encoded_properties(), t) for e in envelopes]
    insert_rows(conn, OUTBOX, ("topic_name", "body", "properties", "created_at"), rows)


def relay(engine: Engine, send: Callable[[Sequence[Envelope]], None], batch: int = 500) -> int:
    """Publish every committed outbox row through ``send`` and delete it; returns how many were relayed.

    Rows are locked with SKIP LOCKED (IMMEDIATE on SQLite) so several relays never send the same row twice.
    """
    total = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                sa.select(OUTBOX.c.id, OUTBOX.c.topic_name, OUTBOX.c.body, OUTBOX.c.properties)
                .order_by(OUTBOX.c.id)
                .limit(batch)
                .with_for_update(skip_locked=engine.dialect.name != "sqlite")
            ).all()
            if not rows:
                return total
            send([Envelope.decode(r.topic_name, r.body, r.properties) for r in rows])
            conn.execute(OUTBOX.delete().where(OUTBOX.c.id.in_([r.id for r in rows])))
        total += len(rows)


def pending(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(OUTBOX)).scalar_one())

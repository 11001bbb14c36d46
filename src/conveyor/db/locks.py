"""Lease locks in the database: one holder at a time, taken over when the holder's lease expires.

Used where two processes on any machines must not do the same job at once (consumers runner, heartbeat);
a lease rather than a session lock so that a crashed holder frees the lock by itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.db.engine import now
from conveyor.db.metadata import Epoch, metadata

lock_table = sa.Table(
    "conveyor_lock",
    metadata,
    sa.Column("name", sa.String(191), primary_key=True),
    sa.Column("owner", sa.String(191), nullable=False),
    sa.Column("acquired_at", Epoch, nullable=False),
    sa.Column("expires_at", Epoch, nullable=False),
)


class LeaseLock:
    """A named lock held by ``owner`` until released or until ``ttl`` seconds pass without a renewal."""

    def __init__(self, engine: Engine, name: str, owner: str, ttl: float = 60.0) -> None:
        self.engine, self.name, self.owner, self.ttl = engine, name, owner, ttl

    def acquire(self) -> bool:
        """Take (or renew) the lock; False when another live owner holds it."""
        t = now()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    lock_table.insert().values(name=self.name, owner=self.owner, acquired_at=t, expires_at=t + self.ttl)
                )
            return True
        except sa.exc.IntegrityError:
            pass
        with self.engine.begin() as conn:
            result = conn.execute(
                lock_table.update()
                .where(
                    lock_table.c.name == self.name,
                    sa.or_(lock_table.c.owner == self.owner, lock_table.c.expires_at < t),
                )
                .values(owner=self.owner, acquired_at=t, expires_at=t + self.ttl)
            )
            return result.rowcount == 1

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(lock_table.delete().where(lock_table.c.name == self.name, lock_table.c.owner == self.owner))

    def holder(self) -> str | None:
        """The live owner, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(lock_table.c.owner).where(lock_table.c.name == self.name, lock_table.c.expires_at >= now())
            ).first()
        return row[0] if row else None

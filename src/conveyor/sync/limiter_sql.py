"""The database backend of the rate limiter: SQLite, PostgreSQL and MariaDB through SQLAlchemy Core.

pyrate-limiter's SQL buckets do not fit: its PostgreSQL bucket counts and inserts in separate statements without a
lock (two workers can both take the last slot) and there is none for MariaDB. So this bucket is our own, exact
under concurrency and cheap whatever the window's length:

* Every acquire of a source runs in one short transaction that first locks the source's state row
  (``SELECT … FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` serializes writers already), so grants are decided one
  at a time and recorded in time order.
* Grants are numbered by the running total of units (``seq``). A window of ``limit`` per ``seconds`` has room for
  ``weight`` more units iff unit number ``total + weight - limit`` was granted at least ``seconds`` ago, so the
  check is one primary-key seek per window, not a count over up to 150,000 rows, and the same seek tells how
  long to wait when the window is full.
* Rows that no window can need again (more than the largest limit behind the total) are deleted every
  ``LEAK_EVERY`` grants.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.schema import CreateTable

from conveyor.db.upsert import upsert
from conveyor.quota import Window
from conveyor.sync.limiter_schema import rate_limit_log_table, rate_limit_state_table

S, L = rate_limit_state_table, rate_limit_log_table
LEAK_EVERY = 100  # grants between two clean-ups of a source's log
DEADLOCK_RETRIES = 5


class _VanishedError(Exception):
    """The state row was deleted between ensuring and locking it (a reset)."""


def _is_lock_conflict(error: sa.exc.OperationalError) -> bool:
    """A deadlock or lock wait timeout (MariaDB 1213/1205, PostgreSQL 40P01/55P03), SQLite's busy database."""
    code = getattr(error.orig, "sqlstate", None) or (error.orig.args[0] if error.orig and error.orig.args else None)
    return code in (1213, 1205, "40P01", "55P03", "40001") or "locked" in str(error.orig)


class SqlBackend:
    """Grants recorded in ``rate_limit_state`` / ``rate_limit_log`` of ``engine``'s database."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time, *, owns_engine: bool = False) -> None:
        self.engine, self.clock, self._owns_engine = engine, clock, owns_engine
        self._known: set[str] = set()

    @classmethod
    def for_url(cls, url: str) -> SqlBackend:
        """The backend on the database of ``url``: a server's shared engine (its tables come with the migrations),
        or for SQLite an engine of its own on a file that may hold only these two tables (created when missing)."""
        from conveyor.db.engine import get_engine, make_engine

        if make_url(url).get_backend_name() != "sqlite":
            return cls(get_engine(url))
        engine = make_engine(url, sqlite_synchronous="NORMAL")  # a grant lost in a power cut only allows one call more
        with engine.begin() as conn:
            for table in (S, L):
                conn.execute(CreateTable(table, if_not_exists=True))
        return cls(engine, owns_engine=True)

    def _ensure(self, source: str) -> None:
        """Create the source's state row on first use, in a transaction of its own.

        Committed before anyone locks the row: an insert-if-missing inside the locking transaction would leave
        concurrent first users holding shared locks on the new row (MariaDB), each waiting for the other's.
        """
        if source in self._known:
            return
        with self.engine.begin() as conn:
            upsert(conn, S, [{"source": source, "total": 0, "last_at": 0.0, "blocked_until": 0.0}], ["source"], [])
        self._known.add(source)

    def _locked_state(self, conn: Connection, source: str) -> tuple[int, float, float] | None:
        """The source's state row, locked until the transaction ends (None if it was deleted: a reset)."""
        row = conn.execute(
            sa.select(S.c.total, S.c.last_at, S.c.blocked_until).where(S.c.source == source).with_for_update()
        ).first()
        if row is None:
            self._known.discard(source)
            return None
        return int(row.total), float(row.last_at), float(row.blocked_until)

    def try_acquire(self, source: str, windows: Sequence[Window], weight: int) -> float:
        for attempt in range(1, DEADLOCK_RETRIES + 1):
            self._ensure(source)
            try:
                return self._try_acquire(source, windows, weight)
            except _VanishedError:
                continue
            except sa.exc.OperationalError as exc:
                if attempt == DEADLOCK_RETRIES or not _is_lock_conflict(exc):
                    raise
                time.sleep(0.005 * attempt)  # a deadlock or lock timeout rolled our transaction back: again
        raise RuntimeError(f"the rate-limit state of {source!r} keeps being deleted while in use")

    def sources(self) -> list[str]:
        """Every source with a rate-limit state (the admin dashboard's rows)."""
        with self.engine.connect() as conn:
            return [str(s) for (s,) in conn.execute(sa.select(S.c.source).order_by(S.c.source))]

    def used(self, source: str, windows: Sequence[Window]) -> list[int]:
        """Units granted to ``source`` within each window now (what the dashboard shows as "used"). Exact up to
        each window's limit: the log keeps the newest ``max(limit)`` units, so a window whose oldest kept grant is
        inside it is full."""
        now = self.clock()
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(S.c.total).where(S.c.source == source)).scalar_one_or_none()
            if not total:
                return [0 for _ in windows]
            first = conn.execute(sa.select(sa.func.min(L.c.seq)).where(L.c.source == source)).scalar_one()
            found = []
            for window in windows:
                before = conn.execute(
                    sa.select(sa.func.max(L.c.seq)).where(L.c.source == source, L.c.at < now - window.seconds)
                ).scalar_one()
                start = int(before) if before is not None else (int(first) - 1 if first is not None else total)
                found.append(min(int(total) - start, window.limit))
            return found

    def _try_acquire(self, source: str, windows: Sequence[Window], weight: int) -> float:
        with self.engine.begin() as conn:
            state = self._locked_state(conn, source)
            if state is None:
                raise _VanishedError
            total, last_at, blocked_until = state
            now = self.clock()
            ready = max(blocked_until, self._ready_at(conn, source, windows, total, weight))
            if ready > now:
                return ready - now
            if not windows:
                return 0.0
            at = max(now, last_at)  # grants stay in time order even if this machine's clock is behind
            new_total = total + weight
            conn.execute(L.insert().values(source=source, seq=new_total, at=at))
            conn.execute(S.update().where(S.c.source == source).values(total=new_total, last_at=at))
            if new_total // LEAK_EVERY != total // LEAK_EVERY:
                keep = max(w.limit for w in windows)
                conn.execute(L.delete().where(L.c.source == source, L.c.seq <= new_total - keep))
        return 0.0

    @staticmethod
    def _ready_at(conn: Connection, source: str, windows: Sequence[Window], total: int, weight: int) -> float:
        """The earliest time every window has room for ``weight`` more units (0 when they have room already)."""
        needed = [(w, total + weight - w.limit) for w in windows if total + weight - w.limit > 0]
        if not needed:
            return 0.0
        # the time unit ``target`` was granted: the first grant whose running total reaches it
        seeks = [
            sa.select(L.c.at)
            .where(L.c.source == source, L.c.seq >= target)
            .order_by(L.c.seq)
            .limit(1)
            .scalar_subquery()
            for _, target in needed
        ]
        granted = conn.execute(sa.select(*seeks)).one()
        # a unit whose row is gone (a log reset) cannot hold anyone back
        times = [float(at) + w.seconds for (w, _), at in zip(needed, granted, strict=True) if at is not None]
        return max(times, default=0.0)

    def penalize(self, source: str, until: float) -> None:
        self._ensure(source)
        with self.engine.begin() as conn:  # one UPDATE: it waits for the row lock like an acquire does
            conn.execute(S.update().where(S.c.source == source, S.c.blocked_until < until).values(blocked_until=until))

    def penalty(self, source: str) -> float:
        with self.engine.connect() as conn:
            until = conn.execute(sa.select(S.c.blocked_until).where(S.c.source == source)).scalar()
        return float(until or 0.0)

    def reset(self, source: str) -> None:
        """Forget every grant and penalty of ``source`` (tests, or after changing a source's quota)."""
        with self.engine.begin() as conn:
            conn.execute(L.delete().where(L.c.source == source))
            conn.execute(S.delete().where(S.c.source == source))
        self._known.discard(source)

    def close(self) -> None:
        """Dispose of an engine of our own; a shared one (``get_engine``) is left to its other users."""
        if self._owns_engine:
            self.engine.dispose()

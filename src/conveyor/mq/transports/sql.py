"""The DB queue: Magento's MysqlMq model on SQLite, PostgreSQL and MariaDB.

Publishing writes one ``queue_message`` row and one ``queue_message_status`` row per bound queue, in the
caller's transaction when given one (so a message exists iff that transaction commits). Consumers claim
a batch of status rows in one short transaction (``FOR UPDATE SKIP LOCKED`` on the servers, ``BEGIN
IMMEDIATE`` on SQLite), recording who holds them and since when (``reserved_by``, ``updated_at``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine, make_url

from conveyor.db.counting import BoundedCounts, Compiled
from conveyor.db.engine import get_engine, make_engine, now
from conveyor.db.upsert import upsert
from conveyor.mq.envelope import Delivery, Envelope
from conveyor.mq.schema import Status, message_table, queue_table, status_table
from conveyor.mq.topology import Topology
from conveyor.mq.transports.base import (
    DeadLetter,
    QueueCounts,
    RefreshResult,
    StoredMessage,
    UnroutableError,
    expired_reservation,
)
from conveyor.mq.transports.sql_consumer import ConsumerConnection, PreparedStatement
from conveyor.settings import Settings

log = logging.getLogger(__name__)
S = status_table
M = message_table
WAITING = (Status.NEW, Status.RETRY_REQUIRED)
COUNTED = (Status.NEW, Status.RETRY_REQUIRED, Status.IN_PROGRESS, Status.COMPLETE, Status.ERROR)


def _topics(envelopes: Sequence[Envelope]) -> set[str]:
    """The distinct topics of a batch, in one C-level pass (a batch is usually a single topic)."""
    return set(map(attrgetter("topic"), envelopes))


def _is(status: Status) -> sa.ColumnElement[bool]:
    """``status = <literal>``: one bound parameter fewer per settle."""
    return S.c.status == _literal(status)


def _literal(status: Status) -> sa.ColumnElement[int]:
    return sa.literal_column(str(int(status)), type_=sa.SmallInteger())


def _number(value: int) -> sa.ColumnElement[int]:
    """A whole number of our own (a queue id, a status) written into the statement: no parameter to type."""
    return sa.literal_column(str(int(value)), type_=sa.Integer())


class SqlTransport:
    """A DB queue connection (``db`` unless named otherwise), on the database at ``url``."""

    connection = "db"
    transactional = True
    pushes = False

    @classmethod
    def from_url(cls, url: str, *, connection: str, settings: Settings) -> SqlTransport:
        """The ``conveyor.transports`` factory of the sqlite, postgresql and mysql schemes."""
        return cls(url, connection=connection)

    def __init__(self, url: str, *, engine: Engine | None = None, connection: str = "db") -> None:
        self.connection = connection
        self.engine = engine or get_engine(url)
        backend = make_url(url).get_backend_name()
        # The consuming side may use relaxed durability on SQLite: a lost claim or ack only redelivers.
        self.consume_engine = make_engine(url, sqlite_synchronous="NORMAL") if backend == "sqlite" else self.engine
        self.dialect = self.engine.dialect.name
        self.topology = Topology()
        self._queue_ids: dict[str, int] = {}
        self._counts: dict[tuple[tuple[int, ...], int], tuple[list[tuple[int, Status]], BoundedCounts, Compiled]] = {}
        self._consumer = ConsumerConnection(self.consume_engine)
        self._build_claims()
        held = sa.and_(
            S.c.id == sa.bindparam("status_id"), _is(Status.IN_PROGRESS), S.c.reserved_by == sa.bindparam("worker")
        )
        settle = S.update().where(held)
        # constants as literals: the ack runs once per message, and then binds only what varies
        self._ack = PreparedStatement(
            settle.values(
                status=_literal(Status.COMPLETE), updated_at=sa.bindparam("updated_at"), reserved_by=sa.null()
            ),
            self.consume_engine,
        )
        self._fail = PreparedStatement(
            settle.values(
                status=sa.bindparam("status"),
                updated_at=sa.bindparam("updated_at"),
                available_at=sa.bindparam("available_at"),
                error=sa.bindparam("error"),
                reserved_by=sa.null(),
            ),
            self.consume_engine,
        )
        # a reservation given back unstarted: waiting again now, its attempt undone
        given_back = {
            "status": sa.case((S.c.error.is_(None), Status.NEW), else_=Status.RETRY_REQUIRED),
            "number_of_trials": S.c.number_of_trials - 1,
            "updated_at": sa.bindparam("updated_at"),
            "available_at": sa.bindparam("updated_at"),
            "reserved_by": sa.null(),
        }
        self._release = PreparedStatement(settle.values(given_back), self.consume_engine)
        # a claim whose connection broke under its COMMIT may have committed: the rows it took are this worker's
        # in the store, but the worker never got them; the next claim of that (queue, worker) gives them back first
        self._unsure_claims: set[tuple[int, str]] = set()
        self._give_back_claimed = PreparedStatement(
            S.update()
            .where(
                S.c.queue_id == sa.bindparam("qid"), _is(Status.IN_PROGRESS), S.c.reserved_by == sa.bindparam("worker")
            )
            .values(given_back),
            self.consume_engine,
        )

    # --- topology ------------------------------------------------------------------------------------
    def declare(self, topology: Topology) -> None:
        self.topology = topology
        self.ensure_queues([q.name for q in topology.queues_on(self.connection)])

    def ensure_queues(self, names: Sequence[str]) -> None:
        with self.engine.begin() as conn:
            existing = {name: qid for qid, name in conn.execute(sa.select(queue_table.c.id, queue_table.c.name))}
            missing = [n for n in names if n not in existing]
            if missing:
                # insert-if-missing: another process starting at the same moment may declare the same queues
                upsert(conn, queue_table, [{"name": n} for n in missing], key=["name"], update=[])
                existing = {name: qid for qid, name in conn.execute(sa.select(queue_table.c.id, queue_table.c.name))}
        self._queue_ids.update(existing)

    def queue_id(self, name: str) -> int:
        qid = self._queue_ids.get(name)
        if qid is None:
            self.ensure_queues([name])
            qid = self._queue_ids[name]
        return qid

    # --- publishing ----------------------------------------------------------------------------------
    def publish(self, exchange: str, envelopes: Sequence[Envelope], conn: Connection | None = None) -> None:
        routes = {topic: self.topology.queues_for(self.connection, exchange, topic) for topic in _topics(envelopes)}
        for topic, queues in routes.items():
            if not queues:
                raise UnroutableError(
                    f"topic {topic!r} has no queue bound on exchange {exchange!r}; message not published"
                )
        if conn is None:
            with self.engine.begin() as own:
                self._insert(own, envelopes, routes)
        else:
            self._insert(conn, envelopes, routes)

    def _insert(self, conn: Connection, envelopes: Sequence[Envelope], routes: dict[str, tuple[str, ...]]) -> None:
        """Write the message rows and their status rows: the dialect's fastest way, in ``conn``'s transaction."""
        t = now()
        if self.dialect == "postgresql":
            self._insert_postgresql(conn, envelopes, routes, t)
            return
        rows = [(e.topic, e.body, e.encoded_properties(), t) for e in envelopes]
        if self.dialect == "sqlite":
            message_ids = self._insert_messages_sqlite(conn, rows)
        else:
            keys = ("topic_name", "body", "properties", "created_at")
            result = conn.execute(
                M.insert().returning(M.c.id, sort_by_parameter_order=True),
                [dict(zip(keys, r, strict=True)) for r in rows],
            )
            message_ids = [int(row[0]) for row in result]
        self._insert_statuses(conn, envelopes, message_ids, routes, t)

    def _insert_statuses(
        self,
        conn: Connection,
        envelopes: Sequence[Envelope],
        message_ids: list[int],
        routes: dict[str, tuple[str, ...]],
        t: float,
    ) -> None:
        """Status rows made by the server from the new message rows: one INSERT … SELECT per queue.

        Shipping only the id range (or list) instead of six values per row is what makes it cheap; a
        batch's ids are usually contiguous (one multi-row insert), so the range is two parameters.
        """
        by_queue: dict[str, list[int]] = {}
        distinct = set(routes.values())
        if len(distinct) == 1:  # one route for the whole batch (the usual case): no per-message loop
            by_queue = dict.fromkeys(distinct.pop(), message_ids)
        else:
            for message_id, envelope in zip(message_ids, envelopes, strict=True):
                for queue in routes[envelope.topic]:
                    by_queue.setdefault(queue, []).append(message_id)
        mark = "?" if self.dialect == "sqlite" else "%s"
        insert = (
            "INSERT INTO queue_message_status"
            " (queue_id, message_id, status, number_of_trials, updated_at, available_at)"
            f" SELECT {mark}, id, {int(Status.NEW)}, 0, {mark}, {mark} FROM queue_message WHERE "
        )
        for queue, ids in by_queue.items():
            head: tuple[Any, ...] = (self.queue_id(queue), t, t)
            low, high = min(ids), max(ids)
            if high - low == len(ids) - 1:  # distinct ids, so exactly the range
                conn.exec_driver_sql(insert + f"id BETWEEN {mark} AND {mark}", (*head, low, high))
            else:
                conn.exec_driver_sql(insert + f"id IN ({', '.join([mark] * len(ids))})", (*head, *ids))

    def _insert_messages_sqlite(self, conn: Connection, rows: list[tuple[Any, ...]]) -> list[int]:
        """One executemany; the ids follow from ``last_insert_rowid()``.

        The transaction holds SQLite's write lock (BEGIN IMMEDIATE), and SQLite gives each new row the
        largest rowid plus one, so the batch's ids are contiguous; the count check proves it each time.
        """
        conn.exec_driver_sql(
            "INSERT INTO queue_message (topic_name, body, properties, created_at) VALUES (?, ?, ?, ?)", rows
        )
        last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
        first = last - len(rows) + 1
        found = conn.exec_driver_sql("SELECT count(*) FROM queue_message WHERE id BETWEEN ? AND ?", (first, last))
        if found.scalar_one() != len(rows):
            raise RuntimeError("queue_message ids of a batch are not contiguous; is another writer bypassing locks?")
        return list(range(first, last + 1))

    def _insert_postgresql(
        self, conn: Connection, envelopes: Sequence[Envelope], routes: dict[str, tuple[str, ...]], t: float
    ) -> None:
        """Both tables in one statement: arrays in, ``unnest``, and the status rows joined on the topic."""
        route_topics: list[str] = []
        route_queues: list[int] = []
        for topic, queues in routes.items():
            for queue in queues:
                route_topics.append(topic)
                route_queues.append(self.queue_id(queue))
        conn.exec_driver_sql(
            """
            WITH m AS (
                INSERT INTO queue_message (topic_name, body, properties, created_at)
                SELECT u.topic, u.body, u.properties, %(t)s
                FROM unnest(%(topics)s::text[], %(bodies)s::bytea[], %(properties)s::text[])
                     WITH ORDINALITY AS u(topic, body, properties, ord)
                ORDER BY u.ord
                RETURNING id, topic_name
            )
            INSERT INTO queue_message_status
                (queue_id, message_id, status, number_of_trials, updated_at, available_at)
            SELECT r.queue_id, m.id, %(new)s, 0, %(t)s, %(t)s
            FROM m JOIN unnest(%(route_topics)s::text[], %(route_queues)s::int[]) AS r(topic, queue_id)
                 ON r.topic = m.topic_name
            ORDER BY m.id
            """,
            {
                "t": t,
                "new": int(Status.NEW),
                "topics": [e.topic for e in envelopes],
                "bodies": [e.body for e in envelopes],
                "properties": [e.encoded_properties() for e in envelopes],
                "route_topics": route_topics,
                "route_queues": route_queues,
            },
        )

    # --- consuming -----------------------------------------------------------------------------------
    def reserve(self, queue: str, limit: int, worker: str, wait: float = 0.0) -> list[Delivery]:
        qid = self.queue_id(queue)
        unsure = (qid, worker)
        if unsure in self._unsure_claims:
            # a worker claims only with nothing of this queue in hand: whatever the store says it holds here is
            # the lost claim's
            given = self._consumer.execute(self._give_back_claimed, qid=qid, worker=worker, updated_at=now())
            self._unsure_claims.discard(unsure)
            if given:
                log.warning("gave back %d messages of %s a lost connection had claimed for %s", given, queue, worker)
        parameters = {"qid": qid, "limit": limit, "worker": worker, "t": now()}
        try:
            with self._consumer.transaction() as conn:
                claimed = self._claim(conn, parameters)
        except sa.exc.OperationalError:
            self._unsure_claims.add(unsure)
            raise
        decode = Envelope.decode
        return [  # positional: this runs once per message
            Delivery(decode(topic, body, properties), queue, trials, (status_id, worker), error)
            for status_id, trials, error, topic, body, properties in sorted(claimed)
        ]

    def _claim(self, conn: ConsumerConnection, parameters: dict[str, Any]) -> Sequence[tuple[Any, ...]]:
        """Reserve up to ``limit`` waiting rows that are due, by due time (then id).

        Returns (status id, attempts, last error, topic, body, properties) per row: the message columns come
        with the claim (RETURNING), so a batch costs one statement, not a claim and a read of the bodies.
        """
        if self.claim_statement is not None:
            return conn.fetch(self.claim_statement, **parameters)
        # MariaDB: no UPDATE ... RETURNING; lock with SKIP LOCKED, update, read back
        ids = [r[0] for r in conn.fetch(self._lock_due, **parameters)]
        if not ids:
            return []
        conn.execute(self._mark_claimed, ids=ids, **parameters)
        return conn.fetch(self._read_claimed, ids=ids)

    def _build_claims(self) -> None:
        """The claim statements, compiled once, with bound parameters ``qid``, ``limit``, ``worker`` and ``t``.

        A claim takes the row out of the waiting index (``available_at`` to NULL): the index holds only what
        waits, so a claim's scan is as short as the backlog.
        """
        qid = sa.bindparam("qid", type_=sa.Integer())
        limit = sa.bindparam("limit", type_=sa.Integer())
        t: sa.BindParameter[float] = sa.bindparam("t", type_=sa.Double())
        ids: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
        due = (
            sa.select(S.c.id)
            .where(S.c.queue_id == qid, S.c.available_at <= t)
            .order_by(S.c.available_at, S.c.id)
            .limit(limit)
        )
        claim_values: dict[str, Any] = {
            "status": _literal(Status.IN_PROGRESS),
            "number_of_trials": S.c.number_of_trials + 1,
            "updated_at": t,
            "available_at": sa.null(),
            "reserved_by": sa.bindparam("worker"),
        }
        # the message's columns as correlated subqueries: SQLite's RETURNING cannot name a joined table
        claimed_columns = (
            S.c.id,
            S.c.number_of_trials,
            S.c.error,
            *(
                sa.select(c).where(M.c.id == S.c.message_id).scalar_subquery()
                for c in (M.c.topic_name, M.c.body, M.c.properties)
            ),
        )
        engine = self.consume_engine
        self.claim_statement: PreparedStatement | None = None
        if self.dialect in ("mysql", "mariadb"):
            self._lock_due = PreparedStatement(due.with_for_update(skip_locked=True), engine)
            self._mark_claimed = PreparedStatement(S.update().where(S.c.id.in_(ids)).values(claim_values), engine)
            self._read_claimed = PreparedStatement(
                sa.select(S.c.id, S.c.number_of_trials, S.c.error, M.c.topic_name, M.c.body, M.c.properties)
                .join(M, M.c.id == S.c.message_id)
                .where(S.c.id.in_(ids)),
                engine,
            )
            return
        picked: sa.ScalarSelect[Any] | sa.Select[tuple[int]]
        if self.dialect == "postgresql":
            # locked with SKIP LOCKED, in a MATERIALIZED CTE: evaluated exactly once, whatever join the planner
            # picks (a subquery on the inner side of a nested loop would be rescanned and lock more rows)
            due_ids = due.with_for_update(skip_locked=True).cte("due_ids").prefix_with("MATERIALIZED")
            picked = sa.select(due_ids.c.id)
        else:  # SQLite: BEGIN IMMEDIATE already holds the write lock
            picked = due.scalar_subquery()
        self.claim_statement = PreparedStatement(
            S.update().where(S.c.id.in_(picked)).values(claim_values).returning(*claimed_columns), engine
        )

    def _settle(self, delivery: Delivery, prepared: PreparedStatement, **values: Any) -> bool:
        """Update a reservation this worker still holds; False when refresh took it away meanwhile."""
        status_id, worker = delivery.tag
        changed = self._consumer.execute(prepared, status_id=status_id, worker=worker, updated_at=now(), **values)
        return changed > 0

    def ack(self, delivery: Delivery) -> None:
        status_id, worker = delivery.tag  # _settle inlined: this runs once per message
        self._consumer.send(self._ack, status_id=status_id, worker=worker, updated_at=now())

    def flush(self) -> None:
        self._consumer.flush()

    def retry(self, delivery: Delivery, error: str, delay: float) -> None:
        t = now()
        self._settle(delivery, self._fail, status=int(Status.RETRY_REQUIRED), available_at=t + delay, error=error)

    def dead_letter(self, delivery: Delivery, error: str) -> None:
        self._settle(delivery, self._fail, status=int(Status.ERROR), available_at=None, error=error)

    def holds(self, delivery: Delivery) -> bool:
        """A claim is a row of the database: it stays ours until settled or reclaimed, and the settle itself checks
        ``reserved_by``, so nothing is asked per message."""
        return True

    def release(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            self._settle(delivery, self._release)

    # --- inspection and maintenance ------------------------------------------------------------------
    def counts(self, queue: str) -> QueueCounts:
        return self._exact_counts([queue])[0]

    def _exact_counts(self, queues: Sequence[str]) -> list[QueueCounts]:
        """Each queue's messages by state, exactly: one grouped statement over the status rows of all ``queues``
        (a scan of the table where no index holds the status, as on SQLite)."""
        ids = {self.queue_id(name): name for name in queues}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(S.c.queue_id, S.c.status, sa.func.count(), sa.func.min(S.c.available_at))
                .where(S.c.queue_id.in_(list(ids)))
                .group_by(S.c.queue_id, S.c.status)
            ).all()
        found: dict[str, dict[int, tuple[int, Any]]] = {name: {} for name in queues}
        for qid, status, count, oldest in rows:
            found[ids[int(qid)]][int(status)] = (int(count), oldest)
        t = now()
        result = []
        for name in queues:
            by_status = found[name]
            waiting_since = [by_status[s][1] for s in WAITING if s in by_status]
            result.append(
                QueueCounts(
                    queue=name,
                    waiting=by_status.get(Status.NEW, (0, None))[0],
                    retrying=by_status.get(Status.RETRY_REQUIRED, (0, None))[0],
                    in_progress=by_status.get(Status.IN_PROGRESS, (0, None))[0],
                    complete=by_status.get(Status.COMPLETE, (0, None))[0],
                    dead=by_status.get(Status.ERROR, (0, None))[0],
                    oldest_waiting_age=max(0.0, t - min(waiting_since)) if waiting_since else None,
                )
            )
        return result

    def bounded_counts(self, queues: Sequence[str], cap: int) -> list[QueueCounts]:
        """Each queue's messages by state, each figure counted up to ``cap``, in two statements for all the queues.

        Every (queue, status) is a ``LIMIT cap`` index-only scan of ``ix_queue_message_status_state``
        (``conveyor.db.BoundedCounts``), so the cost is bounded by queues x states x cap whatever the table holds;
        the oldest waiting message is the first entry of the waiting index. Both statements are built once per
        list of queues (the dashboard's, a queue page's) and kept.

        SQLite has no such index (migration 0030: its acks would pay for it), so there the figures come from one
        scan, ~45 ms per 100,000 stored messages (``bench/README.md``, queue section), and are then capped alike.
        """
        if not queues:
            return []
        if self.dialect == "sqlite":
            return [counts.capped(cap) for counts in self._exact_counts(queues)]
        ids = {name: self.queue_id(name) for name in queues}
        key = (tuple(ids.values()), cap)
        prepared = self._counts.get(key)
        if prepared is None:
            pairs = [(qid, status) for qid in ids.values() for status in COUNTED]
            oldest = [
                sa.select(_number(qid).label("q"), sa.func.min(S.c.available_at).label("t")).where(
                    S.c.queue_id == qid, S.c.available_at.is_not(None)
                )
                for qid in ids.values()
            ]
            conditions = [(S.c.queue_id == q) & (S.c.status == _literal(s)) for q, s in pairs]
            prepared = (
                pairs,
                BoundedCounts(S, conditions, cap),
                Compiled(sa.union_all(*oldest) if len(oldest) > 1 else oldest[0]),
            )
            if len(self._counts) > 64:  # a few lists of queues in practice; never grow without bound
                self._counts.clear()
            self._counts[key] = prepared
        pairs, counting, oldest_statement = prepared
        with self.engine.connect() as conn:
            found = dict(zip(pairs, counting.run(conn), strict=True))
            since = {int(q): t for q, t in oldest_statement.execute(conn)}
        t = now()
        return [
            QueueCounts(
                queue=name,
                waiting=found[qid, Status.NEW],
                retrying=found[qid, Status.RETRY_REQUIRED],
                in_progress=found[qid, Status.IN_PROGRESS],
                complete=found[qid, Status.COMPLETE],
                dead=found[qid, Status.ERROR],
                oldest_waiting_age=None if since.get(qid) is None else max(0.0, t - float(since[qid])),
                cap=cap,
            )
            for name, qid in ids.items()
        ]

    def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        qid = self.queue_id(queue)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(S.c.id, S.c.number_of_trials, S.c.error, M.c.topic_name, M.c.body, M.c.properties)
                .join(M, M.c.id == S.c.message_id)
                .where(S.c.queue_id == qid, S.c.status == Status.ERROR)
                .order_by(S.c.id)
                .limit(limit)
            ).all()
        return [
            DeadLetter(
                queue=queue,
                envelope=Envelope.decode(r.topic_name, r.body, r.properties),
                attempts=r.number_of_trials,
                error=r.error,
                id=r.id,
            )
            for r in rows
        ]

    def browse(self, queue: str, statuses: Sequence[int], before: int | None, limit: int) -> list[StoredMessage]:
        """Messages of ``queue`` in ``statuses``, newest first, from status id ``before`` down (keyset paging over
        the status table's key, so a page costs the same at the millionth row as at the first)."""
        condition = sa.and_(S.c.queue_id == self.queue_id(queue), S.c.status.in_([int(s) for s in statuses]))
        if before is not None:
            condition = sa.and_(condition, S.c.id < before)
        query = (
            sa.select(
                S.c.id,
                S.c.status,
                S.c.number_of_trials,
                S.c.error,
                S.c.updated_at,
                M.c.topic_name,
                M.c.body,
                M.c.properties,
            )
            .join(M, M.c.id == S.c.message_id)
            .where(condition)
            .order_by(S.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            StoredMessage(
                id=int(r.id),
                status=int(r.status),
                attempts=int(r.number_of_trials),
                error=r.error,
                updated_at=float(r.updated_at),
                envelope=Envelope.decode(r.topic_name, r.body, r.properties),
            )
            for r in rows
        ]

    def completed_per_bucket(
        self, queues: Sequence[str], since: float, bucket: float, buckets: int
    ) -> dict[str, list[int]]:
        """Messages of each queue completed in each of ``buckets`` intervals of ``bucket`` seconds from ``since``
        (the dashboard's throughput chart): one grouped statement over the (queue, status, updated_at) index,
        reading only the window's completions."""
        ids = {self.queue_id(name): name for name in queues}
        index = sa.cast((S.c.updated_at - since) / bucket, sa.Integer)
        query = (
            sa.select(S.c.queue_id, index, sa.func.count())
            .where(S.c.queue_id.in_(list(ids)), _is(Status.COMPLETE), S.c.updated_at >= since)
            .group_by(S.c.queue_id, index)
        )
        counts = {name: [0] * buckets for name in queues}
        with self.engine.connect() as conn:
            for qid, position, count in conn.execute(query):
                counts[ids[int(qid)]][min(max(int(position), 0), buckets - 1)] += int(count)
        return counts

    def replay(self, queue: str, ids: Sequence[Any] | None = None) -> int:
        condition = sa.and_(S.c.queue_id == self.queue_id(queue), S.c.status == Status.ERROR)
        if ids is not None:
            bad = [i for i in ids if not str(i).isascii() or not str(i).isdigit()]
            if bad:
                raise ValueError(f"dead letter id {bad[0]!r} is not a whole number (queue dead-letters lists them)")
            condition = sa.and_(condition, S.c.id.in_([int(i) for i in ids]))
        t = now()
        with self.engine.begin() as conn:
            result = conn.execute(
                S.update()
                .where(condition)
                .values(status=Status.NEW, number_of_trials=0, error=None, updated_at=t, available_at=t)
            )
        return int(result.rowcount)

    def purge(self, queue: str) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(S.delete().where(S.c.queue_id == self.queue_id(queue), S.c.status.in_(WAITING)))
            self._delete_orphans(conn, now())
        return int(result.rowcount)

    def refresh(self, reserved_seconds: float, max_attempts: int) -> RefreshResult:
        stale = sa.and_(
            S.c.queue_id.in_(sa.select(queue_table.c.id)),  # per queue: MariaDB's waiting index (queue_id, …) serves
            S.c.status == Status.IN_PROGRESS,
            S.c.updated_at < now() - reserved_seconds,
        )
        return self._give_back(stale, max_attempts)

    def reclaim(self, workers: Sequence[str], max_attempts: int) -> RefreshResult:
        if not workers:
            return RefreshResult()
        return self._give_back(sa.and_(S.c.status == Status.IN_PROGRESS, S.c.reserved_by.in_(workers)), max_attempts)

    def _give_back(self, held: sa.ColumnElement[bool], max_attempts: int) -> RefreshResult:
        """Return the reservations ``held`` selects, counting an attempt only where a handler started.

        A worker handles its batch in status-id order and settles each message before the next, so of the rows a
        worker still holds only the lowest had its handler running (``started``); the others were claimed and
        never started, and go back with the claim's attempt undone. The started one keeps its attempt and, past
        ``max_attempts``, is dead-lettered: a message that kills its worker must not loop.
        """
        t, result = now(), RefreshResult()
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(S.c.id, S.c.reserved_by, S.c.number_of_trials, S.c.error)
                .where(held)
                .order_by(S.c.id)
                .with_for_update(skip_locked=self.dialect != "sqlite")
            ).all()
            started: dict[str | None, Any] = {}
            for row in rows:
                started.setdefault(row.reserved_by, row)
            exhausted = [row for row in started.values() if row.number_of_trials >= max_attempts]
            for row in exhausted:
                reason = expired_reservation(row.reserved_by, row.number_of_trials, row.error)
                conn.execute(
                    S.update()
                    .where(S.c.id == row.id, S.c.status == Status.IN_PROGRESS)
                    .values(status=Status.ERROR, error=reason, reserved_by=None, updated_at=t)
                )
                result.details.append(f"dead-lettered status #{row.id}: {reason}")
            result.dead_lettered = len(exhausted)
            first = {row.id for row in started.values()}
            keep = [row.id for row in started.values() if row.number_of_trials < max_attempts]
            undo = [row.id for row in rows if row.id not in first]
            returned = {"available_at": t, "reserved_by": None, "updated_at": t}
            for chunk in _chunks(keep):
                conn.execute(
                    S.update()
                    .where(S.c.id.in_(chunk), S.c.status == Status.IN_PROGRESS)
                    .values(status=Status.RETRY_REQUIRED, **returned)
                )
            for chunk in _chunks(undo):  # back as they were before the claim
                conn.execute(
                    S.update()
                    .where(S.c.id.in_(chunk), S.c.status == Status.IN_PROGRESS)
                    .values(
                        status=sa.case((S.c.error.is_(None), Status.NEW), else_=Status.RETRY_REQUIRED),
                        number_of_trials=S.c.number_of_trials - 1,
                        **returned,
                    )
                )
            result.requeued = len(keep) + len(undo)
            if undo:
                result.details.append(f"gave back {len(undo)} claimed but never started, without an attempt")
        return result

    def clean(self, retention_seconds: float) -> int:
        """Delete complete messages older than the retention period; returns how many status rows went."""
        cutoff = now() - retention_seconds
        with self.engine.begin() as conn:
            result = conn.execute(
                S.delete().where(
                    S.c.queue_id.in_(sa.select(queue_table.c.id)),
                    S.c.status == Status.COMPLETE,
                    S.c.updated_at < cutoff,
                )
            )
            self._delete_orphans(conn, cutoff)
        return int(result.rowcount)

    @staticmethod
    def _delete_orphans(conn: Connection, cutoff: float) -> None:
        conn.execute(M.delete().where(M.c.created_at <= cutoff, ~sa.exists().where(S.c.message_id == M.c.id)))

    def close(self) -> None:
        self._consumer.close()
        if self.consume_engine is not self.engine:
            self.consume_engine.dispose()


def _chunks(ids: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    """``IN`` lists of a bounded size (SQLite's and the drivers' parameter limits)."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]

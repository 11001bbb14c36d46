"""Write-behind on PostgreSQL: what is handed over runs in order, is seen by every later use of the connection,
and a failure behind fails the transaction, with nothing written. Elsewhere nothing runs behind."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.db import make_engine
from conveyor.db.bulk_insert import insert_rows, insert_rows_behind
from conveyor.db.upsert import upsert
from conveyor.db.write_behind import SWITCH_INTERVAL, is_writing_behind, reserve_ids, writing_behind

_meta = sa.MetaData()
_probe = sa.Table(
    "write_behind_probe",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("hits", sa.Integer, nullable=False),
)
_child = sa.Table(  # a real foreign key: its rows must arrive after their parent's
    "write_behind_child",
    _meta,
    sa.Column("probe_id", sa.Integer, sa.ForeignKey("write_behind_probe.id"), primary_key=True),
)


def _rows(start: int, count: int) -> list[tuple[str, int]]:
    return [(f"c{n}", n) for n in range(start, start + count)]


def _stored(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(_probe.c.code, _probe.c.hits)).all())


@pytest.fixture
def store(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    _meta.drop_all(engine)
    _meta.create_all(engine)
    yield engine
    _meta.drop_all(engine)
    engine.dispose()


def test_rows_handed_over_are_seen_by_the_next_statement_in_order(store: Engine) -> None:
    interval = sys.getswitchinterval()
    with store.begin() as conn:
        with writing_behind(conn):
            assert is_writing_behind(conn)
            assert sys.getswitchinterval() == min(SWITCH_INTERVAL, interval)  # the feeding thread gets the GIL sooner
            for start in range(0, 20_000, 2_000):
                insert_rows_behind(conn, _probe, ("code", "hits"), _rows(start, 2_000))
            # a statement through SQLAlchemy waits for everything before it
            assert conn.execute(sa.select(sa.func.count()).select_from(_probe)).scalar_one() == 20_000
            ids = reserve_ids(conn, _probe.c.id, 3)
            insert_rows_behind(conn, _probe, ("id", "code", "hits"), [(i, f"r{i}", -1) for i in ids])
            insert_rows_behind(conn, _child, ("probe_id",), [(i,) for i in ids])  # after its parent, as handed over
            upsert(
                conn, _probe, [{"code": "c5", "hits": 500}], key=["code"], update=["hits"], distinct=True, behind=True
            )
            # a plain insert_rows (the driver connection, no events) waits as well
            insert_rows(conn, _probe, ("code", "hits"), [("last", 0)])
        assert not is_writing_behind(conn)
        assert sys.getswitchinterval() == interval
    stored = _stored(store)
    assert len(stored) == 20_004 and stored["c5"] == 500 and stored["c19999"] == 19_999
    assert sorted(ids) == ids and len(set(ids)) == 3
    with store.begin() as conn:  # the sequence moved past the reserved ids
        conn.execute(_probe.insert().values(code="after", hits=0))
        after = conn.execute(sa.select(_probe.c.id).where(_probe.c.code == "after")).scalar_one()
    assert after > max(ids)


def test_a_failure_behind_fails_the_transaction_and_nothing_is_written(store: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError, match="write_behind_probe"), store.begin() as conn, writing_behind(conn):
        insert_rows_behind(conn, _probe, ("code", "hits"), _rows(0, 1_000))
        insert_rows_behind(conn, _probe, ("code", "hits"), [("c7", 7)])  # a duplicate code, behind
        insert_rows_behind(conn, _probe, ("code", "hits"), _rows(5_000, 10))  # skipped: the transaction is lost
        conn.execute(sa.select(sa.literal(1)))  # the failure surfaces here, in this thread
    assert _stored(store) == {}


def test_the_commit_waits_for_what_was_handed_over(store: Engine) -> None:
    with store.begin() as conn, writing_behind(conn):
        insert_rows_behind(conn, _probe, ("code", "hits"), _rows(0, 30_000))
    assert len(_stored(store)) == 30_000
    assert not [t for t in threading.enumerate() if t.name == "write-behind"]


def test_an_error_in_the_block_rolls_back_what_is_queued(store: Engine) -> None:
    with pytest.raises(RuntimeError), store.begin() as conn, writing_behind(conn):
        for start in range(0, 30_000, 1_000):
            insert_rows_behind(conn, _probe, ("code", "hits"), _rows(start, 1_000))
        raise RuntimeError("the import failed")
    assert _stored(store) == {}
    assert not [t for t in threading.enumerate() if t.name == "write-behind"]


def test_elsewhere_nothing_runs_behind(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    _meta.create_all(engine)
    try:
        with engine.begin() as conn, writing_behind(conn):
            assert not is_writing_behind(conn)
            insert_rows_behind(conn, _probe, ("code", "hits"), _rows(0, 10))
            assert conn.execute(sa.select(sa.func.count()).select_from(_probe)).scalar_one() == 10
    finally:
        _meta.drop_all(engine)
        engine.dispose()


def test_a_connection_killed_while_writing_behind_fails_the_block_and_ends_the_thread(store: Engine) -> None:
    """The server ends the backend mid-COPY (a restart, an administrator): the failure reaches the caller, nothing
    is written, and the thread ends instead of waiting on a dead connection."""
    with pytest.raises(sa.exc.DBAPIError), store.begin() as conn, writing_behind(conn):
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        for start in range(0, 200_000, 20_000):
            insert_rows_behind(conn, _probe, ("code", "hits"), _rows(start, 20_000))
        with store.connect() as other:
            assert other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar_one()
        conn.execute(sa.select(sa.literal(1)))
    assert _stored(store) == {}
    assert not [t for t in threading.enumerate() if t.name == "write-behind"]


def test_ids_are_reserved_ahead_and_never_given_twice(store: Engine) -> None:
    with store.begin() as conn, writing_behind(conn):
        first = reserve_ids(conn, _probe.c.id, 5)
        second = reserve_ids(conn, _probe.c.id, 20_000)  # more than a block: the rest is reserved on the spot
        third = reserve_ids(conn, _probe.c.id, 1)
        every = first + second + third
        assert len(set(every)) == len(every) == 20_006
        insert_rows_behind(conn, _probe, ("id", "code", "hits"), [(i, f"r{i}", 0) for i in every])
    assert len(_stored(store)) == 20_006

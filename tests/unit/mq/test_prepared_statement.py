"""``PreparedStatement``: a statement compiled once binds exactly the values given, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from conveyor.db import make_engine
from conveyor.mq.transports.sql_consumer import PreparedStatement

items = sa.Table(
    "items", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("label", sa.String(20))
)


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'items.db'}")
    items.create(engine)
    with engine.begin() as conn:
        conn.execute(items.insert(), [{"id": i, "label": f"item {i}"} for i in range(1, 6)])
    return engine


def run(engine: sa.Engine, prepared: PreparedStatement, **values: object) -> list[tuple[object, ...]]:
    sql, parameters = prepared.bind(values)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(sql, parameters)]


def test_an_in_list_is_expanded_per_length_and_each_expansion_kept(engine: sa.Engine) -> None:
    prepared = PreparedStatement(
        sa.select(items.c.label).where(items.c.id.in_(sa.bindparam("ids", expanding=True))).order_by(items.c.id),
        engine,
    )
    assert run(engine, prepared, ids=[2, 4]) == [("item 2",), ("item 4",)]
    assert run(engine, prepared, ids=[1, 3, 5]) == [("item 1",), ("item 3",), ("item 5",)]
    assert run(engine, prepared, ids=[5, 1]) == [("item 1",), ("item 5",)]  # the kept 2-variant, new values
    assert prepared.bind({"ids": [9, 8]})[0] is prepared.bind({"ids": [1, 2]})[0]


def test_constants_are_merged_and_values_passed_through_in_order(engine: sa.Engine) -> None:
    with_constant = PreparedStatement(
        items.update().where(items.c.id == sa.bindparam("key")).values(label="fixed"), engine
    )
    direct = PreparedStatement(
        items.update().where(items.c.id == sa.bindparam("key")).values(label=sa.bindparam("new")), engine
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(*with_constant.bind({"key": 1}))
        conn.exec_driver_sql(*direct.bind({"new": "renamed", "key": 2}))
    with engine.connect() as conn:
        labels = {row.id: row.label for row in conn.execute(sa.select(items.c.id, items.c.label))}
    assert labels[1] == "fixed" and labels[2] == "renamed" and labels[3] == "item 3"


def test_a_missing_value_fails_instead_of_binding_null(engine: sa.Engine) -> None:
    direct = PreparedStatement(
        items.update().where(items.c.id == sa.bindparam("key")).values(label=sa.bindparam("new")), engine
    )
    with pytest.raises(KeyError, match="new"):
        direct.bind({"key": 3})

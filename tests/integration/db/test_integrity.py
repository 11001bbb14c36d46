"""``conveyor db check`` finds every orphan row, whether its reference is a database constraint or a declared
``info["references"]`` column, on the three databases; a whole store reports none."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from conveyor.cli import main
from conveyor.db import make_engine
from conveyor.db.integrity import find_orphans, references
from conveyor.schema import metadata
from conveyor.settings import get_settings


def write_unchecked(engine: Engine, statement: str) -> None:
    """Run ``statement`` with the database's foreign-key checks off: how an orphan could be written."""
    if engine.dialect.name == "sqlite":
        raw = sqlite3.connect(str(engine.url.database))  # a plain connection checks no foreign key
        with raw:
            raw.execute(statement)
        raw.close()
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql(statement)
        else:
            conn.exec_driver_sql("SET foreign_key_checks = 0")
            conn.exec_driver_sql(statement)
            conn.exec_driver_sql("SET foreign_key_checks = 1")


def test_a_whole_store_has_no_orphans_and_each_orphan_is_named(db_url: str) -> None:
    engine = make_engine(db_url)
    website = metadata.tables["catalog_product_website"]
    with engine.connect() as conn:
        assert find_orphans(conn, metadata) == []
    write_unchecked(engine, "INSERT INTO catalog_product_website (product_id, website_id) VALUES (987654, 1)")
    with engine.connect() as conn:
        found = find_orphans(conn, metadata)
    with engine.begin() as conn:
        conn.execute(website.delete().where(website.c.product_id == 987654))
    assert [(o.reference.name, o.count) for o in found] == [
        ("catalog_product_website(product_id) → catalog_product_entity(entity_id)", 1)
    ]
    assert not found[0].reference.enforced  # a declared reference: the product tables' (migration 0029)


def test_declared_references_without_a_constraint_are_checked_too(tmp_path: object) -> None:
    meta = sa.MetaData()
    parent = sa.Table("parent", meta, sa.Column("id", sa.Integer, primary_key=True))
    child = sa.Table(
        "child",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, info={"references": "parent.id"}),
        sa.Column("up_id", sa.Integer, sa.ForeignKey("child.id")),  # a table referring to itself
    )
    engine = sa.create_engine("sqlite://")
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(parent.insert(), [{"id": 1}])
        conn.execute(
            child.insert(),
            [
                {"id": 1, "parent_id": 1, "up_id": None},
                {"id": 2, "parent_id": 2, "up_id": 1},
                {"id": 3, "parent_id": None, "up_id": 7},
                {"id": 4, "parent_id": 9, "up_id": 3},
            ],
        )
        found = {(o.reference.name, o.reference.enforced): o.count for o in find_orphans(conn, meta)}
    assert found == {("child(up_id) → child(id)", True): 1, ("child(parent_id) → parent(id)", False): 2}
    assert len(list(references(meta))) == 2


def test_the_command_says_so_and_exits_1_on_orphans(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        whole = CliRunner().invoke(main, ["db", "check"])
        assert whole.exit_code == 0, whole.output
        assert f"no orphan rows ({len(list(references(metadata)))} references checked)" in whole.output
        write_unchecked(make_engine(sqlite_url), "INSERT INTO catalog_product_website VALUES (55, 1)")
        broken = CliRunner().invoke(main, ["db", "check"])
        assert broken.exit_code == 1
        assert "catalog_product_website(product_id)" in broken.output
    finally:
        get_settings.cache_clear()

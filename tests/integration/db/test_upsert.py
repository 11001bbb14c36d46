"""The one upsert primitive behaves the same on the three dialects."""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.db import make_engine
from conveyor.db.upsert import upsert

_meta = sa.MetaData()
_table = sa.Table(
    "upsert_probe",
    _meta,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("label", sa.String(64), nullable=False),
    sa.Column("hits", sa.Integer, nullable=False),
)


def test_upsert_inserts_updates_and_can_keep_existing(db_url: str) -> None:
    engine = make_engine(db_url)
    _meta.drop_all(engine)
    _meta.create_all(engine)
    try:
        rows = [{"code": f"c{i}", "label": f"first {i}", "hits": i} for i in range(2500)]  # more than one chunk
        with engine.begin() as conn:
            upsert(conn, _table, rows, key=["code"])
            upsert(conn, _table, [{"code": "c1", "label": "second", "hits": 99}], key=["code"], update=["label"])
            upsert(conn, _table, [{"code": "c2", "label": "ignored", "hits": 0}], key=["code"], update=[])
            upsert(conn, _table, [], key=["code"])
        with engine.connect() as conn:
            found = {r.code: (r.label, r.hits) for r in conn.execute(sa.select(_table))}
        assert len(found) == 2500
        assert found["c1"] == ("second", 1)  # only the listed column changed
        assert found["c2"] == ("first 2", 2)  # insert-if-missing left it alone
        assert found["c2499"] == ("first 2499", 2499)
    finally:
        _meta.drop_all(engine)
        engine.dispose()

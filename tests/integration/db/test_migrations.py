"""The migrations produce exactly the declared schema, on every backend."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from conveyor.db import ensure_migrated, make_engine
from conveyor.db.migrate import current_revision, for_dialect, head_revision
from conveyor.schema import metadata


def test_migrated_schema_equals_the_metadata(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": for_dialect(engine.dialect.name)})
        diff = compare_metadata(context, metadata)
    assert diff == []
    assert current_revision(engine) == head_revision()


def test_the_embedded_default_migrates_itself(tmp_path: object) -> None:
    from pathlib import Path

    from conveyor.db import get_engine
    from conveyor.db.engine import dispose_engines

    path = Path(str(tmp_path)) / "var" / "fresh.db"
    engine = get_engine(f"sqlite:///{path}")
    assert path.exists()
    assert "queue_message_status" in sa.inspect(engine).get_table_names()
    ensure_migrated(engine)  # idempotent
    assert current_revision(engine) == head_revision()
    dispose_engines()

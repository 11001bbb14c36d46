"""Alembic environment: runs on the engine handed in by conveyor.db.migrate (or the settings URL)."""

from __future__ import annotations

from alembic import context

import conveyor.db.tables  # noqa: F401  (registers every table on the metadata)
from conveyor.db.engine import make_engine
from conveyor.db.metadata import metadata
from conveyor.db.migrate import for_dialect
from conveyor.settings import get_settings

config = context.config
engine = config.attributes.get("engine") or make_engine(get_settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        include_object=for_dialect(engine.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

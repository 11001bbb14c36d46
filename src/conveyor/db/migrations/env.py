"""Alembic environment: runs on the engine handed in by conveyor.db.migrate (or the settings URL).

Running the migrations needs no target metadata: each one is explicit and self-contained. Autogenerate does; a caller
that wants it hands the complete metadata (``conveyor.schema.metadata``) in ``config.attributes["target_metadata"]``,
so that db imports no feature package (``conveyor db diff`` compares without Alembic's environment at all).
"""

from __future__ import annotations

from alembic import context

from conveyor.db.engine import make_engine
from conveyor.db.migrate import for_dialect
from conveyor.settings import get_settings

config = context.config
engine = config.attributes.get("engine") or make_engine(get_settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=config.attributes.get("target_metadata"),
        render_as_batch=True,
        include_object=for_dialect(engine.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

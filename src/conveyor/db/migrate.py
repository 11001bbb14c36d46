"""Alembic, driven from code: ``conveyor db upgrade`` and the embedded default's self-migration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs our migrations on ``engine``'s database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate ``engine``'s database to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def for_dialect(dialect: str) -> Callable[..., bool]:
    """Alembic ``include_object``: leaves out the indexes declared for other dialects (``Index.ddl_if``),
    which Alembic's comparison does not consult by itself."""

    def include(obj: object, _name: str | None, type_: str, reflected: bool, _compare_to: object) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        if type_ != "index" or reflected or condition is None or condition.dialect is None:
            return True
        dialects = (condition.dialect,) if isinstance(condition.dialect, str) else condition.dialect
        return dialect in dialects

    return include


def pending_operations(engine: Engine, metadata: MetaData) -> str:
    """Alembic operations that would bring ``engine``'s schema to ``metadata`` (for writing migrations).

    The caller hands in the complete metadata (``conveyor.schema.metadata``): db knows no package's tables."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": for_dialect(engine.dialect.name)})
        operations = produce_migrations(context, metadata).upgrade_ops
    return render_python_code(operations) if operations is not None else ""


def ensure_migrated(engine: Engine) -> None:
    """Upgrade to head unless already there (cheap enough to call on every start)."""
    if current_revision(engine) != head_revision():
        upgrade(engine)

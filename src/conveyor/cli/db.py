"""``conveyor db …``: migrations."""

from __future__ import annotations

import click

from conveyor.cli.common import console
from conveyor.db import make_engine, upgrade
from conveyor.db.migrate import current_revision, head_revision, pending_operations
from conveyor.settings import get_settings


@click.group()
def db() -> None:
    """The database: migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_command(revision: str) -> None:
    """Migrate the database at CONVEYOR_DATABASE_URL to REVISION."""
    engine = make_engine(get_settings().database_url)
    upgrade(engine, revision)
    console.print(f"database at revision {current_revision(engine)}")


@db.command()
def current() -> None:
    """Show the database's revision and the newest one."""
    engine = make_engine(get_settings().database_url)
    console.print(f"current {current_revision(engine)}, head {head_revision()}")


@db.command()
def diff() -> None:
    """Print the Alembic operations between the database and the declared tables (to write a migration)."""
    from conveyor.schema import metadata  # every package's tables: imported by the one command that compares them

    click.echo(pending_operations(make_engine(get_settings().database_url), metadata))

"""``conveyor db …``: migrations, and the check that no row lost its parent."""

from __future__ import annotations

import click
from rich.table import Table

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


@db.command()
def check() -> None:
    """Count orphan rows: child rows whose parent is gone, for every reference the tables declare. Exit 1 if any."""
    from conveyor.db.integrity import find_orphans, references
    from conveyor.schema import metadata

    engine = make_engine(get_settings().database_url)
    with engine.connect() as conn:
        orphans = find_orphans(conn, metadata)
    checked = sum(1 for _ in references(metadata))
    if not orphans:
        console.print(f"no orphan rows ({checked} references checked)")
        return
    table = Table("reference", "enforced", "orphan rows", title="orphan rows")
    for found in orphans:
        table.add_row(found.reference.name, "yes" if found.reference.enforced else "no", str(found.count))
    console.print(table)
    raise SystemExit(1)

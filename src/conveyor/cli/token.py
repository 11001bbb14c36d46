"""``conveyor token …`` (integration tokens) and ``conveyor user …`` (admin users who log in for admin tokens)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click
from rich.table import Table

from conveyor.cli.common import ConfigError, console

# the API modules are imported inside the commands: every ``conveyor`` start (each consumer process) pays for
# what this module imports at the top


def _engine() -> Any:
    from conveyor.db.engine import get_engine
    from conveyor.settings import get_settings

    return get_engine(get_settings().database_url)


def _when(epoch: float | None) -> str:
    return "-" if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


@click.group()
def token() -> None:
    """Integration tokens: bearer tokens for other systems, valid until revoked."""


@token.command("create")
@click.argument("name")
@click.option(
    "--resources",
    default=None,
    metavar="A,B,…",
    help="ACL resources the token grants, by exact match as Magento's, e.g. "
    "Magento_Catalog::products,Magento_Customer::customer (default: all); names no route declares are refused.",
)
def create_token(name: str, resources: str | None) -> None:
    """Create the token of integration NAME and print it (it is shown only once)."""
    from conveyor.api.acl import check, known_resources
    from conveyor.api.auth import UserExistsError, create_integration_token, parse_resources
    from conveyor.api.operations import default_registry

    try:
        granted = None if resources is None else parse_resources(resources)
        if granted is not None:  # a name no route declares would grant nothing: refuse it with close matches
            check(granted, known_resources(default_registry()))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--resources") from exc
    try:
        with _engine().begin() as conn:
            secret = create_integration_token(conn, name, granted)
    except UserExistsError as exc:
        raise ConfigError(str(exc)) from exc
    click.echo(secret)


@token.command("list")
def list_tokens() -> None:
    """Integration tokens and live admin tokens (never the tokens themselves)."""
    import sqlalchemy as sa

    from conveyor.api.schema import api_token_table as t
    from conveyor.db.engine import now

    table = Table("kind", "name", "resources", "created (UTC)", "expires (UTC)")
    with _engine().connect() as conn:
        rows = conn.execute(
            sa.select(t.c.kind, t.c.name, t.c.resources, t.c.created_at, t.c.expires_at)
            .where(sa.or_(t.c.expires_at.is_(None), t.c.expires_at > now()))
            .order_by(t.c.kind, t.c.name)
        )
        for row in rows:
            granted = "all" if row.resources is None else ", ".join(json.loads(row.resources))
            table.add_row(row.kind, row.name, granted, _when(row.created_at), _when(row.expires_at))
    console.print(table)


@token.command("revoke")
@click.argument("name")
def revoke_token(name: str) -> None:
    """Revoke the token of integration NAME."""
    from conveyor.api.auth import revoke_integration

    with _engine().begin() as conn:
        revoked = revoke_integration(conn, name)
    if not revoked:
        raise ConfigError(f"no integration named {name!r}")
    console.print(f"revoked the token of {name}")


@click.group()
def user() -> None:
    """Admin users: they log in with POST /rest/V1/integration/admin/token."""


@user.command("create")
@click.argument("username")
@click.password_option("--password", help="The password (asked for when not given).")
def create_admin(username: str, password: str) -> None:
    """Create admin user USERNAME."""
    if not password:
        raise click.BadParameter("must not be empty", param_hint="--password")
    from conveyor.api.auth import UserExistsError, create_user

    try:
        with _engine().begin() as conn:
            create_user(conn, username, password)
    except UserExistsError as exc:
        raise ConfigError(str(exc)) from exc
    console.print(f"created admin user {username}")


@user.command("list")
def list_admins() -> None:
    """Admin users, whether they are active, and until when a locked one is locked."""
    import sqlalchemy as sa

    from conveyor.api.login import locked_until
    from conveyor.api.schema import admin_user_table as u
    from conveyor.settings import get_settings

    failures = get_settings().admin_lockout_failures
    table = Table("username", "active", "locked until (UTC)", "created (UTC)")
    with _engine().connect() as conn:
        for row in conn.execute(sa.select(u.c.username, u.c.is_active, u.c.created_at).order_by(u.c.username)):
            locked = locked_until(conn, row.username, failures)
            table.add_row(row.username, "yes" if row.is_active else "no", _when(locked), _when(row.created_at))
    console.print(table)


@user.command("unlock")
@click.argument("username")
def unlock_admin(username: str) -> None:
    """End USERNAME's lockout after failed logins (CONVEYOR_ADMIN_LOCKOUT_FAILURES in a row lock it)."""
    from conveyor.api.login import unlock_admin as unlock

    with _engine().begin() as conn:
        if not unlock(conn, username):
            raise ConfigError(f"no admin user named {username!r}, and no lock of that name")
    console.print(f"{username} is unlocked")


@user.command("disable")
@click.argument("username")
def disable_admin(username: str) -> None:
    """Disable USERNAME: its tokens stop working at once and it cannot log in."""
    _set_active(username, False)


@user.command("enable")
@click.argument("username")
def enable_admin(username: str) -> None:
    """Enable USERNAME again."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    from conveyor.api.auth import set_user_active

    with _engine().begin() as conn:
        if not set_user_active(conn, username, active):
            raise ConfigError(f"no admin user named {username!r}")
    console.print(f"{username} is {'enabled' if active else 'disabled'}")

"""The CLI's one error boundary: a setup mistake is one line naming the setting or argument, exit 2; never a traceback.

Commands raise what the layers below raise (a driver's ``OperationalError``, pydantic's ``ValidationError``, a
``PluginError``, an ``OSError``); ``GuardedGroup`` turns each kind into a sentence here, once, instead of every
command catching them. Anything unforeseen is a bug: one line with its type and ``CONVEYOR_DEBUG=1`` for the
traceback, exit 1.
"""

from __future__ import annotations

import os
import re
from typing import Any

import click
import pydantic
import sqlalchemy.exc
from pydantic_settings import SettingsError
from sqlalchemy.engine import make_url

from conveyor.plugins import PluginError
from conveyor.settings import Settings

EXIT_USAGE = 2
ENV_PREFIX = "CONVEYOR_"


class SetupError(click.ClickException):
    """A configuration or environment the command cannot run with: exit 2, like a usage error."""

    exit_code = EXIT_USAGE


class GuardedGroup(click.Group):
    """A click group whose commands' setup errors become ``SetupError`` lines (see the module docstring)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("CONVEYOR_DEBUG") == "1":
                raise
            described = describe(exc)
            if described is None:
                raise click.ClickException(
                    f"internal error: {type(exc).__name__}: {_first_line(exc)} (CONVEYOR_DEBUG=1 shows the traceback)"
                ) from None
            raise SetupError(described) from None


def describe(exc: BaseException) -> str | None:
    """The one line for a setup error, naming the setting; None for anything that is not one."""
    if isinstance(exc, pydantic.ValidationError):
        return "; ".join(_setting_error(error) for error in exc.errors())
    if isinstance(exc, SettingsError):
        field = re.search(r'field "(\w+)"', str(exc))
        name = _env(field.group(1)) if field else "a CONVEYOR_* setting"
        cause = f": {exc.__cause__}" if exc.__cause__ else ""
        return f"{name}: cannot be read (lists and maps are JSON){cause}"
    if isinstance(exc, PluginError):
        return f"{exc} (check CONVEYOR_DATABASE_URL, CONVEYOR_AMQP_URL and CONVEYOR_CONNECTIONS)"
    if isinstance(exc, sqlalchemy.exc.DBAPIError | sqlalchemy.exc.ArgumentError):
        return f"database {_database()}: {_first_line(exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc)}"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc} (check CONVEYOR_DATABASE_URL, CONVEYOR_TOPOLOGY_FILES, paths)"
    return None


def _setting_error(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()))
    given = error.get("input")
    shown = f" (given {given!r})" if isinstance(given, str | int | float) else ""
    return f"{_env(location) if location else 'settings'}: {error.get('msg', 'invalid')}{shown}"


def _env(field: str) -> str:
    return ENV_PREFIX + field.split(".", maxsplit=1)[0].upper()


def _database() -> str:
    """The configured database URL without its password (CONVEYOR_DATABASE_URL), or the setting's name."""
    try:
        url = Settings().database_url  # read now: the environment is what the command ran with
        return f"{make_url(url).render_as_string(hide_password=True)} (CONVEYOR_DATABASE_URL)"
    except Exception:  # the settings themselves are what is broken
        return "(CONVEYOR_DATABASE_URL)"


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).strip() if exc is not None else ""
    return text.splitlines()[0] if text else type(exc).__name__
